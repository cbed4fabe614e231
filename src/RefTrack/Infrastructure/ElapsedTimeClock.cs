using Microsoft.Extensions.Internal;

namespace RefTrack.Infrastructure;

/// <summary>
/// The clock the node's <c>IMemoryCache</c> expires entries by (API keys, reward rules, campaigns): the time at start
/// plus the time elapsed since, which only moves forward. By the wall clock (MemoryCache's default), a node whose
/// clock NTP stepped back by an hour kept a revoked key's entry for that hour more than <c>KeyCacheSeconds</c>.
/// </summary>
internal sealed class ElapsedTimeClock(TimeProvider time) : ISystemClock
{
    private readonly DateTimeOffset _start = time.GetUtcNow();
    private readonly long _startTimestamp = time.GetTimestamp();

    public DateTimeOffset UtcNow => _start + time.GetElapsedTime(_startTimestamp);
}
