namespace RefTrack.Infrastructure;

/// <summary>
/// The system clock in whole microseconds, the service's clock: PostgreSQL keeps a <c>timestamptz</c> to the
/// microsecond and .NET's clock ticks in 100 ns, so a time answered from memory (a 201's <c>createdAt</c>, the answer
/// an <c>Idempotency-Key</c> stores) would otherwise differ from the same row read back (a GET, a replay) in its
/// seventh digit. SQLite keeps every tick; both databases answer alike so.
/// </summary>
public sealed class MicrosecondClock : TimeProvider
{
    public static MicrosecondClock Instance { get; } = new();

    private MicrosecondClock()
    {
    }

    public override DateTimeOffset GetUtcNow() => Truncate(System.GetUtcNow());

    /// <summary><paramref name="time"/> cut to whole microseconds (down).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerMicrosecond));

    /// <inheritdoc cref="Truncate(DateTimeOffset)"/>
    public static DateTime Truncate(DateTime time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerMicrosecond));
}
