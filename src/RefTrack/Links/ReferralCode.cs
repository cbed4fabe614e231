using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>A code a participant shares. Globally unique; stored upper-case so lookups are case-insensitive.</summary>
public sealed class ReferralCode
{
    public Guid Id { get; init; } = UuidV7.New();
    public required string Code { get; init; }
    public Guid CampaignId { get; init; }
    public Guid ParticipantId { get; init; }
    public bool IsVanity { get; init; }
    public bool IsDisabled { get; set; }
    public DateTime CreatedAt { get; init; }

    public static string Normalize(string code) => code.Trim().ToUpperInvariant();
}
