using System.Collections.Concurrent;
using RefTrack.Infrastructure;
using RefTrack.Links;

namespace RefTrack.Tests.Unit;

public sealed class UuidV7Tests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 13, 0, 0, 123, TimeSpan.Zero);

    private static byte[] Bytes(Guid id)
    {
        var bytes = new byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return bytes;
    }

    [Fact]
    public void Laid_out_as_the_framework_lays_out_a_version_7_uuid()
    {
        var ours = Bytes(UuidV7.New(At));
        var framework = Bytes(Guid.CreateVersion7(At));
        Assert.Equal(framework[..6], ours[..6]); // the milliseconds
        Assert.Equal(0x70, ours[6] & 0xF0); // version
        Assert.Equal(0x80, ours[8] & 0xC0); // variant
        Assert.Equal(framework[6] & 0xF0, ours[6] & 0xF0);
        Assert.Equal(framework[8] & 0xC0, ours[8] & 0xC0);
        Assert.Equal(7, UuidV7.New(At).Version);
    }

    [Fact]
    public void Carries_its_time_to_the_millisecond() =>
        Assert.Equal(At.UtcDateTime, ClickIds.MintedAt(UuidV7.New(At)));

    [Fact]
    public void Ids_of_the_same_millisecond_differ_in_their_random_bits()
    {
        // Far more than one buffer's worth, so refills are crossed too.
        var ids = Enumerable.Range(0, 10_000).Select(_ => UuidV7.New(At)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(At.UtcDateTime, ClickIds.MintedAt(id)));
    }

    [Fact]
    public void Threads_minting_at_once_never_hand_out_the_same_id()
    {
        var ids = new ConcurrentBag<Guid>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                ids.Add(UuidV7.New(At));
            }
        });
        Assert.Equal(40_000, ids.Distinct().Count());
    }

    [Fact]
    public void Later_milliseconds_sort_later_as_text_and_as_bytes()
    {
        var earlier = UuidV7.New(At);
        var later = UuidV7.New(At.AddMilliseconds(1));
        Assert.True(string.CompareOrdinal(earlier.ToString(), later.ToString()) < 0);
        Assert.True(earlier.CompareTo(later) < 0);
    }

    [Fact]
    public void Ids_for_now_sort_in_the_order_they_were_minted_within_a_millisecond_too()
    {
        // Ten thousand take a few milliseconds: many share theirs with others. (Only that some do is asserted: how many
        // depends on the machine's speed, which a test must not; found by review.)
        var ids = Enumerable.Range(0, 10_000).Select(_ => UuidV7.New()).ToList();
        Assert.True(ids.Select(ClickIds.MintedAt).Distinct().Count() < ids.Count, "no two ids share a millisecond");
        for (var i = 1; i < ids.Count; i++)
        {
            Assert.True(ids[i - 1].CompareTo(ids[i]) < 0, $"id {i} sorts before id {i - 1}");
            Assert.True(string.CompareOrdinal(ids[i - 1].ToString(), ids[i].ToString()) < 0);
        }
    }

    [Fact]
    public void Ids_for_now_carry_now_and_the_version_7_layout()
    {
        var before = DateTime.UtcNow;
        var id = UuidV7.New();
        var after = DateTime.UtcNow;
        Assert.Equal(7, id.Version);
        Assert.Equal(0x80, Bytes(id)[8] & 0xC0);
        // The counter may carry a millisecond ahead of the clock, never more unless thousands share one.
        Assert.InRange(ClickIds.MintedAt(id)!.Value, before.AddMilliseconds(-1), after.AddMilliseconds(2));
    }

    [Fact]
    public void Threads_minting_for_now_at_once_each_get_later_ids_and_never_the_same()
    {
        var perThread = new ConcurrentBag<List<Guid>>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
            perThread.Add(Enumerable.Range(0, 5_000).Select(_ => UuidV7.New()).ToList()));
        Assert.Equal(40_000, perThread.SelectMany(ids => ids).Distinct().Count());
        Assert.All(perThread, ids => Assert.Equal(ids.Order(), ids));
    }

    [Fact]
    public void Times_before_1970_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => UuidV7.New(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
}
