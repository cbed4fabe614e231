namespace RefTrack.Tests.Infrastructure;

/// <summary>A clock the test moves by hand (attribution windows, expiry), starting at a fixed instant.</summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
