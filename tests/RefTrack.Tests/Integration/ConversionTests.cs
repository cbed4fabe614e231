using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>Conversions: exactly-once recording, idempotency, and the rewards they grant (tiers, milestones).</summary>
public sealed class ConversionTestsSqlite() : ConversionTests(Provider.Sqlite);

public sealed class ConversionTestsPostgres() : ConversionTests(Provider.Postgres);

public abstract class ConversionTests(Provider provider)
{
    private sealed record Referred(string CampaignId, string ReferrerId, string ReferrerCode, string RefereeId);

    /// <summary>Campaign with the standard rules; user-a referred user-b (1000 to A, 500 to B at signup).</summary>
    private static async Task<Referred> ReferredPair(HttpClient client)
    {
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var b = await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        Assert.Equal(a.Str("id"), b.Str("referredBy"));
        return new Referred(campaignId, a.Str("id"), a.Str("referralCode"), b.Str("id"));
    }

    [Fact]
    public async Task Replay_with_the_same_external_id_is_200_and_grants_nothing_new()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);

        var first = await client.Purchase(s.CampaignId, "user-b", 10000, "order-1");
        Assert.Equal(2000, Assert.Single(first["rewards"]!.AsArray())!.Long("amount"));

        // Same event, by external id and by participant id.
        var replay = await client.Purchase(s.CampaignId, "user-b", 10000, "order-1", expected: HttpStatusCode.OK);
        var byId = await client.PostOk($"/api/v1/campaigns/{s.CampaignId}/conversions", new
        {
            participantId = s.RefereeId, type = "purchase", amount = 10000, currency = "USD", externalId = "order-1",
        }, HttpStatusCode.OK);

        foreach (var again in new[] { replay, byId })
        {
            Assert.Equal(first.Str("id"), again.Str("id"));
            Assert.Equal(10000, again.Long("amount"));
            Assert.Equal(first["rewards"]![0]!.Str("id"), Assert.Single(again["rewards"]!.AsArray())!.Str("id"));
        }

        Assert.Single(await client.Conversions(s.CampaignId));
        Assert.Equal(["1000 USD pending", "2000 USD pending"], FlowHelpers.Describe(await client.Rewards(s.CampaignId, s.ReferrerId)));
        Assert.Equal(1, (await client.CampaignStats(s.CampaignId)).Int("conversions"));
    }

    [Fact]
    public async Task A_new_conversions_location_reads_it_back_with_its_rewards()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);

        var response = await client.PostJson($"/api/v1/campaigns/{s.CampaignId}/conversions",
            new { participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "order-1" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadJson();

        var read = await client.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var conversion = await read.ReadJson();
        Assert.Equal(created.Str("id"), conversion.Str("id"));
        Assert.Equal(created["rewards"]![0]!.Str("id"), Assert.Single(conversion["rewards"]!.AsArray())!.Str("id"));

        // Another campaign's path does not find it.
        var other = await client.CreateCampaign(name: "Other");
        await (await client.GetAsync($"/api/v1/campaigns/{other}/conversions/{created.Str("id")}"))
            .AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_replay_stamped_at_another_time_is_the_same_event_and_keeps_the_first_time()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        var path = $"/api/v1/campaigns/{s.CampaignId}/conversions";
        var sent = app.Clock.GetUtcNow().UtcDateTime.AddHours(-2);

        var first = await client.PostOk(path, new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "order-1",
            occurredAt = sent,
        });
        var retry = await client.PostOk(path, new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "order-1",
            occurredAt = sent.AddMinutes(5),
        }, HttpStatusCode.OK);

        Assert.Equal(first.Str("id"), retry.Str("id"));
        Assert.Equal(first.Str("occurredAt"), retry.Str("occurredAt"));
        Assert.Single(await client.Conversions(s.CampaignId));
    }

    [Theory]
    [InlineData("user-b", "purchase", 10001, "USD")]
    [InlineData("user-b", "subscriptionPayment", 10000, "USD")]
    [InlineData("user-b", "purchase", 10000, "EUR")]
    [InlineData("user-a", "purchase", 10000, "USD")]
    [InlineData("nobody", "purchase", 10000, "USD")] // Not registered: still another participant than the stored one's.
    public async Task Same_external_id_with_different_content_is_409(string participant, string type, long amount, string currency)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        var first = await client.Purchase(s.CampaignId, "user-b", 10000, "order-1");

        var response = await client.PostAsJsonAsync($"/api/v1/campaigns/{s.CampaignId}/conversions", new
        {
            participantExternalId = participant, type, amount, currency, externalId = "order-1",
        });

        var problem = await response.AssertProblem(HttpStatusCode.Conflict, "conversion-conflict");
        Assert.Contains(first.Str("id"), problem.Str("detail"), StringComparison.Ordinal);
        var stored = Assert.Single(await client.Conversions(s.CampaignId));
        Assert.Equal(10000, stored.Long("amount"));
        Assert.Equal(2, (await client.Rewards(s.CampaignId, s.ReferrerId)).Count);
    }

    [Fact]
    public async Task Idempotency_key_replays_the_stored_response()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        var url = $"/api/v1/campaigns/{s.CampaignId}/conversions";
        var body = new { participantExternalId = "user-b", type = "purchase", amount = 4990, currency = "USD", externalId = "order-7" };

        var first = await client.PostJson(url, body, "key-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        var firstBody = await first.ReadJson();
        Assert.Equal(998, Assert.Single(firstBody["rewards"]!.AsArray())!.Long("amount"));

        var second = await client.PostJson(url, body, "key-1");
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        var secondBody = await second.ReadJson();
        Assert.True(JsonNode.DeepEquals(firstBody, secondBody), $"{firstBody.ToJsonString()}\nvs\n{secondBody.ToJsonString()}");

        // Same key, different body: refused, nothing recorded.
        var other = await client.PostJson(url, body with { externalId = "order-8" }, "key-1");
        await other.AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Single(await client.Conversions(s.CampaignId));

        // A new key for the same event is an ordinary replay (200 from the externalId), not a new conversion.
        var newKey = await client.PostJson(url, body, "key-2");
        Assert.Equal(HttpStatusCode.OK, newKey.StatusCode);
        Assert.Equal(firstBody.Str("id"), (await newKey.ReadJson()).Str("id"));
        Assert.Equal(["1000 USD pending", "998 USD pending"], FlowHelpers.Describe(await client.Rewards(s.CampaignId, s.ReferrerId)));
    }

    [Fact]
    public async Task Idempotency_key_replays_a_participant_registration()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var url = $"/api/v1/campaigns/{campaignId}/participants";
        var body = new { externalId = "user-a", email = "a@example.org", name = "A" };

        var first = await client.PostJson(url, body, "signup-a");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var second = await client.PostJson(url, body, "signup-a");
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.True(JsonNode.DeepEquals(await first.ReadJson(), await second.ReadJson()));

        var different = await client.PostJson(url, body with { name = "Another" }, "signup-a");
        await different.AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");

        // Keys belong to the API key that used them: another key may use the same value for its own request.
        var created = await client.PostOk("/api/v1/api-keys", new { name = "other", campaignId });
        var otherKey = app.Client(created.Str("key"));
        var third = await otherKey.PostJson(url, new { externalId = "user-c", email = "c@example.org", name = "C" }, "signup-a");
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
        Assert.False(third.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, (await client.Participants(campaignId)).Count);
    }

    [Fact]
    public async Task Unknown_participant_is_422()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        var other = await client.CreateCampaign(name: "Other");
        var x = await client.Register(other, "user-x");
        var url = $"/api/v1/campaigns/{s.CampaignId}/conversions";

        await (await client.PostAsJsonAsync(url, new { participantExternalId = "nobody", type = "purchase", amount = 100, currency = "USD", externalId = "o1" }))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "unknown-participant");
        await (await client.PostAsJsonAsync(url, new { participantId = Guid.NewGuid(), type = "purchase", amount = 100, currency = "USD", externalId = "o2" }))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "unknown-participant");
        // A participant of another campaign is unknown here.
        await (await client.PostAsJsonAsync(url, new { participantId = x.Str("id"), type = "purchase", amount = 100, currency = "USD", externalId = "o3" }))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "unknown-participant");
        await (await client.PostAsJsonAsync(url, new { participantExternalId = "user-x", type = "purchase", amount = 100, currency = "USD", externalId = "o4" }))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "unknown-participant");

        Assert.Empty(await client.Conversions(s.CampaignId));
        Assert.Empty(await client.Conversions(other));
        Assert.Equal(2, (await client.Rewards(s.CampaignId)).Count);
    }

    /// <summary>Registration trims <c>externalId</c>; a conversion naming the participant trims it the same way, and
    /// its own <c>externalId</c> too, so padding neither hides the participant nor makes a replay a new event.</summary>
    [Fact]
    public async Task Padded_external_ids_are_trimmed_like_registration()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        var padded = await client.Register(s.CampaignId, " user-c ", email: "user-c@example.org"); // " user-c @…" is none.
        Assert.Equal("user-c", padded.Str("externalId"));

        var first = await client.Purchase(s.CampaignId, " user-b ", 10000, " order-1 ");
        var replay = await client.Purchase(s.CampaignId, "user-b", 10000, "order-1", expected: HttpStatusCode.OK);
        var other = await client.Purchase(s.CampaignId, "  user-c  ", 500, "order-2");

        Assert.Equal(s.RefereeId, first.Str("participantId"));
        Assert.Equal("order-1", first.Str("externalId"));
        Assert.Equal(first.Str("id"), replay.Str("id"));
        Assert.Equal(padded.Str("id"), other.Str("participantId"));
        Assert.Equal(2, (await client.Conversions(s.CampaignId)).Count);
        Assert.Equal(["1000 USD pending", "2000 USD pending"], FlowHelpers.Describe(await client.Rewards(s.CampaignId, s.ReferrerId)));
    }

    [Fact]
    public async Task Custom_conversion_grants_nothing_and_does_not_convert_the_referral()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);

        var custom = await client.Purchase(s.CampaignId, "user-b", 10000, "event-1", type: "custom");
        Assert.Equal("custom", custom.Str("type"));
        Assert.Empty(custom["rewards"]!.AsArray());
        var noAmount = await client.PostOk($"/api/v1/campaigns/{s.CampaignId}/conversions", new
        {
            participantExternalId = "user-b", type = "custom", currency = "USD", externalId = "event-2",
        });
        Assert.Equal(0, noAmount.Long("amount"));

        Assert.Equal(2, (await client.Rewards(s.CampaignId)).Count);
        var stats = await client.ParticipantStats(s.CampaignId, "user-a");
        Assert.Equal(0, stats.Int("convertedReferrals"));
        Assert.Equal(2, (await client.CampaignStats(s.CampaignId)).Int("conversions"));

        // The first real purchase afterwards still gets the first-purchase reward.
        var purchase = await client.Purchase(s.CampaignId, "user-b", 10000, "order-1");
        Assert.Equal(2000, Assert.Single(purchase["rewards"]!.AsArray())!.Long("amount"));
    }

    [Fact]
    public async Task A_payment_of_0_grants_nothing_and_leaves_the_first_purchase_to_the_first_paid_one()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        // Besides the standard first-purchase 20%: a fixed 300 for every purchase.
        await client.AddRule(s.CampaignId, new { trigger = "purchase", recipient = "referrer", amount = 300, currency = "USD" });

        // A free trial's first invoice, passed on as a payment.
        var trial = await client.Purchase(s.CampaignId, "user-b", 0, "in_trial", type: "subscriptionPayment");
        Assert.NotNull(trial["referralId"]); // The referral's all the same…
        Assert.Empty(trial["rewards"]!.AsArray()); // …but it earns nothing…
        Assert.Equal(0, (await client.ParticipantStats(s.CampaignId, "user-a")).Int("convertedReferrals")); // …nor converts.
        var free = await client.Purchase(s.CampaignId, "user-b", 0, "order-free");
        Assert.Empty(free["rewards"]!.AsArray());

        var paid = await client.Purchase(s.CampaignId, "user-b", 10000, "in_paid", type: "subscriptionPayment");
        Assert.Equal([300L, 2000L], paid["rewards"]!.AsArray().Select(r => r!.Long("amount")).Order());
        Assert.Equal(1, (await client.ParticipantStats(s.CampaignId, "user-a")).Int("convertedReferrals"));
        Assert.Equal(3, (await client.CampaignStats(s.CampaignId)).Int("conversions"));
    }

    [Fact]
    public async Task Purchase_of_a_participant_nobody_referred_grants_nothing()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);

        var own = await client.Purchase(s.CampaignId, "user-a", 10000, "order-a");
        Assert.Null(own["referralId"]);
        Assert.Empty(own["rewards"]!.AsArray());

        // Rejected referrals do not make a participant referred either.
        var rejected = await client.Register(s.CampaignId, "user-c", referralCode: "NOSUCHCODE");
        Assert.Null(rejected["referredBy"]);
        var theirs = await client.Purchase(s.CampaignId, "user-c", 10000, "order-c");
        Assert.Empty(theirs["rewards"]!.AsArray());

        // A refusal that names its referrer (a self-referral) is recorded as a rejected referral: still not referred.
        var self = await client.Register(s.CampaignId, "user-a-2", "user-a@example.org", referralCode: s.ReferrerCode);
        Assert.Equal("self_referral", self["referral"]!.Str("reason"));
        var selfPurchase = await client.Purchase(s.CampaignId, "user-a-2", 10000, "order-a-2");
        Assert.Null(selfPurchase["referralId"]);
        Assert.Equal("not_referred", selfPurchase.Str("unattributedReason"));
        Assert.Empty(selfPurchase["rewards"]!.AsArray());

        Assert.Equal(2, (await client.Rewards(s.CampaignId)).Count);
        Assert.Equal(0, (await client.ParticipantStats(s.CampaignId, "user-a")).Int("convertedReferrals"));
    }

    [Fact]
    public async Task Second_purchase_does_not_get_the_first_purchase_reward_again()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        // Besides the standard first-purchase 20%: 1% of every purchase.
        await client.AddRule(s.CampaignId, new { trigger = "purchase", recipient = "referrer", percentBasisPoints = 100, currency = "USD" });

        var first = await client.Purchase(s.CampaignId, "user-b", 10000, "order-1");
        Assert.Equal([100L, 2000L], first["rewards"]!.AsArray().Select(r => r!.Long("amount")).Order());

        var second = await client.Purchase(s.CampaignId, "user-b", 20000, "order-2");
        Assert.Equal(200, Assert.Single(second["rewards"]!.AsArray())!.Long("amount"));

        var subscription = await client.Purchase(s.CampaignId, "user-b", 3000, "sub-1", type: "subscriptionPayment");
        Assert.Equal(30, Assert.Single(subscription["rewards"]!.AsArray())!.Long("amount"));

        Assert.Equal(["100 USD pending", "1000 USD pending", "200 USD pending", "2000 USD pending", "30 USD pending"],
            FlowHelpers.Describe(await client.Rewards(s.CampaignId, s.ReferrerId)));
        var stats = await client.ParticipantStats(s.CampaignId, "user-a");
        Assert.Equal(1, stats.Int("convertedReferrals"));
        Assert.Equal(["USD pending 5 3330"], FlowHelpers.Totals(stats));
    }

    [Fact]
    public async Task Percentages_round_half_away_from_zero_and_skip_other_currencies()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddRule(campaignId, new { trigger = "purchase", recipient = "referrer", percentBasisPoints = 2500, currency = "USD" });
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));

        Assert.Equal(3, Assert.Single((await client.Purchase(campaignId, "user-b", 10, "o1"))["rewards"]!.AsArray())!.Long("amount")); // 2.5 → 3
        Assert.Equal(2, Assert.Single((await client.Purchase(campaignId, "user-b", 9, "o2"))["rewards"]!.AsArray())!.Long("amount"));  // 2.25 → 2
        Assert.Empty((await client.Purchase(campaignId, "user-b", 1, "o3"))["rewards"]!.AsArray());   // 0.25 → nothing
        Assert.Empty((await client.Purchase(campaignId, "user-b", 10000, "o4", currency: "EUR"))["rewards"]!.AsArray());

        Assert.Equal(["2 USD pending", "3 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId)));
    }

    [Fact]
    public async Task Purchase_reward_is_30_percent_from_the_10th_referral_on()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        for (var i = 1; i <= 9; i++)
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: a.Str("referralCode"));
        }

        var at9 = await client.Purchase(campaignId, "friend-1", 10000, "order-1");
        Assert.Equal(2000, Assert.Single(at9["rewards"]!.AsArray())!.Long("amount"));

        await client.Register(campaignId, "friend-10", referralCode: a.Str("referralCode"));
        Assert.Equal(10, (await client.ParticipantStats(campaignId, "user-a")).Int("referrals"));

        var at10 = await client.Purchase(campaignId, "friend-10", 10000, "order-10");
        Assert.Equal(3000, Assert.Single(at10["rewards"]!.AsArray())!.Long("amount")); // 30%, not 20% and not 50%.
        var early = await client.Purchase(campaignId, "friend-2", 10000, "order-2");
        Assert.Equal(3000, Assert.Single(early["rewards"]!.AsArray())!.Long("amount"));

        var purchaseRewards = (await client.Rewards(campaignId, a.Str("id"))).Where(r => r["conversionId"] is not null);
        Assert.Equal(["2000 USD pending", "3000 USD pending", "3000 USD pending"], FlowHelpers.Describe(purchaseRewards));
    }

    [Fact]
    public async Task First_purchase_reward_is_not_granted_again_when_the_tier_changes()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        for (var i = 1; i <= 9; i++)
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: a.Str("referralCode"));
        }

        // friend-1's first purchase earns 20% at 9 referrals.
        await client.Purchase(campaignId, "friend-1", 10000, "order-1");
        await client.Register(campaignId, "friend-10", referralCode: a.Str("referralCode"));

        // friend-1's second purchase is not a first purchase, whatever tier A has reached since.
        var second = await client.Purchase(campaignId, "friend-1", 10000, "order-1b");

        Assert.Empty(second["rewards"]!.AsArray());
        var purchaseRewards = (await client.Rewards(campaignId, a.Str("id"))).Where(r => r["conversionId"] is not null);
        Assert.Equal(["2000 USD pending"], FlowHelpers.Describe(purchaseRewards));
    }

    [Fact]
    public async Task Signup_tier_applies_from_its_threshold_with_a_milestone_between()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 500, currency = "USD" });
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 800, currency = "USD", minReferrals = 4 });
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referee", amount = 100, currency = "EUR" });
        await client.AddRule(campaignId, new { trigger = "milestone", recipient = "referrer", amount = 3000, currency = "USD", referralCount = 3 });
        var a = await client.Register(campaignId, "user-a");

        for (var i = 1; i <= 5; i++)
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: a.Str("referralCode"));
        }

        // 500 for referrals 1-3, the milestone at the 3rd, 800 from the 4th on.
        var amounts = (await client.Rewards(campaignId, a.Str("id"))).Select(r => r.Long("amount")).Order().ToList();
        Assert.Equal([500L, 500L, 500L, 800L, 800L, 3000L], amounts);
        var stats = await client.ParticipantStats(campaignId, "user-a");
        Assert.Equal(["USD pending 6 6100"], FlowHelpers.Totals(stats));
        var friend = await client.ParticipantStats(campaignId, "friend-5");
        Assert.Equal(["EUR pending 1 100"], FlowHelpers.Totals(friend));
    }

    [Fact]
    public async Task Milestone_is_granted_once_at_the_5th_referral()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");

        async Task<List<long>> ReferrerAmounts() =>
            (await client.Rewards(campaignId, a.Str("id"))).Select(r => r.Long("amount")).Order().ToList();

        for (var i = 1; i <= 4; i++)
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: a.Str("referralCode"));
        }

        Assert.DoesNotContain(5000L, await ReferrerAmounts());

        // Rejected and repeated signups do not count towards it.
        await client.Register(campaignId, "user-a-again", "user-a@example.org", referralCode: a.Str("referralCode"));
        await client.Register(campaignId, "friend-4", referralCode: a.Str("referralCode"), expected: HttpStatusCode.OK);
        Assert.DoesNotContain(5000L, await ReferrerAmounts());

        await client.Register(campaignId, "friend-5", referralCode: a.Str("referralCode"));
        Assert.Equal([1000L, 1000L, 1000L, 1000L, 1000L, 5000L], await ReferrerAmounts());

        await client.Register(campaignId, "friend-6", referralCode: a.Str("referralCode"));
        await client.Register(campaignId, "friend-7", referralCode: a.Str("referralCode"));
        Assert.Equal([1000L, 1000L, 1000L, 1000L, 1000L, 1000L, 1000L, 5000L], await ReferrerAmounts());

        var stats = await client.ParticipantStats(campaignId, "user-a");
        Assert.Equal(7, stats.Int("referrals"));
        Assert.Equal(["USD pending 8 12000"], FlowHelpers.Totals(stats));
    }

    /// <summary>docs/api.md: to pay another amount, deactivate the rule and create the new one. The new rule was a new
    /// milestone, and every referrer already past its count was paid it again with their next referral (found by
    /// review). The milestone is the count and the currency, whichever rule pays it.</summary>
    [Fact]
    public async Task A_milestone_rule_replaced_to_pay_another_amount_pays_no_referrer_twice()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var old = await client.AddRule(campaignId,
            new { trigger = "milestone", recipient = "referrer", amount = 3000, currency = "USD", referralCount = 2 });
        var a = await client.Register(campaignId, "user-a");
        var b = await client.Register(campaignId, "user-b");
        await client.Register(campaignId, "friend-a1", referralCode: a.Str("referralCode"));
        await client.Register(campaignId, "friend-a2", referralCode: a.Str("referralCode"));

        Assert.Equal(HttpStatusCode.NoContent,
            (await client.DeleteAsync($"/api/v1/campaigns/{campaignId}/reward-rules/{old.Str("id")}")).StatusCode);
        await client.AddRule(campaignId,
            new { trigger = "milestone", recipient = "referrer", amount = 4000, currency = "USD", referralCount = 2 });
        await client.Register(campaignId, "friend-a3", referralCode: a.Str("referralCode"));
        await client.Register(campaignId, "friend-b1", referralCode: b.Str("referralCode"));
        await client.Register(campaignId, "friend-b2", referralCode: b.Str("referralCode"));

        Assert.Equal(["3000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Equal(["4000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, b.Str("id"))));
    }

    [Fact]
    public async Task Conversion_keeps_the_given_occurred_at()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);

        var recorded = await client.PostOk($"/api/v1/campaigns/{s.CampaignId}/conversions", new
        {
            participantExternalId = "user-b", type = "purchase", amount = 100, currency = "USD", externalId = "o1",
            occurredAt = new DateTimeOffset(2026, 2, 27, 8, 30, 0, TimeSpan.Zero),
        });

        Assert.Equal(new DateTime(2026, 2, 27, 8, 30, 0, DateTimeKind.Utc), recorded["occurredAt"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.Equal(new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc), recorded["createdAt"]!.GetValue<DateTime>().ToUniversalTime());
    }

    /// <summary>The accepted range: from 2000-01-01 up to one day ahead of the server's clock (the test clock is at
    /// 2026-03-01T12:00Z). Values outside it are 400s (see ValidationTests).</summary>
    [Fact]
    public async Task Occurred_at_is_accepted_at_the_ends_of_its_range()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var s = await ReferredPair(client);
        var url = $"/api/v1/campaigns/{s.CampaignId}/conversions";

        var earliest = await client.PostOk(url, new
        {
            participantExternalId = "user-b", type = "custom", currency = "USD", externalId = "o1",
            occurredAt = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        var latest = await client.PostOk(url, new
        {
            participantExternalId = "user-b", type = "custom", currency = "USD", externalId = "o2",
            occurredAt = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero),
        });

        Assert.Equal(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), earliest["occurredAt"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.Equal(new DateTime(2026, 3, 2, 12, 0, 0, DateTimeKind.Utc), latest["occurredAt"]!.GetValue<DateTime>().ToUniversalTime());
    }

    /// <summary>A 201's body, the GET of its Location and the replay of the same event are one conversion, field for
    /// field: an occurredAt with 100 ns digits is kept as PostgreSQL keeps it (to the microsecond) on both databases.</summary>
    [Fact]
    public async Task The_created_answer_equals_its_get_and_its_replay()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var pair = await ReferredPair(client);
        var url = $"/api/v1/campaigns/{pair.CampaignId}/conversions";
        var body = new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "order-1",
            occurredAt = "2026-03-01T10:00:00.1234567Z",
        };

        var first = await client.PostJson(url, body);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.ReadJson();
        var read = await client.GetOk(first.Headers.Location!.ToString());
        var replay = await client.PostOk(url, body, HttpStatusCode.OK);

        Assert.Equal("2026-03-01T10:00:00.123456Z", created.Str("occurredAt"));
        Assert.True(JsonNode.DeepEquals(created, read), $"201: {created.ToJsonString()}\nGET: {read.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(created, replay), $"201: {created.ToJsonString()}\n200: {replay.ToJsonString()}");
    }

    /// <summary>Rewards minted in the same millisecond have no order of their own: the 201, the replay, the GET and the
    /// list give them in one order (by rule, then id).</summary>
    [Fact]
    public async Task Every_answer_lists_a_conversions_rewards_in_one_order()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddRule(campaignId, new { trigger = "purchase", recipient = "referrer", percentBasisPoints = 1000, currency = "USD" });
        await client.AddRule(campaignId, new { trigger = "purchase", recipient = "referee", percentBasisPoints = 500, currency = "USD" });
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        var url = $"/api/v1/campaigns/{campaignId}/conversions";
        static string Ids(JsonNode n) => string.Join(",", n["rewards"]!.AsArray().Select(r => r!.Str("id")));

        var created = new List<JsonNode>();
        for (var i = 0; i < 12; i++)
        {
            var body = new { participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = $"o{i}" };
            var first = await client.PostOk(url, body);
            Assert.Equal(2, first["rewards"]!.AsArray().Count);
            Assert.Equal(Ids(first), Ids(await client.PostOk(url, body, HttpStatusCode.OK)));
            Assert.Equal(Ids(first), Ids(await client.GetOk($"{url}/{first.Str("id")}")));
            created.Add(first);
        }

        var listed = (await client.GetOk($"{url}?limit=100"))["data"]!.AsArray();
        Assert.Equal(created.Select(Ids), listed.Select(c => Ids(c!)));
    }
}
