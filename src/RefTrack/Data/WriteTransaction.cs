using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace RefTrack.Data;

/// <summary>
/// A write transaction. On SQLite it first takes the process's write gate for that database file: SQLite admits
/// one writer at a time anyway, and waiting on an async queue costs nothing, whereas connections racing for the
/// lock inside SQLite back off by sleeping (busy_timeout) and leave the database idle between writers.
/// The gate is about speed, not correctness: the database still serialises writers (and other processes on the
/// same file still meet busy_timeout); on PostgreSQL there is no gate.
/// </summary>
public sealed class WriteTransaction : IAsyncDisposable
{
    private readonly IDbContextTransaction _transaction;
    private SemaphoreSlim? _gate;

    private WriteTransaction(IDbContextTransaction transaction, SemaphoreSlim? gate)
    {
        _transaction = transaction;
        _gate = gate;
    }

    internal static async Task<WriteTransaction> StartAsync(
        AppDbContext db, SemaphoreSlim? gate, IsolationLevel? isolation, CancellationToken ct)
    {
        if (gate is not null)
        {
            await gate.WaitAsync(ct);
        }

        try
        {
            var transaction = isolation is { } level
                ? await db.Database.BeginTransactionAsync(level, ct)
                : await db.Database.BeginTransactionAsync(ct);
            return new WriteTransaction(transaction, gate);
        }
        catch
        {
            gate?.Release();
            throw;
        }
    }

    public Task CommitAsync(CancellationToken ct) => _transaction.CommitAsync(ct);

    public Task RollbackAsync(CancellationToken ct) => _transaction.RollbackAsync(ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _transaction.DisposeAsync(); // Rolls back when not committed.
        }
        finally
        {
            // Even when the rollback fails (an I/O error): a gate never let go would stop every writer of the file.
            Interlocked.Exchange(ref _gate, null)?.Release();
        }
    }
}
