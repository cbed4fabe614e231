using RefTrack.Infrastructure;

namespace RefTrack.Rewards;

/// <summary>Fields with a default are optional (so the OpenAPI document says); which of them a rule needs depends on
/// its trigger (<see cref="Validate"/>).</summary>
public sealed record CreateRewardRuleRequest(
    [property: EnumNames(typeof(RewardTrigger))] string? Trigger,
    [property: EnumNames(typeof(RewardRecipient))] string? Recipient,
    string? Currency,
    long? Amount = null,
    int? PercentBasisPoints = null,
    bool? FirstPurchaseOnly = null,
    int? MinReferrals = null,
    int? ReferralCount = null)
{
    public const long MaxAmount = 1_000_000_000_000;

    public Validator Validate(out RewardTrigger trigger, out RewardRecipient recipient)
    {
        var v = new Validator()
            .Enum(Trigger, "trigger", out trigger)
            .Enum(Recipient, "recipient", out recipient)
            .Currency(Currency, "currency")
            .Check(Amount is null != PercentBasisPoints is null, "amount",
                "Give exactly one of amount (minor units) and percentBasisPoints.")
            .Check(Amount is null or (> 0 and <= MaxAmount), "amount", $"Between 1 and {MaxAmount} minor units.")
            .Check(PercentBasisPoints is null or (> 0 and <= 10_000), "percentBasisPoints",
                "Between 1 and 10000 (100%).")
            .Check(MinReferrals is null or >= 1, "minReferrals", "At least 1.");
        if (!v.IsValid)
        {
            return v;
        }

        var purchase = trigger == RewardTrigger.Purchase;
        var milestone = trigger == RewardTrigger.Milestone;
        return v
            .Check(PercentBasisPoints is null || purchase, "percentBasisPoints", "Only purchase rules take a percentage.")
            .Check(FirstPurchaseOnly != true || purchase, "firstPurchaseOnly", "Only purchase rules can be first-purchase-only.")
            .Check(milestone == ReferralCount is not null, "referralCount",
                milestone ? "Required for milestone rules: the number of qualified referrals that earns it." : "Only milestone rules take referralCount.")
            .Check(ReferralCount is null or >= 1, "referralCount", "At least 1.")
            .Check(!milestone || MinReferrals is null, "minReferrals", "Milestone rules use referralCount instead.")
            .Check(!milestone || recipient == RewardRecipient.Referrer, "recipient", "Milestones reward the referrer.");
    }
}

public sealed record RewardRuleResponse(
    Guid Id,
    RewardTrigger Trigger,
    RewardRecipient Recipient,
    long? Amount,
    int? PercentBasisPoints,
    string Currency,
    bool FirstPurchaseOnly,
    int? MinReferrals,
    int? ReferralCount,
    bool Active,
    DateTime CreatedAt);

internal static class RewardRuleMapping
{
    public static RewardRuleResponse AsResponse(this RewardRule r) =>
        new(r.Id, r.Trigger, r.Recipient, r.Amount, r.PercentBasisPoints, r.Currency, r.FirstPurchaseOnly,
            r.MinReferrals, r.ReferralCount, r.IsActive, r.CreatedAt);
}
