using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace RefTrack.Data;

/// <summary>
/// SQLite's hot reads run on contexts that keep their connection open and their statements compiled
/// (<see cref="SqliteKeptContext"/>). Microsoft.Data.Sqlite compiles a command's SQL anew for every command, and EF
/// Core makes one per execution: in <c>bench/profile sqlite purchases</c> compiling the buyer's query (three tables
/// joined) and the rules' was 13% of the server's CPU samples.
/// </summary>
/// <remarks>
/// A context is taken for one query and given back at once: Microsoft.Data.Sqlite's calls complete synchronously, so
/// no more are in use than threads run queries. When none is idle a new one opens; the pool keeps a few (each holds
/// a connection and its page cache) and closes the rest. Reads outside a transaction see the last commit, as on a
/// pooled connection: each statement is its own read transaction, ended when its reader is disposed.
/// </remarks>
internal sealed class SqliteHotReads(DbContextOptions<SqliteAppDbContext> options) : IHotReads, IDisposable
{
    private static readonly int Kept = Math.Max(4, 2 * Environment.ProcessorCount);

    private readonly ConcurrentQueue<SqliteKeptContext> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    public Task<T> RunAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query) => RunAsync(query);

    public Task<T> RunAsync<T>(IServiceScopeFactory scopes, Func<AppDbContext, Task<T>> query) => RunAsync(query);

    /// <summary>A deferred transaction: SQLite takes its read snapshot at the first statement and keeps it for the
    /// rest, and takes no write lock (a plain BEGIN on Microsoft.Data.Sqlite is IMMEDIATE, a writer's).</summary>
    public Task<T> RunInSnapshotAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query) =>
        RunAsync(async context =>
        {
            var connection = (SqliteConnection)context.Database.GetDbConnection();
            await using var snapshot = connection.BeginTransaction(deferred: true);
            await context.Database.UseTransactionAsync(snapshot);
            try
            {
                return await query(context);
            }
            finally
            {
                await context.Database.UseTransactionAsync(null); // Disposed uncommitted: ended, as a reader must be.
            }
        });

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryDequeue(out var context))
        {
            context.Dispose();
        }
    }

    private async Task<T> RunAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        var context = Take();
        T result;
        try
        {
            result = await query(context.Db);
        }
        catch
        {
            context.Dispose(); // After a failure the connection's state is unknown (a reader left open, say).
            throw;
        }

        GiveBack(context);
        return result;
    }

    private SqliteKeptContext Take()
    {
        if (_idle.TryDequeue(out var context))
        {
            Interlocked.Decrement(ref _idleCount);
            return context;
        }

        return SqliteKeptContext.Open(options);
    }

    private void GiveBack(SqliteKeptContext context)
    {
        context.Db.ChangeTracker.Clear();
        if (!_disposed && Interlocked.Increment(ref _idleCount) <= Kept)
        {
            _idle.Enqueue(context);
            if (_disposed)
            {
                Dispose(); // Stopped meanwhile: not left open.
            }

            return;
        }

        Interlocked.Decrement(ref _idleCount);
        context.Dispose();
    }
}
