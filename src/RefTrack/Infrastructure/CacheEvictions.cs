namespace RefTrack.Infrastructure;

/// <summary>
/// A node cache's evictions, counted, so that a database read that overlapped one does not refill the cache with what
/// the change replaced. A change commits, then evicts (<see cref="Evict"/>); a read that began before the commit may
/// still have seen the old data. So a read takes a <see cref="Mark"/> (<see cref="Take"/>) before it starts and stores its answer through
/// <see cref="TryStore"/>, which stores nothing once an eviction came after the mark. Counting an eviction and
/// storing take one lock, so a store either comes before the count (and the eviction's removal, after it, takes the
/// entry out) or sees it: once a change has answered, the node that made it never serves the old answer. (Storing
/// first and taking the entry out again after a check left a moment in which another request read it: found by
/// review.) The mark also holds when the read began, so that an entry lives its cache time from then, not from the
/// answer: a read whose snapshot came before another node's change, answering late, kept the old data the whole cache
/// time after its answer, past the bound the docs give (found by review).
/// </summary>
/// <param name="clock">The cache's clock.</param>
internal sealed class CacheEvictions(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private long _count;

    /// <summary>Taken before a read: the evictions counted so far, and the read's start on the cache's clock.</summary>
    public readonly record struct Mark(long Evictions, long Started);

    /// <summary>No lock: a mark read before a concurrent eviction's count only makes <see cref="TryStore"/> refuse,
    /// and a read misses the cache (a redirect of an uncached code) far more often than a change evicts.</summary>
    public Mark Take() => new(Interlocked.Read(ref _count), clock.GetTimestamp());

    /// <summary>Runs <paramref name="store"/> with the time left of <paramref name="lifetime"/> since the read began,
    /// unless an eviction came after <paramref name="mark"/> or no time is left; returns whether it ran.</summary>
    public bool TryStore(Mark mark, TimeSpan lifetime, Action<TimeSpan> store)
    {
        var left = lifetime - clock.GetElapsedTime(mark.Started);
        if (left <= TimeSpan.Zero)
        {
            return false;
        }

        lock (_gate)
        {
            if (_count != mark.Evictions)
            {
                return false;
            }

            store(left);
            return true;
        }
    }

    /// <summary>Counts an eviction, then runs it (<paramref name="remove"/>).</summary>
    public void Evict(Action remove)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _count);
        }

        remove();
    }
}
