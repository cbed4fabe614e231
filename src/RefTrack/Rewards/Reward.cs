using RefTrack.Infrastructure;

namespace RefTrack.Rewards;

public enum RewardStatus
{
    Pending,
    Approved,
    Paid,
    Voided,
}

/// <summary>What a participant earned. <see cref="GrantKey"/> is unique: a reward is granted exactly once.</summary>
public sealed class Reward : IPagedRow
{
    public Guid Id { get; init; } = UuidV7.New();
    public Guid CampaignId { get; init; }
    public Guid ParticipantId { get; init; }
    public Guid RuleId { get; init; }
    public Guid ReferralId { get; init; }
    public Guid? ConversionId { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    public RewardStatus Status { get; set; }

    /// <summary>
    /// What makes this grant unique, e.g. rule + referral + conversion. A unique index on it, not a read before the
    /// insert, is what stops a replay or a concurrent retry from granting twice (NULLs would not collide, a key does).
    /// </summary>
    public required string GrantKey { get; init; }

    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}
