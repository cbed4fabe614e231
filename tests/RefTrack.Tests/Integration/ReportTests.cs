using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Reports;
using RefTrack.Rewards;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

public sealed class ReportTestsSqlite() : ReportTests(Provider.Sqlite);

public sealed class ReportTestsPostgres() : ReportTests(Provider.Postgres);

/// <summary>Time series, leaderboard, and the rollup rebuild agreeing with what the writers maintained.</summary>
public abstract class ReportTests(Provider provider)
{
    [Fact]
    public async Task Time_series_has_one_entry_per_day_with_the_days_activity()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        var alice = await client.Register(campaign, "alice");
        await app.ClickLink(alice.Str("referralCode"));
        await client.Register(campaign, "bob", referralCode: alice.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromDays(2));
        await client.Purchase(campaign, "bob", 1000, "order-1");
        await app.FlushClicksAsync();

        var series = await client.GetOk($"/api/v1/campaigns/{campaign}/stats/timeseries?days=7");
        var days = series["days"]!.AsArray();
        Assert.Equal(7, days.Count);
        Assert.Equal("2026-03-03", series.Str("to"));
        Assert.Equal("2026-02-25", series.Str("from"));
        var first = days.Single(d => d!.Str("day") == "2026-03-01")!;
        Assert.Equal(1, first["clicks"]!.GetValue<long>());
        Assert.Equal(1, first["signups"]!.GetValue<long>());
        Assert.Equal(0, first["conversions"]!.GetValue<long>());
        var last = days.Single(d => d!.Str("day") == "2026-03-03")!;
        Assert.Equal(1, last["conversions"]!.GetValue<long>());
        Assert.Equal((1, 1, 1), (days.Sum(d => d!["clicks"]!.GetValue<long>()), days.Sum(d => d!["signups"]!.GetValue<long>()),
            days.Sum(d => d!["conversions"]!.GetValue<long>())));

        var bad = await client.GetAsync($"/api/v1/campaigns/{campaign}/stats/timeseries?days=0");
        var problem = await bad.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]!["days"]);
    }

    [Fact]
    public async Task Leaderboard_ranks_referrers_by_qualified_referrals()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        var codes = new Dictionary<string, string>();
        foreach (var name in new[] { "ann", "ben", "cat" })
        {
            codes[name] = (await client.Register(campaign, name)).Str("referralCode");
        }

        var friend = 0;
        foreach (var (name, count) in new[] { ("ann", 1), ("ben", 3), ("cat", 2) })
        {
            for (var i = 0; i < count; i++)
            {
                await client.Register(campaign, $"friend-{friend++}", referralCode: codes[name]);
            }
        }

        await client.Purchase(campaign, "friend-1", 500, "o-1"); // one of ben's friends buys

        var board = await client.GetOk($"/api/v1/campaigns/{campaign}/leaderboard?limit=2");
        var data = board["data"]!.AsArray();
        Assert.Equal(2, data.Count);
        Assert.Equal(("ben", 1, 3, 1), (data[0]!.Str("externalId"), data[0]!["rank"]!.GetValue<int>(),
            data[0]!["referrals"]!.GetValue<int>(), data[0]!["convertedReferrals"]!.GetValue<int>()));
        Assert.Equal(("cat", 2, 2), (data[1]!.Str("externalId"), data[1]!["rank"]!.GetValue<int>(), data[1]!["referrals"]!.GetValue<int>()));

        var tooMany = await client.GetAsync($"/api/v1/campaigns/{campaign}/leaderboard?limit=101");
        await tooMany.AssertProblem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task Rebuilding_the_rollups_reproduces_what_the_writers_maintained()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        await client.AddStandardRules(campaign);
        var alice = await client.Register(campaign, "alice");
        var code = alice.Str("referralCode");
        for (var i = 0; i < 3; i++)
        {
            await app.ClickLink(code, deviceId: $"{i % 2:x32}");
        }

        await app.ClickLink(code, userAgent: FlowHelpers.BotUserAgent);
        for (var i = 0; i < 6; i++)
        {
            await client.Register(campaign, $"friend-{i}", referralCode: code);
            app.Clock.Advance(TimeSpan.FromHours(9));
        }

        // A self-referral attempt: a referral row that is rejected, which no count includes.
        var self = await client.Register(campaign, "alice-2", "alice@example.org", referralCode: code);
        Assert.Equal("rejected", self["referral"]!.Str("status"));
        await client.Purchase(campaign, "friend-0", 4999, "order-0");
        await client.Purchase(campaign, "friend-0", 1000, "order-0b");
        await client.Purchase(campaign, "friend-3", 2500, "order-3");
        var rewards = (await client.GetOk($"/api/v1/campaigns/{campaign}/rewards?limit=200"))["data"]!.AsArray();
        await client.PostAsync($"/api/v1/campaigns/{campaign}/rewards/{rewards[0]!.Str("id")}/approve", null);
        await client.PostAsync($"/api/v1/campaigns/{campaign}/rewards/{rewards[1]!.Str("id")}/void", null);
        await app.FlushClicksAsync();

        var urls = new[]
        {
            $"/api/v1/campaigns/{campaign}/stats",
            $"/api/v1/campaigns/{campaign}/stats/timeseries?days=5",
            $"/api/v1/campaigns/{campaign}/leaderboard",
            $"/api/v1/campaigns/{campaign}/participants/alice/stats",
            $"/api/v1/campaigns/{campaign}/participants/friend-0/stats", // A referee's own rewards.
        };
        var live = await Task.WhenAll(urls.Select(async u => (await client.GetOk(u)).ToJsonString()));
        Assert.Contains("\"referrals\":6", live[0], StringComparison.Ordinal);
        // Every figure the rebuild writes, wiped, so that a rebuild that wrote nothing would fail (found by review:
        // compared with the live figures alone, it passed unchanged).
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.ExecuteSqlRawAsync("""
                DELETE FROM "ParticipantDailyClicks";
                DELETE FROM "CampaignDailyStats";
                DELETE FROM "RewardTotals";
                DELETE FROM "ParticipantRewardTotals";
                UPDATE "Participants" SET "QualifiedReferrals" = 0, "ConvertedReferrals" = 0;
                """);
        }

        Assert.Contains("\"referrals\":0", (await client.GetOk(urls[0])).ToJsonString(), StringComparison.Ordinal);

        var rebuild = await client.PostAsync("/api/v1/maintenance/rebuild-rollups", null);
        Assert.Equal(HttpStatusCode.NoContent, rebuild.StatusCode);
        var rebuilt = await Task.WhenAll(urls.Select(async u => (await client.GetOk(u)).ToJsonString()));
        Assert.Equal(live, rebuilt);
    }

    /// <summary>The campaign's counts are summed as the rollups store them, in 64 bits: past 2³¹ (years of
    /// subscription payments) they were narrowed to int, conversions wrapping negative and the reward totals' count
    /// failing the whole report (found by review).</summary>
    [Fact]
    public async Task Campaign_counts_past_two_to_the_31st_are_reported_whole()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        const long big = 3_000_000_000;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.CampaignDailyStats.Add(new CampaignDailyStats
            {
                CampaignId = Guid.Parse(campaign), Day = new DateOnly(2026, 3, 1), UniqueClicks = 2 * big,
                Participants = big, Signups = big, ConvertedReferrals = big / 2, Conversions = big,
            });
            db.RewardTotals.Add(new RewardTotals
            {
                CampaignId = Guid.Parse(campaign), Currency = "USD", Status = RewardStatus.Pending, Count = big, Amount = 7 * big,
            });
            await db.SaveChangesAsync();
        }

        var stats = await client.GetOk($"/api/v1/campaigns/{campaign}/stats");

        Assert.Equal((big, big, big / 2, big), (stats["participants"]!.GetValue<long>(), stats["referrals"]!.GetValue<long>(),
            stats["convertedReferrals"]!.GetValue<long>(), stats["conversions"]!.GetValue<long>()));
        Assert.Equal((big, big / 2, 0.5, 0.5), (stats["funnel"]!["signups"]!.GetValue<long>(),
            stats["funnel"]!["conversions"]!.GetValue<long>(), stats["funnel"]!["signupRate"]!.GetValue<double>(),
            stats["funnel"]!["conversionRate"]!.GetValue<double>()));
        var rewards = Assert.Single(stats["rewards"]!.AsArray())!;
        Assert.Equal((big, 7 * big), (rewards["count"]!.GetValue<long>(), rewards["amount"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Rebuilding_rollups_needs_an_admin_key()
    {
        using var app = new TestApp(provider);
        var admin = app.Client();
        var key = await admin.PostOk("/api/v1/api-keys", new { name = "reports" });
        var response = await app.Client(key.Str("key")).PostAsJsonAsync("/api/v1/maintenance/rebuild-rollups", new { });
        await response.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
    }
}
