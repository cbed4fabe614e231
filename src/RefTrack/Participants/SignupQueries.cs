using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Referrals;

namespace RefTrack.Participants;

/// <summary>A click as a signup finds it: the evidence and the device that made it.</summary>
public sealed record FoundClick(ClickEvidence Evidence, string DeviceId);

/// <summary>
/// The reads of a signup, as compiled queries: EF Core otherwise walks each query's expression tree on every call to
/// extract its parameters and find its cached plan (<c>QueryCompiler</c>, about a sixth of the samples in
/// <c>bench/profile sqlite signups</c>). One instance per app (a singleton): a compiled query is bound to the first
/// model it runs with, and tests run SQLite and PostgreSQL apps in one process.
/// </summary>
public sealed class SignupQueries
{
    private const int MaxDeviceClicks = 100;

    public Func<AppDbContext, Guid, string, CancellationToken, Task<bool>> ParticipantExists { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, string externalId, CancellationToken _) =>
            db.Participants.Any(p => p.CampaignId == campaignId && p.ExternalId == externalId));

    // The two click queries differ only in their filter. A compiled query must be one expression (EF Core cannot
    // translate a call to a helper that composes it), hence the join written out twice.
    public Func<AppDbContext, Guid, CancellationToken, Task<FoundClick?>> Click { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid clickId, CancellationToken _) => db.Clicks.AsNoTracking()
            .Where(c => c.Id == clickId)
            .Join(db.ReferralCodes, c => c.ReferralCodeId, rc => rc.Id, (c, rc) => new { c, rc.Code, rc.IsDisabled })
            .Join(db.Participants, x => x.c.ParticipantId, p => p.Id, (x, p) => new FoundClick(
                new ClickEvidence(x.c.Id, x.c.CampaignId, x.c.ParticipantId, p.NormalizedEmail, x.Code, x.c.OccurredAt,
                    x.IsDisabled),
                x.c.DeviceId))
            .FirstOrDefault());

    /// <summary>A device's clicks in a campaign since a time, at most <see cref="MaxDeviceClicks"/>.</summary>
    public Func<AppDbContext, Guid, string, DateTime, IAsyncEnumerable<ClickEvidence>> DeviceClicks { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, string deviceId, DateTime since) => db.Clicks.AsNoTracking()
            .Where(c => c.CampaignId == campaignId && c.DeviceId == deviceId && c.OccurredAt >= since)
            .Join(db.ReferralCodes, c => c.ReferralCodeId, rc => rc.Id, (c, rc) => new { c, rc.Code, rc.IsDisabled })
            .Join(db.Participants, x => x.c.ParticipantId, p => p.Id, (x, p) => new ClickEvidence(
                x.c.Id, x.c.CampaignId, x.c.ParticipantId, p.NormalizedEmail, x.Code, x.c.OccurredAt, x.IsDisabled))
            .Take(MaxDeviceClicks));

    public Func<AppDbContext, string, CancellationToken, Task<CodeEvidence?>> Code { get; } =
        EF.CompileAsyncQuery((AppDbContext db, string code, CancellationToken _) => db.ReferralCodes.AsNoTracking()
            .Where(c => c.Code == code)
            .Join(db.Participants, c => c.ParticipantId, p => p.Id,
                (c, p) => new CodeEvidence(c.CampaignId, c.ParticipantId, p.NormalizedEmail, c.Code, c.IsDisabled))
            .FirstOrDefault());
}
