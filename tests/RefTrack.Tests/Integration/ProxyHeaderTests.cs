using System.Net;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// Behind a load balancer every request comes from the balancer: RefTrack must tell visitors apart by
/// X-Forwarded-For, but only when the balancer's network is trusted (anybody can send the header).
/// </summary>
public sealed class ProxyHeaderTests
{
    private static readonly IPAddress Balancer = IPAddress.Parse("10.0.0.5");

    private static TestApp App(string? trusted) => new(new Dictionary<string, string?>
    {
        ["RefTrack:Links:UnknownCodeLimitPerMinute"] = "2",
        ["RefTrack:Proxy:TrustedNetworks"] = trusted,
    })
    {
        RemoteAddress = Balancer,
    };

    private static async Task<HttpStatusCode> Guess(HttpClient client, string visitor, int n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/r/GUESS{n}");
        request.Headers.Add("X-Forwarded-For", visitor);
        return (await client.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task Visitors_behind_a_trusted_balancer_are_limited_each_on_their_own()
    {
        using var app = App("10.0.0.0/8");
        var client = app.Client(apiKey: null);

        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "203.0.113.1", 1));
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "203.0.113.1", 2));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(client, "203.0.113.1", 3));

        // Another visitor through the same balancer is not punished for the first one's guesses.
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "198.51.100.7", 4));
    }

    /// <summary>CDN (or ingress) → balancer → node, both trusted: the visitor is the first address that is not trusted,
    /// not the inner proxy's (ASP.NET reads one hop by default).</summary>
    [Fact]
    public async Task Visitors_behind_two_trusted_proxies_are_limited_each_on_their_own()
    {
        using var app = App("10.0.0.0/8");
        var client = app.Client(apiKey: null);

        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "203.0.113.1, 10.1.2.3", 1));
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "203.0.113.1, 10.1.2.3", 2));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(client, "203.0.113.1, 10.1.2.3", 3));
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "198.51.100.7, 10.1.2.3", 4));

        // An address the client wrote before an untrusted hop is not believed: the untrusted hop is the visitor.
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "198.51.100.99, 192.0.2.1, 10.1.2.3", 5));
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "198.51.100.98, 192.0.2.1, 10.1.2.3", 6));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(client, "198.51.100.97, 192.0.2.1, 10.1.2.3", 7));
    }

    [Fact]
    public async Task Forwarded_headers_from_an_untrusted_peer_are_ignored()
    {
        using var app = App(trusted: null);
        var client = app.Client(apiKey: null);

        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "203.0.113.1", 1));
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "203.0.113.2", 2));
        // A forged header does not buy a fresh allowance: all of it is the one peer's.
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(client, "203.0.113.3", 3));
    }

    [Fact]
    public void A_malformed_trusted_network_stops_the_start_with_its_name()
    {
        using var app = App("10.0.0.0/99");
        var e = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("RefTrack:Proxy:TrustedNetworks", e.ToString(), StringComparison.Ordinal);
    }
}
