using System.Collections.Concurrent;

namespace RefTrack.Infrastructure;

/// <summary>
/// A per-node cache whose entries expire a fixed time after they were stored: a dictionary whose entries carry their
/// expiry, swept of expired entries (on the thread pool) at most once per sweep interval, by the first lookup that
/// finds a sweep due. Made for many small entries — one per referral code clicked in the last half minute, tens of
/// thousands in the many-links benchmark — where <c>MemoryCache</c> adds an entry object of its own to each
/// (docs/benchmarks-log.md, "Memory"). Values may be null: a cached "not found". Expiry is by the time elapsed
/// (<see cref="TimeProvider.GetTimestamp"/>), not the wall clock, which NTP may step back: an entry then lived that much
/// longer than its time to live.
/// </summary>
public sealed class ExpiringCache<TValue>(TimeProvider clock, TimeSpan sweepInterval)
    where TValue : class?
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly long _sweepInterval = Timestamps(clock, sweepInterval);
    private long _nextSweep = clock.GetTimestamp() + Timestamps(clock, sweepInterval);
    private int _sweeping;

    /// <summary>Entries held, expired ones not yet swept included.</summary>
    public int Count => _entries.Count;

    public bool TryGetValue(string key, out TValue value)
    {
        var now = clock.GetTimestamp();
        SweepIfDue(now);
        if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(string key, TValue value, TimeSpan timeToLive) =>
        _entries[key] = new Entry(value, clock.GetTimestamp() + Timestamps(clock, timeToLive));

    public void Remove(string key) => _entries.TryRemove(key, out _);

    /// <summary>Drops every expired entry; an entry replaced while the sweep runs stays (removal compares the value).</summary>
    internal void Sweep()
    {
        var now = clock.GetTimestamp();
        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private void SweepIfDue(long now)
    {
        if (now < Volatile.Read(ref _nextSweep) || Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        Volatile.Write(ref _nextSweep, now + _sweepInterval);
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            try
            {
                self.Sweep();
            }
            finally
            {
                Volatile.Write(ref self._sweeping, 0);
            }
        }, this, preferLocal: false);
    }

    /// <summary><paramref name="span"/> in the clock's timestamp units.</summary>
    private static long Timestamps(TimeProvider clock, TimeSpan span) =>
        (long)(span.TotalSeconds * clock.TimestampFrequency);

    /// <param name="ExpiresAt">A timestamp of the cache's clock.</param>
    private readonly record struct Entry(TValue Value, long ExpiresAt);
}
