using System.Net;
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
        string? overSocket = null;
        using var app = new TestApp(Provider.Postgres, db => new Dictionary<string, string?>
        {
            ["RefTrack:Database:ConnectionString"] = overSocket = OverSocket(db),
        });
        var client = app.Client();

        var campaign = await client.CreateCampaign(); // Start-up migrated the database over the socket; this writes.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await client.GetOk($"/api/v1/campaigns/{campaign}");

        // The connection string RefTrack makes of it reaches the server over the socket (no server address).
        var effective = DataServices.PostgresConnectionString(new DatabaseOptions { ConnectionString = overSocket });
        await using var connection = new NpgsqlConnection(effective);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT inet_server_addr() IS NULL", connection);
        Assert.True((bool)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    /// <summary>The test's database, made over TCP by <see cref="TestDatabase"/>, handed to the socket's role and
    /// named through the socket.</summary>
    private static string OverSocket(TestDatabase db)
    {
        var tcp = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var directory = Environment.GetEnvironmentVariable("REFTRACK_TEST_POSTGRES_SOCKET") is { Length: > 0 } d
            ? d
            : "/var/run/postgresql";
        using (var admin = new NpgsqlConnection(TestDatabase.OnServer("postgres")))
        {
            admin.Open();
            using var role = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = @role", admin);
            role.Parameters.AddWithValue("role", Role);
            var socket = Path.Combine(directory, $".s.PGSQL.{tcp.Port}");
            // The socket must lead to the server the test's database was made on: one on this host.
            var local = tcp.Host is "127.0.0.1" or "localhost" or "::1";
            if (!local || !File.Exists(socket) || (long)role.ExecuteScalar()! == 0)
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

            using var owner = new NpgsqlCommand($"ALTER DATABASE \"{tcp.Database}\" OWNER TO {Role}", admin);
            owner.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder
        {
            Host = directory, Port = tcp.Port, Database = tcp.Database, Username = Role, Password = Role,
            MaxPoolSize = tcp.MaxPoolSize,
        }.ToString();
    }
}
