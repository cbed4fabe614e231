using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace RefTrack.Bench;

/// <summary>The few API calls the harness makes itself: the campaign and its rules, the rollup rebuild, probes.</summary>
public sealed class RefTrackApi : IDisposable
{
    private readonly HttpClient _http;

    public RefTrackApi(Uri baseUrl)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchOptions.AdminKey);
    }

    /// <summary>The campaign every scenario uses, with the walkthrough's rules plus a 5% every-purchase rule.</summary>
    public async Task<CampaignSetup> CreateCampaignAsync()
    {
        var campaign = await PostAsync("/api/v1/campaigns", new
        {
            name = "bench", destinationUrl = "https://example.com/signup", attributionWindowDays = 30,
            attributionModel = "firstClick",
        });
        var rules = $"/api/v1/campaigns/{campaign}/reward-rules";
        return new CampaignSetup(
            campaign,
            SignupRule: await PostAsync(rules, new { trigger = "signup", recipient = "referrer", amount = CampaignSetup.SignupAmount, currency = "USD" }),
            RefereeRule: await PostAsync(rules, new { trigger = "signup", recipient = "referee", amount = CampaignSetup.RefereeAmount, currency = "USD" }),
            FirstPurchaseRule: await PostAsync(rules, new
            {
                trigger = "purchase", recipient = "referrer", percentBasisPoints = CampaignSetup.FirstPurchasePercent,
                currency = "USD", firstPurchaseOnly = true,
            }),
            FirstPurchaseTierRule: await PostAsync(rules, new
            {
                trigger = "purchase", recipient = "referrer", percentBasisPoints = CampaignSetup.FirstPurchaseTierPercent,
                currency = "USD", firstPurchaseOnly = true, minReferrals = CampaignSetup.FirstPurchaseTierMinReferrals,
            }),
            EveryPurchaseRule: await PostAsync(rules, new
            {
                trigger = "purchase", recipient = "referrer", percentBasisPoints = CampaignSetup.EveryPurchasePercent, currency = "USD",
            }),
            MilestoneRule: await PostAsync(rules, new
            {
                trigger = "milestone", recipient = "referrer", amount = CampaignSetup.MilestoneAmount, currency = "USD",
                referralCount = CampaignSetup.MilestoneReferrals,
            }));
    }

    /// <summary><c>POST /api/v1/maintenance/rebuild-rollups</c>; a 404 (not there yet) is reported, not an error.</summary>
    public async Task<string> RebuildRollupsAsync()
    {
        var watch = Stopwatch.StartNew();
        using var response = await _http.PostAsync("/api/v1/maintenance/rebuild-rollups", null);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return $"rebuild-rollups: {(int)response.StatusCode} (not available)";
        }

        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"rebuild-rollups answered {(int)response.StatusCode}: {body}");
        }

        return $"rebuild-rollups: {(int)response.StatusCode} in {watch.Elapsed.TotalSeconds:F1} s";
    }

    /// <summary>One GET, timed (body read included).</summary>
    public async Task<(HttpStatusCode Status, TimeSpan Took)> GetAsync(string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await _http.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode, watch.Elapsed);
    }

    public void Dispose() => _http.Dispose();

    private async Task<Guid> PostAsync(string path, object body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }

        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }
}
