using Microsoft.EntityFrameworkCore;

namespace RefTrack.Data;

/// <summary>
/// A SQLite context whose connection stays open for as long as it lives, with the compiled statements of what runs on
/// it (<see cref="SqliteStatementCache"/>; Microsoft.Data.Sqlite frees a connection's compiled statements when it
/// closes, and EF Core closes the connections it opened after every query). Used by one thread at a time.
/// </summary>
internal sealed class SqliteKeptContext : IDisposable
{
    private readonly SqliteStatementCache _statements;

    private SqliteKeptContext(SqliteAppDbContext db, SqliteStatementCache statements)
    {
        Db = db;
        _statements = statements;
    }

    public SqliteAppDbContext Db { get; }

    /// <param name="options">The app's SQLite options (its interceptors included).</param>
    /// <param name="pragmas">Settings of this connection alone, run once it is open.</param>
    public static SqliteKeptContext Open(DbContextOptions<SqliteAppDbContext> options, string? pragmas = null)
    {
        var statements = new SqliteStatementCache();
        var db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>(options)
            .AddInterceptors(statements).Options) { Statements = statements };
        try
        {
            db.Database.OpenConnection(); // Until Dispose: EF closes only the connections it opened itself.
            if (pragmas is not null)
            {
                db.Database.ExecuteSqlRaw(pragmas);
            }

            return new SqliteKeptContext(db, statements);
        }
        catch
        {
            db.Dispose();
            statements.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _statements.Dispose(); // The statements first: they belong to the connection.
        Db.Dispose();
    }
}
