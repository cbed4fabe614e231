using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
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
    private const int DefaultDays = 30;

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
        Guid campaignId, string idOrExternalId, AppDbContext db, IHotReads reads, ReportQueries queries, CancellationToken ct)
    {
        var stats = await reads.RunInSnapshotAsync(db, async r =>
        {
            var row = await queries.Participant(r, campaignId, idOrExternalId, ct);
            if (row is null)
            {
                return null;
            }

            var clicks = await queries.ParticipantClicks(r, campaignId, row.Id, ct) ?? new ClickCounts(0, 0, 0);
            var rewards = await queries.ParticipantRewards(r, campaignId, row.Id).ToListAsync(ct);
            return new ParticipantStats(
                row.Id, row.ExternalId, clicks, row.QualifiedReferrals, row.ConvertedReferrals,
                Rate(row.ConvertedReferrals, row.QualifiedReferrals), Ordered(rewards));
        });
        return stats is null ? Problems.NotFound("Participant") : TypedResults.Ok(stats);
    }

    private static async Task<Ok<CampaignStats>> Campaign(
        Guid campaignId, AppDbContext db, IHotReads reads, ReportQueries queries, CancellationToken ct)
    {
        var (totals, rewards, top) = await reads.RunInSnapshotAsync(db, async r => (
            await queries.CampaignSums(r, campaignId, ct),
            await queries.CampaignRewards(r, campaignId).ToListAsync(ct),
            await queries.TopReferrers(r, campaignId, TopReferrerCount).ToListAsync(ct)));

        var clicks = new ClickCounts(totals?.Clicks ?? 0, totals?.Unique ?? 0, totals?.Bots ?? 0);
        var signups = totals?.Signups ?? 0;
        var converted = totals?.Converted ?? 0;
        var funnel = new Funnel(clicks.Unique, signups, converted, Rate(signups, clicks.Unique), Rate(converted, signups));
        return TypedResults.Ok(new CampaignStats(
            campaignId, clicks, totals?.Participants ?? 0, signups, converted, Rate(converted, signups),
            totals?.Conversions ?? 0, funnel, Ordered(rewards.Where(r => r.Count != 0)),
            top.Select(p => new TopReferrer(p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals)).ToList()));
    }

    /// <summary>Daily clicks, signups and conversions; <c>?days=30</c> (default) ending today (UTC).</summary>
    private static async Task<Results<Ok<TimeSeries>, ValidationProblem>> Series(
        Guid campaignId, [Range(1, MaxDays), DefaultValue(DefaultDays)] int? days, TimeProvider clock, AppDbContext db,
        IHotReads reads, ReportQueries queries, CancellationToken ct)
    {
        var count = days ?? DefaultDays;
        if (count is < 1 or > MaxDays)
        {
            return Problems.Validation("days", $"Between 1 and {MaxDays}.");
        }

        var to = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var from = to.AddDays(1 - count);
        var rows = await reads.RunAsync(db,
            r => queries.Days(r, campaignId, from, to).ToDictionaryAsync(d => d.Day, cancellationToken: ct).AsTask());
        var series = Enumerable.Range(0, count).Select(i => from.AddDays(i))
            .Select(day => rows.GetValueOrDefault(day) ?? new DayStats(day, 0, 0, 0, 0))
            .ToList();
        return TypedResults.Ok(new TimeSeries(campaignId, from, to, series));
    }

    /// <summary>Top referrers by qualified referrals, <c>?limit=100</c> at most.</summary>
    private static async Task<Results<Ok<Leaderboard>, ValidationProblem>> Top(
        Guid campaignId, [Range(1, MaxLeaderboard), DefaultValue(MaxLeaderboard)] int? limit, AppDbContext db,
        IHotReads reads, ReportQueries queries, CancellationToken ct)
    {
        var count = limit ?? MaxLeaderboard;
        if (count is < 1 or > MaxLeaderboard)
        {
            return Problems.Validation("limit", $"Between 1 and {MaxLeaderboard}.");
        }

        var rows = await reads.RunAsync(db, r => queries.TopReferrers(r, campaignId, count).ToListAsync(ct).AsTask());
        return TypedResults.Ok(new Leaderboard(campaignId,
            rows.Select((p, i) => new LeaderboardEntry(i + 1, p.Id, p.ExternalId, p.QualifiedReferrals, p.ConvertedReferrals))
                .ToList()));
    }

    private static List<RewardTotal> Ordered(IEnumerable<RewardTotal> rewards) =>
        rewards.OrderBy(r => r.Currency, StringComparer.Ordinal).ThenBy(r => r.Status).ToList();

    /// <summary>A share to 4 decimals, a half rounded away from zero as rewards are and as spreadsheets round
    /// (<see cref="Math.Round(double, int)"/> alone rounds it to even: 1 of 32 was 0.0312). Divided and rounded in
    /// decimal, where a half is exact: a double holds 57 of 800 (0.07125) a hair below it, which rounded down.</summary>
    internal static double Rate(long part, long whole) =>
        whole == 0 ? 0 : (double)Math.Round((decimal)part / whole, 4, MidpointRounding.AwayFromZero);
}
