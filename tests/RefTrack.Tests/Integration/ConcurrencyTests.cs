using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>Real parallel HTTP requests: retries and races must still count everything exactly once.</summary>
public sealed class ConcurrencyTestsSqlite() : ConcurrencyTests(Provider.Sqlite);

public sealed class ConcurrencyTestsPostgres() : ConcurrencyTests(Provider.Postgres);

public abstract class ConcurrencyTests(Provider provider)
{
    private const int Parallel = 20;

    private sealed record Answer(HttpStatusCode Status, JsonNode Body, bool Replayed);

    private static async Task<Answer[]> InParallel(Func<Task<HttpResponseMessage>> send)
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(send)));
        var answers = new List<Answer>();
        foreach (var response in responses)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            answers.Add(new Answer(response.StatusCode, JsonNode.Parse(text)!, response.Headers.Contains("Idempotent-Replayed")));
        }

        return [.. answers];
    }

    /// <summary>Parallel requests with one Idempotency-Key: one runs; each other one answers its result again or, while
    /// it still runs, 409 in progress. Returns the successful answers.</summary>
    private static async Task<Answer[]> InParallelWithOneKey(Func<Task<HttpResponseMessage>> send)
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(send)));
        var answers = new List<Answer>();
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await response.AssertProblem(HttpStatusCode.Conflict, "idempotency-key-in-progress");
                continue;
            }

            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            answers.Add(new Answer(response.StatusCode, JsonNode.Parse(text)!, response.Headers.Contains("Idempotent-Replayed")));
        }

        // Exactly one ran: every other success is its stored answer given again, same status, marked replayed. A second
        // run would also find one participant or conversion (the operation's own unique index answers it as a 200
        // replay), so counting rows alone cannot tell whether the key kept the others from running.
        var ran = Assert.Single(answers, x => !x.Replayed);
        Assert.All(answers, x => Assert.Equal(ran.Status, x.Status));
        return [.. answers];
    }

    /// <summary>A campaign with the standard rules in which user-a referred user-b; user-a's participant.</summary>
    private static async Task<(string CampaignId, JsonNode A)> ReferredPair(HttpClient client)
    {
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        return (campaignId, a);
    }

    [Fact]
    public async Task Parallel_identical_signups_create_one_participant_one_referral_and_rewards_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var body = new { externalId = "user-b", email = "bob@example.org", name = "Bob", referralCode = a.Str("referralCode") };

        var answers = await InParallel(() => client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants", body));

        Assert.Equal(1, answers.Count(x => x.Status == HttpStatusCode.Created));
        Assert.Equal(Parallel - 1, answers.Count(x => x.Status == HttpStatusCode.OK));
        var id = Assert.Single(answers.Select(x => x.Body.Str("id")).Distinct());
        Assert.All(answers, x => Assert.Equal(a.Str("id"), x.Body.Str("referredBy")));
        Assert.All(answers, x => Assert.Equal("qualified", x.Body["referral"]!.Str("status")));

        Assert.Equal(2, (await client.Participants(campaignId)).Count);
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Equal(["500 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, id)));
        Assert.Equal(1, (await client.ParticipantStats(campaignId, "user-a")).Int("referrals"));
        Assert.Equal(1, (await client.CampaignStats(campaignId)).Int("referrals"));
    }

    /// <summary>A rule sent several times at once (a client's retries) is one rule: two would add up and pay every
    /// signup twice. The unique index of active rules' terms decides (found by review: each made a rule).</summary>
    [Fact]
    public async Task Parallel_identical_rules_create_one_rule_and_pay_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var body = new { trigger = "signup", recipient = "referrer", amount = 1000, currency = "USD" };

        var answers = await InParallel(() => client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/reward-rules", body));

        Assert.Equal(1, answers.Count(x => x.Status == HttpStatusCode.Created));
        Assert.Equal(Parallel - 1, answers.Count(x => x.Status == HttpStatusCode.OK));
        var ruleId = Assert.Single(answers.Select(x => x.Body.Str("id")).Distinct());
        var rules = (await client.GetOk($"/api/v1/campaigns/{campaignId}/reward-rules"))["data"]!.AsArray();
        Assert.Equal(ruleId, Assert.Single(rules)!.Str("id"));

        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
    }

    [Fact]
    public async Task Parallel_replays_of_one_purchase_record_it_once_and_reward_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, a) = await ReferredPair(client);
        var body = new { participantExternalId = "user-b", type = "purchase", amount = 25000, currency = "USD", externalId = "order-1" };

        var answers = await InParallel(() => client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/conversions", body));

        Assert.Equal(1, answers.Count(x => x.Status == HttpStatusCode.Created));
        Assert.Equal(Parallel - 1, answers.Count(x => x.Status == HttpStatusCode.OK));
        Assert.Single(answers.Select(x => x.Body.Str("id")).Distinct());
        // Every answer names the one reward the purchase granted.
        var rewardId = Assert.Single(answers.SelectMany(x => x.Body["rewards"]!.AsArray()).Select(r => r!.Str("id")).Distinct());

        Assert.Single(await client.Conversions(campaignId));
        var purchaseRewards = (await client.Rewards(campaignId, a.Str("id"))).Where(r => r["conversionId"] is not null).ToList();
        Assert.Equal(rewardId, Assert.Single(purchaseRewards).Str("id"));
        Assert.Equal(5000, purchaseRewards[0].Long("amount"));
        Assert.Equal(3, (await client.Rewards(campaignId)).Count);

        var stats = await client.CampaignStats(campaignId);
        Assert.Equal(1, stats.Int("conversions"));
        Assert.Equal(1, stats.Int("convertedReferrals"));
        Assert.Equal(["USD pending 3 6500"], FlowHelpers.Totals(stats));
    }

    [Fact]
    public async Task Parallel_signups_with_one_idempotency_key_create_one_participant()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var url = $"/api/v1/campaigns/{campaignId}/participants";
        var body = new { externalId = "user-b", email = "bob@example.org", referralCode = a.Str("referralCode") };

        var answers = await InParallelWithOneKey(() => client.PostJson(url, body, "signup-b"));

        Assert.Single(answers.Select(x => x.Body.Str("id")).Distinct());
        Assert.Equal(1, answers.Count(x => x.Status == HttpStatusCode.Created && !x.Replayed));
        Assert.All(answers, x => Assert.Equal(a.Str("id"), x.Body.Str("referredBy")));

        var again = await client.PostJson(url, body, "signup-b");
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(answers[0].Body.Str("id"), (await again.ReadJson()).Str("id"));
        await (await client.PostJson(url, body with { email = "robert@example.org" }, "signup-b"))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");

        Assert.Equal(2, (await client.Participants(campaignId)).Count);
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Equal(2, (await client.Rewards(campaignId)).Count);
    }

    [Fact]
    public async Task Parallel_purchases_with_one_idempotency_key_record_one_conversion()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, a) = await ReferredPair(client);
        var url = $"/api/v1/campaigns/{campaignId}/conversions";
        var body = new { participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "order-1" };

        var answers = await InParallelWithOneKey(() => client.PostJson(url, body, "pay-1"));

        Assert.Single(answers.Select(x => x.Body.Str("id")).Distinct());
        Assert.Equal(1, answers.Count(x => x.Status == HttpStatusCode.Created && !x.Replayed));
        Assert.Single(await client.Conversions(campaignId));
        Assert.Equal(["1000 USD pending", "2000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
    }

    /// <summary>docs/api.md: the same key with a different body gets 422. Requests that overlap with one key and
    /// different bodies (different externalIds) must not all run: the key is claimed before the handler runs.</summary>
    [Fact]
    public async Task Parallel_purchases_with_one_idempotency_key_and_different_bodies_run_only_one()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, a) = await ReferredPair(client);
        var url = $"/api/v1/campaigns/{campaignId}/conversions";

        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => Task.Run(() => client.PostJson(url, new
        {
            participantExternalId = "user-b", type = "purchase", amount = 1000 + i, currency = "USD", externalId = $"order-{i}",
        }, "one-key"))));

        var created = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in responses.Where(r => r != created))
        {
            // Whether the winner still ran or had answered: the key was used with a different body.
            await refused.AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        }

        var conversion = Assert.Single(await client.Conversions(campaignId));
        Assert.Equal((await created.ReadJson()).Str("id"), conversion.Str("id"));
    }

    [Fact]
    public async Task Parallel_signups_of_different_friends_reach_the_milestone_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var n = 0;

        var answers = await InParallel(() =>
        {
            var i = Interlocked.Increment(ref n);
            return client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants",
                new { externalId = $"friend-{i}", email = $"friend-{i}@example.org", referralCode = a.Str("referralCode") });
        });

        Assert.All(answers, x => Assert.Equal(HttpStatusCode.Created, x.Status));
        Assert.Equal(Parallel, answers.Select(x => x.Body.Str("id")).Distinct().Count());
        var referrerRewards = await client.Rewards(campaignId, a.Str("id"));
        Assert.Equal(Parallel, referrerRewards.Count(r => r.Long("amount") == 1000));
        Assert.Single(referrerRewards, r => r.Long("amount") == 5000);
        Assert.Equal(Parallel + 1, referrerRewards.Count);
        var stats = await client.ParticipantStats(campaignId, "user-a");
        Assert.Equal(Parallel, stats.Int("referrals"));
        Assert.Equal([$"USD pending {Parallel + 1} {(Parallel * 1000) + 5000}"], FlowHelpers.Totals(stats));
    }

    [Fact]
    public async Task Parallel_approvals_move_a_reward_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, a) = await ReferredPair(client);
        var reward = Assert.Single(await client.Rewards(campaignId, a.Str("id")));

        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(() =>
            client.PostAsync($"/api/v1/campaigns/{campaignId}/rewards/{reward.Str("id")}/approve", null))));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            await refused.AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        }

        Assert.Equal("approved", (await client.GetOk($"/api/v1/campaigns/{campaignId}/rewards/{reward.Str("id")}")).Str("status"));
    }

    /// <summary>Conflicting moves of one reward at once (void against mark-paid against void; three voids of a pending
    /// one): each reward moves once, and the totals by status that the moves maintain equal the rewards' own.</summary>
    [Fact]
    public async Task Parallel_conflicting_moves_move_each_reward_once_and_keep_the_totals()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, a) = await ReferredPair(client);
        for (var i = 0; i < 3; i++)
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: a.Str("referralCode"));
        }

        var rewards = await client.Rewards(campaignId);
        Assert.Equal(8, rewards.Count); // 10.00 to user-a and 5.00 to each of the four friends
        string Move(JsonNode reward, string to) => $"/api/v1/campaigns/{campaignId}/rewards/{reward.Str("id")}/{to}";
        var approved = rewards.Take(4).ToList();
        foreach (var reward in approved)
        {
            await client.PostOk(Move(reward, "approve"), new { }, HttpStatusCode.OK);
        }

        var races = approved.Select(r => new[] { Move(r, "void"), Move(r, "mark-paid"), Move(r, "void") })
            .Concat(rewards.Skip(4).Select(r => new[] { Move(r, "void"), Move(r, "void"), Move(r, "void") }))
            .Select(urls => Task.WhenAll(urls.Select(url => Task.Run(() => client.PostAsync(url, null)))))
            .ToList();

        foreach (var race in await Task.WhenAll(races))
        {
            Assert.Equal(1, race.Count(r => r.StatusCode == HttpStatusCode.OK));
            foreach (var refused in race.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                await refused.AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
            }
        }

        var moved = await client.Rewards(campaignId);
        Assert.All(moved, r => Assert.Contains(r.Str("status"), new[] { "paid", "voided" }));
        var expected = moved.GroupBy(r => $"{r.Str("currency")} {r.Str("status")}")
            .Select(g => $"{g.Key} {g.Count()} {g.Sum(r => r.Long("amount"))}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, FlowHelpers.Totals(await client.CampaignStats(campaignId))
            .Where(t => !t.EndsWith(" 0 0", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Parallel_claims_of_one_vanity_code_succeed_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        for (var i = 0; i < Parallel; i++)
        {
            await client.Register(campaignId, $"user-{i}");
        }

        var n = -1;
        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(() =>
        {
            var i = Interlocked.Increment(ref n);
            return client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants/user-{i}/codes", new { code = "summer" });
        })));

        var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in responses.Where(r => r != winner))
        {
            await refused.AssertProblem(HttpStatusCode.Conflict, "code-taken");
        }

        var owner = (await winner.ReadJson()).Str("participantId");
        Assert.Equal(owner, (await client.GetOk($"/api/v1/campaigns/{campaignId}/codes/SUMMER")).Str("participantId"));
    }

    [Fact]
    public async Task Parallel_clicks_are_all_counted_and_one_visitor_is_unique_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        var clicks = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(() => app.ClickLink(code))));
        Assert.Equal(Parallel, clicks.Select(c => c.ClickId).Distinct().Count());
        await app.FlushClicksAsync();

        var counts = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(Parallel, counts.Long("total"));
        Assert.Equal(1, counts.Long("unique"));
        Assert.Equal(0, counts.Long("bots"));
    }
    [Fact]
    public async Task Clicks_written_one_per_batch_by_concurrent_writers_are_all_counted_once()
    {
        // Batches of one click, four writers (PostgreSQL; SQLite writes one batch at a time), no interval: many
        // transactions race for the same visitor key and the same referrer's rollup row. (Whether a flush waits for
        // every batch before it, PostgresClickWritersTests shows deterministically; here the race is too short to.)
        using var app = new TestApp(provider, TestApp.ClickBatchesOfOne(writers: 4));
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        const int clicks = 5 * Parallel;
        await Task.WhenAll(Enumerable.Range(0, clicks).Select(_ => Task.Run(() => app.ClickLink(code))));
        await app.FlushClicksAsync();

        var counts = (await client.ParticipantStats(campaignId, "user-a"))["clicks"]!;
        Assert.Equal(clicks, counts.Long("total"));
        Assert.Equal(1, counts.Long("unique"));
        Assert.Equal(clicks, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    [Fact]
    public async Task Parallel_different_first_purchases_earn_the_first_purchase_reward_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, a) = await ReferredPair(client);
        var n = 0;

        var answers = await InParallel(() =>
        {
            var i = Interlocked.Increment(ref n);
            return client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/conversions",
                new { participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = $"order-{i}" });
        });

        Assert.All(answers, x => Assert.Equal(HttpStatusCode.Created, x.Status));
        Assert.Equal(Parallel, (await client.Conversions(campaignId)).Count);
        Assert.Single(answers, x => x.Body["rewards"]!.AsArray().Count == 1);
        Assert.Equal(["1000 USD pending", "2000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Equal(1, (await client.ParticipantStats(campaignId, "user-a")).Int("convertedReferrals"));
    }

    [Fact]
    public async Task Parallel_revocations_never_revoke_the_last_admin_key()
    {
        using var app = new TestApp(provider);
        var admin = app.Client();
        var keys = new List<(string Id, string Secret)>
        {
            ((await admin.GetOk("/api/v1/api-keys"))["data"]![0]!.Str("id"), TestApp.AdminKey),
        };
        for (var i = 0; i < 4; i++)
        {
            var created = await admin.PostOk("/api/v1/api-keys", new { name = $"admin-{i}", admin = true });
            keys.Add((created.Str("id"), created.Str("key")));
        }

        // Every admin key revokes itself at once: each request is authenticated by a key only it revokes.
        var responses = await Task.WhenAll(keys.Select(k => Task.Run(() => app.Client(k.Secret).DeleteAsync($"/api/v1/api-keys/{k.Id}"))));

        Assert.Equal(keys.Count - 1, responses.Count(r => r.StatusCode == HttpStatusCode.NoContent));
        var refused = Assert.Single(responses, r => r.StatusCode != HttpStatusCode.NoContent);
        await refused.AssertProblem(HttpStatusCode.Conflict, "last-admin-key");

        var survivor = keys[Array.IndexOf(responses, refused)];
        var list = (await app.Client(survivor.Secret).GetOk("/api/v1/api-keys"))["data"]!.AsArray();
        var active = Assert.Single(list, k => k!["revokedAt"] is null)!;
        Assert.Equal(survivor.Id, active.Str("id"));
    }
}
