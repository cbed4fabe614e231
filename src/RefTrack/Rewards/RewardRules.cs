namespace RefTrack.Rewards;

/// <summary>A reward to create: who gets what, and the key that makes it unique.</summary>
public sealed record Grant(Guid RuleId, RewardRecipient Recipient, long Amount, string Currency, string GrantKey);

/// <summary>A grant that applies when the referrer's new qualified count is between <see cref="FromCount"/> and
/// <see cref="ToCount"/>, both included.</summary>
public sealed record CountedGrant(Grant Grant, int FromCount, int ToCount)
{
    public bool Covers(int count) => count >= FromCount && count <= ToCount;
}

/// <summary>
/// Reward rule evaluation, a pure function of the rules and the event.
/// <para>Tiers: rules with the same trigger, recipient, currency and <c>firstPurchaseOnly</c> form a tier group.
/// Within a group only the rules with the highest <c>minReferrals</c> the referrer has reached apply (a rule
/// without it has threshold 0). So "20%" plus "30% from 10 referrals" gives 30% from the 10th referral on, not 50%.
/// Rules of equal threshold in a group add up.</para>
/// <para>Percentages: <c>amount × basisPoints / 10000</c>, rounded half away from zero to the minor unit; a
/// percentage rule whose currency differs from the purchase's grants nothing (no conversion between currencies) and
/// takes no part in choosing the purchase's tier, while a fixed amount is granted in its own currency whatever the
/// purchase's; a reward that rounds to zero is not created.</para>
/// </summary>
public static class RewardRules
{
    public static IReadOnlyList<Grant> ForSignup(
        IEnumerable<RewardRule> rules, Guid referrerId, Guid referralId, int referrerQualifiedReferrals)
    {
        var active = rules.Where(r => r.IsActive).ToList();
        return SignupGrants(active, referralId, referrerQualifiedReferrals)
            .Concat(Milestones(active, referrerId).Where(m => referrerQualifiedReferrals >= m.Count).Select(m => m.Grant))
            .Where(g => g.Amount > 0)
            .ToList();
    }

    private static IEnumerable<Grant> SignupGrants(IEnumerable<RewardRule> active, Guid referralId, int referrals) =>
        ApplicableTiers(active.Where(r => r.Trigger == RewardTrigger.Signup), referrals)
            .Select(r => new Grant(r.Id, r.Recipient, r.Amount ?? 0, r.Currency, $"{r.Id:N}:{referralId:N}:signup"));

    /// <summary>
    /// A milestone belongs to the referrer, once per count and currency, whichever rule pays it: keyed by what it
    /// rewards, not by the rule. Keyed by the rule, a rule replaced to pay another amount (deactivated and created
    /// anew, as docs/api.md advises) was a new milestone that paid every referrer already past its count a second
    /// time. Of active rules with the same count and currency, the newest pays.
    /// </summary>
    private static IEnumerable<(int Count, Grant Grant)> Milestones(IEnumerable<RewardRule> active, Guid referrerId) =>
        active
            .Where(r => r.Trigger == RewardTrigger.Milestone && r.ReferralCount is not null)
            .GroupBy(r => (Count: r.ReferralCount!.Value, r.Currency))
            .Select(group => (group.Key, Rule: group.MaxBy(r => (r.CreatedAt, r.Id))!))
            .Select(m => (m.Key.Count, new Grant(m.Rule.Id, RewardRecipient.Referrer, m.Rule.Amount ?? 0, m.Key.Currency,
                MilestoneKey(m.Key.Count, m.Key.Currency, referrerId))));

    /// <summary>A milestone's grant key (migration <c>MilestoneGrantKeys</c> writes the same for rewards granted under
    /// the earlier, per-rule keys).</summary>
    internal static string MilestoneKey(int count, string currency, Guid referrerId) =>
        $"milestone:{count}:{currency}:{referrerId:N}";

    /// <summary>
    /// <see cref="ForSignup"/> for every count the referrer's qualified referrals could reach with this referral, as
    /// count ranges. What the signup rules grant changes only where a count reaches a tier's <c>minReferrals</c>, so
    /// evaluating them at each threshold covers every count; a milestone is one range, from its count on (each once:
    /// repeated in every range after its own, a campaign's milestones made the PostgreSQL statement grow with their
    /// square, past its 65,535 parameters at about 126). This lets the database pick the grants in the same statement
    /// that increments the count.
    /// </summary>
    public static IReadOnlyList<CountedGrant> ForSignupByCount(IEnumerable<RewardRule> rules, Guid referrerId, Guid referralId)
    {
        var active = rules.Where(r => r.IsActive && r.Trigger is RewardTrigger.Signup or RewardTrigger.Milestone).ToList();
        var starts = active.Where(r => r.Trigger == RewardTrigger.Signup).Select(r => r.MinReferrals ?? 0)
            .Where(t => t > 1).Append(1).Distinct().Order().ToList(); // A new referral makes the count at least 1.
        var grants = new List<CountedGrant>();
        for (var i = 0; i < starts.Count; i++)
        {
            var to = i + 1 < starts.Count ? starts[i + 1] - 1 : int.MaxValue;
            grants.AddRange(SignupGrants(active, referralId, starts[i]).Where(g => g.Amount > 0)
                .Select(g => new CountedGrant(g, starts[i], to)));
        }

        grants.AddRange(Milestones(active, referrerId).Where(m => m.Grant.Amount > 0)
            .Select(m => new CountedGrant(m.Grant, Math.Max(m.Count, 1), int.MaxValue)));
        return grants;
    }

    /// <param name="isFirstPurchase">Whether this conversion is the referred user's first purchase. The caller
    /// learns it from the database (the conditional update that stamps the referral as converted), so exactly one
    /// purchase per referral is ever "first", on any node, whatever the tiers or rules do later.</param>
    public static IReadOnlyList<Grant> ForPurchase(
        IEnumerable<RewardRule> rules, Guid referralId, Guid conversionId, long purchaseAmount, string purchaseCurrency,
        int referrerQualifiedReferrals, bool isFirstPurchase)
    {
        // A percentage in another currency than the purchase's cannot pay for it, so it takes no part in choosing the
        // tier either: a higher tier of such rules left the lower one that can pay out replaced by nothing.
        var purchaseRules = rules.Where(r =>
            r.IsActive && r.Trigger == RewardTrigger.Purchase && (isFirstPurchase || !r.FirstPurchaseOnly)
            && (r.PercentBasisPoints is null || r.Currency == purchaseCurrency));
        return ApplicableTiers(purchaseRules, referrerQualifiedReferrals)
            .Select(r => Grant(r, r.PercentBasisPoints is { } bp ? Percent(purchaseAmount, bp) : r.Amount ?? 0))
            .Where(g => g.Amount > 0)
            .ToList();

        // A first-purchase rule pays once per referral, and its key says so: the database refuses a second one even if
        // the referral's first-purchase stamp were ever cleared (a refund undone by hand, a future refund flow).
        // Every other purchase rule pays once per conversion.
        Grant Grant(RewardRule r, long amount) => new(r.Id, r.Recipient, amount, r.Currency, r.FirstPurchaseOnly
            ? $"{r.Id:N}:{referralId:N}:first-purchase"
            : $"{r.Id:N}:{referralId:N}:{conversionId:N}");
    }

    /// <summary>
    /// <see cref="ForPurchase"/> before it is known whether this is the referred user's first purchase: every grant of
    /// a first purchase, each marked with whether only a first purchase earns it. A later purchase earns exactly the
    /// unmarked ones, because rules limited to first purchases form tier groups of their own. This lets the database
    /// decide in the statement that stamps the first purchase.
    /// </summary>
    public static IReadOnlyList<(Grant Grant, bool FirstPurchaseOnly)> ForPurchaseEitherWay(
        IEnumerable<RewardRule> rules, Guid referralId, Guid conversionId, long purchaseAmount, string purchaseCurrency,
        int referrerQualifiedReferrals)
    {
        var list = rules as IReadOnlyCollection<RewardRule> ?? rules.ToList();
        var later = ForPurchase(list, referralId, conversionId, purchaseAmount, purchaseCurrency, referrerQualifiedReferrals, false)
            .Select(g => g.GrantKey).ToHashSet(StringComparer.Ordinal);
        return ForPurchase(list, referralId, conversionId, purchaseAmount, purchaseCurrency, referrerQualifiedReferrals, true)
            .Select(g => (g, !later.Contains(g.GrantKey)))
            .ToList();
    }

    /// <summary><paramref name="amount"/> × <paramref name="basisPoints"/> / 10000, half away from zero.</summary>
    public static long Percent(long amount, int basisPoints) =>
        (long)Math.Round((decimal)amount * basisPoints / 10_000m, MidpointRounding.AwayFromZero);

    private static IEnumerable<RewardRule> ApplicableTiers(IEnumerable<RewardRule> rules, int referrals) =>
        rules
            .Where(r => (r.MinReferrals ?? 0) <= referrals)
            .GroupBy(r => (r.Recipient, r.Currency, r.FirstPurchaseOnly))
            .SelectMany(group =>
            {
                var reached = group.Max(r => r.MinReferrals ?? 0);
                return group.Where(r => (r.MinReferrals ?? 0) == reached);
            });
}
