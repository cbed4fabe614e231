using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Links;
using RefTrack.Participants;
using RefTrack.Referrals;
using RefTrack.Rewards;

namespace RefTrack.Reports;

/// <summary>
/// Counts straight from indexed tables. Fine for the foundation; rollups maintained by the writers replace the
/// click counts when the benchmark work needs them.
/// </summary>
public static class StatsApi
{
    private const int TopReferrerCount = 10;

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder routes)
    {
        routes.MapCampaignGroup("/stats", "Reports").MapGet("/", Campaign);
        routes.MapCampaignGroup("/participants/{idOrExternalId}/stats", "Reports").MapGet("/", Participant);
        return routes;
    }

    private static async Task<Results<Ok<ParticipantStats>, ProblemHttpResult>> Participant(
        Guid campaignId, string idOrExternalId, AppDbContext db, CancellationToken ct)
    {
        if (await ParticipantApi.FindAsync(db, campaignId, idOrExternalId, ct) is not { } view)
        {
            return Problems.NotFound("Participant");
        }

        var id = view.Participant.Id;
        var clicks = await ClickCountsAsync(db.Clicks.Where(c => c.ParticipantId == id), ct);
        var referrals = db.Referrals.Where(r => r.ReferrerId == id && r.Status == ReferralStatus.Qualified);
        var total = await referrals.CountAsync(ct);
        var converted = await referrals.CountAsync(r => r.ConvertedAt != null, ct);
        var rewards = await RewardTotalsAsync(db.Rewards.Where(r => r.ParticipantId == id), ct);
        return TypedResults.Ok(new ParticipantStats(
            id, view.Participant.ExternalId, clicks, total, converted, Rate(converted, total), rewards));
    }

    private static async Task<Ok<CampaignStats>> Campaign(Guid campaignId, AppDbContext db, CancellationToken ct)
    {
        var clicks = await ClickCountsAsync(db.Clicks.Where(c => c.CampaignId == campaignId), ct);
        var participants = await db.Participants.CountAsync(p => p.CampaignId == campaignId, ct);
        var referrals = db.Referrals.Where(r => r.CampaignId == campaignId && r.Status == ReferralStatus.Qualified);
        var total = await referrals.CountAsync(ct);
        var converted = await referrals.CountAsync(r => r.ConvertedAt != null, ct);
        var conversions = await db.Conversions.CountAsync(c => c.CampaignId == campaignId, ct);
        var rewards = await RewardTotalsAsync(db.Rewards.Where(r => r.CampaignId == campaignId), ct);

        var top = await referrals
            .GroupBy(r => r.ReferrerId)
            .Select(g => new { ReferrerId = g.Key, Referrals = g.Count(), Converted = g.Count(r => r.ConvertedAt != null) })
            .OrderByDescending(x => x.Referrals).ThenBy(x => x.ReferrerId)
            .Take(TopReferrerCount)
            .Join(db.Participants, x => x.ReferrerId, p => p.Id,
                (x, p) => new TopReferrer(p.Id, p.ExternalId, x.Referrals, x.Converted))
            .ToListAsync(ct);

        var funnel = new Funnel(clicks.Unique, total, converted, Rate(total, clicks.Unique), Rate(converted, total));
        return TypedResults.Ok(new CampaignStats(
            campaignId, clicks, participants, total, converted, Rate(converted, total), conversions, funnel, rewards,
            top.OrderByDescending(t => t.Referrals).ThenBy(t => t.ParticipantId).ToList()));
    }

    private static async Task<ClickCounts> ClickCountsAsync(IQueryable<Click> clicks, CancellationToken ct)
    {
        var counts = await clicks
            .GroupBy(_ => 1)
            .Select(g => new
            {
                Total = g.LongCount(),
                Unique = g.LongCount(c => !c.IsRepeat && !c.IsBot),
                Bots = g.LongCount(c => c.IsBot),
            })
            .FirstOrDefaultAsync(ct);
        return counts is null ? new ClickCounts(0, 0, 0) : new ClickCounts(counts.Total, counts.Unique, counts.Bots);
    }

    private static async Task<IReadOnlyList<RewardTotal>> RewardTotalsAsync(IQueryable<Reward> rewards, CancellationToken ct)
    {
        var rows = await rewards
            .GroupBy(r => new { r.Currency, r.Status })
            .Select(g => new { g.Key.Currency, g.Key.Status, Count = g.Count(), Amount = g.Sum(r => r.Amount) })
            .ToListAsync(ct);
        return rows.OrderBy(r => r.Currency).ThenBy(r => r.Status)
            .Select(r => new RewardTotal(r.Currency, r.Status, r.Count, r.Amount)).ToList();
    }

    private static double Rate(long part, long whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 4);
}
