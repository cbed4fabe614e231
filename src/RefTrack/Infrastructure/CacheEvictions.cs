namespace RefTrack.Infrastructure;

/// <summary>
/// A node cache's evictions, counted, so that a database read that overlapped one does not refill the cache with what
/// the change replaced. A change commits, then evicts (<see cref="Evict"/>); a read that began before the commit may
/// still have seen the old data, and may store it after the eviction ran. So a read takes a <see cref="Mark"/> before
/// it starts and, once it has stored its answer, removes it again if <see cref="ChangedSince"/> the mark. The count
/// goes up before the entry is removed, so either the eviction's remove finds the read's entry or the read sees the
/// count: the node that made a change never serves the old answer once the change has answered.
/// </summary>
internal sealed class CacheEvictions
{
    private long _count;

    public long Mark() => Interlocked.Read(ref _count);

    public bool ChangedSince(long mark) => Interlocked.Read(ref _count) != mark;

    /// <summary>Counts an eviction, then runs it (<paramref name="remove"/>).</summary>
    public void Evict(Action remove)
    {
        Interlocked.Increment(ref _count);
        remove();
    }
}
