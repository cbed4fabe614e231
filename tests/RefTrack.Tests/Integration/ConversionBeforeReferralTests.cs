using System.Net;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>A purchase dated before the user was referred (a backend backfilling old orders) is recorded, but it is
/// not the referral's: no rewards, no first purchase, and the response says why.</summary>
public sealed class ConversionBeforeReferralTestsSqlite() : ConversionBeforeReferralTests(Provider.Sqlite);

public sealed class ConversionBeforeReferralTestsPostgres() : ConversionBeforeReferralTests(Provider.Postgres);

public abstract class ConversionBeforeReferralTests(Provider provider)
{
    [Fact]
    public async Task A_purchase_before_the_referral_is_recorded_without_rewards_and_the_next_one_is_the_first()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        var url = $"/api/v1/campaigns/{campaignId}/conversions";
        var backfilled = new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "old-order",
            occurredAt = app.Clock.GetUtcNow().UtcDateTime.AddDays(-7),
        };

        var early = await client.PostJson(url, backfilled, "backfill-1");
        Assert.Equal(HttpStatusCode.Created, early.StatusCode);
        var earlyBody = await early.ReadJson();
        Assert.Null(earlyBody["referralId"]);
        Assert.Equal("before_referral", earlyBody.Str("unattributedReason"));
        Assert.Empty(earlyBody["rewards"]!.AsArray());
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Equal(0, (await client.ParticipantStats(campaignId, "user-a")).Int("convertedReferrals"));

        // The same answer again: by Idempotency-Key, by externalId (a replay), and read back.
        var byKey = await client.PostJson(url, backfilled, "backfill-1");
        Assert.Equal("true", byKey.Headers.GetValues("Idempotent-Replayed").Single());
        var byExternalId = await client.PostOk(url, backfilled, HttpStatusCode.OK);
        var read = await client.GetOk($"{url}/{earlyBody.Str("id")}");
        foreach (var again in new[] { await byKey.ReadJson(), byExternalId, read })
        {
            Assert.True(JsonNode.DeepEquals(earlyBody, again), $"{earlyBody.ToJsonString()}\nvs\n{again.ToJsonString()}");
        }

        // A purchase after the referral is its first: the first-purchase reward, and the referral converts.
        var first = await client.Purchase(campaignId, "user-b", 5000, "new-order");
        Assert.NotNull(first["referralId"]);
        Assert.Null(first["unattributedReason"]);
        Assert.Equal(1000, Assert.Single(first["rewards"]!.AsArray())!.Long("amount"));

        var stats = await client.CampaignStats(campaignId);
        Assert.Equal(2, stats.Int("conversions"));
        Assert.Equal(1, stats.Int("convertedReferrals"));
        Assert.Equal(1, (await client.ParticipantStats(campaignId, "user-a")).Int("convertedReferrals"));

        // The rollups rebuilt from the raw rows agree: the early purchase counts as a conversion on its day, and the
        // referral converted on the later one's.
        var urls = new[]
        {
            $"/api/v1/campaigns/{campaignId}/stats", $"/api/v1/campaigns/{campaignId}/stats/timeseries?days=10",
            $"/api/v1/campaigns/{campaignId}/participants/user-a/stats",
        };
        var live = await Task.WhenAll(urls.Select(async u => (await client.GetOk(u)).ToJsonString()));
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/v1/maintenance/rebuild-rollups", null)).StatusCode);
        Assert.Equal(live, await Task.WhenAll(urls.Select(async u => (await client.GetOk(u)).ToJsonString())));
    }

    /// <summary>The user was referred when they clicked (a guest purchase after following the link is the link's), and
    /// the caller's clock gets a day of slack against ours.</summary>
    [Fact]
    public async Task The_referral_starts_at_its_click_less_a_day_of_clock_slack()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var clickedAt = app.Clock.GetUtcNow().UtcDateTime;
        var click = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromDays(3));
        var b = await client.Register(campaignId, "user-b", clickId: click.ClickId);
        Assert.Equal("first_click", b["referral"]!.Str("reason"));
        var url = $"/api/v1/campaigns/{campaignId}/conversions";

        var tooEarly = await client.PostOk(url, new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "o1",
            occurredAt = clickedAt.AddDays(-1).AddMinutes(-1),
        });
        Assert.Equal("before_referral", tooEarly.Str("unattributedReason"));
        Assert.Empty(tooEarly["rewards"]!.AsArray());

        // Two days before the signup, but within a day of the click: referred, and the first purchase.
        var withinSlack = await client.PostOk(url, new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "o2",
            occurredAt = clickedAt.AddHours(-23),
        });
        Assert.NotNull(withinSlack["referralId"]);
        Assert.Null(withinSlack["unattributedReason"]);
        Assert.Equal(2000, Assert.Single(withinSlack["rewards"]!.AsArray())!.Long("amount"));
    }

    [Fact]
    public async Task A_purchase_of_a_participant_nobody_referred_says_not_referred()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");

        var own = await client.Purchase(campaignId, "user-a", 10000, "order-a");

        Assert.Null(own["referralId"]);
        Assert.Equal("not_referred", own.Str("unattributedReason"));
        Assert.Equal("not_referred", Assert.Single(await client.Conversions(campaignId)).Str("unattributedReason"));
    }
}
