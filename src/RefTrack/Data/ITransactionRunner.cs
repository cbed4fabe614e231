namespace RefTrack.Data;

/// <summary>
/// Runs a unit of write work in a transaction and completes only after that transaction has committed: a request
/// acknowledged to its client is durable. On PostgreSQL each unit is its own transaction on the request's context;
/// on SQLite units queue for one writer that commits them together (<see cref="SqliteGroupCommit"/>).
/// </summary>
/// <remarks>
/// A unit writes only through the context it is given, never calls the runner itself (that would wait on its own
/// queue), and may run in a transaction with other units: it must not commit, roll back or keep tracked entities.
/// An exception thrown by a unit undoes everything that unit wrote (and nothing of the others) and is rethrown to
/// its caller, after the commit of the rest, so a caller that lost a unique-index race sees the winner when it reads.
/// </remarks>
public interface ITransactionRunner
{
    Task<T> RunAsync<T>(Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken ct);

    /// <summary>
    /// <see cref="RunAsync{T}"/> for a unit that sends PostgreSQL exactly one command, as its last act (its SQLite
    /// path may take several: there the unit runs as any other). PostgreSQL runs the statements of one command without
    /// an explicit transaction in an implicit one: all of them or, at the first error, none, committed (and durable)
    /// before the server answers. So the unit needs no <c>BEGIN</c> and no <c>COMMIT</c> round trip: a signup, four
    /// round trips before, ran about 29% faster (docs/benchmarks-log.md, 12-04 19:03). A second command in such a unit
    /// throws before it is sent (<see cref="OneCommandGuard"/>); the first has committed by then, so that is a bug in
    /// the unit, which its tests are there to catch.
    /// </summary>
    Task<T> RunOneCommandAsync<T>(Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken ct);
}

/// <summary>One transaction per unit, on the request's own context (PostgreSQL: concurrent transactions already
/// share WAL flushes on the server). A unit the database aborts as a deadlock victim or serialization failure is run
/// again from the start: it wrote nothing, and its locks are gone.</summary>
public sealed class DirectTransactionRunner(AppDbContext db) : ITransactionRunner
{
    private const int Attempts = 5;

    public Task<T> RunAsync<T>(Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken ct) =>
        RunAsync(work, oneCommand: null, ct);

    public Task<T> RunOneCommandAsync<T>(Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken ct) =>
        RunAsync(work, oneCommand: db as PostgresAppDbContext, ct);

    /// <param name="oneCommand">The context, when the unit runs as one command outside a transaction.</param>
    private async Task<T> RunAsync<T>(
        Func<AppDbContext, CancellationToken, Task<T>> work, PostgresAppDbContext? oneCommand, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (oneCommand is not null)
                {
                    OneCommandGuard.Expect(oneCommand);
                    var sent = await work(db, ct); // Committed by the server once the command returns.
                    OneCommandGuard.EnsureSent(oneCommand);
                    return sent;
                }

                await using var tx = await db.BeginWriteAsync(ct);
                var result = await work(db, ct);
                await tx.CommitAsync(ct);
                return result;
            }
            catch (Exception e) when (attempt < Attempts && DbErrors.IsSerializationFailure(e))
            {
                // Retried below.
            }
            finally
            {
                if (oneCommand is not null)
                {
                    OneCommandGuard.Release(oneCommand);
                }

                db.ChangeTracker.Clear();
            }
        }
    }
}
