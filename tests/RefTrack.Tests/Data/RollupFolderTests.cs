using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Data.Configurations;
using RefTrack.Reports;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// PostgreSQL writes campaign-wide rollup deltas to rows of their own, folded into slot 0 in the background
/// (<see cref="RollupFolder"/>). Folding while writing, with two folders at once as two nodes would, must keep every
/// total exact and leave no delta row behind.
/// </summary>
public sealed class RollupFolderTests
{
    [Fact]
    public void The_delta_index_filter_matches_the_slots() =>
        Assert.Equal(RollupConfiguration.DeltaRows, $"\"Slot\" >= {RollupBatch.FirstDeltaSlot}");

    [Fact]
    public async Task Folding_during_writes_keeps_every_total_and_leaves_no_delta_rows()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var referrer = await client.Register(campaignId, "referrer");
        var folder = app.Services.GetRequiredService<RollupFolder>();

        var writes = Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: referrer.Str("referralCode"));
            await client.Purchase(campaignId, $"friend-{i}", 1000 + i, $"order-{i}");
        }));
        var folded = 0;
        while (!writes.IsCompleted)
        {
            folded += (await Task.WhenAll(folder.FoldAsync(default), folder.FoldAsync(default))).Sum();
        }

        await writes;
        folded += await folder.FoldAsync(default);
        Assert.True(folded > 0);

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.False(await db.RewardTotals.AnyAsync(t => t.Slot >= RollupBatch.FirstDeltaSlot));
        Assert.False(await db.CampaignDailyStats.AnyAsync(t => t.Slot >= RollupBatch.FirstDeltaSlot));

        var stats = await client.CampaignStats(campaignId);
        Assert.Equal(25, stats.Int("participants"));
        Assert.Equal(24, stats.Int("referrals"));
        Assert.Equal(24, stats.Int("conversions"));
        Assert.Equal(24, stats.Int("convertedReferrals"));
        var rewards = await db.Rewards.Where(r => r.CampaignId == Guid.Parse(campaignId))
            .GroupBy(r => new { r.Currency, r.Status })
            .Select(g => new { g.Key.Currency, g.Key.Status, Count = g.Count(), Amount = g.Sum(r => r.Amount) })
            .ToListAsync();
        Assert.Equal(
            rewards.Select(r => $"{r.Currency} {r.Status.ToString().ToLowerInvariant()} {r.Count} {r.Amount}").Order(StringComparer.Ordinal),
            FlowHelpers.Totals(stats).Order(StringComparer.Ordinal));
    }
}
