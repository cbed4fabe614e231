using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>A click waiting to be written, with the visitor keys that decide whether it is a repeat.</summary>
public sealed record PendingClick(Click Click, string DeviceKey, string? FingerprintKey);

/// <summary>
/// The click path's only writer. Redirects hand clicks to a bounded channel and answer at once; this service commits
/// them in batches, so a burst costs one transaction per batch instead of one per click. A full channel makes
/// redirects wait (nothing is dropped); stopping the service drains the channel before the process exits (within
/// the host's time to stop: <see cref="StopAsync"/>).
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
/// What a failed batch loses: a transient failure (<see cref="DbErrors.IsTransient"/>) is retried, and the batch is lost
/// only when the last retry fails too; a batch the database refuses (a constraint, a value) is written in parts down
/// to single clicks, so only the clicks it refuses alone are lost. Either way each is counted in
/// <c>reftrack.clicks.lost</c> and logged as an error (<see cref="WriteWithRetryAsync"/>).
/// </summary>
public sealed partial class ClickWriter : BackgroundService
{
    private readonly Channel<object> _channel;
    private readonly IServiceScopeFactory _scopes;
    private readonly DbContextOptions<SqliteAppDbContext>? _sqliteOptions; // Null on PostgreSQL.
    private readonly ILogger<ClickWriter> _logger;
    private readonly int _batchSize;
    private readonly int _writers; // Batches written at once: LinkOptions.ClickWriters on PostgreSQL, 1 on SQLite.
    private readonly TimeSpan _interval;
    private readonly TimeSpan _rollupIdle; // SQLite: quiet this long, the writer writes the per-referrer sums it holds.
    private readonly ClickWriterMetrics _metrics;
    private readonly DatabaseFailures _failures; // For /healthz: a batch that failed transiently.
    private readonly SemaphoreSlim _wake = new(0); // Released by a flush or by stopping: cuts the interval short.
    private readonly TimeProvider _clock;
    private readonly int _capacity;
    private long _nextQueueFullWarning = long.MinValue; // A TimeProvider timestamp: the queue-full warning's next turn.
    private volatile bool _stopping;
    private volatile bool _sumsPending; // SQLite: the per-referrer rollup held sums after the last batch written.
    private long _unwritten; // Clicks enqueued and not yet committed (or given up on).
    private long _writing; // Of those, the clicks of batches being written: their commits may still land.
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
        _failures = services.GetRequiredService<DatabaseFailures>();
        _clock = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _capacity = options.Value.ClickQueueCapacity;
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

    /// <summary>Of those, the ones that copied the whole log into the database file (0 on PostgreSQL), for tests.</summary>
    internal long CheckpointsCopiedWholeLog => _checkpointer?.CopiedWholeLog ?? 0;

    /// <summary>Syncs of the database file by the checkpoint thread after its checkpoints (0 on PostgreSQL), for
    /// tests.</summary>
    internal long CheckpointDatabaseSyncs => _checkpointer?.DatabaseSyncs ?? 0;

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
            WarnQueueFull();
        }

        return UncountOnFailureAsync(_channel.Writer.WriteAsync(click, ct));
    }

    /// <summary>Completes when every click enqueued on this node before the call is committed; at once when none is
    /// waiting. A signup calls it before reading a device's clicks, so a click answered a moment ago is seen.</summary>
    public Task FlushAsync(CancellationToken ct) => FlushAsync(writeSums: false, ct);

    /// <summary>
    /// <see cref="FlushAsync(CancellationToken)"/> for at most <paramref name="within"/>: false when that ran out first.
    /// A flush given up takes no place in the queue: one still waiting for room there (a full queue behind a writer
    /// held up) is withdrawn.
    /// </summary>
    public async Task<bool> FlushAsync(TimeSpan within, CancellationToken ct)
    {
        if (Interlocked.Read(ref _unwritten) == 0)
        {
            return true;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(within);
        try
        {
            await FlushAsync(writeSums: false, limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

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

    /// <summary>
    /// Drains the queue, for as long as the host lets its services stop (<c>HostOptions.ShutdownTimeout</c>: 30 s
    /// unless <c>shutdownTimeoutSeconds</c> is set). Past that the host goes on without waiting, and the process ends
    /// with whatever is still unwritten (a database that stopped answering, say): counted in <c>reftrack.clicks.lost</c>
    /// and logged as an error with the count, so that a loss nobody chose is not silent.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _channel.Writer.TryComplete(); // ExecuteAsync drains what is left, then returns.
        Wake();
        await base.StopAsync(cancellationToken); // Returns when the drain ends or the host's time for the stop is up.
        if (ExecuteTask is { IsCompleted: false } && Interlocked.Read(ref _unwritten) is > 0 and var unwritten)
        {
            // Counted lost, all of them: the process is about to end. Those of a batch being written may yet commit
            // in its last moments (a transaction commits whole or not at all), so the log says how many could have.
            _metrics.Lost((int)unwritten);
            LogStoppedUnwritten(unwritten, Math.Min(Interlocked.Read(ref _writing), unwritten));
        }

        LogStopped(_metrics.WrittenTotal, _metrics.LostTotal, _metrics.QueueFullWaitsTotal);
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
        Interlocked.Add(ref _writing, batch.Count);
        await WriteWithRetryAsync(batch, catchUp);
        _sumsPending = _referrerRollup is { HasPending: true };
        Interlocked.Add(ref _unwritten, -batch.Count);
        Interlocked.Add(ref _writing, -batch.Count);
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

    /// <summary>A flush waiting in the channel, answered once the clicks before it are written.</summary>
    private sealed class Flush(bool writeSums) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public bool WriteSums { get; } = writeSums;
    }
}

