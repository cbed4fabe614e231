using System.Net;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>Keyset pagination: <c>?limit=&amp;cursor=</c>, <c>nextCursor</c> null on the last page.</summary>
public sealed class PaginationTestsSqlite() : PaginationTests(Provider.Sqlite);

public sealed class PaginationTestsPostgres() : PaginationTests(Provider.Postgres);

public abstract class PaginationTests(Provider provider)
{
    private static async Task<List<List<JsonNode>>> AllPages(HttpClient client, string url, int limit)
    {
        var pages = new List<List<JsonNode>>();
        string? cursor = null;
        do
        {
            var separator = url.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var page = await client.GetOk($"{url}{separator}limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            pages.Add(page["data"]!.AsArray().Select(n => n!).ToList());
            cursor = page["nextCursor"]?.GetValue<string>();
            Assert.True(pages.Count <= 20, "Pagination does not end.");
        }
        while (cursor is not null);

        return pages;
    }

    [Fact]
    public async Task Participants_are_paged_through_with_every_one_seen_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var other = await client.CreateCampaign(name: "Other");
        await client.Register(other, "outsider");
        var created = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            created.Add((await client.Register(campaignId, $"user-{i}")).Str("id"));
        }

        var pages = await AllPages(client, $"/api/v1/campaigns/{campaignId}/participants", 2);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        var seen = pages.SelectMany(p => p).Select(p => p.Str("id")).ToList();
        Assert.Equal(5, seen.Distinct().Count());
        Assert.Equal(created.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(["user-1", "user-2", "user-3", "user-4", "user-5"],
            pages.SelectMany(p => p).Select(p => p.Str("externalId")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_participants_codes_are_paged_through_in_the_order_they_were_made()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a");
        var codes = $"/api/v1/campaigns/{campaignId}/participants/user-a/codes";
        foreach (var code in new[] { "vanity-1", "vanity-2", "vanity-3", "vanity-4" })
        {
            await client.PostOk(codes, new { code });
        }

        var pages = await AllPages(client, codes, 2);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal([a.Str("referralCode"), "VANITY-1", "VANITY-2", "VANITY-3", "VANITY-4"],
            pages.SelectMany(p => p).Select(c => c.Str("code")));
    }

    [Fact]
    public async Task Reward_rules_are_paged_through_with_every_one_seen_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var all = (await client.GetOk($"/api/v1/campaigns/{campaignId}/reward-rules"))["data"]!.AsArray();

        var pages = await AllPages(client, $"/api/v1/campaigns/{campaignId}/reward-rules", 2);

        Assert.All(pages, p => Assert.InRange(p.Count, 1, 2));
        Assert.Equal(all.Select(r => r!.Str("id")), pages.SelectMany(p => p).Select(r => r.Str("id")));
        Assert.True(pages.Count > 1);
    }

    [Fact]
    public async Task Exact_multiple_of_the_limit_ends_with_a_null_cursor()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        for (var i = 1; i <= 4; i++)
        {
            await client.Register(campaignId, $"user-{i}");
        }

        var pages = await AllPages(client, $"/api/v1/campaigns/{campaignId}/participants", 2);

        Assert.Equal([2, 2], pages.Select(p => p.Count));
        var whole = await client.GetOk($"/api/v1/campaigns/{campaignId}/participants?limit=4");
        Assert.Equal(4, whole["data"]!.AsArray().Count);
        Assert.Null(whole["nextCursor"]);
    }

    [Fact]
    public async Task Participants_with_and_without_referrals_page_in_id_order_each_once()
    {
        // The list joins each page's participants to their referrals after the page's LIMIT: the page must still be
        // in id order, or the row the page drops to make its cursor could be one never seen on any page.
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var referrer = await client.Register(campaignId, "referrer");
        for (var i = 1; i <= 30; i++)
        {
            await client.Register(campaignId, $"user-{i}", referralCode: i % 2 == 0 ? referrer.Str("referralCode") : null);
        }

        var pages = await AllPages(client, $"/api/v1/campaigns/{campaignId}/participants", 7);

        var ids = pages.SelectMany(p => p).Select(p => Guid.Parse(p.Str("id"))).ToList();
        Assert.Equal(31, ids.Count);
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(31, ids.Distinct().Count());
        Assert.Equal(15, pages.SelectMany(p => p).Count(p => p["referral"] is not null));
    }

    [Fact]
    public async Task Rewards_campaigns_and_conversions_page_the_same_way()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.CreateCampaign(name: "Second");
        await client.CreateCampaign(name: "Third");
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 100, currency = "USD" });
        var a = await client.Register(campaignId, "user-a");
        for (var i = 1; i <= 5; i++)
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: a.Str("referralCode"));
            await client.Purchase(campaignId, $"friend-{i}", 1000, $"order-{i}");
        }

        var rewards = await AllPages(client, $"/api/v1/campaigns/{campaignId}/rewards?participantId={a.Str("id")}", 2);
        Assert.Equal([2, 2, 1], rewards.Select(p => p.Count));
        Assert.Equal(5, rewards.SelectMany(p => p).Select(r => r.Str("id")).Distinct().Count());

        var conversions = await AllPages(client, $"/api/v1/campaigns/{campaignId}/conversions", 3);
        Assert.Equal([3, 2], conversions.Select(p => p.Count));
        Assert.Equal(5, conversions.SelectMany(p => p).Select(r => r.Str("externalId")).Distinct().Count());

        var campaigns = await AllPages(client, "/api/v1/campaigns", 1);
        Assert.Equal([1, 1, 1], campaigns.Select(p => p.Count));
        Assert.Equal(["Second", "Spring", "Third"], campaigns.SelectMany(p => p).Select(c => c.Str("name")).Order(StringComparer.Ordinal));
    }

    /// <summary>The whole campaign's list merges a page of each status (RewardApi): it must still be one list in id
    /// order, every reward once, whatever mix of statuses each page holds.</summary>
    [Fact]
    public async Task Rewards_of_every_status_page_through_in_id_order()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 100, currency = "USD" });
        var a = await client.Register(campaignId, "user-a");
        for (var i = 1; i <= 9; i++)
        {
            await client.Register(campaignId, $"friend-{i}", referralCode: a.Str("referralCode"));
        }

        var granted = (await client.Rewards(campaignId)).Select(r => r.Str("id")).ToList();
        Assert.Equal(9, granted.Count);
        string Url(string id, string action) => $"/api/v1/campaigns/{campaignId}/rewards/{id}/{action}";
        foreach (var id in granted.Where((_, i) => i % 3 != 0))
        {
            await client.PostOk(Url(id, "approve"), new { }, HttpStatusCode.OK);
        }

        await client.PostOk(Url(granted[1], "mark-paid"), new { }, HttpStatusCode.OK);
        await client.PostOk(Url(granted[4], "void"), new { }, HttpStatusCode.OK);
        await client.PostOk(Url(granted[6], "void"), new { }, HttpStatusCode.OK);

        var pages = await AllPages(client, $"/api/v1/campaigns/{campaignId}/rewards", 2);

        Assert.Equal([2, 2, 2, 2, 1], pages.Select(p => p.Count));
        var listed = pages.SelectMany(p => p).ToList();
        Assert.Equal(granted.Select(Guid.Parse).Order(), listed.Select(r => Guid.Parse(r.Str("id"))));
        Assert.Equal(["approved", "approved", "approved", "approved", "paid", "pending", "pending", "voided", "voided"],
            listed.Select(r => r.Str("status")).Order(StringComparer.Ordinal));
        var approved = await AllPages(client, $"/api/v1/campaigns/{campaignId}/rewards?status=approved", 2);
        Assert.Equal([2, 2], approved.Select(p => p.Count));
        var ofA = $"/api/v1/campaigns/{campaignId}/rewards?participantId={a.Str("id")}";
        var mine = await AllPages(client, ofA, 2);
        Assert.Equal(granted.Select(Guid.Parse).Order(), mine.SelectMany(p => p).Select(r => Guid.Parse(r.Str("id"))));
        var voided = await AllPages(client, ofA + "&status=voided", 1);
        Assert.Equal([1, 1], voided.Select(p => p.Count));
    }

    /// <summary>A participant's rewards and conversions are found by the participant and the campaign checked on
    /// its row (RewardApi, ConversionApi): another campaign's participant named under this campaign lists
    /// nothing.</summary>
    [Fact]
    public async Task Another_campaigns_participant_lists_no_rewards_or_conversions()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var other = await client.CreateCampaign(name: "Other");
        await client.AddRule(other, new { trigger = "signup", recipient = "referrer", amount = 100, currency = "USD" });
        var a = await client.Register(other, "user-a");
        await client.Register(other, "friend", referralCode: a.Str("referralCode"));
        await client.Purchase(other, "user-a", 1000, "order-1");
        Assert.Single(await client.Rewards(other, a.Str("id")));

        Assert.Empty(await client.Rewards(campaignId, a.Str("id")));
        var conversions = await client.GetOk($"/api/v1/campaigns/{campaignId}/conversions?participantId={a.Str("id")}");
        Assert.Empty(conversions["data"]!.AsArray());
        var theirs = await client.GetOk($"/api/v1/campaigns/{other}/conversions?participantId={a.Str("id")}");
        Assert.Single(theirs["data"]!.AsArray());
    }

    [Theory]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=AAAA", "cursor")] // Valid base64url, not 16 bytes.
    [InlineData("cursor=%2B%2F%3D%3D", "cursor")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=1000", "limit")]
    public async Task Bad_cursor_or_limit_is_400(string query, string field)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");

        var response = await client.GetAsync($"/api/v1/campaigns/{campaignId}/participants?{query}");

        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal([field], FlowHelpers.ErrorFields(problem));
    }

    /// <summary>Runs as in production; in Development the same request is a 500 (see ValidationTests).</summary>
    [Fact]
    public async Task Non_numeric_limit_is_400_problem()
    {
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["environment"] = "Production" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        var response = await client.GetAsync($"/api/v1/campaigns/{campaignId}/participants?limit=ten");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
