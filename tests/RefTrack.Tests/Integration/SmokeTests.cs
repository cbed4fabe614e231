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
