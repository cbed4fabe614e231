using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>The result of following a referral link: the raw response, the click id and the device cookie.</summary>
public sealed record ClickResult(HttpResponseMessage Response, string ClickId, string DeviceId, string Location);

/// <summary>Small building blocks for the flow tests: campaigns, rules, signups, clicks, rewards and stats.</summary>
public static class FlowHelpers
{
    public const string BrowserUserAgent =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

    public const string OtherBrowserUserAgent =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

    public const string BotUserAgent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    public static async Task<string> CreateCampaign(
        this HttpClient client, string destinationUrl = "https://shop.example/signup", string? model = null,
        int? windowDays = null, string name = "Spring")
    {
        var campaign = await client.PostOk("/api/v1/campaigns", new
        {
            name, destinationUrl, attributionWindowDays = windowDays, attributionModel = model,
        });
        return campaign.Str("id");
    }

    public static Task<JsonNode> AddRule(this HttpClient client, string campaignId, object rule) =>
        client.PostOk($"/api/v1/campaigns/{campaignId}/reward-rules", rule);

    /// <summary>
    /// "10 credit per referred signup, 20% of the first purchase (30% from the 10th referral on), 50 bonus at the
    /// 5th referral, 5 off for the referred friend" in USD minor units.
    /// </summary>
    public static async Task AddStandardRules(this HttpClient client, string campaignId)
    {
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 1000, currency = "USD" });
        await client.AddRule(campaignId, new
        {
            trigger = "purchase", recipient = "referrer", percentBasisPoints = 2000, currency = "USD", firstPurchaseOnly = true,
        });
        await client.AddRule(campaignId, new
        {
            trigger = "purchase", recipient = "referrer", percentBasisPoints = 3000, currency = "USD", firstPurchaseOnly = true,
            minReferrals = 10,
        });
        await client.AddRule(campaignId, new { trigger = "milestone", recipient = "referrer", amount = 5000, currency = "USD", referralCount = 5 });
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referee", amount = 500, currency = "USD" });
    }

    public static Task<JsonNode> Register(
        this HttpClient client, string campaignId, string externalId, string? email = null, string? referralCode = null,
        string? clickId = null, HttpStatusCode expected = HttpStatusCode.Created) =>
        client.PostOk($"/api/v1/campaigns/{campaignId}/participants", new
        {
            externalId, email = email ?? $"{externalId}@example.org", name = externalId, referralCode, clickId,
        }, expected);

    public static Task<JsonNode> Purchase(
        this HttpClient client, string campaignId, string participantExternalId, long amount, string externalId,
        string type = "purchase", string currency = "USD", HttpStatusCode expected = HttpStatusCode.Created) =>
        client.PostOk($"/api/v1/campaigns/{campaignId}/conversions", new
        {
            participantExternalId, type, amount, currency, externalId,
        }, expected);

    /// <summary>GET /r/{code} as a browser would (optionally with its device cookie); expects a 302.</summary>
    public static async Task<ClickResult> ClickLink(
        this TestApp app, string code, string? userAgent = BrowserUserAgent, string? deviceId = null, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/r/{code}{query}");
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        if (deviceId is not null)
        {
            request.Headers.Add("Cookie", $"rt_did={deviceId}");
        }

        var response = await app.Client(null).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"GET /r/{code}: expected 302, got {(int)response.StatusCode}: {text}");
        var cookies = Cookies(response);
        return new ClickResult(response, cookies["rt_click"], cookies["rt_did"], response.Headers.Location!.ToString());
    }

    /// <summary>GET /r/{code} without asserting the status; with <paramref name="forwardedFor"/>, as the visitor at that
    /// address behind a load balancer (the app must trust its network).</summary>
    public static async Task<HttpResponseMessage> GetLink(
        this TestApp app, string path, string? userAgent = BrowserUserAgent, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await app.Client(null).SendAsync(request);
    }

    /// <summary>Name → value of every Set-Cookie of the response.</summary>
    public static Dictionary<string, string> Cookies(HttpResponseMessage response)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            foreach (var header in values)
            {
                var pair = header.Split(';')[0];
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                result[pair[..eq].Trim()] = Uri.UnescapeDataString(pair[(eq + 1)..].Trim());
            }
        }

        return result;
    }

    public static async Task<List<JsonNode>> Rewards(this HttpClient client, string campaignId, string? participantId = null)
    {
        var url = $"/api/v1/campaigns/{campaignId}/rewards?limit=200" + (participantId is null ? "" : $"&participantId={participantId}");
        var page = await client.GetOk(url);
        Assert.Null(page["nextCursor"]);
        return page["data"]!.AsArray().Select(n => n!).ToList();
    }

    public static async Task<List<JsonNode>> Conversions(this HttpClient client, string campaignId)
    {
        var page = await client.GetOk($"/api/v1/campaigns/{campaignId}/conversions?limit=200");
        Assert.Null(page["nextCursor"]);
        return page["data"]!.AsArray().Select(n => n!).ToList();
    }

    public static async Task<List<JsonNode>> Participants(this HttpClient client, string campaignId)
    {
        var page = await client.GetOk($"/api/v1/campaigns/{campaignId}/participants?limit=200");
        Assert.Null(page["nextCursor"]);
        return page["data"]!.AsArray().Select(n => n!).ToList();
    }

    public static Task<JsonNode> CampaignStats(this HttpClient client, string campaignId) =>
        client.GetOk($"/api/v1/campaigns/{campaignId}/stats");

    public static Task<JsonNode> ParticipantStats(this HttpClient client, string campaignId, string participant) =>
        client.GetOk($"/api/v1/campaigns/{campaignId}/participants/{participant}/stats");

    /// <summary>"amount currency status" of each reward, sorted, for exact comparisons of a reward set.</summary>
    public static List<string> Describe(IEnumerable<JsonNode> rewards) =>
        rewards.Select(r => $"{r["amount"]!.GetValue<long>()} {r.Str("currency")} {r.Str("status")}").Order(StringComparer.Ordinal).ToList();

    /// <summary>"currency status count amount" rows of a stats reward total list, in the order given.</summary>
    public static List<string> Totals(JsonNode stats) =>
        stats["rewards"]!.AsArray()
            .Select(t => t!).Select(t => $"{t.Str("currency")} {t.Str("status")} {t["count"]!.GetValue<int>()} {t["amount"]!.GetValue<long>()}")
            .ToList();

    public static long Long(this JsonNode node, string property) =>
        node[property]?.GetValue<long>() ?? throw new InvalidOperationException($"No '{property}' in {node.ToJsonString()}");

    public static int Int(this JsonNode node, string property) =>
        node[property]?.GetValue<int>() ?? throw new InvalidOperationException($"No '{property}' in {node.ToJsonString()}");

    public static double Dbl(this JsonNode node, string property) =>
        node[property]?.GetValue<double>() ?? throw new InvalidOperationException($"No '{property}' in {node.ToJsonString()}");

    public static async Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> PostRaw(this HttpClient client, string url, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return await client.PostAsync(url, content);
    }

    /// <summary>The field names listed under <c>errors</c> in a validation problem.</summary>
    public static List<string> ErrorFields(JsonNode problem) =>
        problem["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
}
