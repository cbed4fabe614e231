using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>
/// The last write the database refused for want of being able to take it (<see cref="DbErrors.IsTransient"/>: down,
/// busy, full, read-only), a writing request's 503 (<see cref="StatusCodeProblemTypes.WriteAsync(HttpContext)"/>; a
/// read's is not one) or a click batch's failed attempt (any but a row refused: <see cref="DbErrors.IsRowRefusal"/>), for <c>/healthz</c>
/// (<see cref="DatabaseHealthCheck"/>). Its probe only reads, and reads pass on a disk that is full or a SQLite file
/// that became read-only while every write fails (found by review): the node answered 200 while signups got 503 and
/// clicks were being retried and lost.
/// </summary>
public sealed class DatabaseFailures(TimeProvider clock)
{
    /// <summary>How long a failure keeps the node <c>Degraded</c>: nothing tells a node that its next write would pass
    /// without making one, so a failure is forgotten after this long without another (a node with no traffic has none).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <param name="At">A <see cref="TimeProvider.GetTimestamp"/>: an interval is timed on the monotonic clock, which a
    /// wall clock stepped back (NTP, a VM restored) cannot stretch into an hour of Degraded.</param>
    private sealed record Failure(long At, string Message);

    private volatile Failure? _last;

    public void Record(Exception exception) =>
        _last = new Failure(clock.GetTimestamp(), exception.GetBaseException().Message);

    /// <summary>The last failure within <see cref="Window"/>, as the health check says it; null when there is none.</summary>
    public string? Recent()
    {
        var last = _last;
        var age = last is null ? TimeSpan.MaxValue : clock.GetElapsedTime(last.At);
        return age <= Window ? $"A database write failed {(int)age.TotalSeconds} s ago: {last!.Message}" : null;
    }
}
