namespace RefTrack.Infrastructure;

/// <summary>
/// A node cache's evictions, counted, so that a database read that overlapped one does not refill the cache with what
/// the change replaced. A change commits, then evicts (<see cref="Evict"/>); a read that began before the commit may
/// still have seen the old data. So a read takes a <see cref="Mark"/> before it starts and stores its answer through
/// <see cref="TryStore"/>, which stores nothing once an eviction came after the mark. Counting an eviction and
/// storing take one lock, so a store either comes before the count (and the eviction's removal, after it, takes the
/// entry out) or sees it: once a change has answered, the node that made it never serves the old answer. (Storing
/// first and taking the entry out again after a check left a moment in which another request read it: found by
/// review.)
/// </summary>
internal sealed class CacheEvictions
{
    private readonly Lock _gate = new();
    private long _count;

    /// <summary>No lock: a mark read before a concurrent eviction's count only makes <see cref="TryStore"/> refuse,
    /// and a read misses the cache (a redirect of an uncached code) far more often than a change evicts.</summary>
    public long Mark() => Interlocked.Read(ref _count);

    /// <summary>Runs <paramref name="store"/> unless an eviction came after <paramref name="mark"/>; returns whether
    /// it ran.</summary>
    public bool TryStore(long mark, Action store)
    {
        lock (_gate)
        {
            if (_count != mark)
            {
                return false;
            }

            store();
            return true;
        }
    }

    /// <summary>
    /// <see cref="TryStore(long, Action)"/> for an entry that lives <paramref name="lifetime"/> from when its read began
    /// (<paramref name="readStarted"/>, a timestamp of <paramref name="clock"/>, the cache's clock), not from its answer:
    /// a read whose snapshot came before another node's change, answering late, kept the old data the whole cache time
    /// after its answer, past the bound the docs give (found by review). <paramref name="store"/> gets the time left;
    /// nothing is stored when none is.
    /// </summary>
    public bool TryStore(long mark, TimeProvider clock, long readStarted, TimeSpan lifetime, Action<TimeSpan> store)
    {
        var left = lifetime - clock.GetElapsedTime(readStarted);
        return left > TimeSpan.Zero && TryStore(mark, () => store(left));
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
