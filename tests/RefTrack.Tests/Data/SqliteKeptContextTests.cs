using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
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
}
