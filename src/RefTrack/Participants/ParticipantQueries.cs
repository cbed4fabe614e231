using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Participants;

/// <summary>A participant with its primary (generated) code and its referral outcome, in one query.</summary>
/// <remarks>Code is null only for a participant without a generated code: every registration creates one, but rows
/// imported by hand may lack it, and one such row must not fail every page of the list.</remarks>
public sealed record ParticipantView(Participant Participant, string? Code, ReferralOutcome? Referral);

internal static class ParticipantQueries
{
    /// <summary>The participant a route's <c>{idOrExternalId}</c> names; the id wins over a look-alike external id.
    /// Trimmed as registration trims external ids, so <c>%20user-b%20</c> names <c>user-b</c>, as a code's route does.</summary>
    public static IQueryable<Participant> ByIdOrExternalId(this IQueryable<Participant> participants, string idOrExternalId)
    {
        var (id, value) = ParseIdOrExternalId(idOrExternalId);
        return id is { } guid
            ? participants.Where(p => p.Id == guid || p.ExternalId == value)
                .OrderBy(p => p.ExternalId == value)
                .Take(1)
            : participants.Where(p => p.ExternalId == value);
    }

    /// <summary>A route's <c>{idOrExternalId}</c>, trimmed, and the id it also reads as (null when it is no UUID): the
    /// two ways a participant can be named, for queries that cannot compose <see cref="ByIdOrExternalId"/> (compiled
    /// ones).</summary>
    public static (Guid? Id, string Value) ParseIdOrExternalId(string idOrExternalId)
    {
        var value = idOrExternalId.Trim();
        return (Guid.TryParse(value, out var id) ? id : null, value);
    }

    /// <summary>
    /// The campaign of participant <paramref name="participantId"/>, as a query to compare inside another: the lists
    /// of a participant's rewards and conversions find their rows by the participant and check the campaign on its
    /// row (a reward or conversion is always its participant's campaign's). Named on the listed rows, the campaign
    /// would make the campaign's own index a candidate, which SQLite, planning without statistics, can prefer and read
    /// in id order through every row of the campaign. Compared as <c>.FirstOrDefault() == campaignId</c>: a scalar
    /// subquery, which SQLite runs once; an <c>EXISTS</c> it would make a join and then sort.
    /// </summary>
    public static IQueryable<Guid?> CampaignOf(AppDbContext db, Guid participantId) =>
        db.Participants.Where(p => p.Id == participantId).Select(p => (Guid?)p.CampaignId);

    /// <summary>Projects already filtered and ordered participants; filter first, EF cannot filter the records.</summary>
    /// <remarks>
    /// The referral is a LEFT JOIN on the unique (campaign, referred) index, not a <c>FirstOrDefault()</c> subquery:
    /// EF translates the latter into a ROW_NUMBER() window over the whole Referrals table, one scan per lookup.
    /// </remarks>
    public static IQueryable<ParticipantView> Views(AppDbContext db, IQueryable<Participant> participants) =>
        from p in participants.AsNoTracking()
        join r in db.Referrals on new { p.CampaignId, ReferredId = p.Id } equals new { r.CampaignId, r.ReferredId } into referrals
        from r in referrals.DefaultIfEmpty()
        select new ParticipantView(
            p,
            db.ReferralCodes.Where(c => c.ParticipantId == p.Id && !c.IsVanity).OrderBy(c => c.Id).Select(c => c.Code).FirstOrDefault(),
            // The referral row carries the live status (review may flag it later); otherwise the decision itself.
            r != null
                ? new ReferralOutcome(r.Status, r.Reason)
                : p.AttributionStatus == null ? null : new ReferralOutcome(p.AttributionStatus.Value, p.AttributionReason!));
}
