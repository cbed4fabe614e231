using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RefTrack.Links;

/// <summary>
/// The click writer's instruments, on the meter <see cref="MeterName"/>: what an operator needs to tell whether the
/// writer keeps up. Redirects answer before their click is written, so a writer falling behind shows first here —
/// as a growing queue, then as redirects waiting for room — and only later as slow redirects. Read them with
/// <c>dotnet-counters monitor -n RefTrack --counters RefTrack.Links</c> (docs/operations.md) or any OpenTelemetry
/// exporter the host adds.
/// </summary>
internal sealed class ClickWriterMetrics
{
    public const string MeterName = "RefTrack.Links";

    private readonly Counter<long> _written;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _queueFullWaits;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<double> _busyTime;

    /// <param name="queued">Clicks enqueued and not yet committed (or given up on).</param>
    public ClickWriterMetrics(IMeterFactory meters, Func<long> queued)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("reftrack.clicks.queued", queued, "{click}",
            "Clicks answered with a redirect and not yet committed.");
        _written = meter.CreateCounter<long>("reftrack.clicks.written", "{click}", "Clicks committed to the database.");
        _lost = meter.CreateCounter<long>("reftrack.clicks.lost", "{click}",
            "Clicks given up on: a batch after the writer's retries, or a click the database refused (each also " +
            "logged as an error).");
        _queueFullWaits = meter.CreateCounter<long>("reftrack.clicks.queue_full_waits", "{request}",
            "Redirects that waited for room in a full click queue (RefTrack:Links:ClickQueueCapacity).");
        _batchDuration = meter.CreateHistogram<double>("reftrack.click_batch.duration", "s",
            "Time to write and commit one batch of clicks.");
        _batchSize = meter.CreateHistogram<int>("reftrack.click_batch.size", "{click}", "Clicks in one committed batch.");
        _busyTime = meter.CreateCounter<double>("reftrack.click_writer.busy_time", "s",
            "Time spent writing batches, summed over concurrent writers: per second of wall time, how many writers " +
            "were busy (SQLite has one, so 1 means the writer never rested).");
    }

    private long _writtenTotal;
    private long _lostTotal;
    private long _queueFullWaitsTotal;

    /// <summary>Clicks committed since start: what the writer reports as it stops (<see cref="ClickWriter"/>), which
    /// <c>bench/run</c> holds against the rows in the database.</summary>
    public long WrittenTotal => Interlocked.Read(ref _writtenTotal);

    /// <summary>Clicks given up on since start.</summary>
    public long LostTotal => Interlocked.Read(ref _lostTotal);

    /// <summary>Redirects that waited for room in a full queue since start: also in the writer's last words, so that a
    /// run's slow redirects can be told apart from a writer that fell behind without a metrics reader attached.</summary>
    public long QueueFullWaitsTotal => Interlocked.Read(ref _queueFullWaitsTotal);

    public void QueueFull()
    {
        Interlocked.Increment(ref _queueFullWaitsTotal);
        _queueFullWaits.Add(1);
    }

    /// <summary>One attempt at a batch, committed or not, from <paramref name="started"/>
    /// (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Attempted(long started, int clicks, bool committed)
    {
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        _busyTime.Add(seconds);
        if (committed && clicks > 0)
        {
            // A batch of no clicks only wrote SQLite's per-referrer sums (an idle or stopping writer's, a test's
            // flush): it counts as busy time, but as a batch it would only pull the sizes and durations of clicks'
            // batches down.
            _batchDuration.Record(seconds);
            _batchSize.Record(clicks);
            Written(clicks);
        }
    }

    /// <summary>Clicks found committed by an attempt that failed after its commit (<see cref="ClickWriter"/>).</summary>
    public void FoundWritten(int clicks) => Written(clicks);

    public void Lost(int clicks)
    {
        Interlocked.Add(ref _lostTotal, clicks);
        _lost.Add(clicks);
    }

    private void Written(int clicks)
    {
        Interlocked.Add(ref _writtenTotal, clicks);
        _written.Add(clicks);
    }
}
