using System.Globalization;
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

    /// <summary>
    /// What the rule grants, as one text (<see cref="TermsOf"/>): unique among a campaign's active rules, by a unique
    /// index, so a create sent twice (a retry after a lost answer, a double submit) yields one rule, not two that add
    /// up and pay every grant twice. Null only on an active rule that already repeated an older active one when the
    /// index came (migration <c>RewardRuleTerms</c>): it keeps paying as it did.
    /// </summary>
    public string? Terms { get; init; }

    public const int MaxTermsLength = 80;

    /// <summary>The terms as stored: every field that decides what a rule grants, enums by name as they are stored,
    /// an absent value empty. Migration <c>RewardRuleTerms</c> built the same text in SQL for the rules before it
    /// (<see cref="Data.Migrations.RewardRuleTermsSql"/>): a change of this format needs a new migration that computes
    /// every rule's terms again, or a rule made before it would not meet its own terms made after, and an applied
    /// migration is never edited.</summary>
    public static string TermsOf(RewardTrigger trigger, RewardRecipient recipient, long? amount, int? percentBasisPoints,
        string currency, bool firstPurchaseOnly, int? minReferrals, int? referralCount) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{trigger}|{recipient}|{amount}|{percentBasisPoints}|{currency}|{(firstPurchaseOnly ? 1 : 0)}|" +
            $"{minReferrals}|{referralCount}");
}
