using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.MultiNode;

/// <summary>
/// Bodies Kestrel itself cannot read, sent over a socket to the service as a process (the in-memory test server has
/// no HTTP framing to get wrong). The endpoint's body reader answers them with a bare status, which came out with the
/// RFC's types: a 400 without the <c>validation</c> type and <c>errors</c> docs/api.md promises for every 400, and a
/// 408 the docs did not list. And a client's unknown charset, answered 415, was logged as an unhandled error (found by
/// review).
/// </summary>
public sealed class UnreadableBodyTests
{
    private const string Json = """{"name":"Spring","destinationUrl":"https://shop.example"}""";

    [Fact]
    public async Task Unreadable_bodies_are_reftrack_problems_and_no_error_is_logged()
    {
        using var database = TestDatabase.Create(Provider.Sqlite);
        await using var node = await RefTrackNode.StartAsync(RefTrackNode.Settings(database));

        // A chunk size that is not hexadecimal.
        var chunked = await SendAsync(node, Headers("Transfer-Encoding: chunked") + "zz\r\n{}\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", chunked.Status, StringComparison.Ordinal);
        Assert.Equal("https://reftrack.dev/problems/validation", chunked.Problem.Str("type"));
        Assert.NotEmpty(chunked.Problem["errors"]!["body"]!.AsArray());

        // Fewer bytes than Content-Length, the rest never sent: after Kestrel's 5 s grace, below its minimum rate.
        var slow = await SendAsync(node, Headers("Content-Length: 5000") + Json);
        Assert.StartsWith("HTTP/1.1 408 ", slow.Status, StringComparison.Ordinal);
        Assert.Equal("https://reftrack.dev/problems/request-timeout", slow.Problem.Str("type"));

        using var body = new ByteArrayContent(Encoding.UTF8.GetBytes(Json));
        body.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=foo");
        var charset = await node.Client(TestApp.AdminKey).PostAsync("/api/v1/campaigns", body);
        await charset.AssertProblem(System.Net.HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");

        Assert.Empty((await node.Client(TestApp.AdminKey).GetOk("/api/v1/campaigns"))["data"]!.AsArray());
        await node.StopAsync(); // The console logger writes from a queue: stopped, it has written everything.
        Assert.DoesNotContain("unhandled exception", node.Output, StringComparison.OrdinalIgnoreCase);
    }

    private static string Headers(string framing) =>
        $"POST /api/v1/campaigns HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {TestApp.AdminKey}\r\n" +
        $"Content-Type: application/json\r\nConnection: close\r\n{framing}\r\n\r\n";

    /// <summary>Sends <paramref name="request"/> as is and reads the answer to its end (the server closes the
    /// connection: <c>Connection: close</c>).</summary>
    private static async Task<(string Status, JsonNode Problem)> SendAsync(RefTrackNode node, string request)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(node.BaseAddress.Host, node.BaseAddress.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, timeout.Token);
        var text = Encoding.UTF8.GetString(answer.ToArray());
        Assert.True(text.Contains("\r\n\r\n", StringComparison.Ordinal), $"No answer to {request}: '{text}'");
        var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var json = text[text.IndexOf('{', StringComparison.Ordinal)..(text.LastIndexOf('}') + 1)];
        return (head.Split("\r\n")[0], JsonNode.Parse(json)!);
    }
}
