using RefTrack.Reports;

namespace RefTrack.Tests.Unit;

public sealed class StatsRateTests
{
    [Theory]
    [InlineData(1, 32, 0.0313)] // 0.03125 exactly: a half, rounded away from zero (to even it was 0.0312)
    [InlineData(3, 32, 0.0938)] // 0.09375
    [InlineData(1, 3, 0.3333)]
    [InlineData(2, 3, 0.6667)]
    [InlineData(5, 5, 1.0)]
    [InlineData(0, 7, 0.0)]
    [InlineData(3, 0, 0.0)] // no referral: 0, not NaN
    [InlineData(57, 800, 0.0713)] // 0.07125 exactly, which a double holds as 0.07124999…: rounded in double, 0.0712
    [InlineData(3, 20_000, 0.0002)] // 0.00015, the same: 0.0001 in double
    public void Rates_have_four_decimals_a_half_rounded_away_from_zero(long part, long whole, double expected)
    {
        Assert.Equal(expected, StatsApi.Rate(part, whole));
    }
}
