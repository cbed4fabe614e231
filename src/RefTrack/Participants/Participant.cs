using RefTrack.Infrastructure;

namespace RefTrack.Participants;

/// <summary>A user of the company's product, known by the company's own id. Unique per (campaign, externalId).</summary>
public sealed class Participant : IPagedRow
{
    public Guid Id { get; init; } = UuidV7.New();
    public Guid CampaignId { get; init; }
    public required string ExternalId { get; init; }
    public string? Email { get; set; }

    /// <summary>Email after <see cref="EmailNormalizer"/>: what self-referral checks compare. Rows written before
    /// domains were mapped to ASCII hold the Unicode domain: compare through <see cref="EmailNormalizer.Stored"/>.
    /// </summary>
    public string? NormalizedEmail { get; set; }

    public string? Name { get; set; }

    /// <summary>The referrer's participant id, set once at registration (one-time attribution).</summary>
    public Guid? ReferredById { get; init; }

    /// <summary>
    /// The attribution decision made at registration, kept also when it was refused for a reason that names no
    /// referrer (unknown code, expired click …), so the participant always answers why. Null when no click id or
    /// code was given.
    /// </summary>
    public Referrals.ReferralStatus? AttributionStatus { get; init; }

    public string? AttributionReason { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>Counter kept by the writers (leaderboard, tiers, milestones): this participant's qualified referrals.</summary>
    public int QualifiedReferrals { get; init; }

    /// <summary>Counter kept by the writers: referrals of this participant whose referred user purchased.</summary>
    public int ConvertedReferrals { get; init; }
}
