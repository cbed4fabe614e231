using RefTrack.Links;

namespace RefTrack.Tests.Data;

/// <summary>A click as the click writer's statements receive it, for the tests of each provider's statements.</summary>
internal static class SampleClicks
{
    public static Click New(string? userAgent, bool isBot, bool isRepeat) => new()
    {
        Id = Guid.CreateVersion7(),
        CampaignId = Guid.CreateVersion7(),
        ReferralCodeId = Guid.CreateVersion7(),
        ParticipantId = Guid.CreateVersion7(),
        // Sub-millisecond ticks with a trailing zero (EF's SQLite format drops trailing zeros of the fraction), and
        // whole microseconds, PostgreSQL's precision, so the value reads back equal there.
        OccurredAt = new DateTime(2026, 3, 1, 12, 30, 45, 120, DateTimeKind.Utc).AddTicks(4560),
        IpHash = "0123456789abcdef0123456789abcdef",
        UserAgent = userAgent,
        DeviceId = Guid.CreateVersion7().ToString("N"),
        IsBot = isBot,
        IsRepeat = isRepeat,
    };
}
