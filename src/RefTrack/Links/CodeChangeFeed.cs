using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>
/// Keeps this node's code cache (<see cref="CodeResolver"/>) in step with codes changed on other nodes: every
/// <see cref="Interval"/> it reads the codes changed since its previous read (<see cref="CodeChange"/> rows, written
/// in the change's own transaction) and drops them from the cache. The node that makes a change drops it at once.
/// So a code can be cached for long (<see cref="LinkOptions.CodeCacheSeconds"/>, which now only bounds the cache's
/// size and a node that missed a change) while a disabled link stops on every node within about a second.
/// </summary>
/// <remarks>
/// Each read looks <see cref="Overlap"/> further back than the previous one started, so a change committed a little
/// after its timestamp (a slow transaction, a node whose clock is a few seconds off) is still seen; dropping a code
/// twice costs one lookup. A read that fails is retried from the same point. Rows older than a day are pruned.
/// </remarks>
public sealed partial class CodeChangeFeed(
    IServiceScopeFactory scopes, CodeResolver resolver, TimeProvider clock, ILogger<CodeChangeFeed> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private readonly Func<AppDbContext, DateTime, IAsyncEnumerable<string>> _changedSince =
        EF.CompileAsyncQuery((AppDbContext db, DateTime since) =>
            db.CodeChanges.Where(c => c.ChangedAt > since).Select(c => c.Code));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // What changed before this node started is not in its cache (it started empty), bar the overlap.
        var since = clock.GetUtcNow().UtcDateTime - Overlap;
        var nextPrune = DateTime.MinValue;
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var started = clock.GetUtcNow().UtcDateTime;
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                foreach (var code in await _changedSince(db, since).ToListAsync(stoppingToken))
                {
                    resolver.Forget(code);
                }

                since = started - Overlap;
                if (started >= nextPrune)
                {
                    await PruneAsync(db, started - Keep, stoppingToken);
                    nextPrune = started + PruneEvery;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(e);
            }
        }
    }

    /// <summary>
    /// A change committed long after its row was stamped (a commit stalled by the disk, a standby or a paused node) may
    /// already be behind the other nodes' reads, which look only <see cref="Overlap"/> back: it is stamped again, now,
    /// in a transaction of its own, so that they drop the code within a second of the commit rather than at the end of
    /// their cache time (found by review). Best effort, within <see cref="Overlap"/> and not on the request's token (the
    /// change is made; its caller may be gone): failing this only leaves the cache time as the bound.
    /// </summary>
    /// <param name="stampedAt">A <see cref="System.Diagnostics.Stopwatch"/> timestamp taken as the change was stamped.</param>
    internal static async Task StampAgainIfLateAsync(
        AppDbContext db, string code, long stampedAt, TimeProvider clock, ILogger logger)
    {
        if (System.Diagnostics.Stopwatch.GetElapsedTime(stampedAt) < Overlap / 2)
        {
            return;
        }

        // Bounded: on SQLite the write gate may be held by a rollup rebuild for minutes, and the request would wait.
        using var limit = new CancellationTokenSource(Overlap);
        try
        {
            db.CodeChanges.Add(new CodeChange { Code = code, ChangedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveInWriteAsync(limit.Token);
        }
        catch (Exception e)
        {
            db.ChangeTracker.Clear();
            LogNotStampedAgain(logger, e, code);
        }
    }

    private static async Task PruneAsync(AppDbContext db, DateTime before, CancellationToken ct)
    {
        await using var tx = await db.BeginWriteAsync(ct);
        await db.CodeChanges.Where(c => c.ChangedAt < before).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
    }

    [LoggerMessage(LogLevel.Warning,
        "Code {Code} changed, but its late commit could not be stamped again: other nodes may answer the old state for their cache time")]
    private static partial void LogNotStampedAgain(ILogger logger, Exception e, string code);

    [LoggerMessage(LogLevel.Warning, "Reading changed codes failed; retrying")]
    private partial void LogFailed(Exception e);
}
