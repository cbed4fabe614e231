using RefTrack.Infrastructure;

namespace RefTrack.Referrals;

public enum ReferralStatus
{
    Qualified,
    Flagged,
    Rejected,
}

public enum ReferralSource
{
    Click,
    Code,
}

/// <summary>"A referred B". Unique on the referred participant: a user is attributed at most once.</summary>
public sealed class Referral
{
    public Guid Id { get; init; } = UuidV7.New();
    public Guid CampaignId { get; init; }
    public Guid ReferrerId { get; init; }
    public Guid ReferredId { get; init; }
    public ReferralStatus Status { get; set; }
    public ReferralSource Source { get; init; }

    /// <summary>The click that won attribution (null when the code alone decided).</summary>
    public Guid? ClickId { get; init; }

    public required string Code { get; init; }
    public DateTime? ClickedAt { get; init; }

    /// <summary>Machine-readable reason for the decision, e.g. <c>first_click</c> or <c>self_referral</c>.</summary>
    public required string Reason { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>When the referred user first purchased; null until then.</summary>
    public DateTime? ConvertedAt { get; set; }
}
