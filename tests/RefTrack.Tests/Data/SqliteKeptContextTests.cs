using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>
/// A kept context's pragmas are settings of its connection alone; opened unpooled, they end with it instead of going
/// back to Microsoft.Data.Sqlite's pool for the next request (SQLite's click writer commits at NORMAL this way).
/// </summary>
public sealed class SqliteKeptContextTests
{
    [Fact]
    public void A_kept_context_opened_unpooled_leaves_its_settings_out_of_the_pool()
    {
        using var database = TestDatabase.Create(Provider.Sqlite);
        var options = new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(database.ConnectionString).Options;
        using (var kept = SqliteKeptContext.Open(options, "PRAGMA synchronous = OFF;", pooled: false))
        {
            Assert.Equal(0L, Synchronous(kept.Db.Database.GetDbConnection()));
        }

        using var next = new SqliteConnection(database.ConnectionString); // The pool the kept context would have used.
        next.Open();
        Assert.Equal(2L, Synchronous(next));
    }

    private static long Synchronous(System.Data.Common.DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The write gate is per file: the click writer's unpooled connection ("Pooling=False" in its string), the
    /// group commit's and a request's take turns on one gate, as SqliteGroupCommit's remarks say, instead of meeting in
    /// SQLite's busy_timeout.</summary>
    [Fact]
    public void Unpooled_and_pooled_contexts_on_one_file_share_its_write_gate()
    {
        using var app = new TestApp();
        _ = app.Server;
        var options = app.Services.GetRequiredService<DbContextOptions<SqliteAppDbContext>>();
        using var groupCommits = SqliteKeptContext.Open(options);
        using var clickWriters = SqliteKeptContext.Open(options, "PRAGMA synchronous = NORMAL;", pooled: false);
        using var scope = app.Services.CreateScope();
        var request = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        Assert.Same(SqliteAppDbContext.GateFor(request), SqliteAppDbContext.GateFor(groupCommits.Db));
        Assert.Same(SqliteAppDbContext.GateFor(groupCommits.Db), SqliteAppDbContext.GateFor(clickWriters.Db));
    }
}
