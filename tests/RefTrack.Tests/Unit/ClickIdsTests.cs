using RefTrack.Links;

namespace RefTrack.Tests.Unit;

public sealed class ClickIdsTests
{
    private static readonly DateTime Now = new(2026, 11, 24, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_version_7_id_carries_its_time_to_the_millisecond()
    {
        var at = Now.AddMilliseconds(-1234);
        Assert.Equal(at, ClickIds.MintedAt(Guid.CreateVersion7(at)));
    }

    [Fact]
    public void Other_ids_carry_no_time() => Assert.Null(ClickIds.MintedAt(Guid.NewGuid()));

    [Theory]
    [InlineData("ffffffff-ffff-7fff-bfff-ffffffffffff")] // the last 48-bit time: year 10889
    [InlineData("e7000000-0000-7000-8000-000000000000")] // the first byte past year 9999
    public void A_version_7_id_beyond_what_a_DateTime_holds_carries_no_time(string id)
    {
        // Anyone can send such a click id: it must not throw (a 500 at signup), only be no click of ours.
        Assert.Null(ClickIds.MintedAt(Guid.Parse(id)));
        Assert.False(ClickIds.IsRecent(Guid.Parse(id), Now, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void The_last_millisecond_a_DateTime_holds_is_still_a_time()
    {
        var last = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(last), ClickIds.MintedAt(WithMilliseconds(last)));
        Assert.Null(ClickIds.MintedAt(WithMilliseconds(last + 1)));
    }

    [Theory]
    [InlineData(-4_000, true)]
    [InlineData(-6_000, false)]
    [InlineData(500, true)]
    [InlineData(1_000, true)] // ClickIds.MaxClockSkew: what attribution accepts too
    [InlineData(1_001, false)]
    [InlineData(5_000, false)]
    public void Recent_means_within_the_window_before_now(int offsetMilliseconds, bool recent) =>
        Assert.Equal(recent, ClickIds.IsRecent(
            Guid.CreateVersion7(Now.AddMilliseconds(offsetMilliseconds)), Now, TimeSpan.FromSeconds(5)));

    /// <summary>A version 7 UUID with the given 48-bit Unix milliseconds.</summary>
    private static Guid WithMilliseconds(long milliseconds)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16);
        bytes[6] = 0x70;
        bytes[8] = 0x80;
        return new Guid(bytes, bigEndian: true);
    }
}
