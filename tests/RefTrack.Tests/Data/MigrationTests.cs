using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

public sealed class MigrationTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(),
            "The model changed without a migration: dotnet ef migrations add <Name> --project src/RefTrack --context SqliteAppDbContext --output-dir Data/Migrations/Sqlite");
    }

    [Fact]
    public void Postgres_migrations_match_the_model()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(),
            "The model changed without a migration: dotnet ef migrations add <Name> --project src/RefTrack --context PostgresAppDbContext --output-dir Data/Migrations/Postgres");
    }

    [Fact]
    public async Task Startup_applies_postgres_migrations_with_utc_timestamps_and_bigint_money()
    {
        using var app = new TestApp(Provider.Postgres);
        _ = app.Server;

        await using var connection = new Npgsql.NpgsqlConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND column_name IN ('CreatedAt', 'Amount')
            ORDER BY 1
            """;
        var columns = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }
        }

        Assert.Contains("Rewards.Amount:bigint", columns);
        Assert.Contains("Conversions.Amount:bigint", columns);
        Assert.Contains("Rewards.CreatedAt:timestamp with time zone", columns);
        Assert.DoesNotContain(columns, c => c.EndsWith(":timestamp without time zone", StringComparison.Ordinal));

        await using var scope = app.Services.CreateAsyncScope();
        Assert.Empty(await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task With_migrate_on_start_off_a_node_refuses_a_schema_that_is_behind_and_starts_on_a_current_one()
    {
        var off = new Dictionary<string, string?> { ["RefTrack:Database:MigrateOnStart"] = "false" };
        using var behind = new TestApp(off);
        var e = behind.StartFailure();
        Assert.Contains("pending migration(s)", AllMessages(e), StringComparison.Ordinal);

        await using (var db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
                         .UseSqlite(behind.Database.ConnectionString).Options))
        {
            await db.Database.MigrateAsync(); // The operator applies them by hand.
        }

        using var current = new TestApp(new Dictionary<string, string?>(off)
        {
            ["RefTrack:Database:Path"] = behind.DatabasePath,
        });
        var health = await current.Client(apiKey: null).GetAsync("/healthz");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public Task A_postgres_node_creates_its_missing_database_and_migrates_it() =>
        OnMissingDatabaseAsync(
            missing => new() { ["RefTrack:Database:ConnectionString"] = TestDatabase.OnServer(missing) },
            async (app, missing) =>
            {
                var health = await app.Client(apiKey: null).GetAsync("/healthz");
                Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);

                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                Assert.Equal(missing, db.Database.GetDbConnection().Database);
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
                Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
            });

    [Fact]
    public Task With_migrate_on_start_off_a_postgres_node_refuses_a_missing_database_and_creates_nothing() =>
        OnMissingDatabaseAsync(missing => new()
            {
                ["RefTrack:Database:ConnectionString"] = TestDatabase.OnServer(missing),
                ["RefTrack:Database:MigrateOnStart"] = "false",
            },
            async (app, missing) =>
            {
                var message = AllMessages(app.StartFailure());
                Assert.Contains($"The PostgreSQL database {missing} does not exist", message, StringComparison.Ordinal);
                Assert.Contains("MigrateOnStart is false", message, StringComparison.Ordinal);
                Assert.False(await ExistsAsync(missing));
            });

    [Fact]
    public Task A_postgres_node_whose_user_may_not_create_its_missing_database_says_what_to_do()
    {
        var user = "reftrack_test_user_" + Guid.NewGuid().ToString("N");
        return OnMissingDatabaseAsync(missing => new()
            {
                ["RefTrack:Database:ConnectionString"] = new Npgsql.NpgsqlConnectionStringBuilder(
                    TestDatabase.OnServer(missing)) { Username = user, Password = "not-a-secret" }.ToString(),
            },
            async (app, missing) =>
            {
                await CreateRoleAsync(user);
                try
                {
                    var message = AllMessages(app.StartFailure());
                    Assert.Contains($"The PostgreSQL database {missing} does not exist", message,
                        StringComparison.Ordinal);
                    Assert.Contains($"user {user} may not create it", message, StringComparison.Ordinal);
                    Assert.Contains($"CREATE DATABASE \"{missing}\" OWNER \"{user}\"", message,
                        StringComparison.Ordinal);
                    Assert.False(await ExistsAsync(missing));
                }
                finally
                {
                    await TestDatabase.OnServerAsync($"DROP ROLE IF EXISTS \"{user}\"");
                }
            });
    }

    [Fact]
    public Task Two_postgres_nodes_started_together_on_a_missing_database_both_come_up_on_one_migrated_database() =>
        OnMissingDatabaseAsync(
            missing => new() { ["RefTrack:Database:ConnectionString"] = TestDatabase.OnServer(missing) },
            async (nodes, missing) =>
            {
                // Both look for the database before either has created it (CREATE DATABASE copies a template, far
                // longer than the look; seen by hand with both nodes' look logged), so the loser's CREATE fails on
                // the winner's unique index, and it must start all the same; then their migrations meet at the lock.
                // EF Core's provider absorbs that failure itself, so this checks the whole start, not
                // PostgresDatabaseCreation's own catch (the duplicate-database error of a loser that looked later,
                // which no test can time).
                await Task.WhenAll(nodes.Select(node => Task.Run(() => _ = node.Server)));
                foreach (var node in nodes)
                {
                    var health = await node.Client(apiKey: null).GetAsync("/healthz");
                    Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
                }

                Assert.True(await ExistsAsync(missing));
                await using var scope = nodes[1].Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
                var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
                Assert.Equal(db.Database.GetMigrations(), applied);
            },
            nodes: 2);

    /// <summary>
    /// An app whose connection string names a database that does not exist yet (<paramref name="settings"/> of its
    /// name), given to <paramref name="test"/> unstarted. Afterwards the app is disposed first, since dropping the
    /// database under running services breaks their connections, then the database, if it was made, is dropped.
    /// </summary>
    private static Task OnMissingDatabaseAsync(
        Func<string, Dictionary<string, string?>> settings, Func<TestApp, string, Task> test) =>
        OnMissingDatabaseAsync(settings, (nodes, missing) => test(nodes[0], missing), nodes: 1);

    /// <summary><see cref="OnMissingDatabaseAsync(Func{string, Dictionary{string, string?}}, Func{TestApp, string,
    /// Task})"/> with <paramref name="nodes"/> apps on the same missing database.</summary>
    private static async Task OnMissingDatabaseAsync(
        Func<string, Dictionary<string, string?>> settings, Func<TestApp[], string, Task> test, int nodes)
    {
        var missing = "reftrack_test_new_" + Guid.NewGuid().ToString("N");
        var apps = Enumerable.Range(0, nodes).Select(_ => new TestApp(Provider.Postgres, _ => settings(missing)))
            .ToArray();
        try
        {
            await test(apps, missing);
        }
        finally
        {
            foreach (var app in apps)
            {
                app.Dispose();
            }

            await DropAsync(missing);
        }
    }

    /// <summary>A role that may log in but not create databases. The test server's user needs CREATEROLE for it: a
    /// developer's server without it skips the test; under CI (a superuser) it runs.</summary>
    private static async Task CreateRoleAsync(string user)
    {
        try
        {
            await TestDatabase.OnServerAsync($"CREATE ROLE \"{user}\" LOGIN NOCREATEDB PASSWORD 'not-a-secret'");
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InsufficientPrivilege
                                                  && !TestDatabase.IsCi)
        {
            Assert.Skip($"The test server's user may not create roles ({e.MessageText}).");
        }
    }

    private static async Task<bool> ExistsAsync(string database) =>
        await TestDatabase.OnServerAsync("SELECT COUNT(*) FROM pg_database WHERE datname = $1", database) is 1L;

    private static Task DropAsync(string database) =>
        TestDatabase.OnServerAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");

    private static string AllMessages(Exception e) =>
        e is AggregateException a ? string.Join(" | ", a.InnerExceptions.Select(AllMessages))
        : e.InnerException is { } inner ? e.Message + " | " + AllMessages(inner) : e.Message;

    /// <summary>Both settings of <c>synchronous</c>: the bundled SQLite's own default is FULL (2), so only NORMAL (1)
    /// shows that the setting is applied at all (found by review).</summary>
    [Theory]
    [InlineData("Full", "2")]
    [InlineData("Normal", "1")]
    public async Task Startup_applies_migrations_and_sqlite_settings(string synchronous, string pragma)
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["RefTrack:Database:Synchronous"] = synchronous });
        _ = app.Server; // Starts the host: migrations and WAL run before the server answers.

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal("wal", await Pragma(db, "journal_mode"));
        Assert.Equal(pragma, await Pragma(db, "synchronous"));
        Assert.Equal("1", await Pragma(db, "foreign_keys"));
        Assert.True(File.Exists(app.DatabasePath));
    }

    /// <summary>EF Core's SQLite migration lock is a committed row (dotnet/efcore#38958): a process killed while
    /// migrating leaves it, and EF waits for it forever, without a log line, on every later start.</summary>
    [Fact]
    public async Task A_sqlite_node_starts_after_a_process_died_holding_the_migration_lock()
    {
        using var app = new TestApp();
        var pooledOff = app.Database.ConnectionString + ";Pooling=False";
        await using (var db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
                         .UseSqlite(pooledOff).Options))
        {
            await db.Database.MigrateAsync();
            // What a process killed (OOM, SIGKILL, power loss) inside Migrate leaves behind.
            await db.Database.ExecuteSqlRawAsync("""
                CREATE TABLE IF NOT EXISTS "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL);
                INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-12-01 00:00:00+00:00');
                """);
        }

        var start = Task.Run(() => app.Server);
        try
        {
            await start.WaitAsync(TimeSpan.FromMinutes(2)); // A guard against waiting forever, not a measure.
        }
        catch (TimeoutException)
        {
            await ExecuteAsync(pooledOff, "DELETE FROM \"__EFMigrationsLock\""); // Unblocks it, so the app can be disposed.
            await start;
            throw;
        }

        Assert.Equal(0L, await ExecuteAsync(pooledOff, "SELECT COUNT(*) FROM \"__EFMigrationsLock\""));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.Client(apiKey: null).GetAsync("/healthz")).StatusCode);

        static async Task<object?> ExecuteAsync(string connectionString, string sql)
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync();
        }
    }

    [Fact]
    public async Task Write_transactions_take_the_write_lock_at_begin()
    {
        using var app = new TestApp();
        _ = app.Server;
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        // BEGIN IMMEDIATE: the lock is held before the first statement, so writers queue on busy_timeout instead
        // of failing when a read transaction cannot be upgraded.
        await using var tx = await db.Database.BeginTransactionAsync();
        await using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath};Pooling=False;Default Timeout=1");
        await other.OpenAsync();
        await using var command = other.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE;";
        var error = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(5, error.SqliteErrorCode); // SQLITE_BUSY
    }

    [Fact]
    public async Task Sqlite_rollup_and_visitor_tables_are_without_rowid_and_keep_their_rows_both_ways()
    {
        // EF Core cannot declare WITHOUT ROWID; migration KeyTablesWithoutRowId rebuilds the tables. A later
        // migration whose SQLite rebuild of one of them drops it fails here.
        string[] tables = ["CampaignDailyStats", "ParticipantDailyClicks", "RewardTotals", "ParticipantRewardTotals", "ClickVisitors"];
        var path = Path.Combine(Path.GetTempPath(), $"reftrack-rowid-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
                .UseSqlite($"Data Source={path};Pooling=False").Options);
            var migrator = db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>();
            await migrator.MigrateAsync("UnusedForeignKeyIndexes"); // The one before.
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO "ClickVisitors" VALUES ('c', 'k', 'r');
                INSERT INTO "ParticipantDailyClicks" VALUES ('c', 'p', '2026-11-30', 3, 2, 1);
                INSERT INTO "CampaignDailyStats" VALUES ('c', '2026-11-30', 17, 1, 1, 0, 0, 0, 0, 0);
                INSERT INTO "RewardTotals" VALUES ('c', 'USD', 'Held', 0, 2, 1000);
                INSERT INTO "ParticipantRewardTotals" VALUES ('c', 'p', 'USD', 'Held', 2, 1000);
                """);

            await migrator.MigrateAsync();
            foreach (var table in tables)
            {
                Assert.EndsWith("WITHOUT ROWID", await Schema(db, table), StringComparison.Ordinal);
                Assert.Equal(1L, await Rows(db, table));
            }

            Assert.Equal(3, await db.Database.SqlQueryRaw<int>("""SELECT "Clicks" AS "Value" FROM "ParticipantDailyClicks" """).SingleAsync());
            Assert.Equal(2, await db.Database.SqlQueryRaw<int>(
                """SELECT COUNT(*) AS "Value" FROM sqlite_master WHERE name IN ('IX_CampaignDailyStats_Deltas', 'IX_RewardTotals_Deltas')""").SingleAsync());

            await migrator.MigrateAsync("UnusedForeignKeyIndexes");
            foreach (var table in tables)
            {
                Assert.DoesNotContain("WITHOUT ROWID", await Schema(db, table), StringComparison.Ordinal);
                Assert.Equal(1L, await Rows(db, table));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    /// <summary>Through the connection: a table name cannot be a parameter.</summary>
    private static async Task<long> Rows(AppDbContext db, string table)
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> Schema(AppDbContext db, string table) =>
        await db.Database.SqlQueryRaw<string>(
            """SELECT "sql" AS "Value" FROM sqlite_master WHERE type = 'table' AND name = {0}""", table).SingleAsync();

    private static async Task<string> Pragma(AppDbContext db, string name)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {name};";
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
