using Npgsql;

namespace RefTrack.Tests.Infrastructure;

public enum Provider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A database owned by one test: a SQLite file in a temporary folder, or a fresh PostgreSQL database on the
/// server named by <c>REFTRACK_TEST_POSTGRES</c> (default: loopback, user/password postgres). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres";
    private static readonly Lazy<string?> ServerProblem = new(ProbeServer);

    private readonly string? _folder;
    private readonly string? _postgresName;

    private TestDatabase(Provider provider)
    {
        Provider = provider;
        if (provider == Provider.Sqlite)
        {
            _folder = Directory.CreateTempSubdirectory("reftrack-test-").FullName;
            Settings = new Dictionary<string, string?>
            {
                ["RefTrack:Database:Provider"] = "sqlite",
                ["RefTrack:Database:Path"] = Path.Combine(_folder, "reftrack.db"),
                // Relaxed durability keeps the suite fast; the setting itself is covered by MigrationTests.
                ["RefTrack:Database:Synchronous"] = "Normal",
            };
            return;
        }

        _postgresName = "reftrack_test_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE DATABASE \"{_postgresName}\"");
        Settings = new Dictionary<string, string?>
        {
            ["RefTrack:Database:Provider"] = "postgres",
            ["RefTrack:Database:ConnectionString"] = ConnectionString,
        };
    }

    public Provider Provider { get; }

    /// <summary>Configuration that points RefTrack at this database.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public string? SqlitePath => Provider == Provider.Sqlite ? Settings["RefTrack:Database:Path"] : null;

    public string ConnectionString => Provider == Provider.Sqlite
        ? $"Data Source={SqlitePath}"
        : OnServer(_postgresName!); // Set for every PostgreSQL database.

    /// <summary>A connection string for a database on the test server (a test's own, one a test makes, or
    /// "postgres"). Pools of 20: several tests (and two-node tests, two pools) share one server of
    /// max_connections=100.</summary>
    public static string OnServer(string database) =>
        new NpgsqlConnectionStringBuilder(Server) { Database = database, MaxPoolSize = 20 }.ToString();

    /// <summary>Runs <paramref name="sql"/> on the test server's maintenance database, where one that may not exist can
    /// be asked for, with positional parameters (<c>$1</c>, …); returns the first column of its first row.</summary>
    public static async Task<object?> OnServerAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(OnServer("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return await command.ExecuteScalarAsync();
    }

    /// <summary>
    /// A database of the given kind. PostgreSQL tests skip when no server answers on a developer machine and fail
    /// under CI (<c>CI=true</c>), so they never silently disappear there.
    /// </summary>
    public static TestDatabase Create(Provider provider)
    {
        if (provider == Provider.Postgres && ServerProblem.Value is { } problem)
        {
            if (IsCi)
            {
                Assert.Fail($"CI=true but PostgreSQL is not reachable ({problem}). Run .ci/postgres or set REFTRACK_TEST_POSTGRES.");
            }

            Assert.Skip($"PostgreSQL not reachable ({problem}); set REFTRACK_TEST_POSTGRES to run these tests.");
        }

        return new TestDatabase(provider);
    }

    public void Dispose()
    {
        if (_folder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open only costs temp space.
            }
        }

        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            Execute($"DROP DATABASE IF EXISTS \"{_postgresName}\" WITH (FORCE)");
        }
    }

    /// <summary>Any value of <c>CI</c> but "false" and "0": runners set "true", "1" or their own name, and a PostgreSQL
    /// test must not skip quietly on any of them (found by review: only "true" counted).</summary>
    internal static bool IsCi => Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci
        && !string.Equals(ci, "false", StringComparison.OrdinalIgnoreCase) && ci != "0";

    private static string Server => Environment.GetEnvironmentVariable("REFTRACK_TEST_POSTGRES") is { Length: > 0 } s ? s : DefaultServer;

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server) { Database = "postgres", Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string? ProbeServer()
    {
        try
        {
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server)
            {
                Database = "postgres", Pooling = false, Timeout = 15, // A busy machine can take seconds to accept; a missing server refuses at once.
            }.ToString());
            connection.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            return e.Message;
        }
    }
}
