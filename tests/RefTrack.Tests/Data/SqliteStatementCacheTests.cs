using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>EF Core's commands through <see cref="SqliteStatementCache"/>: compiled once per text, the same results
/// and errors as without it.</summary>
public sealed class SqliteStatementCacheTests : IDisposable
{
    private readonly TestDatabase _database = TestDatabase.Create(Provider.Sqlite);
    private readonly SqliteStatementCache _cache = new();
    private readonly SqliteAppDbContext _db;

    public SqliteStatementCacheTests()
    {
        _db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(_database.ConnectionString).AddInterceptors(_cache).Options);
        _db.Database.OpenConnection();
        _db.Database.Migrate();
    }

    [Fact]
    public async Task A_text_run_again_with_other_values_is_compiled_once_and_binds_the_new_values()
    {
        await using var tx = await _db.Database.BeginTransactionAsync();
        var before = _cache.Compiled;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, await _db.Database.ExecuteSqlAsync(
                $"""INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ({"k" + i}, {"v" + i})"""));
        }

        var values = new List<string>();
        for (var i = 4; i >= 0; i--)
        {
            values.Add(await _db.Database.SqlQuery<string>(
                $"""SELECT "Value" AS "Value" FROM "InstanceSettings" WHERE "Key" = {"k" + i}""").SingleAsync());
        }

        await tx.CommitAsync();
        Assert.Equal(["v4", "v3", "v2", "v1", "v0"], values);
        Assert.Equal(before + 2, _cache.Compiled);
    }

    [Fact]
    public async Task SaveChanges_still_reports_a_unique_violation_and_the_statement_is_usable_afterwards()
    {
        _db.InstanceSettings.Add(new InstanceSetting { Key = "a", Value = "1" });
        await _db.SaveChangesAsync();
        _db.ChangeTracker.Clear();

        _db.InstanceSettings.Add(new InstanceSetting { Key = "a", Value = "2" });
        var e = await Assert.ThrowsAsync<DbUpdateException>(() => _db.SaveChangesAsync());
        Assert.True(DbErrors.IsUniqueViolation(e));
        _db.ChangeTracker.Clear();

        _db.InstanceSettings.Add(new InstanceSetting { Key = "b", Value = "3" });
        await _db.SaveChangesAsync();
        _db.ChangeTracker.Clear();
        Assert.Equal(["1", "3"], await _db.InstanceSettings.OrderBy(s => s.Key).Select(s => s.Value).ToListAsync());
    }

    [Fact]
    public async Task Several_statements_in_one_text_count_their_rows_together()
    {
        var rows = await _db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ({0}, 'x');
            INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ({1}, 'y');
            UPDATE "InstanceSettings" SET "Value" = 'z' WHERE "Key" IN ({0}, {1});
            """, "p", "q");

        Assert.Equal(4, rows);
    }

    [Fact]
    public async Task Raw_SQL_run_directly_on_the_writer_binds_every_value_as_EF_Core_binds_it()
    {
        // The group commit's context runs RawSqlRows' SQL on its compiled statements, without EF Core's command
        // layer: what SQLite receives must be what EF would have sent, or rows written there would not be found.
        await using var writer = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(_database.ConnectionString).AddInterceptors(_cache).Options) { Statements = _cache };
        await writer.Database.OpenConnectionAsync();
        object[] args =
        [
            Guid.CreateVersion7(), new DateTime(2026, 3, 1, 12, 30, 45, 123, DateTimeKind.Utc).AddTicks(4567),
            new DateOnly(2026, 3, 1), true, false, 42L, 7, 12.50m, "text", null!,
        ];
        const string Sql = """
            SELECT quote({0}) || ',' || quote({1}) || ',' || quote({2}) || ',' || quote({3}) || ',' || quote({4}) || ','
                || quote({5}) || ',' || quote({6}) || ',' || quote({7}) || ',' || quote({8}) || ',' || quote({9}) AS "Value"
            """;

        var direct = await RawSqlRows.QueryAsync(writer, Sql, args, r => r.GetString(0), CancellationToken.None);
        var throughEf = await _db.Database.SqlQueryRaw<string>(Sql, args).SingleAsync();

        Assert.Equal(throughEf, Assert.Single(direct));
        Assert.StartsWith($"'{((Guid)args[0]).ToString().ToUpperInvariant()}'", throughEf);
        Assert.Equal(1, await RawSqlRows.ExecuteAsync(writer,
            """INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ({0}, {1})""", ["direct", "1"], CancellationToken.None));
    }

    [Fact]
    public async Task Raw_SQL_run_directly_reports_a_unique_violation_and_runs_again_after_it()
    {
        await using var writer = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(_database.ConnectionString).AddInterceptors(_cache).Options) { Statements = _cache };
        await writer.Database.OpenConnectionAsync();
        const string Sql = """
            INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ({0}, 'x');;
            -- An empty statement and a comment between two: the second still runs.
            INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ({1}, 'y') RETURNING "Key";
            """;
        var compiled = _cache.Compiled;

        var first = await RawSqlRows.QueryAsync(writer, Sql, ["a", "b"], r => r.GetString(0), CancellationToken.None);
        var error = await Assert.ThrowsAsync<SqliteException>(() =>
            RawSqlRows.QueryAsync(writer, Sql, ["c", "b"], r => r.GetString(0), CancellationToken.None));
        var again = await RawSqlRows.QueryAsync(writer, Sql, ["d", "e"], r => r.GetString(0), CancellationToken.None);

        Assert.Equal(["b"], first);
        Assert.True(DbErrors.IsUniqueViolation(error));
        Assert.Equal(["e"], again);
        Assert.Equal(compiled + 1, _cache.Compiled);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _db.Dispose();
        SqliteConnection.ClearAllPools();
        _database.Dispose();
    }
}
