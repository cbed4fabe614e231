using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>Where a participant's referral link points when no public base URL is configured.</summary>
public sealed class ReferralLinkBaseTests
{
    [Fact]
    public async Task Without_a_public_base_url_links_use_the_request_s_scheme_and_host()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["RefTrack:PublicBaseUrl"] = null });
        var client = app.Client();
        var campaignId = await client.CreateCampaign("https://shop.example/signup");

        var a = await client.Register(campaignId, "user-a");

        Assert.Equal($"http://localhost/r/{a.Str("referralCode")}", a.Str("referralLink"));
    }
}
