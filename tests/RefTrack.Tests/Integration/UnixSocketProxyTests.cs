using System.Net;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// A proxy that reaches the node over a Unix socket gives no address at all: with a network trusted (any one) each
/// request's X-Forwarded-For is read and visitors are limited each on their own; without one every visitor shares one
/// address, so one visitor's guesses get everyone a 429 (docs/operations.md).
/// </summary>
public sealed class UnixSocketProxyTests
{
    /// <summary><c>RefTrack:Links:UnknownCodeLimitPerMinute</c>, set for the node (its default): the 31st miss in a
    /// minute is a 429.</summary>
    private const int Limit = 30;

    private const string VisitorA = "203.0.113.1";
    private const string VisitorB = "198.51.100.7";

    [Fact]
    public async Task Visitors_through_a_trusted_unix_socket_proxy_are_limited_each_on_their_own()
    {
        await using var node = await NodeOnSocket(trusted: "127.0.0.1/32");

        await GuessUpToTheLimit(node.Client, VisitorA);
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(node.Client, VisitorA, Limit + 1));

        // Another visitor through the same socket is not punished for the first one's guesses.
        Assert.Equal(HttpStatusCode.NotFound, await Guess(node.Client, VisitorB, Limit + 2));
    }

    [Fact]
    public async Task Without_a_trusted_network_every_visitor_through_a_unix_socket_shares_one_limit()
    {
        await using var node = await NodeOnSocket(trusted: null);

        await GuessUpToTheLimit(node.Client, VisitorA);
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(node.Client, VisitorA, Limit + 1));

        // X-Forwarded-For is not read: the other visitor is the same (absent) address, already refused.
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(node.Client, VisitorB, Limit + 2));
    }

    private static async Task GuessUpToTheLimit(HttpClient client, string visitor)
    {
        for (var n = 1; n <= Limit; n++)
        {
            Assert.Equal(HttpStatusCode.NotFound, await Guess(client, visitor, n));
        }
    }

    private static async Task<HttpStatusCode> Guess(HttpClient client, string visitor, int n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/r/GUESS{n}");
        request.Headers.Add("X-Forwarded-For", visitor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<SocketNode> NodeOnSocket(string? trusted)
    {
        var database = TestDatabase.Create(Provider.Sqlite);
        var socketPath = Path.Combine(Path.GetTempPath(), $"reftrack-{Guid.NewGuid():N}.sock");
        try
        {
            var settings = RefTrackNode.Settings(database);
            settings["RefTrack:Proxy:TrustedNetworks"] = trusted;
            settings["RefTrack:Links:UnknownCodeLimitPerMinute"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var node = await RefTrackNode.StartAsync(settings, urls: $"http://unix:{socketPath}");
            return new SocketNode(database, node, socketPath);
        }
        catch
        {
            File.Delete(socketPath);
            database.Dispose();
            throw;
        }
    }

    /// <summary>A node listening only on a Unix socket, and a client that reaches it there, as a local proxy would.</summary>
    private sealed class SocketNode(TestDatabase database, RefTrackNode node, string socketPath) : IAsyncDisposable
    {
        public HttpClient Client { get; } = node.Client();

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await node.DisposeAsync();
            File.Delete(socketPath);
            database.Dispose();
        }
    }
}
