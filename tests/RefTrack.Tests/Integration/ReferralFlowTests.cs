using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Rewards;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>The whole referral flow over HTTP: campaign, rules, link click, signup, purchase, rewards, stats.</summary>
public sealed class ReferralFlowTestsSqlite() : ReferralFlowTests(Provider.Sqlite);

public sealed class ReferralFlowTestsPostgres() : ReferralFlowTests(Provider.Postgres);

public abstract class ReferralFlowTests(Provider provider)
{
    [Fact]
    public async Task Click_signup_purchase_rewards_and_stats_end_to_end()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign("https://shop.example/signup");
        await client.AddStandardRules(campaignId);

        var rules = await client.GetOk($"/api/v1/campaigns/{campaignId}/reward-rules");
        Assert.Equal(5, rules["data"]!.AsArray().Count);
        Assert.All(rules["data"]!.AsArray(), r => Assert.True(r!["active"]!.GetValue<bool>()));

        // A registers without a referrer and gets a code and a link.
        var a = await client.Register(campaignId, "user-a", "alice@example.org");
        var codeA = a.Str("referralCode");
        Assert.Matches("^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$", codeA);
        Assert.Equal($"https://refer.example.com/r/{codeA}", a.Str("referralLink"));
        Assert.Null(a["referredBy"]);
        Assert.Null(a["referral"]);

        // B follows A's link in a browser.
        var click = await app.ClickLink(codeA);
        Assert.Equal($"https://shop.example/signup?ref={codeA}&rt_click={click.ClickId}", click.Location);
        Assert.True(Guid.TryParse(click.ClickId, out _));

        // The site passes the click id back at signup.
        var b = await client.Register(campaignId, "user-b", "bob@example.org", clickId: click.ClickId);
        Assert.Equal(a.Str("id"), b.Str("referredBy"));
        Assert.Equal("qualified", b["referral"]!.Str("status"));
        Assert.Equal("first_click", b["referral"]!.Str("reason"));

        var afterSignup = await client.Rewards(campaignId);
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(afterSignup.Where(r => r.Str("participantId") == a.Str("id"))));
        Assert.Equal(["500 USD pending"], FlowHelpers.Describe(afterSignup.Where(r => r.Str("participantId") == b.Str("id"))));
        Assert.Equal(2, afterSignup.Count);

        // B's first purchase: 20% of 123.45 for A, nothing more for B.
        var purchase = await client.Purchase(campaignId, "user-b", 12345, "order-1");
        Assert.Equal(b.Str("id"), purchase.Str("participantId"));
        Assert.NotNull(purchase["referralId"]);
        var purchaseRewards = purchase["rewards"]!.AsArray();
        var purchaseReward = Assert.Single(purchaseRewards)!;
        Assert.Equal(2469, purchaseReward.Long("amount"));
        Assert.Equal(a.Str("id"), purchaseReward.Str("participantId"));
        Assert.Equal(purchase.Str("id"), purchaseReward.Str("conversionId"));

        var all = await client.Rewards(campaignId);
        Assert.Equal(3, all.Count);
        Assert.Equal(["1000 USD pending", "2469 USD pending"],
            FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Equal(["500 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, b.Str("id"))));

        // Reward lifecycle: pending → approved → paid; the referee's reward is voided.
        var signupReward = all.Single(r => r.Str("participantId") == a.Str("id") && r["conversionId"] is null);
        var refereeReward = all.Single(r => r.Str("participantId") == b.Str("id"));
        var rewardsUrl = $"/api/v1/campaigns/{campaignId}/rewards";
        Assert.Equal("approved", (await client.PostOk($"{rewardsUrl}/{signupReward.Str("id")}/approve", new { }, HttpStatusCode.OK)).Str("status"));
        Assert.Equal("paid", (await client.PostOk($"{rewardsUrl}/{signupReward.Str("id")}/mark-paid", new { }, HttpStatusCode.OK)).Str("status"));
        Assert.Equal("approved", (await client.PostOk($"{rewardsUrl}/{purchaseReward.Str("id")}/approve", new { }, HttpStatusCode.OK)).Str("status"));
        Assert.Equal("voided", (await client.PostOk($"{rewardsUrl}/{refereeReward.Str("id")}/void", new { }, HttpStatusCode.OK)).Str("status"));
        Assert.Equal("paid", (await client.GetOk($"{rewardsUrl}/{signupReward.Str("id")}")).Str("status"));

        var approved = await client.GetOk($"{rewardsUrl}?status=approved");
        Assert.Equal(purchaseReward.Str("id"), Assert.Single(approved["data"]!.AsArray())!.Str("id"));

        await app.FlushClicksAsync();

        var statsA = await client.ParticipantStats(campaignId, "user-a");
        Assert.Equal(a.Str("id"), statsA.Str("participantId"));
        Assert.Equal("user-a", statsA.Str("externalId"));
        AssertClicks(statsA, total: 1, unique: 1, bots: 0);
        Assert.Equal(1, statsA.Int("referrals"));
        Assert.Equal(1, statsA.Int("convertedReferrals"));
        Assert.Equal(1.0, statsA.Dbl("conversionRate"));
        Assert.Equal(["USD approved 1 2469", "USD paid 1 1000"], FlowHelpers.Totals(statsA));

        var statsB = await client.ParticipantStats(campaignId, b.Str("id"));
        AssertClicks(statsB, total: 0, unique: 0, bots: 0);
        Assert.Equal(0, statsB.Int("referrals"));
        Assert.Equal(0, statsB.Int("convertedReferrals"));
        Assert.Equal(0.0, statsB.Dbl("conversionRate"));
        Assert.Equal(["USD voided 1 500"], FlowHelpers.Totals(statsB));

        var stats = await client.CampaignStats(campaignId);
        Assert.Equal(campaignId, stats.Str("campaignId"));
        AssertClicks(stats, total: 1, unique: 1, bots: 0);
        Assert.Equal(2, stats.Int("participants"));
        Assert.Equal(1, stats.Int("referrals"));
        Assert.Equal(1, stats.Int("convertedReferrals"));
        Assert.Equal(1.0, stats.Dbl("conversionRate"));
        Assert.Equal(1, stats.Int("conversions"));
        var funnel = stats["funnel"]!;
        Assert.Equal(1, funnel.Long("clicks"));
        Assert.Equal(1, funnel.Int("signups"));
        Assert.Equal(1, funnel.Int("conversions"));
        Assert.Equal(1.0, funnel.Dbl("signupRate"));
        Assert.Equal(1.0, funnel.Dbl("conversionRate"));
        Assert.Equal(["USD approved 1 2469", "USD paid 1 1000", "USD voided 1 500"], FlowHelpers.Totals(stats));
        var top = Assert.Single(stats["topReferrers"]!.AsArray())!;
        Assert.Equal(a.Str("id"), top.Str("participantId"));
        Assert.Equal("user-a", top.Str("externalId"));
        Assert.Equal(1, top.Int("referrals"));
        Assert.Equal(1, top.Int("convertedReferrals"));
    }

    [Fact]
    public async Task Stats_count_clicks_signups_and_conversions_exactly()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var codeA = a.Str("referralCode");

        // Four different browsers, one of them twice (with its cookie), and one crawler.
        var visits = new List<ClickResult>();
        for (var i = 1; i <= 4; i++)
        {
            visits.Add(await app.ClickLink(codeA, $"{FlowHelpers.BrowserUserAgent} visitor/{i}"));
        }

        await app.ClickLink(codeA, $"{FlowHelpers.BrowserUserAgent} visitor/1", deviceId: visits[0].DeviceId);
        await app.ClickLink(codeA, FlowHelpers.BotUserAgent);

        await client.Register(campaignId, "user-b1", clickId: visits[0].ClickId);
        await client.Register(campaignId, "user-b2", clickId: visits[1].ClickId);
        await client.Register(campaignId, "user-x"); // Not referred.
        await client.Purchase(campaignId, "user-b1", 5000, "order-1");
        await client.Purchase(campaignId, "user-x", 7000, "order-2");
        await app.FlushClicksAsync();

        var statsA = await client.ParticipantStats(campaignId, "user-a");
        AssertClicks(statsA, total: 6, unique: 4, bots: 1);
        Assert.Equal(2, statsA.Int("referrals"));
        Assert.Equal(1, statsA.Int("convertedReferrals"));
        Assert.Equal(0.5, statsA.Dbl("conversionRate"));
        // Two signups at 10.00 and 20% of 50.00; the referees' 5.00 are theirs, not A's.
        Assert.Equal(["USD pending 3 3000"], FlowHelpers.Totals(statsA));

        var stats = await client.CampaignStats(campaignId);
        AssertClicks(stats, total: 6, unique: 4, bots: 1);
        Assert.Equal(4, stats.Int("participants"));
        Assert.Equal(2, stats.Int("referrals"));
        Assert.Equal(1, stats.Int("convertedReferrals"));
        Assert.Equal(0.5, stats.Dbl("conversionRate"));
        Assert.Equal(2, stats.Int("conversions"));
        var funnel = stats["funnel"]!;
        Assert.Equal(4, funnel.Long("clicks"));
        Assert.Equal(2, funnel.Int("signups"));
        Assert.Equal(1, funnel.Int("conversions"));
        Assert.Equal(0.5, funnel.Dbl("signupRate"));
        Assert.Equal(0.5, funnel.Dbl("conversionRate"));
        Assert.Equal(["USD pending 5 4000"], FlowHelpers.Totals(stats));
    }

    [Fact]
    public async Task Reward_transitions_are_enforced()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        var reward = (await client.Rewards(campaignId, a.Str("id"))).Single();
        var url = $"/api/v1/campaigns/{campaignId}/rewards/{reward.Str("id")}";

        // Pending cannot be paid directly.
        var body = await (await client.PostAsync($"{url}/mark-paid", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        Assert.Contains("pending", body.Str("title"), StringComparison.Ordinal);
        Assert.Equal("pending", (await client.GetOk(url)).Str("status"));

        await client.PostOk($"{url}/approve", new { }, HttpStatusCode.OK);
        var again = await (await client.PostAsync($"{url}/approve", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        Assert.Equal("An approved reward cannot become approved.", again.Str("title"));
        await client.PostOk($"{url}/mark-paid", new { }, HttpStatusCode.OK);

        // Paid is final: neither voided nor paid again.
        await (await client.PostAsync($"{url}/void", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        await (await client.PostAsync($"{url}/mark-paid", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        Assert.Equal("paid", (await client.GetOk(url)).Str("status"));

        // A voided reward cannot be approved.
        var refereeReward = (await client.Rewards(campaignId)).Single(r => r.Str("participantId") != a.Str("id"));
        var refereeUrl = $"/api/v1/campaigns/{campaignId}/rewards/{refereeReward.Str("id")}";
        await client.PostOk($"{refereeUrl}/void", new { }, HttpStatusCode.OK);
        await (await client.PostAsync($"{refereeUrl}/approve", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        Assert.Equal("voided", (await client.GetOk(refereeUrl)).Str("status"));

        // An approved reward not yet paid can still be voided (pending|approved → voided), and then cannot be paid.
        var c = await client.Register(campaignId, "user-c", referralCode: a.Str("referralCode"));
        var approvedUrl = $"/api/v1/campaigns/{campaignId}/rewards/{Assert.Single(await client.Rewards(campaignId, c.Str("id"))).Str("id")}";
        await client.PostOk($"{approvedUrl}/approve", new { }, HttpStatusCode.OK);
        Assert.Equal("voided", (await client.PostOk($"{approvedUrl}/void", new { }, HttpStatusCode.OK)).Str("status"));
        await (await client.PostAsync($"{approvedUrl}/mark-paid", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        Assert.Equal("voided", (await client.GetOk(approvedUrl)).Str("status"));

        // Unknown reward, and a reward asked for under another campaign.
        var missing = $"/api/v1/campaigns/{campaignId}/rewards/{Guid.NewGuid()}";
        await (await client.PostAsync($"{missing}/approve", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await client.GetAsync(missing)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var other = await client.CreateCampaign(name: "Other");
        await (await client.GetAsync($"/api/v1/campaigns/{other}/rewards/{reward.Str("id")}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await client.PostAsync($"/api/v1/campaigns/{other}/rewards/{refereeReward.Str("id")}/void", null))
            .AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Deactivated_rule_grants_nothing_afterwards()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var rule = await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 1000, currency = "USD" });
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));

        var delete = await client.DeleteAsync($"/api/v1/campaigns/{campaignId}/reward-rules/{rule.Str("id")}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        var rules = await client.GetOk($"/api/v1/campaigns/{campaignId}/reward-rules");
        Assert.False(Assert.Single(rules["data"]!.AsArray())!["active"]!.GetValue<bool>());

        var c = await client.Register(campaignId, "user-c", referralCode: a.Str("referralCode"));
        Assert.Equal(a.Str("id"), c.Str("referredBy"));
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId)));

        await (await client.DeleteAsync($"/api/v1/campaigns/{campaignId}/reward-rules/{Guid.NewGuid()}"))
            .AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    /// <summary>A rule create that committed but whose answer was lost (here: the rule written in the database behind
    /// this node's back) is retried and answered 200 with that rule. This node's rule cache must have it from then on,
    /// as after a 201: the 200 left the cached rules without it for the cache time (found by review).</summary>
    [Fact]
    public async Task A_rule_create_retried_after_a_lost_answer_is_in_the_nodes_rules_at_once()
    {
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["RefTrack:Rewards:RuleCacheSeconds"] = "60" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var campaign = Guid.Parse(campaignId);
        var rules = app.Services.GetRequiredService<ActiveRuleCache>();
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Empty(await rules.GetAsync(db, campaign, CancellationToken.None)); // Cached: no rule.
        db.RewardRules.Add(new RewardRule
        {
            CampaignId = campaign, Trigger = RewardTrigger.Signup, Recipient = RewardRecipient.Referrer, Amount = 1000,
            Currency = "USD", CreatedAt = DateTime.UtcNow,
            Terms = RewardRule.TermsOf(RewardTrigger.Signup, RewardRecipient.Referrer, 1000, null, "USD", false, null, null),
        });
        await db.SaveChangesAsync();

        var retried = await client.PostJson($"/api/v1/campaigns/{campaignId}/reward-rules",
            new { trigger = "signup", recipient = "referrer", amount = 1000, currency = "USD" });

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Single(await rules.GetAsync(db, campaign, CancellationToken.None));
    }

    /// <summary>The same terms again answer with the active rule (200), as a known user's registration does; other
    /// terms, or the same once it is deactivated, make a new rule (201).</summary>
    [Fact]
    public async Task A_rule_sent_again_is_the_same_rule()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var url = $"/api/v1/campaigns/{campaignId}/reward-rules";
        var body = new { trigger = "purchase", recipient = "referrer", percentBasisPoints = 2000, currency = "USD", firstPurchaseOnly = true, minReferrals = 10 };

        var first = await client.PostJson(url, body);
        var again = await client.PostJson(url, body);
        var otherTier = await client.PostJson(url, body with { minReferrals = 20 });

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Created), (first.StatusCode, again.StatusCode, otherTier.StatusCode));
        var rule = await first.ReadJson();
        Assert.Equal(rule.ToJsonString(), (await again.ReadJson()).ToJsonString());
        Assert.NotEqual(rule.Str("id"), (await otherTier.ReadJson()).Str("id"));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{url}/{rule.Str("id")}")).StatusCode);
        var afterDeactivation = await client.PostJson(url, body);
        Assert.Equal(HttpStatusCode.Created, afterDeactivation.StatusCode);
        Assert.NotEqual(rule.Str("id"), (await afterDeactivation.ReadJson()).Str("id"));
        Assert.Equal(3, (await client.GetOk(url))["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task Participant_is_found_by_id_and_external_id()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a", "Alice@Example.org");

        var byId = await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/{a.Str("id")}");
        var byExternal = await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/user-a");
        Assert.True(JsonNode.DeepEquals(byId, byExternal), $"{byId.ToJsonString()} vs {byExternal.ToJsonString()}");
        Assert.Equal("Alice@Example.org", byId.Str("email"));
        Assert.Equal(a.Str("referralCode"), byId.Str("referralCode"));

        await (await client.GetAsync($"/api/v1/campaigns/{campaignId}/participants/nobody")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await client.GetAsync($"/api/v1/campaigns/{Guid.NewGuid()}/participants/user-a")).AssertProblem(HttpStatusCode.NotFound, "not-found");

        var code = await client.GetOk($"/api/v1/campaigns/{campaignId}/codes/{a.Str("referralCode").ToLowerInvariant()}");
        Assert.Equal(a.Str("referralCode"), code.Str("code"));
        Assert.Equal(a.Str("id"), code.Str("participantId"));
        Assert.False(code["vanity"]!.GetValue<bool>());
        Assert.False(code["disabled"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("  Alice  ", "Alice")]
    [InlineData("   ", null)]
    [InlineData("", null)]
    public async Task A_participants_name_is_trimmed_and_a_blank_one_is_no_name(string name, string? stored)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var url = $"/api/v1/campaigns/{campaignId}/participants";

        var created = await client.PostOk(url, new { externalId = "user-a", email = "a@example.org", name });

        Assert.Equal(stored, created["name"]?.GetValue<string>());
        Assert.Equal(stored, (await client.GetOk($"{url}/user-a"))["name"]?.GetValue<string>());
    }

    /// <summary>Every external id registration accepts can be read back, its stats read and a code added, by the
    /// route's <c>{idOrExternalId}</c> escaped as a client escapes a path segment.</summary>
    [Theory]
    [InlineData("a%2Fb")]
    [InlineData("50%")]
    [InlineData("a b")]
    [InlineData("x?y#z")]
    [InlineData("a\\b")]
    [InlineData("...")]
    [InlineData("ü-user")]
    public async Task Participant_is_found_by_any_external_id_it_was_registered_with(string externalId)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, externalId, email: "a@example.org");
        var route = $"/api/v1/campaigns/{campaignId}/participants/{Uri.EscapeDataString(externalId)}";

        Assert.Equal(a.Str("id"), (await client.GetOk(route)).Str("id"));
        Assert.Equal(a.Str("id"), (await client.GetOk($"{route}/stats")).Str("participantId"));
        Assert.Equal(a.Str("id"), (await client.PostOk($"{route}/codes", new { code = "vanity-x" })).Str("participantId"));
    }

    /// <summary>Routes trim the external id as registration does (and as code routes trim codes).</summary>
    [Fact]
    public async Task External_id_in_a_route_is_trimmed_as_at_registration()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, " user-a ", email: "a@example.org");
        var route = $"/api/v1/campaigns/{campaignId}/participants/%20user-a%20";

        Assert.Equal(a.Str("id"), (await client.GetOk(route)).Str("id"));
        Assert.Equal(a.Str("id"), (await client.GetOk($"{route}/stats")).Str("participantId"));
    }

    [Fact]
    public async Task Participant_id_wins_over_an_external_id_that_looks_like_it()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var first = await client.Register(campaignId, "user-1");
        var lookalike = await client.Register(campaignId, first.Str("id"), "lookalike@example.org");
        Assert.NotEqual(first.Str("id"), lookalike.Str("id"));

        var read = await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/{first.Str("id")}");
        Assert.Equal("user-1", read.Str("externalId"));
        Assert.Equal(first.Str("id"), (await client.ParticipantStats(campaignId, first.Str("id"))).Str("participantId"));

        // Conversions name the participant explicitly one way or the other.
        var byExternal = await client.Purchase(campaignId, first.Str("id"), 100, "o1");
        Assert.Equal(lookalike.Str("id"), byExternal.Str("participantId"));
        var byId = await client.PostOk($"/api/v1/campaigns/{campaignId}/conversions", new
        {
            participantId = first.Str("id"), type = "purchase", amount = 100, currency = "USD", externalId = "o2",
        });
        Assert.Equal(first.Str("id"), byId.Str("participantId"));
    }

    [Fact]
    public async Task Vanity_code_refers_and_is_unique_across_campaigns()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var otherCampaign = await client.CreateCampaign(name: "Other");
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-c");
        await client.Register(otherCampaign, "user-x");

        var vanity = await client.PostOk($"/api/v1/campaigns/{campaignId}/participants/user-a/codes", new { code = "Alice-2026" });
        Assert.Equal("ALICE-2026", vanity.Str("code"));
        Assert.Equal("https://refer.example.com/r/ALICE-2026", vanity.Str("link"));
        Assert.True(vanity["vanity"]!.GetValue<bool>());
        Assert.Equal(a.Str("id"), vanity.Str("participantId"));

        // Taken, case-insensitively, in the same campaign and in another one.
        var taken = await client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants/user-c/codes", new { code = "alice-2026" });
        await taken.AssertProblem(HttpStatusCode.Conflict, "code-taken");
        var takenElsewhere = await client.PostAsJsonAsync($"/api/v1/campaigns/{otherCampaign}/participants/user-x/codes", new { code = "ALICE-2026" });
        await takenElsewhere.AssertProblem(HttpStatusCode.Conflict, "code-taken");

        // The primary code stays the generated one; the vanity code attributes to A.
        Assert.Equal(a.Str("referralCode"), (await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/user-a")).Str("referralCode"));
        var b = await client.Register(campaignId, "user-b", referralCode: "alice-2026");
        Assert.Equal(a.Str("id"), b.Str("referredBy"));
        Assert.Equal("referral_code", b["referral"]!.Str("reason"));

        var missing = await client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants/nobody/codes", new { code = "nobody-code" });
        await missing.AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    private static void AssertClicks(JsonNode stats, long total, long unique, long bots)
    {
        var clicks = stats["clicks"]!;
        Assert.Equal((total, unique, bots), (clicks.Long("total"), clicks.Long("unique"), clicks.Long("bots")));
    }
}
