using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>Click ids are UUIDv7 (<see cref="UuidV7"/>): they carry the click's time.</summary>
public static class ClickIds
{
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

    /// <summary>Minted within <paramref name="window"/> before <paramref name="now"/> (or a little after: clocks of
    /// nodes differ).</summary>
    public static bool IsRecent(Guid id, DateTime now, TimeSpan window) =>
        MintedAt(id) is { } at && at >= now - window && at <= now + TimeSpan.FromSeconds(1);
}
