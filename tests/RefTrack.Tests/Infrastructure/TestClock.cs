namespace RefTrack.Tests.Infrastructure;

/// <summary>A clock the test moves by hand (attribution windows, expiry), starting at a fixed instant.</summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private long _elapsedTicks;

    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>The time elapsed, as <see cref="Advance"/> moves it (what expiry that must not follow a wall clock
    /// stepped back goes by).</summary>
    public override long GetTimestamp() => _elapsedTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _elapsedTicks += by.Ticks;
    }

    /// <summary>The wall clock set to another time, as NTP stepping it does: no time elapses.</summary>
    public void StepWallClock(TimeSpan by) => _now += by;
}
