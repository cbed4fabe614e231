using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RefTrack.Tests.Infrastructure;

/// <summary>Small helpers that keep the flow tests readable: post JSON, read JSON, check a problem body.</summary>
public static class Api
{
    public static async Task<JsonNode> ReadJson(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("Empty body.");

    public static async Task<JsonNode> PostOk(this HttpClient client, string url, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {url}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Sends a request whose <c>Accept</c> is <paramref name="accept"/> (a client that asks for anything but
    /// JSON must still get problems as JSON).</summary>
    public static async Task<HttpResponseMessage> SendAccepting(
        this HttpClient client, string accept, HttpMethod method, string url, HttpContent? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body };
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await client.SendAsync(request);
    }

    public static async Task<JsonNode> GetOk(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Asserts a ProblemDetails body: status, content type and the stable <c>type</c> suffix.</summary>
    public static async Task<JsonNode> AssertProblem(this HttpResponseMessage response, HttpStatusCode status, string typeSuffix)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!;
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
        Assert.EndsWith("/" + typeSuffix, body["type"]!.GetValue<string>(), StringComparison.Ordinal);
        return body;
    }

    public static string Str(this JsonNode node, string property) =>
        node[property]?.GetValue<string>() ?? throw new InvalidOperationException($"No '{property}' in {node.ToJsonString()}");

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
