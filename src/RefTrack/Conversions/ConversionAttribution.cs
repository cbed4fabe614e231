using RefTrack.Referrals;

namespace RefTrack.Conversions;

/// <summary>
/// Whether a conversion is its participant's referral's, and why not. A conversion that happened before the user
/// was referred (a backend backfilling old orders) is a fact about the customer, so it is recorded, but the
/// referral did not bring it: it earns no rewards and is not the referral's first purchase.
/// </summary>
public static class ConversionAttribution
{
    /// <summary>The participant had no qualified referral when the conversion was recorded.</summary>
    public const string NotReferred = "not_referred";

    /// <summary>The conversion's <c>occurredAt</c> is before the user was referred (less <see cref="ClockSlack"/>).</summary>
    public const string BeforeReferral = "before_referral";

    /// <summary>
    /// <c>occurredAt</c> is the caller's clock, the referral's times are ours, and no signup carries a time of its
    /// own to compare like with like. So a purchase counts unless it is more than this before the referral: the
    /// slack <c>occurredAt</c> already has ahead of our clock (<see cref="RecordConversionRequest.OccurredAtTolerance"/>,
    /// a day: clocks off and time-zone slips of up to 14 hours, e.g. a local time sent without its offset), here in
    /// the other direction. Refusing a real first purchase costs the referrer a reward; counting one bought less than
    /// a day before the referral costs little, and backfilled orders are older.
    /// </summary>
    public static readonly TimeSpan ClockSlack = RecordConversionRequest.OccurredAtTolerance;

    /// <summary>The referral a conversion at <paramref name="occurredAt"/> belongs to, or null and the reason.</summary>
    /// <param name="referral">The participant's qualified referral, if any.</param>
    /// <param name="occurredAt">The conversion's time; null is now, which no referral is after.</param>
    public static (Referral? Referral, string? UnattributedReason) Decide(Referral? referral, DateTime? occurredAt) =>
        referral is null ? (null, NotReferred)
        : occurredAt is { } at && at < ReferredAt(referral) - ClockSlack ? (null, BeforeReferral)
        : (referral, null);

    /// <summary>When the user was referred: the click that won attribution (a guest purchase after following the
    /// link, reported once the account exists, is the link's), or the signup when a code alone decided. Both are our
    /// clock; a click may be stamped up to a second after its signup (attribution's window allows it), hence the
    /// earlier of the two.</summary>
    public static DateTime ReferredAt(Referral referral) =>
        referral.ClickedAt is { } clicked && clicked < referral.CreatedAt ? clicked : referral.CreatedAt;
}
