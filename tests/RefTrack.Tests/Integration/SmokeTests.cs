using System.Net;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

public sealed class SmokeTestsSqlite() : SmokeTests(Provider.Sqlite);

public sealed class SmokeTestsPostgres() : SmokeTests(Provider.Postgres);

public abstract class SmokeTests(Provider provider)
{
    [Fact]
    public async Task Health_and_openapi_answer()
    {
        using var app = new TestApp(provider);
        var client = app.Client(apiKey: null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var openapi = await client.GetOk("/openapi/v1.json");
        Assert.NotNull(openapi["paths"]!["/api/v1/campaigns/{campaignId}/participants"]);

        // The API key is declared, required on the API and not on the public link.
        Assert.Equal("bearer", openapi["components"]!["securitySchemes"]!["ApiKey"]!.Str("scheme"));
        Assert.NotNull(openapi["paths"]!["/api/v1/campaigns"]!["post"]!["security"]![0]!["ApiKey"]);
        Assert.Empty(openapi["paths"]!["/r/{code}"]!["get"]!["security"]?.AsArray() ?? []);

        var docs = await client.GetAsync("/docs");
        if (docs.StatusCode == HttpStatusCode.Found) // The reference page lives under /docs/.
        {
            docs = await client.GetAsync(docs.Headers.Location);
        }

        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("text/html", docs.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Campaign_can_be_created_and_read()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaign = await client.PostOk("/api/v1/campaigns", new { name = "Spring", destinationUrl = "https://example.com/signup" });
        Assert.Equal(30, campaign["attributionWindowDays"]!.GetValue<int>());
        Assert.Equal("firstClick", campaign.Str("attributionModel"));
        var read = await client.GetOk($"/api/v1/campaigns/{campaign.Str("id")}");
        Assert.Equal("Spring", read.Str("name"));
    }
}
