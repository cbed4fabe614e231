using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// RefTrack on PostgreSQL over a Unix-domain socket, as docs/operations.md suggests for a server on the same host.
/// RefTrack's default TCP keepalive once failed every connection there ("Operation not supported"), so the service
/// could not start. Needs the server's socket directory (<c>REFTRACK_TEST_POSTGRES_SOCKET</c>, default
/// <c>/var/run/postgresql</c>) and the role <c>.ci/postgres</c> makes for this test, allowed in over the socket by
/// password; it skips without them on a developer machine and fails under CI, like every PostgreSQL test.
/// </summary>
public sealed class PostgresUnixSocketTests
{
    private const string Role = "reftrack_socket";

    [Fact]
    public async Task The_service_migrates_and_writes_over_a_unix_socket()
    {
        using var app = new TestApp(Provider.Postgres, db => new Dictionary<string, string?>
        {
            ["RefTrack:Database:ConnectionString"] = OverSocket(db),
        });
        await HandToSocketRoleAsync(app.Database); // Before the first client starts the app.
        var client = app.Client();

        var campaign = await client.CreateCampaign(); // Start-up migrated the database over the socket; this writes.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await client.GetOk($"/api/v1/campaigns/{campaign}");

        // RefTrack's own connections reach the server over the socket (no server address), whatever it made of the
        // connection string (found by review: a connection of the test's own showed only what the test had asked for).
        using var scope = app.Services.CreateScope();
        var overSocket = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database
            .SqlQueryRaw<bool>("""SELECT inet_server_addr() IS NULL AS "Value" """)
            .SingleAsync(TestContext.Current.CancellationToken);
        Assert.True(overSocket);
    }

    private static string SocketDirectory =>
        Environment.GetEnvironmentVariable("REFTRACK_TEST_POSTGRES_SOCKET") is { Length: > 0 } d ? d : "/var/run/postgresql";

    /// <summary>The test's database, made over TCP by <see cref="TestDatabase"/>, named through the socket.</summary>
    private static string OverSocket(TestDatabase db)
    {
        var tcp = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        return new NpgsqlConnectionStringBuilder
        {
            Host = SocketDirectory, Port = tcp.Port, Database = tcp.Database, Username = Role, Password = Role,
            MaxPoolSize = tcp.MaxPoolSize,
        }.ToString();
    }

    /// <summary>Hands the test's database to the socket's role, once the socket and the role are there.</summary>
    private static async Task HandToSocketRoleAsync(TestDatabase db)
    {
        var tcp = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var socket = Path.Combine(SocketDirectory, $".s.PGSQL.{tcp.Port}");
        // The socket must lead to the server the test's database was made on: one on this host.
        var local = tcp.Host is "127.0.0.1" or "localhost" or "::1";
        if (!local || !File.Exists(socket)
                   || await TestDatabase.OnServerAsync("SELECT count(*) FROM pg_roles WHERE rolname = $1", Role) is 0L)
        {
            var problem = local
                ? $"no socket {socket} or no role {Role}: run .ci/postgres"
                : $"the test server {tcp.Host} is not on this host";
            if (TestDatabase.IsCi)
            {
                Assert.Fail($"CI=true but PostgreSQL cannot be reached over a Unix socket ({problem}).");
            }

            Assert.Skip($"PostgreSQL over a Unix socket not set up ({problem}).");
        }

        await TestDatabase.OnServerAsync($"ALTER DATABASE \"{tcp.Database}\" OWNER TO {Role}");
    }
}
