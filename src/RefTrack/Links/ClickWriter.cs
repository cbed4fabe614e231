using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Reports;

namespace RefTrack.Links;

/// <summary>A click waiting to be written, with the visitor keys that decide whether it is a repeat.</summary>
public sealed record PendingClick(Click Click, string DeviceKey, string? FingerprintKey);

/// <summary>
/// The click path's only writer. Redirects hand clicks to a bounded channel and answer at once; this service commits
/// them in batches, so a burst costs one transaction per batch instead of one per click. A full channel makes
/// redirects wait (nothing is dropped); stopping the service drains the channel before the process exits.
/// On PostgreSQL up to <see cref="LinkOptions.ClickWriters"/> batches are written at once: one writer waits on each
/// of its statements' round trips and on its commit, so alone it bounded the hot link (docs/benchmarks-log.md). Concurrent
/// batches are safe for the same reasons several nodes' writers are: the visitor keys' primary key decides which
/// click is unique, and rollup rows are upserted in one order (<see cref="PostgresClickStatements"/>).
/// What a crash (kill -9, power loss) can lose: the clicks still in the channel, one batch interval's worth while the
/// writer keeps up (<see cref="LinkOptions.ClickBatchMilliseconds"/> plus the commits in progress), up to
/// <see cref="LinkOptions.ClickQueueCapacity"/> when it is behind; on SQLite a power loss also the
/// last batches committed (<see cref="OpenSqliteWriter"/>). Never the rollups of committed clicks: on SQLite the
/// per-referrer rollup, which may lag its clicks while they keep coming, is completed from the clicks table by
/// the first batch after a start (<see cref="SqliteReferrerRollup"/>).
/// What a failed batch loses: a transient failure (<see cref="ClickWriteFailure"/>) is retried, and the batch is lost
/// only when the last retry fails too; a batch the database refuses (a constraint, a value) is written in parts down
/// to single clicks, so only the clicks it refuses alone are lost. Either way each is counted in
/// <c>reftrack.clicks.lost</c> and logged as an error (<see cref="WriteWithRetryAsync"/>).
/// </summary>
public sealed partial class ClickWriter : BackgroundService
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
    /// SQLite's own automatic checkpoint, which runs inside the commit that takes the log past this many pages, is
    /// only the backstop for when that thread falls behind. Well above a batch's log (many links writes about 470
    /// pages a batch): at 250, the limit before the checkpointer, nearly every commit would checkpoint itself.
    /// </summary>
    internal const int SqliteWriterCheckpointBackstopPages = 4_000;

    private readonly Channel<object> _channel;
    private readonly IServiceScopeFactory _scopes;
    private readonly DbContextOptions<SqliteAppDbContext>? _sqliteOptions; // Null on PostgreSQL.
    private readonly ILogger<ClickWriter> _logger;
    private readonly int _batchSize;
    private readonly int _writers; // Batches written at once: LinkOptions.ClickWriters on PostgreSQL, 1 on SQLite.
    private readonly TimeSpan _interval;
    private readonly TimeSpan _rollupIdle; // SQLite: quiet this long, the writer writes the per-referrer sums it holds.
    private readonly ClickWriterMetrics _metrics;
    private readonly SemaphoreSlim _wake = new(0); // Released by a flush or by stopping: cuts the interval short.
    private volatile bool _stopping;
    private volatile bool _sumsPending; // SQLite: the per-referrer rollup held sums after the last batch written.
    private long _unwritten; // Clicks enqueued and not yet committed (or given up on).
    private SqliteKeptContext? _sqlite; // The batches' alone, one at a time (on _sqliteThread).
    private readonly SqliteReferrerRollup? _referrerRollup; // Null on PostgreSQL; one batch at a time, the loop between.
    private readonly SqliteCheckpointer? _checkpointer; // Null on PostgreSQL.
    private readonly DedicatedThreadScheduler? _sqliteThread; // Null on PostgreSQL, whose writes wait on the network.

    public ClickWriter(
        IServiceScopeFactory scopes,
        IServiceProvider services,
        IOptions<LinkOptions> options,
        IMeterFactory meters,
        ILogger<ClickWriter> logger)
    {
        _scopes = scopes;
        _sqliteOptions = services.GetService<DbContextOptions<SqliteAppDbContext>>();
        _logger = logger;
        _batchSize = options.Value.ClickBatchSize;
        _interval = TimeSpan.FromMilliseconds(options.Value.ClickBatchMilliseconds);
        _rollupIdle = TimeSpan.FromMilliseconds(options.Value.ClickRollupIdleMilliseconds);
        _writers = _sqliteOptions is null ? options.Value.ClickWriters : 1;
        _checkpointer = _sqliteOptions is null ? null : new SqliteCheckpointer(_sqliteOptions, logger);
        _referrerRollup = _sqliteOptions is null ? null : new SqliteReferrerRollup();
        // SQLite: a new writer does not know what the rollup counts (a crash may have left clicks uncounted), so a
        // flush of the sums made before any batch must still run its recovery (found by review).
        _sumsPending = _referrerRollup is { HasPending: true };
        _sqliteThread = _sqliteOptions is null ? null : new DedicatedThreadScheduler("RefTrack click writer");
        _channel = Channel.CreateBounded<object>(new BoundedChannelOptions(options.Value.ClickQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _metrics = new ClickWriterMetrics(meters, () => Interlocked.Read(ref _unwritten));
    }

    /// <summary>Checkpoints of SQLite's log run beside the writer so far (0 on PostgreSQL), for tests.</summary>
    internal long CheckpointsCompleted => _checkpointer?.Completed ?? 0;

    /// <summary>SQLite: the managed id of the thread that writes the batches, once it has written one; for tests.</summary>
    internal int? SqliteWriterThreadId => _sqliteThread?.ThreadId;

    /// <summary>Clicks and flushes in the queue, not yet taken into a batch; for tests.</summary>
    internal int Waiting => _channel.Reader.Count;

    /// <summary>The managed id of the thread that wrote the last batch; for tests.</summary>
    internal int LastBatchThreadId { get; private set; }

    public ValueTask EnqueueAsync(PendingClick click, CancellationToken ct)
    {
        // Counted before it enters the channel, so a flush that reads zero has nothing earlier left to wait for.
        Interlocked.Increment(ref _unwritten);
        if (_channel.Writer.TryWrite(click))
        {
            return ValueTask.CompletedTask;
        }

        if (!_stopping)
        {
            _metrics.QueueFull();
        }

        return UncountOnFailureAsync(_channel.Writer.WriteAsync(click, ct));
    }

    /// <summary>Completes when every click enqueued on this node before the call is committed; at once when none is
    /// waiting. A signup calls it before reading a device's clicks, so a click answered a moment ago is seen.</summary>
    public Task FlushAsync(CancellationToken ct) => FlushAsync(writeSums: false, ct);

    /// <summary>
    /// <see cref="FlushAsync(CancellationToken)"/>; with <paramref name="writeSums"/> also SQLite's per-referrer sums,
    /// so every report counts the clicks (for tests: the service's own flushes leave the sums to the writer's idle
    /// moment, so a signup amid a stream of clicks does not cost the rollup its window).
    /// </summary>
    internal async Task FlushAsync(bool writeSums, CancellationToken ct)
    {
        // _sumsPending is set before _unwritten is lowered, so read after it, it is at least as new.
        if (Interlocked.Read(ref _unwritten) == 0 && !(writeSums && _sumsPending))
        {
            return;
        }

        var done = new Flush(writeSums);
        if (_channel.Writer.TryWrite(done) || await TryWriteSlowAsync(done, ct))
        {
            Wake();
            await done.Task.WaitAsync(ct);
        }
        else if (ExecuteTask is { } loop)
        {
            // Stopping: the loop drains what was enqueued before the stop, this flush's clicks among them, then ends.
            // (It returned at once before, while they might still be written; found by review.) WhenAny: a loop that
            // failed is the stop's to report, not a signup's.
            await Task.WhenAny(loop).WaitAsync(ct);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _channel.Writer.TryComplete(); // ExecuteAsync drains what is left, then returns.
        Wake();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _channel.Reader;
        var writing = new List<Task>(_writers);
        var allWritten = Task.CompletedTask; // Completes when every batch read so far is written.
        var lastBatch = long.MinValue;

        // Not cancelled by stoppingToken: the loop ends when the channel is completed and empty.
        var readable = reader.WaitToReadAsync(CancellationToken.None).AsTask();
        while (true)
        {
            if (!readable.IsCompleted && await IdleWithRollupPendingAsync(readable, writing))
            {
                // Nothing arrived for a while: write the per-referrer sums, so a quiet writer's rollup is exact.
                var sums = WriteAndUncountAsync([], catchUp: true);
                writing.Add(sums);
                allWritten = AnswerFlushesAsync(allWritten, sums, []);
                continue;
            }

            if (!await readable)
            {
                break;
            }

            if (writing.Count == _writers)
            {
                await Task.WhenAny(writing); // A writer is free before the next batch is gathered.
            }

            writing.RemoveAll(w => w.IsCompleted);

            await WaitForIntervalAsync(reader, lastBatch);
            lastBatch = Stopwatch.GetTimestamp(); // Wall time, as the wait is: not the app's (testable) clock.
            var batch = new List<PendingClick>(_batchSize);
            var flushes = new List<Flush>();
            while (batch.Count < _batchSize && reader.TryRead(out var item))
            {
                if (item is PendingClick click)
                {
                    batch.Add(click);
                }
                else
                {
                    flushes.Add((Flush)item);
                }
            }

            // Only the stop or a flush that asks makes SQLite's per-referrer rollup write every sum it holds; otherwise
            // it keeps summing while clicks keep coming (SqliteReferrerRollup), and an idle moment writes them (above).
            var writeAll = _stopping || flushes.Exists(f => f.WriteSums);
            // A flush that asks, or the stop, may come in a gathering of its own after the clicks: it writes the sums.
            var write = batch.Count > 0 || (writeAll && _referrerRollup is { HasPending: true })
                ? WriteAndUncountAsync(batch, writeAll)
                : Task.CompletedTask;
            writing.Add(write);
            allWritten = AnswerFlushesAsync(allWritten, write, flushes);
            readable = reader.WaitToReadAsync(CancellationToken.None).AsTask();
        }

        await allWritten;
        if (_referrerRollup is { HasPending: true })
        {
            // Stopped while the loop waited for clicks, after batches that kept their sums: write them before closing.
            await WriteAndUncountAsync([], catchUp: true);
        }

        CloseSqliteWriter();
        _checkpointer?.Dispose();
        _sqliteThread?.Dispose(); // Every batch is written: no continuation of one can still be queued.
    }

    /// <summary>
    /// SQLite: whether the per-referrer rollup holds sums not yet written and no click arrives within
    /// <see cref="LinkOptions.ClickRollupIdleMilliseconds"/>. Waits for the batch being written first: the rollup is
    /// that batch's until it completes.
    /// </summary>
    private async Task<bool> IdleWithRollupPendingAsync(Task<bool> readable, List<Task> writing)
    {
        if (_referrerRollup is null)
        {
            return false;
        }

        await Task.WhenAll(writing);
        writing.Clear();
        if (!_referrerRollup.HasPending)
        {
            return false;
        }

        using var cancel = new CancellationTokenSource();
        var idle = Task.Delay(_rollupIdle, cancel.Token);
        var first = await Task.WhenAny(readable, idle);
        await cancel.CancelAsync(); // The timer need not run on once a click came.
        return first == idle && !readable.IsCompleted;
    }

    public override void Dispose()
    {
        _checkpointer?.Dispose(); // Already stopped when the loop ended; here for a host that never started it.
        // Not _sqliteThread: its thread starts with the first batch and the loop ends it once every batch is written.
        // Ended here while a batch still ran (a stop past the host's timeout), the batch's next await could not resume.
        base.Dispose();
    }

    /// <summary>
    /// Answers a batch's flushes once it and every batch read before it are written: with several writers a later
    /// batch can commit first, and a flush promises every click enqueued before it. (The writes never throw:
    /// <see cref="WriteWithRetryAsync"/> logs what it gives up on.)
    /// </summary>
    private static async Task AnswerFlushesAsync(Task earlier, Task write, List<Flush> flushes)
    {
        await earlier;
        await write;
        flushes.ForEach(f => f.TrySetResult());
    }

    /// <summary>
    /// On SQLite on the writer's own thread: a batch is synchronous SQLite work from its first statement to its commit
    /// (Microsoft.Data.Sqlite's async methods complete at once), which on a thread-pool worker held that worker from
    /// the redirects for the whole batch. On a thread of its own its CPU also shows as its own in
    /// <c>bench/profile</c>'s CPU by thread (docs/benchmarks-log.md).
    /// </summary>
    private Task WriteAndUncountAsync(List<PendingClick> batch, bool catchUp) =>
        _sqliteThread is null
            ? WriteAndUncountHereAsync(batch, catchUp)
            : _sqliteThread.RunAsync(() => WriteAndUncountHereAsync(batch, catchUp));

    private async Task WriteAndUncountHereAsync(List<PendingClick> batch, bool catchUp)
    {
        await WriteWithRetryAsync(batch, catchUp);
        _sumsPending = _referrerRollup is { HasPending: true };
        Interlocked.Add(ref _unwritten, -batch.Count);
    }

    /// <summary>
    /// Until <see cref="LinkOptions.ClickBatchMilliseconds"/> after the previous batch began, unless a batch is
    /// already full, a flush is waiting or the service is stopping. At once when the previous batch began longer ago
    /// than that.
    /// </summary>
    private async Task WaitForIntervalAsync(ChannelReader<object> reader, long lastBatch)
    {
        if (lastBatch == long.MinValue || _stopping || reader.Count >= _batchSize)
        {
            return;
        }

        var left = _interval - Stopwatch.GetElapsedTime(lastBatch);
        if (left > TimeSpan.Zero)
        {
            await _wake.WaitAsync(left);
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0) // One pending wake is enough; more would only skip later intervals.
        {
            _wake.Release();
        }
    }

    private async ValueTask UncountOnFailureAsync(ValueTask write)
    {
        try
        {
            await write;
        }
        catch
        {
            Interlocked.Decrement(ref _unwritten);
            throw;
        }
    }

    private async Task<bool> TryWriteSlowAsync(Flush done, CancellationToken ct)
    {
        try
        {
            await _channel.Writer.WriteAsync(done, ct);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes a batch; never throws. A transient failure (<see cref="ClickWriteFailure"/>) is retried, and after the
    /// last retry the batch is given up on, as the same failure would take its halves. Any other failure is taken as a
    /// row the database refuses: the batch is written in halves, each in a transaction of its own, and a half that
    /// fails so again in halves, down to single clicks, so that only the clicks refused alone are lost.
    /// </summary>
    private async Task WriteWithRetryAsync(List<PendingClick> batch, bool catchUp)
    {
        if (await WriteOrRefuseAsync(batch, catchUp) is not { } refusal)
        {
            return;
        }

        if (batch.Count > 1)
        {
            LogSplitting(batch.Count, refusal.Message);
        }

        await WriteInHalvesAsync(batch, catchUp, refusal);
        if (batch.Count > 0 && _referrerRollup is { MustRecover: true })
        {
            // SQLite: the last part failed, and when no part was written (every click refused) the per-referrer sums
            // of the batches before this one are forgotten, counted again only by the next batch's recovery from the
            // clicks table. Recovered now, the rollup is as exact as after any batch: a flush waiting on this batch
            // needs that, and an idle writer would see no sums pending.
            if (await WriteOrRefuseAsync([], catchUp: true) is { } failure)
            {
                LogRollupNotRecovered(failure);
            }
        }
    }

    /// <summary>Writes <paramref name="batch"/>, retrying transient failures; returns the failure when the database
    /// refused it otherwise, null when it is written or given up on after the retries.</summary>
    /// <remarks>A transient failure can come after the commit went through (a connection lost while the server
    /// answered it), and then the retry is refused: its clicks' ids are already there. So once an attempt has failed,
    /// a refusal or the last failure is checked against the clicks table first; found there, the batch is written,
    /// neither split nor counted lost (the refused retry changed nothing, its transaction rolled back).</remarks>
    private async Task<Exception?> WriteOrRefuseAsync(List<PendingClick> batch, bool catchUp)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await WriteBatchAsync(batch, catchUp);
                _metrics.Attempted(started, batch.Count, committed: true);
                return null;
            }
            catch (Exception e) when (!ClickWriteFailure.IsTransient(e))
            {
                _metrics.Attempted(started, batch.Count, committed: false);
                return attempt > 1 && await FoundWrittenAsync(batch) ? null : e;
            }
            catch (Exception e) when (attempt < 10)
            {
                _metrics.Attempted(started, batch.Count, committed: false);
                LogRetry(e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception e)
            {
                _metrics.Attempted(started, batch.Count, committed: false);
                if (!await FoundWrittenAsync(batch))
                {
                    _metrics.Lost(batch.Count);
                    LogDropped(e, batch.Count);
                }

                return null;
            }
        }
    }

    /// <summary>Whether every click of <paramref name="batch"/> is in the clicks table, committed by an earlier
    /// attempt: a batch is one transaction, so its clicks are there all or none. Best effort: a database that cannot
    /// answer (the failure that made the attempts fail) counts as not found, and the batch goes on as it would have.</summary>
    private async Task<bool> FoundWrittenAsync(List<PendingClick> batch)
    {
        if (batch.Count == 0)
        {
            return false;
        }

        try
        {
            var ids = batch.Select(p => p.Click.Id).ToList();
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            if (await db.Clicks.CountAsync(c => ids.Contains(c.Id)) != ids.Count)
            {
                return false;
            }
        }
        catch (Exception e)
        {
            LogNotChecked(e, batch.Count);
            return false;
        }

        _metrics.FoundWritten(batch.Count);
        LogFoundWritten(batch.Count);
        return true;
    }

    /// <summary>A batch the database refused (<paramref name="refusal"/>): its halves in order, each in a transaction
    /// of its own, so the clicks are committed in the order they came (a visitor's first click stays the unique one).
    /// A click refused alone is lost.</summary>
    private async Task WriteInHalvesAsync(List<PendingClick> batch, bool catchUp, Exception refusal)
    {
        if (batch.Count <= 1)
        {
            if (batch is [var refused])
            {
                _metrics.Lost(1);
                var click = refused.Click;
                LogRefused(refusal, click.Id, click.ReferralCodeId, click.CampaignId, refusal.Message);
            }
            else
            {
                LogRollupNotRecovered(refusal); // A batch of no clicks only writes SQLite's per-referrer sums.
            }

            return;
        }

        var half = batch.Count / 2;
        await WritePartAsync(batch.GetRange(0, half));
        await WritePartAsync(batch.GetRange(half, batch.Count - half));

        async Task WritePartAsync(List<PendingClick> part)
        {
            if (await WriteOrRefuseAsync(part, catchUp) is { } partRefusal)
            {
                await WriteInHalvesAsync(part, catchUp, partRefusal);
            }
        }
    }

    private async Task WriteBatchAsync(List<PendingClick> batch, bool catchUp)
    {
        LastBatchThreadId = Environment.CurrentManagedThreadId;
        if (_sqliteOptions is not null)
        {
            await WriteOnSqliteWriterAsync(batch, catchUp);
            return;
        }

        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var tx = await db.BeginWriteAsync(CancellationToken.None);
        await WaitOutRollupRebuildAsync(db);
        await ClickBatch.WriteAsync(db, batch, referrerRollup: null, catchUp: true, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>
    /// PostgreSQL: the rollup tables this batch adds to, taken in the mode its upserts take anyway (no writer waits
    /// for another here), in the order a rollup rebuild locks them, waiting as long as a rebuild may hold them
    /// (<see cref="RollupRebuilder.MaxDuration"/>). Otherwise the batch's upsert waited for the rebuild only as long
    /// as a statement may run (Npgsql's command timeout, 30 s by default), and after its retries, about five minutes,
    /// the batch was given up and its clicks lost, while a rebuild of a large database may run longer (found by
    /// review). On SQLite the click writer waits for the rebuild's write gate without a limit.
    /// </summary>
    private static async Task WaitOutRollupRebuildAsync(AppDbContext db)
    {
        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(RollupRebuilder.MaxDuration);
        await db.Database.ExecuteSqlRawAsync(
            "LOCK TABLE \"ParticipantDailyClicks\", \"CampaignDailyStats\" IN ROW EXCLUSIVE MODE", CancellationToken.None);
        db.Database.SetCommandTimeout(timeout);
    }

    /// <summary>SQLite: on the writer's own kept connection (<see cref="SqliteWriterCacheKiB"/>), which also keeps
    /// the compiled statements of the rollups' SQL; after a failure the next attempt starts on a fresh one.</summary>
    private async Task WriteOnSqliteWriterAsync(List<PendingClick> batch, bool catchUp)
    {
        try
        {
            var db = (_sqlite ??= OpenSqliteWriter(_sqliteOptions!)).Db;
            await using var tx = await db.BeginWriteAsync(CancellationToken.None);
            await ClickBatch.WriteAsync(db, batch, _referrerRollup, catchUp, CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
            _checkpointer!.Request();
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
            $"PRAGMA wal_autocheckpoint = {SqliteWriterCheckpointBackstopPages};",
            pooled: false);

    private void CloseSqliteWriter()
    {
        _sqlite?.Dispose();
        _sqlite = null;
    }

    /// <summary>A flush waiting in the channel, answered once the clicks before it are written.</summary>
    private sealed class Flush(bool writeSums) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public bool WriteSums { get; } = writeSums;
    }

    [LoggerMessage(LogLevel.Warning, "Writing {Count} clicks failed (attempt {Attempt}); retrying")]
    private partial void LogRetry(Exception e, int count, int attempt);

    [LoggerMessage(LogLevel.Warning,
        "{Count} clicks whose writing seemed to fail are in the database: an earlier attempt committed them")]
    private partial void LogFoundWritten(int count);

    [LoggerMessage(LogLevel.Warning, "Could not check whether {Count} clicks were committed by an earlier attempt")]
    private partial void LogNotChecked(Exception e, int count);

    [LoggerMessage(LogLevel.Error, "Writing {Count} clicks failed after retries; they are lost")]
    private partial void LogDropped(Exception e, int count);

    [LoggerMessage(LogLevel.Warning,
        "The database refused a batch of {Count} clicks ({Error}); writing it in parts to lose only the clicks it refuses")]
    private partial void LogSplitting(int count, string error);

    [LoggerMessage(LogLevel.Error,
        "The database refused click {ClickId} (referral code {ReferralCodeId}, campaign {CampaignId}): {Error}; it is lost")]
    private partial void LogRefused(Exception e, Guid clickId, Guid referralCodeId, Guid campaignId, string error);

    [LoggerMessage(LogLevel.Error,
        "Writing the per-referrer click sums failed; the next batch of clicks recovers them from the clicks table")]
    private partial void LogRollupNotRecovered(Exception e);
}
