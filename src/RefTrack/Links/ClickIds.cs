using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>Click ids are UUIDv7 (<see cref="UuidV7"/>): they carry the click's time.</summary>
public static class ClickIds
{
    /// <summary>
    /// How far ahead of this node's clock a click may be stamped. A click's id and its <c>OccurredAt</c> come from the
    /// clock of the node that answered the redirect, which may run a little ahead of the node taking the signup: such
    /// a click is real and recent, not from the future. Both the wait for a click still queued on another node
    /// (<see cref="IsRecent"/>) and attribution's window use this one value, so a click worth waiting for is never
    /// refused once it arrives. Kept at a second: NTP keeps nodes far closer, and a click stamped later than that is
    /// clearly wrong and still refused.
    /// </summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(1);

    /// <summary>The last Unix millisecond a <see cref="DateTime"/> holds (in year 9999). The 48-bit timestamp of a
    /// version 7 UUID goes further (to year 10889), and a click id is anyone's input: past it there is no time to
    /// give, rather than an exception (integer ticks: the double of TotalMilliseconds rounds up past the end).</summary>
    private static readonly long MaxMilliseconds =
        (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

    /// <summary>When the click id was minted, if it is a version 7 UUID whose time a <see cref="DateTime"/> can hold
    /// (null otherwise: it was not minted by us).</summary>
    public static DateTime? MintedAt(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        if (bytes[6] >> 4 != 7)
        {
            return null;
        }

        var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) |
                           ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        return milliseconds > MaxMilliseconds ? null : DateTime.UnixEpoch.AddMilliseconds(milliseconds);
    }

    /// <summary>Minted within <paramref name="window"/> before <paramref name="now"/> (or up to
    /// <see cref="MaxClockSkew"/> after: clocks of nodes differ).</summary>
    public static bool IsRecent(Guid id, DateTime now, TimeSpan window) =>
        MintedAt(id) is { } at && at >= now - window && at <= now + MaxClockSkew;
}
