using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// The click writer's instruments (meter <c>RefTrack.Links</c>): here the writer is held by a write lock of the
/// test's own on the SQLite file, so the queue fills and a redirect has to wait for room, which the instruments must
/// show, and nothing may be lost once the lock is gone.
/// </summary>
public sealed class ClickWriterMetricsTests
{
    private const int QueueCapacity = 100; // LinkOptions' smallest.

    [Fact]
    public async Task Show_clicks_written_the_queue_and_redirects_that_waited_for_room()
    {
        var settings = TestApp.ClickBatchesOfOne(writers: 1);
        settings["RefTrack:Links:ClickQueueCapacity"] = QueueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The held writer must still be waiting when the queue is full, however slowly the redirects come (below).
        settings["RefTrack:Database:BusyTimeoutMilliseconds"] = "120000";
        var log = new MessageLog();
        using var app = new TestApp(Provider.Sqlite, settings)
        {
            TestServices = services => services.AddSingleton<ILoggerProvider>(log),
        };
        using var metrics = new AppMetrics(app);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await app.ClickLink(code);
        await app.FlushClicksAsync();
        Assert.Equal(1, metrics.Sum("reftrack.clicks.written"));
        Assert.Equal(1, metrics.Sum("reftrack.click_batch.size"));
        Assert.True(metrics.Sum("reftrack.click_writer.busy_time") > 0);
        Assert.Equal(0, metrics.Gauge("reftrack.clicks.queued"));

        await using var holder = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await holder.OpenAsync();
        await using (var begin = new SqliteCommand("BEGIN IMMEDIATE", holder))
        {
            await begin.ExecuteNonQueryAsync(); // The writer's next transaction waits for this one (busy_timeout).
        }

        // One click in the writer's hands, a full queue behind it, and one more that has to wait for room.
        const int clicks = QueueCapacity + 2;
        var clicking = Task.Run(async () =>
        {
            for (var i = 0; i < clicks; i++)
            {
                await app.ClickLink(code);
            }
        });
        await WaitUntilAsync(() => metrics.Sum("reftrack.clicks.queue_full_waits") >= 1, clicking);
        Assert.False(clicking.IsCompleted, "The last redirect was answered while the queue was full.");
        // At least the full queue and the redirect waiting for room (one more if the writer has taken its click).
        Assert.InRange(metrics.Gauge("reftrack.clicks.queued"), QueueCapacity + 1, clicks);

        // The full queue is logged once, however many redirects find it full, until the warning's interval has passed.
        var second = app.ClickLink(code);
        await WaitUntilAsync(() => metrics.Sum("reftrack.clicks.queue_full_waits") >= 2, second);
        Assert.Equal(["The click queue is full (100 clicks): redirects wait for the writer, which is behind (1 redirects have waited since start)"],
            log.Messages.Where(IsQueueFull));
        app.Clock.Advance(RefTrack.Links.ClickWriter.QueueFullWarningInterval);
        var third = app.ClickLink(code);
        await WaitUntilAsync(() => metrics.Sum("reftrack.clicks.queue_full_waits") >= 3, third);
        Assert.Equal(2, log.Messages.Count(IsQueueFull));
        Assert.EndsWith("(3 redirects have waited since start)", log.Messages.Last(IsQueueFull), StringComparison.Ordinal);

        await using (var rollback = new SqliteCommand("ROLLBACK", holder))
        {
            await rollback.ExecuteNonQueryAsync();
        }

        await Task.WhenAll(clicking, second, third);
        await app.FlushClicksAsync();
        const int written = 1 + clicks + 2;
        Assert.Equal(written, metrics.Sum("reftrack.clicks.written"));
        Assert.Equal(0, metrics.Sum("reftrack.clicks.lost"));
        Assert.Equal(0, metrics.Gauge("reftrack.clicks.queued"));
        Assert.Equal(written, (await client.ParticipantStats(campaignId, "user-a"))["clicks"]!.Long("total"));

        // The writer's last words count the waits too, for a run read without a metrics listener (bench/run's notes).
        var waits = (long)metrics.Sum("reftrack.clicks.queue_full_waits");
        app.Dispose();
        Assert.Contains(log.Messages, message => message ==
            $"The click writer stopped: {written} clicks written since start, 0 lost; {waits} redirects waited for room in the queue");

        static bool IsQueueFull(string message) => message.StartsWith("The click queue is full", StringComparison.Ordinal);
    }

    /// <summary>Up to 30 s, a guard against waiting forever, not a measure of how fast a hundred redirects are: less
    /// than the busy_timeout set above, so the held writer is still waiting; fails early if <paramref name="clicking"/>
    /// failed.</summary>
    private static Task WaitUntilAsync(Func<bool> condition, Task clicking) =>
        Poll.UntilAsync(condition, TimeSpan.FromSeconds(30), "No redirect waited for room in the click queue.", clicking);

    /// <summary>Every message logged, formatted.</summary>
    private sealed class MessageLog : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => Messages.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
