using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Referrals;

namespace RefTrack.Participants;

/// <summary>
/// The reads of a signup, as compiled queries: EF Core otherwise walks each query's expression tree on every call to
/// extract its parameters and find its cached plan (<c>QueryCompiler</c>, about a sixth of the samples in
/// <c>bench/profile sqlite signups</c>). One instance per app (a singleton): a compiled query is bound to the first
/// model it runs with, and tests run SQLite and PostgreSQL apps in one process.
/// </summary>
public sealed class SignupQueries
{
    private const int MaxDeviceClicks = 100;

    /// <summary>
    /// The click a signup names and its device's clicks in the signup's campaign stamped between two times, in one
    /// query: one read less per signup than the click first and then its device's. Empty when the click is unknown.
    /// </summary>
    /// <remarks>
    /// <para>A device may have clicked more than <see cref="MaxDeviceClicks"/> times in the window; the cap bounds the
    /// read. Which of its clicks are read follows the campaign's model, so that the click the model picks is among
    /// them: the earliest for <c>firstClick</c>, the latest for <c>lastClick</c>, read along the (campaign, device,
    /// time) index in that direction (no sort, and it stops at the cap). The named click is read besides, whatever its
    /// time and campaign, so the refusal of a bad one can say why.</para>
    /// <para>The upper time bound keeps clicks stamped clearly in the future (a node with a wrong clock), which
    /// attribution refuses anyway, from taking the places of the latest real ones under <c>lastClick</c>.</para>
    /// <para>The limit that remains: attribution also skips the new participant's own clicks and clicks on codes
    /// disabled since, and those count against the cap. When <see cref="MaxDeviceClicks"/> or more of them come
    /// before (<c>firstClick</c>) or after (<c>lastClick</c>) the click the model would pick, that click is not read,
    /// and the decision falls to the named click (always read) or to a refusal. Filtering them here would put half of
    /// <see cref="Attribution"/>'s rules into the query; a device clicking its own links or dead codes a hundred
    /// times within the window is abuse, not a referral worth the cost.</para>
    /// </remarks>
    public Func<AppDbContext, Guid, Guid, DateTime, DateTime, IAsyncEnumerable<ClickEvidence>> ClickWithDevice(
        AttributionModel model) =>
        model == AttributionModel.LastClick ? _clickWithLatestOfDevice : _clickWithEarliestOfDevice;

    // The two differ only in the direction of the device's clicks (a compiled query is one expression: no shared part).
    private readonly Func<AppDbContext, Guid, Guid, DateTime, DateTime, IAsyncEnumerable<ClickEvidence>> _clickWithEarliestOfDevice =
        EF.CompileAsyncQuery((AppDbContext db, Guid clickId, Guid campaignId, DateTime since, DateTime until) => db.Clicks.AsNoTracking()
            .Where(c => c.Id == clickId)
            // UNION ALL of two index lookups (the primary key, then campaign and device) rather than one OR.
            .Concat(db.Clicks.AsNoTracking()
                .Where(c => c.CampaignId == campaignId && c.OccurredAt >= since && c.OccurredAt <= until &&
                    c.DeviceId == db.Clicks.Where(named => named.Id == clickId).Select(named => named.DeviceId).FirstOrDefault())
                .OrderBy(c => c.OccurredAt)
                .Take(MaxDeviceClicks))
            .Join(db.ReferralCodes, c => c.ReferralCodeId, rc => rc.Id, (c, rc) => new { c, rc.Code, rc.IsDisabled })
            .Join(db.Participants, x => x.c.ParticipantId, p => p.Id, (x, p) => new ClickEvidence(
                x.c.Id, x.c.CampaignId, x.c.ParticipantId, p.NormalizedEmail, x.Code, x.c.OccurredAt, x.IsDisabled, x.c.IsBot)));

    private readonly Func<AppDbContext, Guid, Guid, DateTime, DateTime, IAsyncEnumerable<ClickEvidence>> _clickWithLatestOfDevice =
        EF.CompileAsyncQuery((AppDbContext db, Guid clickId, Guid campaignId, DateTime since, DateTime until) => db.Clicks.AsNoTracking()
            .Where(c => c.Id == clickId)
            .Concat(db.Clicks.AsNoTracking()
                .Where(c => c.CampaignId == campaignId && c.OccurredAt >= since && c.OccurredAt <= until &&
                    c.DeviceId == db.Clicks.Where(named => named.Id == clickId).Select(named => named.DeviceId).FirstOrDefault())
                .OrderByDescending(c => c.OccurredAt)
                .Take(MaxDeviceClicks))
            .Join(db.ReferralCodes, c => c.ReferralCodeId, rc => rc.Id, (c, rc) => new { c, rc.Code, rc.IsDisabled })
            .Join(db.Participants, x => x.c.ParticipantId, p => p.Id, (x, p) => new ClickEvidence(
                x.c.Id, x.c.CampaignId, x.c.ParticipantId, p.NormalizedEmail, x.Code, x.c.OccurredAt, x.IsDisabled, x.c.IsBot)));

    /// <summary>
    /// The participant by external id, projected as <see cref="ParticipantQueries.Views"/> does (written out again: a
    /// compiled query is one expression). Every registration reads it first, and a duplicate's loser again; uncompiled,
    /// on a pooled connection, for the duplicates' losers alone it was 8% of the server's samples in <c>bench/profile
    /// sqlite signups</c> (EF Core walking the expression, SQLite compiling the join on every call).
    /// </summary>
    public Func<AppDbContext, Guid, string, CancellationToken, Task<ParticipantView?>> Participant { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, string externalId, CancellationToken _) => (
            from p in db.Participants.AsNoTracking()
            where p.CampaignId == campaignId && p.ExternalId == externalId
            join r in db.Referrals on new { p.CampaignId, ReferredId = p.Id } equals new { r.CampaignId, r.ReferredId } into referrals
            from r in referrals.DefaultIfEmpty()
            select new ParticipantView(
                p,
                db.ReferralCodes.Where(c => c.ParticipantId == p.Id && !c.IsVanity).OrderBy(c => c.Id).Select(c => c.Code).FirstOrDefault(),
                r != null
                    ? new ReferralOutcome(r.Status, r.Reason)
                    : p.AttributionStatus == null ? null : new ReferralOutcome(p.AttributionStatus.Value, p.AttributionReason!)))
            .FirstOrDefault());

    public Func<AppDbContext, string, CancellationToken, Task<CodeEvidence?>> Code { get; } =
        EF.CompileAsyncQuery((AppDbContext db, string code, CancellationToken _) => db.ReferralCodes.AsNoTracking()
            .Where(c => c.Code == code)
            .Join(db.Participants, c => c.ParticipantId, p => p.Id,
                (c, p) => new CodeEvidence(c.CampaignId, c.ParticipantId, p.NormalizedEmail, c.Code, c.IsDisabled))
            .FirstOrDefault());
}
