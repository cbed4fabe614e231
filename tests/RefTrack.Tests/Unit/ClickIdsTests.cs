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
    [InlineData(-4_000, true)]
    [InlineData(-6_000, false)]
    [InlineData(500, true)]
    [InlineData(5_000, false)]
    public void Recent_means_within_the_window_before_now(int offsetMilliseconds, bool recent) =>
        Assert.Equal(recent, ClickIds.IsRecent(
            Guid.CreateVersion7(Now.AddMilliseconds(offsetMilliseconds)), Now, TimeSpan.FromSeconds(5)));
}
