using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Reports;

namespace RefTrack.Links;

// The click writer's batches, each in one transaction: on PostgreSQL in a scope of its own, on SQLite on the
// writer's kept connection (the class itself: ClickWriter.cs).
public sealed partial class ClickWriter
{
    /// <summary>
    /// SQLite's page cache for the writer's own connection, four times the pooled connections' default. A batch of
    /// many links touches a few pages per click (visitor keys and per-referrer rollups land on pages of their own),
    /// and past the cache SQLite spills dirty pages into the log before the commit and reads them back; the writer is
    /// the only connection that commits clicks, so its cache also stays valid from one batch to the next.
    /// </summary>
    public const int SqliteWriterCacheKiB = 8_192;

    /// <summary>
    /// The writer's log is checkpointed on a thread of its own after its commits (<see cref="SqliteCheckpointer"/>);
    /// SQLite's own automatic checkpoint runs inside the commit that takes the log past this many pages. Under a steady
    /// stream of clicks it still runs, copying what the thread has not yet: the log starts again from its beginning
    /// only at a write transaction that finds it all copied, and the writer begins its next batch before the thread has
    /// copied its last (the benchmark's hot link and many links, <c>bench/profile.d/wal_watch.py</c>: the log ran to
    /// 4,000–5,100 pages and started again 2 to 6 times a second). Well above a batch's log (many links writes about
    /// 280 pages a batch, <c>bench/profile.d/wal_pages.py</c>): at 250, the limit before the checkpointer, every commit
    /// would checkpoint itself.
    /// </summary>
    internal const int SqliteWriterAutoCheckpointPages = 4_000;

    private async Task WriteBatchAsync(List<PendingClick> batch, bool catchUp)
    {
        LastBatchThreadId = Environment.CurrentManagedThreadId;
        if (_sqliteOptions is not null)
        {
            await WriteOnSqliteWriterAsync(batch, catchUp);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var tx = await db.BeginWriteAsync(CancellationToken.None);
        await WaitOutRollupRebuildAsync(db);
        var times = await ClickBatch.WriteAsync(db, batch, referrerRollup: null, catchUp: true, CancellationToken.None);
        var committing = Stopwatch.GetTimestamp();
        await tx.CommitAsync(CancellationToken.None);
        LogBatchTimes(batch.Count, started, times, committing);
    }

    /// <summary>
    /// At <c>Debug</c>, a line per batch committed: its time, where it went, and the clicks queued behind it when it
    /// ended. Why: the metrics' histograms say how long batches take, not when; set beside the queue-full warning's
    /// time, these lines tell a writer slower than the clicks coming from one that stopped for a moment, and in which
    /// step (docs/operations.md, Logs). The time to begin a batch (PostgreSQL: a pooled connection and the rollup
    /// rebuild's lock) is the total less the four steps.
    /// </summary>
    private void LogBatchTimes(int clicks, long started, ClickBatch.Times times, long committing)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogBatchWritten(clicks, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                times.Keys.TotalMilliseconds, times.Clicks.TotalMilliseconds, times.Rollups.TotalMilliseconds,
                Stopwatch.GetElapsedTime(committing).TotalMilliseconds,
                Interlocked.Read(ref _unwritten) - Interlocked.Read(ref _writing)); // Not the channel's flushes.
        }
    }

    [LoggerMessage(LogLevel.Debug,
        "Wrote {Clicks} clicks in {Milliseconds:F1} ms (visitor keys {KeysMilliseconds:F1}, clicks {ClicksMilliseconds:F1}, rollups {RollupsMilliseconds:F1}, commit {CommitMilliseconds:F1}); {Queued} queued behind them")]
    private partial void LogBatchWritten(int clicks, double milliseconds, double keysMilliseconds,
        double clicksMilliseconds, double rollupsMilliseconds, double commitMilliseconds, long queued);

    /// <summary>
    /// PostgreSQL: the rollup tables this batch adds to, taken in the mode its upserts take anyway (no writer waits
    /// for another here), in the order a rollup rebuild locks them, waiting as long as a rebuild may hold them
    /// (<see cref="RollupRebuilder.MaxDuration"/>). Otherwise the batch's upsert waited for the rebuild only as long
    /// as a statement may run (Npgsql's command timeout, 30 s by default), and after its retries, about five minutes,
    /// the batch was given up and its clicks lost, while a rebuild of a large database may run longer (found by
    /// review). The server's own <c>lock_timeout</c> and <c>statement_timeout</c> give way too, for this
    /// transaction (<see cref="RollupRebuilder.ServerLimitsGiveWay"/>). On SQLite the click writer waits for the
    /// rebuild's write gate without a limit.
    /// </summary>
    private static async Task WaitOutRollupRebuildAsync(AppDbContext db)
    {
        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(RollupRebuilder.MaxDuration);
        await db.Database.ExecuteSqlRawAsync(RollupRebuilder.ServerLimitsGiveWay
            + "LOCK TABLE \"ParticipantDailyClicks\", \"CampaignDailyStats\" IN ROW EXCLUSIVE MODE", CancellationToken.None);
        db.Database.SetCommandTimeout(timeout);
    }

    /// <summary>SQLite: on the writer's own kept connection (<see cref="SqliteWriterCacheKiB"/>), which also keeps
    /// the compiled statements of the rollups' SQL; after a failure the next attempt starts on a fresh one.</summary>
    private async Task WriteOnSqliteWriterAsync(List<PendingClick> batch, bool catchUp)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var db = (_sqlite ??= OpenSqliteWriter(_sqliteOptions!)).Db;
            await using var tx = await db.BeginWriteAsync(CancellationToken.None);
            var times = await ClickBatch.WriteAsync(db, batch, _referrerRollup, catchUp, CancellationToken.None);
            var committing = Stopwatch.GetTimestamp();
            await tx.CommitAsync(CancellationToken.None); // SQLite's automatic checkpoint, when due, runs in here.
            _checkpointer!.Request();
            LogBatchTimes(batch.Count, started, times, committing);
        }
        catch
        {
            _referrerRollup!.Forget();
            CloseSqliteWriter();
            throw;
        }
    }

    /// <summary>
    /// Commits at <c>synchronous = NORMAL</c> whatever the database's setting (<see cref="DatabaseOptions.Synchronous"/>):
    /// a redirect is answered before its click is written, so an fsync at each commit protects nothing a crash cannot
    /// lose anyway (the clicks still queued), and the writer, alone on the click path, spends that wait not writing.
    /// In WAL mode NORMAL never corrupts the file and loses nothing on a process crash; on power loss it can lose the
    /// last batches as well as the queue. A later commit at FULL (a signup's) syncs the log up to itself, clicks
    /// before it included. Not pooled, so the setting ends with this connection.
    /// </summary>
    private static SqliteKeptContext OpenSqliteWriter(DbContextOptions<SqliteAppDbContext> options) =>
        SqliteKeptContext.Open(
            options, $"PRAGMA cache_size = -{SqliteWriterCacheKiB}; PRAGMA synchronous = NORMAL; " +
            $"PRAGMA wal_autocheckpoint = {SqliteWriterAutoCheckpointPages};",
            pooled: false);

    private void CloseSqliteWriter()
    {
        _sqlite?.Dispose();
        _sqlite = null;
    }
}
