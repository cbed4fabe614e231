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
