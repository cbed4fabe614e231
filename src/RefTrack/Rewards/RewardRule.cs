using RefTrack.Infrastructure;

namespace RefTrack.Rewards;

public enum RewardTrigger
{
    Signup,
    Purchase,
    Milestone,
}

public enum RewardRecipient
{
    Referrer,
    Referee,
}

/// <summary>When and what to grant. Exactly one of <see cref="Amount"/> and <see cref="PercentBasisPoints"/> is set.</summary>
public sealed class RewardRule : IPagedRow
{
    public Guid Id { get; init; } = UuidV7.New();
    public Guid CampaignId { get; init; }
    public RewardTrigger Trigger { get; init; }
    public RewardRecipient Recipient { get; init; }

    /// <summary>Fixed amount in minor units of <see cref="Currency"/>.</summary>
    public long? Amount { get; init; }

    /// <summary>Share of the purchase amount, 1/100 of a percent (2000 = 20%).</summary>
    public int? PercentBasisPoints { get; init; }

    public required string Currency { get; init; }
    public bool FirstPurchaseOnly { get; init; }

    /// <summary>Tier condition: applies only while the referrer has at least this many qualified referrals.</summary>
    public int? MinReferrals { get; init; }

    /// <summary>Milestone N: granted once when the referrer reaches N qualified referrals.</summary>
    public int? ReferralCount { get; init; }

    public bool IsActive { get; set; } = true;
    public DateTime CreatedAt { get; init; }
}
