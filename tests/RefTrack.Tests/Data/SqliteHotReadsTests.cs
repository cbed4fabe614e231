using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary><see cref="SqliteHotReads"/>: queries on kept connections, compiled once, seeing every commit.</summary>
public sealed class SqliteHotReadsTests : IDisposable
{
    private readonly TestDatabase _database = TestDatabase.Create(Provider.Sqlite);
    private readonly SqliteHotReads _reads;

    public SqliteHotReadsTests()
    {
        var options = new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(_database.ConnectionString).Options;
        using (var db = new SqliteAppDbContext(options))
        {
            db.Database.Migrate();
        }

        _reads = new SqliteHotReads(options);
    }

    [Fact]
    public async Task A_query_run_again_is_compiled_once_and_sees_rows_committed_in_between()
    {
        var (first, statements, compiled) = await SettingWithStatements("k");
        Assert.Null(first);

        await using (var other = new SqliteConnection(_database.ConnectionString))
        {
            await other.OpenAsync();
            await using var insert = other.CreateCommand();
            insert.CommandText = """INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ('k', 'v')""";
            await insert.ExecuteNonQueryAsync();
        }

        var (again, sameStatements, compiledAgain) = await SettingWithStatements("k");
        Assert.Equal("v", again);
        Assert.Same(statements, sameStatements); // The same kept context, so its compiled statement was reused…
        Assert.Equal(compiled, compiledAgain); // …and nothing was compiled again.
    }

    [Fact]
    public async Task A_kept_connection_holds_no_read_transaction_between_queries_so_a_checkpoint_completes()
    {
        await using var writer = new SqliteConnection(_database.ConnectionString);
        await writer.OpenAsync();
        await Execute(writer, "PRAGMA journal_mode = WAL;"); // As the service runs (DatabaseStartup).
        await Execute(writer, """INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ('k', 'v')""");
        Assert.Equal("v", await Setting("k"));
        Assert.Equal(1, await _reads.RunAsync(db: null!, db => db.InstanceSettings.AsNoTracking().CountAsync()));
        await Execute(writer, """INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ('k2', 'v2')""");

        // A checkpoint copies the log only up to the oldest snapshot a reader still holds.
        await using var checkpoint = writer.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var result = await checkpoint.ExecuteReaderAsync();
        Assert.True(await result.ReadAsync());
        Assert.True(result.GetInt64(1) > 0);
        Assert.Equal(result.GetInt64(1), result.GetInt64(2)); // Every frame of the log checkpointed.
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_failing_query_throws_to_its_caller_and_the_next_query_runs()
    {
        await Assert.ThrowsAsync<SqliteException>(() => _reads.RunAsync(db: null!,
            db => db.Database.SqlQuery<string>($"""SELECT "Value" AS "Value" FROM "NoSuchTable" """).ToListAsync()));
        Assert.Null(await Setting("k"));
    }

    public void Dispose()
    {
        _reads.Dispose();
        _database.Dispose();
    }

    private Task<string?> Setting(string key) => _reads.RunAsync(db: null!, db => Setting(db, key));

    private static Task<string?> Setting(AppDbContext db, string key) =>
        db.InstanceSettings.AsNoTracking().Where(s => s.Key == key).Select(s => s.Value).FirstOrDefaultAsync();

    /// <summary>The setting, and the statements of the context that read it with how many texts they compiled.</summary>
    private Task<(string? Value, SqliteStatementCache Statements, int Compiled)> SettingWithStatements(string key) =>
        _reads.RunAsync(db: null!, async db =>
        {
            var value = await Setting(db, key);
            var statements = ((SqliteAppDbContext)db).Statements!;
            return (value, statements, statements.Compiled);
        });
}
