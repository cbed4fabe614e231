using System.Net;
using System.Net.Http.Json;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// A 201's <c>Location</c> is somewhere a client can go: a GET on it answers 200 with the resource just created
/// (a created API key's and reward rule's pointed at paths with only a DELETE, and answered 405). Routing does not
/// depend on the database: SQLite only.
/// </summary>
public sealed class CreatedLocationTests
{
    [Fact]
    public async Task Every_created_resource_is_read_back_from_its_location()
    {
        using var app = new TestApp();
        var client = app.Client();

        var campaign = await ReadBack(client, "/api/v1/campaigns", new { name = "Spring", destinationUrl = "https://shop.example/" });
        var campaignId = campaign.Str("id");
        await ReadBack(client, "/api/v1/api-keys", new { name = "shop integration", campaignId });
        await ReadBack(client, $"/api/v1/campaigns/{campaignId}/reward-rules",
            new { trigger = "signup", recipient = "referrer", amount = 1000, currency = "USD" });
        var referrer = await ReadBack(client, $"/api/v1/campaigns/{campaignId}/participants",
            new { externalId = "user-a", email = "a@example.org" });
        await ReadBack(client, $"/api/v1/campaigns/{campaignId}/participants",
            new { externalId = "user-b", email = "b@example.org", referralCode = referrer.Str("referralCode") });
        await ReadBack(client, $"/api/v1/campaigns/{campaignId}/participants/user-a/codes", new { code = "SPRING-A" }, id: "code");
        await ReadBack(client, $"/api/v1/campaigns/{campaignId}/conversions",
            new { participantExternalId = "user-b", type = "purchase", amount = 5000, currency = "USD", externalId = "order-1" });
    }

    /// <summary>Creates, then reads the <c>Location</c>: the same resource, by <paramref name="id"/>.</summary>
    private static async Task<System.Text.Json.Nodes.JsonNode> ReadBack(HttpClient client, string url, object body, string id = "id")
    {
        var response = await client.PostAsJsonAsync(url, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadJson();
        Assert.NotNull(response.Headers.Location);

        var read = await client.GetOk(response.Headers.Location.OriginalString);
        Assert.Equal(created.Str(id), read.Str(id));
        return created;
    }
}
