using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace RefTrack.Data;

/// <summary>
/// Copies SQLite's write-ahead log into the database file on a thread of its own, when asked (the click writer asks
/// after each commit), at most once per <see cref="MinInterval"/>. Why: SQLite otherwise checkpoints inside the commit
/// that takes the log past a limit, so the one click writer stopped for the copy and its two syncs while redirects
/// filled its queue; on many links the writer is the bound and the machine was not full. Here the copy runs beside
/// the next batch (docs/benchmarks-log.md, table of changes). Why not after every commit: on the hot link that was a
/// hundred checkpoints a second, each syncing twice and copying again the same few pages at the tails of the
/// clicks table and its indexes, a tenth of a core (<c>bench/profile sqlite hot-link</c>, the thread's CPU).
/// </summary>
/// <remarks>
/// A <c>PASSIVE</c> checkpoint waits for nobody: it copies what no reader still needs, and a writer may append
/// meanwhile. Once a checkpoint has copied the whole log and no reader needs it, the next write transaction starts
/// the log again from its beginning. It syncs the log before copying, and the database file once it has copied the
/// whole log, as SQLite's automatic checkpoint does in WAL mode; "the whole log" as it is when the copy ends, which a
/// writer that committed meanwhile has made longer, so this thread then syncs the file itself
/// (<see cref="SyncDatabaseFile"/>). Requests while a checkpoint runs are folded into one
/// more. A checkpoint held back, by a reader's snapshot older than the log's end or by another connection's checkpoint
/// holding the lock, is tried again after the interval, request or not, until one copies the whole log: else, once
/// writes stop, the last batches would stay in the log alone, and the file unsynced, until the next write asked.
/// Connections keep their own automatic checkpoint (the click writer's at
/// <see cref="RefTrack.Links.ClickWriter.SqliteWriterAutoCheckpointPages"/>): under a steady stream of clicks the
/// writer's next batch begins before this thread has copied the last, and only a write transaction that finds the
/// whole log copied starts it again from its beginning, so there the writer's own checkpoint copies the rest, a few
/// times a second (<c>bench/profile.d/wal_watch.py</c>).
/// </remarks>
internal sealed partial class SqliteCheckpointer : IDisposable
{
    /// <summary>
    /// Least time from the start of one checkpoint to the start of the next. Many links, whose batches write the most
    /// log (about 470 pages a batch of 500 clicks, at the 20,571 clicks a second of its fastest full run, 2026-12-01
    /// 13:28), puts under 2,000 pages in the log in that time, half the pages at which the writer checkpoints itself
    /// (<see cref="RefTrack.Links.ClickWriter.SqliteWriterAutoCheckpointPages"/>).
    /// </summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    private readonly DbContextOptions<SqliteAppDbContext> _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _requested = new(0);
    private readonly ManualResetEventSlim _stopped = new(false);
    private readonly Lock _lock = new();
    private Thread? _thread;
    private volatile bool _stopping;
    private long _completed;
    private long _copiedWholeLog;
    private long _databaseSyncs;

    public SqliteCheckpointer(DbContextOptions<SqliteAppDbContext> options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>Checkpoints run without an error (copied what they could; SQLite's busy answers included), for
    /// tests.</summary>
    internal long Completed => Interlocked.Read(ref _completed);

    /// <summary>Checkpoints that copied the whole log, as it was when they started, into the database file, for tests.</summary>
    internal long CopiedWholeLog => Interlocked.Read(ref _copiedWholeLog);

    /// <summary>Syncs of the database file after a checkpoint (<see cref="SyncDatabaseFile"/>), for tests.</summary>
    internal long DatabaseSyncs => Interlocked.Read(ref _databaseSyncs);

    /// <summary>Whether the thread was ever started, for tests.</summary>
    internal bool ThreadStarted
    {
        get
        {
            lock (_lock)
            {
                return _thread is not null;
            }
        }
    }

    /// <summary>Time between the starts of the last two checkpoints, for tests.</summary>
    internal TimeSpan? LastGap { get; private set; }

    /// <summary>Asks for a checkpoint soon; returns at once. The thread starts on the first request.</summary>
    public void Request()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _thread ??= StartThread();
        }

        if (_requested.CurrentCount == 0) // One pending request covers every commit before it runs.
        {
            _requested.Release();
        }
    }

    /// <summary>Stops the thread after the checkpoint in progress, if any.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            thread = _thread;
        }

        _requested.Release(); // Not disposed: a SemaphoreSlim whose wait handle is never asked for needs no disposal.
        _stopped.Set(); // Ends a wait for the interval.
        thread?.Join();
        _stopped.Dispose(); // Only the thread, gone now, waits on it.
    }

    private Thread StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "RefTrack checkpoint" };
        thread.Start();
        return thread;
    }

    private void Run()
    {
        SqliteKeptContext? kept = null;
        var lastStarted = long.MinValue;
        var heldBack = false;
        try
        {
            while (true)
            {
                if (!heldBack)
                {
                    _requested.Wait();
                }

                TimeSpan left;
                while (!_stopping && lastStarted != long.MinValue &&
                       (left = MinInterval - Stopwatch.GetElapsedTime(lastStarted)) > TimeSpan.Zero)
                {
                    _stopped.Wait(left); // Again if it woke a little early: the interval is a promise (tests).
                }

                // Requests made during the wait are covered by this checkpoint, which starts after them. The stop's
                // release may be among them, so the stop is checked after this, not before: checked before, a stop
                // between the two would leave the next wait without a release, and Dispose joining forever.
                while (_requested.Wait(0))
                {
                }

                if (_stopping)
                {
                    return;
                }

                if (lastStarted != long.MinValue)
                {
                    LastGap = Stopwatch.GetElapsedTime(lastStarted);
                }

                lastStarted = Stopwatch.GetTimestamp();
                try
                {
                    kept ??= SqliteKeptContext.Open(_options);
                    var row = Checkpoint(kept);
                    heldBack = !row.CopiedWholeLog;
                    var synced = !row.Busy && row.CopiedFrames > 0 && SyncDatabaseFile(kept);
                    // At Debug, each checkpoint with its time (docs/operations.md, Logs): a long one beside the
                    // click writer's slow batches points at the disk.
                    LogCheckpointed(Stopwatch.GetElapsedTime(lastStarted).TotalMilliseconds, row.CopiedFrames,
                        row.LogFrames, row.Busy, synced);
                    Interlocked.Increment(ref _completed);
                    if (!heldBack)
                    {
                        Interlocked.Increment(ref _copiedWholeLog);
                    }
                }
                catch (Exception e)
                {
                    heldBack = false;
                    // The next request tries again on a fresh connection; meanwhile the automatic checkpoints of the
                    // writers' connections keep the log bounded.
                    LogFailed(e);
                    kept?.Dispose();
                    kept = null;
                }
            }
        }
        finally
        {
            kept?.Dispose();
        }
    }

    /// <summary>
    /// Runs one passive checkpoint; true when every frame the log held as it started is now in the database file. Its
    /// row is SQLite's (busy, frames in the log, frames of them in the database file, by this checkpoint or earlier
    /// ones). Busy is 1 when the checkpoint could not start, as when another connection's checkpoint (a writer's
    /// automatic one) held the lock, and the two counts are then -1: busy is tested first. Read on the connection:
    /// ExecuteSqlRaw returns only a row count.
    /// </summary>
    internal static bool CheckpointCopiesWholeLog(SqliteKeptContext kept) => Checkpoint(kept).CopiedWholeLog;

    private static CheckpointRow Checkpoint(SqliteKeptContext kept)
    {
        using var command = kept.Db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var row = command.ExecuteReader();
        return row.Read()
            ? new CheckpointRow(row.GetInt64(0) != 0, row.GetInt64(1), row.GetInt64(2))
            : new CheckpointRow(Busy: true, LogFrames: -1, CopiedFrames: -1);
    }

    /// <summary>
    /// Syncs the database file after a checkpoint that ran with pages of the log in it (a sync with nothing new to
    /// write costs little). SQLite syncs the file itself only when the checkpoint copied the log up to its end as it
    /// is when the copy ends; under a steady stream of clicks the writer has committed again by then, so the file was
    /// rarely synced here (in 48 of 262 checkpoints in a run of many links), and the writer's own checkpoint, the one
    /// that lets the log start again
    /// (<see cref="RefTrack.Links.ClickWriter.SqliteWriterAutoCheckpointPages"/>), synced every page copied since,
    /// inside its commit: 28–34 ms a sync on the median, and those checkpoints 29–31% of the writer's time. Synced
    /// here, off the writer's path, the writer's sync finds only what was copied after it: 13–14 ms on the median,
    /// its checkpoints 18–21% of its time, in two runs against two without (docs/benchmarks-log.md, Tried and
    /// measured, 12-07 20:00). False when not synced: the calls into SQLite are not direct
    /// (<see cref="SqliteDirectCalls"/>), or the sync failed (logged; SQLite's own syncs still protect the data, this
    /// one only moves the work).
    /// </summary>
    private bool SyncDatabaseFile(SqliteKeptContext kept)
    {
        var connection = (SqliteConnection)kept.Db.Database.GetDbConnection();
        switch (SqliteDirectCalls.SyncMainFile(connection.Handle!))
        {
            case 0:
                Interlocked.Increment(ref _databaseSyncs);
                return true;
            case { } rc:
                LogSyncFailed(rc);
                return false;
            default:
                return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Syncing the database file after a checkpoint failed (SQLite result {Code})")]
    private partial void LogSyncFailed(int code);

    /// <summary>SQLite's answer to a checkpoint: whether it could not start, the frames in the log, and how many of
    /// them are in the database file.</summary>
    private readonly record struct CheckpointRow(bool Busy, long LogFrames, long CopiedFrames)
    {
        public bool CopiedWholeLog => !Busy && LogFrames == CopiedFrames;
    }

    [LoggerMessage(LogLevel.Debug,
        "Checkpoint of SQLite's log: {Milliseconds:F1} ms, {CopiedFrames} of its {LogFrames} pages in the database file (busy: {Busy}, database file synced: {Synced})")]
    private partial void LogCheckpointed(
        double milliseconds, long copiedFrames, long logFrames, bool busy, bool synced);

    [LoggerMessage(LogLevel.Warning, "Checkpointing SQLite's log failed; trying again at the next request")]
    private partial void LogFailed(Exception e);
}
