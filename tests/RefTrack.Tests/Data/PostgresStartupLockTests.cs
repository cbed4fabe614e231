using System.Net;
using Npgsql;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>
/// PostgreSQL locks that a node meets while another migrates (found by review): the migration lock, which a starting
/// node waited for only as long as the connection's command timeout before its start failed; and EF Core's own lock on
/// the migrations history, which the health probe of every running node read and waited behind, out of the balancer's
/// pool for the whole migration.
/// </summary>
public sealed class PostgresStartupLockTests
{
    [Fact]
    public async Task A_node_waits_for_another_nodes_migrations_past_its_command_timeout()
    {
        using var app = new TestApp(Provider.Postgres, db => new Dictionary<string, string?>
        {
            ["RefTrack:Database:ConnectionString"] = db.ConnectionString + ";Command Timeout=2",
        });
        await using var other = new NpgsqlConnection(app.Database.ConnectionString);
        await other.OpenAsync();
        await using (var hold = new NpgsqlCommand($"SELECT pg_advisory_lock({DatabaseStartup.MigrationLockKey})", other))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var start = Task.Run(() => app.Client(apiKey: null)); // Starting the host migrates, under the lock.
        await Task.Delay(TimeSpan.FromSeconds(5)); // Past the command timeout.
        Assert.False(start.IsCompleted, "started while another node held the migration lock");
        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({DatabaseStartup.MigrationLockKey})", other))
        {
            await release.ExecuteNonQueryAsync();
        }

        var client = await start;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task The_health_probe_answers_while_another_node_migrates()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client(apiKey: null);
        await using var other = new NpgsqlConnection(app.Database.ConnectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        // What EF Core's migration lock takes for a migration's run.
        await using (var hold = new NpgsqlCommand("""LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE""", other, tx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }
}
