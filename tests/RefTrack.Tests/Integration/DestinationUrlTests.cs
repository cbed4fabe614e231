using System.Net;
using System.Net.Http.Json;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// A destination the campaign API accepts is one the redirect can send: the stored URL is the <c>Location</c> header.
/// On a real Kestrel node, because TestServer does not validate response headers and Kestrel refuses non-ASCII and
/// control characters in them (the link then answered a bare 500 on every click of the campaign).
/// </summary>
public sealed class DestinationUrlTests
{
    [Fact]
    public async Task Accepted_destinations_redirect_as_stored_and_unsendable_ones_are_refused()
    {
        using var database = TestDatabase.Create(Provider.Sqlite);
        var settings = new Dictionary<string, string?>(database.Settings)
        {
            ["RefTrack:Auth:BootstrapApiKey"] = TestApp.AdminKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        await using var node = await RefTrackNode.StartAsync(settings);
        var client = node.Client(TestApp.AdminKey);
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = node.BaseAddress,
        };

        (string Given, string Stored)[] accepted =
        [
            ("https://shop.example/café", "https://shop.example/caf%C3%A9"),
            ("https://bücher.example/signup", "https://xn--bcher-kva.example/signup"),
            ("https://shop.example/s?q=straße&lang=de", "https://shop.example/s?q=stra%C3%9Fe&lang=de"),
            ("https://shop.example/a%0D%0Ab", "https://shop.example/a%0D%0Ab"),
            // Whitespace around the URL, tabs and line breaks included, is trimmed (api.md); inside it is refused.
            ("\t https://shop.example/pasted\r\n", "https://shop.example/pasted"),
        ];
        foreach (var (given, stored) in accepted)
        {
            var campaign = await client.PostOk("/api/v1/campaigns", new { name = given, destinationUrl = given });
            Assert.Equal(stored, campaign.Str("destinationUrl"));
            var campaignId = campaign.Str("id");
            Assert.Equal(stored, (await client.GetOk($"/api/v1/campaigns/{campaignId}")).Str("destinationUrl"));
            var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

            using var request = new HttpRequestMessage(HttpMethod.Get, $"/r/{code}");
            request.Headers.TryAddWithoutValidation("User-Agent", FlowHelpers.BrowserUserAgent);
            var response = await browser.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.Redirect,
                $"{given}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var clickId = FlowHelpers.Cookies(response)["rt_click"];
            var separator = stored.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            Assert.Equal($"{stored}{separator}ref={code}&rt_click={clickId}", response.Headers.Location!.OriginalString);
        }

        string[] refused =
        [
            "https://shop.example/a\r\nX-Injected: 1",
            "https://shop.example/a\nb",
            "https://shop.example/a b",
            "https://shop.example/a\u0000b",
            "https://shop.example/signup?ref=newsletter",
            "https://shop.example/signup?rt_click=x",
        ];
        foreach (var given in refused)
        {
            var response = await client.PostAsJsonAsync("/api/v1/campaigns", new { name = "Refused", destinationUrl = given });
            var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
            Assert.Equal(["destinationUrl"], FlowHelpers.ErrorFields(problem));
        }

        Assert.Equal(accepted.Length, (await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray().Count);
    }
}
