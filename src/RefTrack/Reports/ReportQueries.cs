using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Participants;

namespace RefTrack.Reports;

/// <summary>
/// The reports' reads, as compiled queries run through <see cref="IHotReads"/>. A report is a few index lookups, so
/// the work around them was most of its cost: EF Core walking each LINQ query to find its cached plan, and on SQLite
/// compiling the SQL of every command (<c>bench/profile --native sqlite report-participant-stats</c>). Compiled, a
/// query skips the walk; through the hot reads, on SQLite, it also runs on a kept connection whose statements stay
/// compiled. On one machine that took RefTrack's CPU per participant-stats request from 664 to 202 µs on SQLite and
/// from 933 to 600 µs on PostgreSQL (docs/benchmarks-log.md, Tried and measured, 12-03 14:58). One instance per app,
/// as <see cref="SignupQueries"/> explains.
/// </summary>
internal sealed class ReportQueries
{
    public sealed record ParticipantRow(Guid Id, string ExternalId, int QualifiedReferrals, int ConvertedReferrals);

    public sealed record CampaignTotals(
        long Clicks, long Unique, long Bots, long Participants, long Signups, long Converted, long Conversions);

    /// <summary>The id wins over a look-alike external id, as in <see cref="ParticipantQueries.ByIdOrExternalId"/>.</summary>
    private readonly Func<AppDbContext, Guid, Guid, string, CancellationToken, Task<ParticipantRow?>> _participantByIdOrExternalId =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, Guid id, string value, CancellationToken _) =>
            db.Participants.AsNoTracking()
                .Where(p => p.CampaignId == campaignId && (p.Id == id || p.ExternalId == value))
                .OrderBy(p => p.ExternalId == value)
                .Select(p => new ParticipantRow(p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals))
                .FirstOrDefault());

    private readonly Func<AppDbContext, Guid, string, CancellationToken, Task<ParticipantRow?>> _participantByExternalId =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, string value, CancellationToken _) =>
            db.Participants.AsNoTracking()
                .Where(p => p.CampaignId == campaignId && p.ExternalId == value)
                .Select(p => new ParticipantRow(p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals))
                .FirstOrDefault());

    /// <summary>A referrer's clicks summed over its days; null when it has none.</summary>
    public Func<AppDbContext, Guid, Guid, CancellationToken, Task<ClickCounts?>> ParticipantClicks { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, Guid participantId, CancellationToken _) =>
            db.ParticipantDailyClicks
                .Where(c => c.CampaignId == campaignId && c.ParticipantId == participantId)
                .GroupBy(_ => 1)
                .Select(g => new ClickCounts(g.Sum(c => c.Clicks), g.Sum(c => c.UniqueClicks), g.Sum(c => c.BotClicks)))
                .FirstOrDefault());

    public Func<AppDbContext, Guid, Guid, IAsyncEnumerable<RewardTotal>> ParticipantRewards { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, Guid participantId) =>
            db.ParticipantRewardTotals
                .Where(t => t.CampaignId == campaignId && t.ParticipantId == participantId && t.Count != 0)
                .Select(t => new RewardTotal(t.Currency, t.Status, t.Count, t.Amount)));

    /// <summary>A campaign's days (and their slots) summed; null when it has none.</summary>
    public Func<AppDbContext, Guid, CancellationToken, Task<CampaignTotals?>> CampaignSums { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, CancellationToken _) =>
            db.CampaignDailyStats
                .Where(s => s.CampaignId == campaignId)
                .GroupBy(_ => 1)
                .Select(g => new CampaignTotals(g.Sum(s => s.Clicks), g.Sum(s => s.UniqueClicks), g.Sum(s => s.BotClicks),
                    g.Sum(s => s.Participants), g.Sum(s => s.Signups), g.Sum(s => s.ConvertedReferrals),
                    g.Sum(s => s.Conversions)))
                .FirstOrDefault());

    /// <summary>A campaign's reward totals by currency and status, its slots summed.</summary>
    public Func<AppDbContext, Guid, IAsyncEnumerable<RewardTotal>> CampaignRewards { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId) =>
            db.RewardTotals
                .Where(t => t.CampaignId == campaignId)
                .GroupBy(t => new { t.Currency, t.Status })
                .Select(g => new RewardTotal(g.Key.Currency, g.Key.Status, g.Sum(t => t.Count), g.Sum(t => t.Amount))));

    /// <summary>A campaign's days from one day to another (both included), each day's slots summed.</summary>
    public Func<AppDbContext, Guid, DateOnly, DateOnly, IAsyncEnumerable<DayStats>> Days { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, DateOnly from, DateOnly to) =>
            db.CampaignDailyStats
                .Where(s => s.CampaignId == campaignId && s.Day >= from && s.Day <= to)
                .GroupBy(s => s.Day)
                .Select(g => new DayStats(g.Key, g.Sum(s => s.Clicks), g.Sum(s => s.UniqueClicks), g.Sum(s => s.Signups),
                    g.Sum(s => s.Conversions))));

    /// <summary>Off the (campaign, qualifiedReferrals, id) index: ties broken by the older participant.</summary>
    public Func<AppDbContext, Guid, int, IAsyncEnumerable<ParticipantRow>> TopReferrers { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, int count) =>
            db.Participants.AsNoTracking()
                .Where(p => p.CampaignId == campaignId && p.QualifiedReferrals > 0)
                .OrderByDescending(p => p.QualifiedReferrals).ThenBy(p => p.Id)
                .Take(count)
                .Select(p => new ParticipantRow(p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals)));

    /// <summary>The participant a route's <c>{idOrExternalId}</c> names (see
    /// <see cref="ParticipantQueries.ByIdOrExternalId"/>): one compiled query per way of naming it, so each keeps its
    /// index.</summary>
    public Task<ParticipantRow?> Participant(AppDbContext db, Guid campaignId, string idOrExternalId, CancellationToken ct)
    {
        var (id, value) = ParticipantQueries.ParseIdOrExternalId(idOrExternalId);
        return id is { } guid
            ? _participantByIdOrExternalId(db, campaignId, guid, value, ct)
            : _participantByExternalId(db, campaignId, value, ct);
    }
}
