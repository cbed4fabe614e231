using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// The click writer's instruments (meter <c>RefTrack.Links</c>) and log lines: here the writer is held by a write lock
/// of the test's own on the SQLite file, so the queue fills and a redirect has to wait for room, which the instruments
/// must show, and nothing may be lost once the lock is gone; at <c>Debug</c> a line per batch and per checkpoint.
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

        // The batches' and checkpoints' own lines are Debug: nothing of them at the level the service runs at.
        Assert.DoesNotContain(log.Messages, m => IsBatchLine(m) || IsCheckpointLine(m));

        static bool IsQueueFull(string message) => message.StartsWith("The click queue is full", StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_debug_log_each_batch_with_its_time_and_each_checkpoint()
    {
        var settings = TestApp.ClickBatchesOfOneWithoutIdleWrites(writers: 1);
        settings["Logging:LogLevel:RefTrack.Links.ClickWriter"] = "Debug";
        var log = new MessageLog();
        using var app = new TestApp(Provider.Sqlite, settings)
        {
            TestServices = services => services.AddSingleton<ILoggerProvider>(log),
        };
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        const int clicks = 3;
        for (var i = 0; i < clicks; i++)
        {
            await app.ClickLink(code);
            await app.FlushClicksAsync(); // A batch each: batches of one click.
        }

        // A batch of no clicks writes SQLite's per-referrer sums only: the test's flushes ask for them.
        var batches = log.Messages.Where(IsBatchLine).ToList();
        Assert.Equal(clicks, batches.Count(line => line.StartsWith("Wrote 1 clicks ", StringComparison.Ordinal)));
        foreach (var line in batches)
        {
            var match = System.Text.RegularExpressions.Regex.Match(line,
                @"^Wrote [01] clicks in (?<total>[0-9.]+) ms \(visitor keys (?<keys>[0-9.]+), clicks (?<clicks>[0-9.]+), " +
                @"rollups (?<rollups>[0-9.]+), commit (?<commit>[0-9.]+)\); 0 queued behind them$");
            Assert.True(match.Success, line);
            double Ms(string step) => double.Parse(match.Groups[step].Value, System.Globalization.CultureInfo.InvariantCulture);
            // The steps are parts of the whole (each rounded to a tenth of a millisecond).
            Assert.True(Ms("keys") + Ms("clicks") + Ms("rollups") + Ms("commit") <= Ms("total") + 0.2, line);
        }

        // Each commit asks for a checkpoint, which copies the whole log once the writer rests.
        var copiedWholeLog = new System.Text.RegularExpressions.Regex(
            @"^Checkpoint of SQLite's log: [0-9.]+ ms, ([0-9]+) of its \1 pages in the database file \(busy: False, database file synced: True\)$");
        await Poll.UntilAsync(() => log.Messages.Any(copiedWholeLog.IsMatch), TimeSpan.FromSeconds(30),
            "No checkpoint that copied the whole log was logged.");
    }

    private static bool IsBatchLine(string message) => message.StartsWith("Wrote ", StringComparison.Ordinal);

    private static bool IsCheckpointLine(string message) => message.StartsWith("Checkpoint of SQLite's log", StringComparison.Ordinal);

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
