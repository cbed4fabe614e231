using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace RefTrack.Data;

/// <summary>
/// SQLite's group commit: signups and conversions queue their write units here, and one thread runs whatever is
/// queued in one transaction, each unit inside its own savepoint, then commits once and answers them all.
/// </summary>
/// <remarks>
/// Why: SQLite admits one writer at a time and, at <c>synchronous=FULL</c>, every commit is an fsync of the WAL.
/// One transaction per request spends most of the serialized section on that fsync and on thread-pool hops between
/// the statements of whichever request holds the lock (the cores are busy with the other requests). Here the
/// serialized section is one thread that never yields (Microsoft.Data.Sqlite's async calls complete synchronously)
/// and one fsync per batch. A batch is simply what queued while the previous one committed, so a lone request waits
/// for no timer. Units are answered only after the commit: an acknowledged write is durable. A unit that throws is
/// rolled back to its savepoint and its exception is rethrown to its caller; the other units of the batch commit. When
/// the commit fails, every unit is answered with that failure, its own error or not.
/// The process's write gate is held per batch, so the click writer and other writers on the file take turns.
/// The thread keeps one context whose connection stays open (<see cref="SqliteKeptContext"/>), so that the write
/// units' statements are compiled once (<see cref="SqliteStatementCache"/>), and their raw SQL runs on them without
/// EF Core's command building (<see cref="RawSqlRows"/>); after a batch that failed as a whole it starts on a fresh
/// one.
/// </remarks>
public sealed partial class SqliteGroupCommit : IHostedService, ITransactionRunner
{
    private const int MaxBatch = 256;

    /// <summary>
    /// Ten times SQLite's default (39 MiB of log at 4 KiB pages). Only for this connection: the click writer's log is
    /// checkpointed after its batches on a thread of its own, at most every <see cref="SqliteCheckpointer.MinInterval"/>,
    /// which under mixed traffic copies the signups' pages too, so this limit is reached only when no clicks come.
    /// </summary>
    public const int CheckpointPages = 10_000;

    private readonly Channel<IUnit> _queue = Channel.CreateBounded<IUnit>(new BoundedChannelOptions(4096)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly DbContextOptions<SqliteAppDbContext> _options;
    private readonly ILogger<SqliteGroupCommit> _logger;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SqliteKeptContext? _writer; // The loop thread's alone.

    public SqliteGroupCommit(DbContextOptions<SqliteAppDbContext> options, ILogger<SqliteGroupCommit> logger)
    {
        _options = options;
        _logger = logger;
    }

    private interface IUnit
    {
        void Run(AppDbContext db);

        /// <summary>The unit's savepoint was rolled back because of <paramref name="e"/> (its own work's error, or
        /// releasing the savepoint after it failed): it is answered with that, never with its result.</summary>
        void Fail(Exception e);

        void Answer(Exception? batchFailure);
    }

    public async Task<T> RunAsync<T>(Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var unit = new Unit<T>(work);
        await _queue.Writer.WriteAsync(unit, ct); // After shutdown: ChannelClosedException, nothing written.
        return await unit.Task; // Once queued it runs whatever the caller does; its answer is the commit's.
    }

    /// <summary>The same as <see cref="RunAsync{T}"/>: every unit shares the batch's transaction.</summary>
    public Task<T> RunOneCommandAsync<T>(Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken ct) =>
        RunAsync(work, ct);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        new Thread(Loop) { IsBackground = true, Name = "RefTrack SQLite group commit" }.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete(); // The loop commits what is queued, then ends.
        await _stopped.Task.WaitAsync(cancellationToken);
    }

    private void Loop()
    {
        try
        {
            var reader = _queue.Reader;
            var batch = new List<IUnit>(MaxBatch);
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < MaxBatch && reader.TryRead(out var unit))
                {
                    batch.Add(unit);
                }

                Commit(batch);
                batch.Clear();
            }
        }
        finally
        {
            CloseWriter();
            _stopped.TrySetResult();
        }
    }

    private void Commit(List<IUnit> batch)
    {
        Exception? failure = null;
        try
        {
            var db = (_writer ??= OpenWriter()).Db;
            var gate = SqliteAppDbContext.GateFor(db);
            gate.Wait();
            try
            {
                using var tx = db.Database.BeginTransaction(); // BEGIN IMMEDIATE
                foreach (var unit in batch)
                {
                    tx.CreateSavepoint("unit");
                    try
                    {
                        unit.Run(db);
                        tx.ReleaseSavepoint("unit");
                    }
                    catch (Exception e)
                    {
                        // Whatever failed, the unit's own work or releasing its savepoint after it, the unit is rolled
                        // back and answered with that failure; the others go on.
                        RollBackUnit(tx, e);
                        unit.Fail(e);
                    }
                    finally
                    {
                        db.ChangeTracker.Clear();
                    }
                }

                tx.Commit();
            }
            finally
            {
                gate.Release();
            }
        }
        catch (Exception e)
        {
            failure = e;
            LogBatchFailed(e, batch.Count);
            CloseWriter(); // Whatever state it was left in, the next batch starts on a fresh connection.
        }

        foreach (var unit in batch)
        {
            unit.Answer(failure);
        }
    }

    /// <summary>
    /// Rolls a failed unit back to its savepoint. On some errors (a full disk, an I/O error, no memory) SQLite has
    /// already rolled the whole transaction back, savepoint and all: then the batch fails, with the unit's failure
    /// first, as its cause, and the savepoint's only after it (it was the savepoint's "no such savepoint" alone, which
    /// hid the full disk from the log and from the callers; found by review).
    /// </summary>
    private static void RollBackUnit(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, Exception failure)
    {
        try
        {
            tx.RollbackToSavepoint("unit");
        }
        catch (Exception savepoint)
        {
            throw new AggregateException("A queued write failed and the transaction could not go on without it",
                failure, savepoint);
        }
    }

    /// <summary>
    /// The loop's kept context, with two settings of its own. SQLite's temporary files in memory: each unit's
    /// savepoint keeps the original of every page the unit changes in a sub-journal, which past 64 KiB (a signup's
    /// unit writes to about thirty B-trees) SQLite spills to a temporary file, one write system call per page saved; in
    /// memory they cost a few hundred KiB while a unit runs. And the WAL copied into the database file when a commit
    /// of this connection finds it at <see cref="CheckpointPages"/>: the units change the same pages over and over
    /// (rollup rows, referrers' rows, the tails of the tables and of their time-ordered indexes), and a checkpoint
    /// copies each page once however often it changed. (The connection keeps both settings if it goes back to
    /// Microsoft.Data.Sqlite's pool, after a failed batch or at shutdown.)
    /// </summary>
    private SqliteKeptContext OpenWriter() =>
        SqliteKeptContext.Open(_options, $"PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {CheckpointPages};");

    private void CloseWriter()
    {
        _writer?.Dispose();
        _writer = null;
    }

    [LoggerMessage(LogLevel.Error, "Committing {Count} queued writes failed; none of them was written")]
    private partial void LogBatchFailed(Exception e, int count);

    private sealed class Unit<T>(Func<AppDbContext, CancellationToken, Task<T>> work) : IUnit
    {
        private readonly TaskCompletionSource<T> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _answer.Task;

        public void Run(AppDbContext db) => _result = work(db, CancellationToken.None).GetAwaiter().GetResult();

        public void Fail(Exception e) => _error = e;

        /// <summary>A failed commit wins over the unit's own error: nothing of the batch was written, and the unit's
        /// error may be about a sibling's write that is now gone (a duplicate of a row that was never stored).</summary>
        public void Answer(Exception? batchFailure)
        {
            if (batchFailure is not null)
            {
                _answer.TrySetException(batchFailure);
            }
            else if (_error is not null)
            {
                _answer.TrySetException(_error);
            }
            else
            {
                _answer.TrySetResult(_result!);
            }
        }
    }
}
