using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Participants;
using RefTrack.Rewards;

namespace RefTrack.Reports;

/// <summary>
/// Reports read the rollups and counters the writers maintain in their own transactions (never raw clicks or
/// referrals), so their cost does not grow with traffic: a campaign's funnel sums a few rows per day.
/// </summary>
public static class StatsApi
{
    private const int TopReferrerCount = 10;
    private const int MaxLeaderboard = 100;
    private const int MaxDays = 366;

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder routes)
    {
        var campaign = routes.MapCampaignGroup("/stats", "Reports");
        campaign.MapGet("/", Campaign);
        campaign.MapGet("/timeseries", Series);
        routes.MapCampaignGroup("/leaderboard", "Reports").MapGet("/", Top);
        routes.MapCampaignGroup("/participants/{idOrExternalId}/stats", "Reports").MapGet("/", Participant);
        return routes;
    }

    private static async Task<Results<Ok<ParticipantStats>, ProblemHttpResult>> Participant(
        Guid campaignId, string idOrExternalId, AppDbContext db, CancellationToken ct)
    {
        var row = await db.Participants.AsNoTracking()
            .Where(p => p.CampaignId == campaignId)
            .ByIdOrExternalId(idOrExternalId)
            .Select(p => new { p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals })
            .FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return Problems.NotFound("Participant");
        }

        var clicks = await db.ParticipantDailyClicks
            .Where(c => c.CampaignId == campaignId && c.ParticipantId == row.Id)
            .GroupBy(_ => 1)
            .Select(g => new ClickCounts(g.Sum(c => c.Clicks), g.Sum(c => c.UniqueClicks), g.Sum(c => c.BotClicks)))
            .FirstOrDefaultAsync(ct) ?? new ClickCounts(0, 0, 0);
        var rewards = await db.ParticipantRewardTotals
            .Where(t => t.CampaignId == campaignId && t.ParticipantId == row.Id && t.Count != 0)
            .Select(t => new RewardTotal(t.Currency, t.Status, (int)t.Count, t.Amount))
            .ToListAsync(ct);
        return TypedResults.Ok(new ParticipantStats(
            row.Id, row.ExternalId, clicks, row.QualifiedReferrals, row.ConvertedReferrals,
            Rate(row.ConvertedReferrals, row.QualifiedReferrals), Ordered(rewards)));
    }

    private static async Task<Ok<CampaignStats>> Campaign(Guid campaignId, AppDbContext db, CancellationToken ct)
    {
        var totals = await db.CampaignDailyStats
            .Where(s => s.CampaignId == campaignId)
            .GroupBy(_ => 1)
            .Select(g => new
            {
                Clicks = g.Sum(s => s.Clicks),
                Unique = g.Sum(s => s.UniqueClicks),
                Bots = g.Sum(s => s.BotClicks),
                Participants = g.Sum(s => s.Participants),
                Signups = g.Sum(s => s.Signups),
                Converted = g.Sum(s => s.ConvertedReferrals),
                Conversions = g.Sum(s => s.Conversions),
            })
            .FirstOrDefaultAsync(ct);
        var rewards = await db.RewardTotals
            .Where(t => t.CampaignId == campaignId)
            .GroupBy(t => new { t.Currency, t.Status })
            .Select(g => new RewardTotal(g.Key.Currency, g.Key.Status, (int)g.Sum(t => t.Count), g.Sum(t => t.Amount)))
            .ToListAsync(ct);
        var top = await TopReferrers(db, campaignId, TopReferrerCount, ct);

        var clicks = new ClickCounts(totals?.Clicks ?? 0, totals?.Unique ?? 0, totals?.Bots ?? 0);
        var signups = (int)(totals?.Signups ?? 0);
        var converted = (int)(totals?.Converted ?? 0);
        var funnel = new Funnel(clicks.Unique, signups, converted, Rate(signups, clicks.Unique), Rate(converted, signups));
        return TypedResults.Ok(new CampaignStats(
            campaignId, clicks, (int)(totals?.Participants ?? 0), signups, converted, Rate(converted, signups),
            (int)(totals?.Conversions ?? 0), funnel, Ordered(rewards.Where(r => r.Count != 0)),
            top.Select(e => new TopReferrer(e.ParticipantId, e.ExternalId, e.Referrals, e.ConvertedReferrals)).ToList()));
    }

    /// <summary>Daily clicks, signups and conversions; <c>?days=30</c> (default) ending today (UTC).</summary>
    private static async Task<Results<Ok<TimeSeries>, ValidationProblem>> Series(
        Guid campaignId, int? days, TimeProvider clock, AppDbContext db, CancellationToken ct)
    {
        var count = days ?? 30;
        if (count is < 1 or > MaxDays)
        {
            return Problems.Validation("days", $"Between 1 and {MaxDays}.");
        }

        var to = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var from = to.AddDays(1 - count);
        var rows = await db.CampaignDailyStats
            .Where(s => s.CampaignId == campaignId && s.Day >= from && s.Day <= to)
            .GroupBy(s => s.Day)
            .Select(g => new DayStats(g.Key, g.Sum(s => s.Clicks), g.Sum(s => s.UniqueClicks), g.Sum(s => s.Signups),
                g.Sum(s => s.Conversions)))
            .ToDictionaryAsync(d => d.Day, ct);
        var series = Enumerable.Range(0, count).Select(i => from.AddDays(i))
            .Select(day => rows.GetValueOrDefault(day) ?? new DayStats(day, 0, 0, 0, 0))
            .ToList();
        return TypedResults.Ok(new TimeSeries(campaignId, from, to, series));
    }

    /// <summary>Top referrers by qualified referrals, <c>?limit=100</c> at most.</summary>
    private static async Task<Results<Ok<Leaderboard>, ValidationProblem>> Top(
        Guid campaignId, int? limit, AppDbContext db, CancellationToken ct)
    {
        var count = limit ?? MaxLeaderboard;
        if (count is < 1 or > MaxLeaderboard)
        {
            return Problems.Validation("limit", $"Between 1 and {MaxLeaderboard}.");
        }

        return TypedResults.Ok(new Leaderboard(campaignId, await TopReferrers(db, campaignId, count, ct)));
    }

    /// <summary>Off the (campaign, qualifiedReferrals, id) index: ties broken by the older participant.</summary>
    private static async Task<List<LeaderboardEntry>> TopReferrers(AppDbContext db, Guid campaignId, int count, CancellationToken ct)
    {
        var rows = await db.Participants.AsNoTracking()
            .Where(p => p.CampaignId == campaignId && p.QualifiedReferrals > 0)
            .OrderByDescending(p => p.QualifiedReferrals).ThenBy(p => p.Id)
            .Take(count)
            .Select(p => new { p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals })
            .ToListAsync(ct);
        return rows.Select((p, i) => new LeaderboardEntry(i + 1, p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals))
            .ToList();
    }

    private static List<RewardTotal> Ordered(IEnumerable<RewardTotal> rewards) =>
        rewards.OrderBy(r => r.Currency, StringComparer.Ordinal).ThenBy(r => r.Status).ToList();

    /// <summary>A share to 4 decimals, a half rounded away from zero as rewards are and as spreadsheets round
    /// (<see cref="Math.Round(double, int)"/> alone rounds it to even: 1 of 32 was 0.0312).</summary>
    internal static double Rate(long part, long whole) =>
        whole == 0 ? 0 : Math.Round((double)part / whole, 4, MidpointRounding.AwayFromZero);
}
