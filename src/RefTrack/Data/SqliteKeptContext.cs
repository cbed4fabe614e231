using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

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
    /// <param name="pooled">
    /// False when <paramref name="pragmas"/> must not outlive this context: a pooled connection goes back to
    /// Microsoft.Data.Sqlite's pool when the context is disposed, settings and all, and the next request that takes it
    /// would run with them (<see cref="SqlitePragmas"/> configures a physical connection only once).
    /// </param>
    public static SqliteKeptContext Open(
        DbContextOptions<SqliteAppDbContext> options, string? pragmas = null, bool pooled = true)
    {
        var statements = new SqliteStatementCache();
        var builder = new DbContextOptionsBuilder<SqliteAppDbContext>(options).AddInterceptors(statements);
        if (!pooled)
        {
            var connectionString = RelationalOptionsExtension.Extract(builder.Options).ConnectionString;
            builder.UseSqlite(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        }

        var db = new SqliteAppDbContext(builder.Options) { Statements = statements };
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
