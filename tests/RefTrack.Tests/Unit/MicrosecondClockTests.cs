using Microsoft.Extensions.DependencyInjection;
using RefTrack.Infrastructure;

namespace RefTrack.Tests.Unit;

public sealed class MicrosecondClockTests
{
    [Fact]
    public void Times_are_cut_to_whole_microseconds_down()
    {
        var time = new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567);
        Assert.Equal(new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_560), MicrosecondClock.Truncate(time));
        Assert.Equal(DateTimeKind.Utc, MicrosecondClock.Truncate(time).Kind);
        Assert.Equal(new DateTimeOffset(time).AddTicks(-7), MicrosecondClock.Truncate(new DateTimeOffset(time)));
    }

    /// <summary>The service's clock: what it answers from memory is what PostgreSQL reads back.</summary>
    [Fact]
    public void The_service_clock_is_in_whole_microseconds()
    {
        using var services = new ServiceCollection().AddRefTrackApi().BuildServiceProvider();
        var clock = services.GetRequiredService<TimeProvider>();

        Assert.IsType<MicrosecondClock>(clock);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, clock.GetUtcNow().Ticks % TimeSpan.TicksPerMicrosecond);
        }
    }
}
