using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>
/// Deletes the <c>Idempotency-Key</c> records claimed longer ago than <see cref="IdempotencyOptions.Retention"/>, every
/// <see cref="Interval"/>, so the table holds about a retention's worth of keys instead of growing forever. Age is
/// the claim time (<see cref="IdempotencyRecord.CreatedAt"/>, reset when a stale claim is taken over), for a claim still
/// in progress too: its request is at most seconds old, and the retention is at least an hour, so a claim past it was
/// left by a process that died, and deleting it frees its key as taking it over would.
/// </summary>
/// <remarks>
/// Each batch is one short statement of its own transaction, of at most <see cref="BatchRows"/> rows found through the
/// <c>CreatedAt</c> index, so a backlog (the first sweep after an upgrade) never holds many row locks, nor SQLite's
/// write lock, for long. Every node sweeps: deleting by age is idempotent, and on PostgreSQL <c>FOR UPDATE SKIP
/// LOCKED</c> makes each batch take only rows no other transaction holds (another node's batch, a retry taking an
/// expired key over), so sweeps never wait on each other and cannot deadlock. A request replaying a key its record
/// expired from is new whether or not a sweep has run yet: <see cref="IdempotencyClaims"/> takes such a record over.
/// </remarks>
public sealed partial class IdempotencySweep(
    IServiceScopeFactory scopes, TimeProvider clock, IOptions<IdempotencyOptions> options, ILogger<IdempotencySweep> logger)
    : BackgroundService
{
    internal const int BatchRows = 1000;

    /// <summary>Keys live at most this much past the retention; a sweep with nothing to delete is one index probe.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private const string PostgresBatchSql = """
        DELETE FROM "IdempotencyRecords" WHERE "Id" IN (
            SELECT "Id" FROM "IdempotencyRecords" WHERE "CreatedAt" < {0}
            ORDER BY "CreatedAt" LIMIT {1} FOR UPDATE SKIP LOCKED)
        """;

    /// <summary>Deletes every record claimed before now minus the retention that no other transaction holds; returns
    /// how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        // Fixed for the whole sweep: new claims are younger, so the batches run out.
        var before = clock.GetUtcNow().UtcDateTime - options.Value.Retention;
        await using var scope = scopes.CreateAsyncScope();
        var writes = scope.ServiceProvider.GetRequiredService<ITransactionRunner>();
        var total = 0;
        int deleted;
        do
        {
            deleted = await writes.RunAsync((db, c) => DeleteBatchAsync(db, before, c), ct);
            total += deleted;
        }
        while (deleted == BatchRows);

        return total;
    }

    /// <summary>SQLite has one writer at a time and no row locks, so there the batch needs no claim.</summary>
    private static Task<int> DeleteBatchAsync(AppDbContext db, DateTime before, CancellationToken ct) =>
        db is PostgresAppDbContext
            ? RawSqlRows.ExecuteAsync(db, PostgresBatchSql, [before, BatchRows], ct)
            : db.IdempotencyRecords.Where(r => r.CreatedAt < before).OrderBy(r => r.CreatedAt).Take(BatchRows)
                .ExecuteDeleteAsync(ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogSweepFailed(e); // Expired keys already run as new; their rows wait for the next sweep.
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Deleting expired Idempotency-Key records failed; retrying at the next sweep")]
    private partial void LogSweepFailed(Exception e);
}
