using System.Collections.Concurrent;

namespace RefTrack.Infrastructure;

/// <summary>
/// Runs the work given to it one piece after another on one thread of its own, the continuations of its awaits
/// included (an await resumes on <see cref="TaskScheduler.Current"/>, which inside is this scheduler). For work that
/// is synchronous at heart and long, such as SQLite's click batches (about 10 ms each at the median under many links,
/// by the writer's instruments in docs/benchmarks-log.md): on a thread-pool worker it leaves the pool one worker fewer for
/// the requests while it runs, and its CPU cannot be told apart from theirs.
/// The thread starts with the first piece of work and ends when the scheduler is disposed.
/// </summary>
internal sealed class DedicatedThreadScheduler(string threadName) : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = new();
    private readonly Lock _lock = new();
    private Thread? _thread;

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>The thread's managed id once started, for tests.</summary>
    internal int? ThreadId
    {
        get
        {
            lock (_lock)
            {
                return _thread?.ManagedThreadId;
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on the thread; what it awaits resumes there too.</summary>
    /// <exception cref="TaskSchedulerException">Once disposed.</exception>
    public Task RunAsync(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <summary>Ends the thread once what is queued has run. Dispose only when no work is in progress: a continuation
    /// queued after it could not run.</summary>
    public void Dispose() => _queue.CompleteAdding();

    protected override void QueueTask(Task task)
    {
        lock (_lock)
        {
            _thread ??= Start();
        }

        _queue.Add(task);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private Thread Start()
    {
        var thread = new Thread(() =>
        {
            foreach (var task in _queue.GetConsumingEnumerable())
            {
                TryExecuteTask(task);
            }
        }) { IsBackground = true, Name = threadName };
        thread.Start();
        return thread;
    }
}
