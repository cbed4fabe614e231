using System.Data;
using Microsoft.EntityFrameworkCore;

namespace RefTrack.Data;

/// <summary>
/// Where the reads on the hot paths run (a signup's evidence, a purchase's buyer, the active rules, a redirect's code
/// on a cache miss, the reports): compiled queries, run again with new values on every request. On SQLite that is a pool of
/// contexts that keep their connections and compiled statements (<see cref="SqliteHotReads"/>); on PostgreSQL,
/// where Npgsql prepares repeated statements itself, the request's own context.
/// </summary>
/// <remarks>Only for no-tracking reads: the context a query runs on may be another than the request's.</remarks>
public interface IHotReads
{
    /// <summary>Runs <paramref name="query"/>; where a pool does not take it, on <paramref name="db"/>, the request's
    /// context.</summary>
    Task<T> RunAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query);

    /// <summary>Runs <paramref name="query"/>; where a pool does not take it, on a context of a scope of its
    /// own.</summary>
    Task<T> RunAsync<T>(IServiceScopeFactory scopes, Func<AppDbContext, Task<T>> query);

    /// <summary>Runs <paramref name="query"/>'s statements on one snapshot of the database, so that what they read
    /// agrees (a report's counters, its rewards and its referrers: read one by one, a signup committed between two
    /// of them showed its reward beside a count without it). Read-only: the transaction is never committed.</summary>
    Task<T> RunInSnapshotAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query);
}

/// <summary>The reads on the context they are given (PostgreSQL).</summary>
internal sealed class DirectHotReads : IHotReads
{
    public Task<T> RunAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query) => query(db);

    public async Task<T> RunAsync<T>(IServiceScopeFactory scopes, Func<AppDbContext, Task<T>> query)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>REPEATABLE READ: one snapshot, taken at the first statement, for all of them (Npgsql sends the
    /// BEGIN with that statement, so it costs no round trip of its own).</summary>
    public async Task<T> RunInSnapshotAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query)
    {
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        return await query(db); // Disposed uncommitted: rolled back, which for reads is the same and ends it too.
    }
}
