using RefTrack.Infrastructure;

namespace RefTrack.Tests.Unit;

/// <summary>
/// <see cref="DedicatedThreadScheduler"/>: SQLite's click batches run on a thread of their own, awaits included, one
/// at a time; disposing ends the thread.
/// </summary>
public sealed class DedicatedThreadSchedulerTests
{
    [Fact]
    public async Task Work_and_what_it_awaits_run_on_one_named_thread_outside_the_pool()
    {
        using var scheduler = new DedicatedThreadScheduler("test writer");
        var seen = new List<(int Id, string? Name, bool Pool)>();

        await scheduler.RunAsync(async () =>
        {
            seen.Add(Here());
            await Task.Delay(10); // Completes on a timer thread: the rest must come back.
            seen.Add(Here());
            await Task.Yield();
            seen.Add(Here());
        });

        Assert.Equal(3, seen.Count); // All of it ran (Assert.All passes on none; found by review).
        Assert.All(seen, s => Assert.Equal((scheduler.ThreadId!.Value, "test writer", false), s));
    }

    [Fact]
    public async Task Pieces_run_one_at_a_time_in_the_order_given()
    {
        using var scheduler = new DedicatedThreadScheduler("test writer");
        var order = new List<int>();
        var running = 0;
        var overlapped = false;

        var pieces = Enumerable.Range(0, 20).Select(i => scheduler.RunAsync(() =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            Thread.Sleep(1);
            order.Add(i);
            Interlocked.Decrement(ref running);
            return Task.CompletedTask;
        })).ToList();
        await Task.WhenAll(pieces);

        Assert.False(overlapped);
        Assert.Equal(Enumerable.Range(0, 20), order);
    }

    [Fact]
    public async Task A_failure_reaches_the_caller_and_the_thread_goes_on()
    {
        using var scheduler = new DedicatedThreadScheduler("test writer");

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            scheduler.RunAsync(() => throw new InvalidOperationException("batch failed")));
        var after = 0;
        await scheduler.RunAsync(() =>
        {
            after = Environment.CurrentManagedThreadId;
            return Task.CompletedTask;
        });

        Assert.Equal(scheduler.ThreadId, after);
    }

    [Fact]
    public async Task Disposed_it_ends_its_thread_and_refuses_work()
    {
        var scheduler = new DedicatedThreadScheduler("test writer");
        Thread? thread = null;
        await scheduler.RunAsync(() =>
        {
            thread = Thread.CurrentThread;
            return Task.CompletedTask;
        });

        scheduler.Dispose();
        scheduler.Dispose(); // Twice is harmless.

        Assert.True(thread!.Join(TimeSpan.FromSeconds(10)), "the thread did not end");
        Assert.Throws<TaskSchedulerException>(() => { _ = scheduler.RunAsync(() => Task.CompletedTask); }); // At once.
    }

    [Fact]
    public void No_thread_until_the_first_piece_of_work()
    {
        using var scheduler = new DedicatedThreadScheduler("test writer");

        Assert.Null(scheduler.ThreadId);
    }

    private static (int, string?, bool) Here() =>
        (Environment.CurrentManagedThreadId, Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread);
}
