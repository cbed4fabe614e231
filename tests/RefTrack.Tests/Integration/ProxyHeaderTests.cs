using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
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

    /// <summary>
    /// ASP.NET Core adds the forwarded-headers middleware by itself under <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>
    /// (hosting guides set it), with RefTrack's options: with no network trusted they must read nothing. They read
    /// every hop with no known network, so a client prefixing an address of its choice to what a real proxy appended
    /// got a fresh allowance each time (found by review). On a real node: the switch is read from the environment.
    /// </summary>
    [Fact]
    public async Task The_frameworks_own_forwarded_headers_switch_does_not_let_a_client_choose_its_address()
    {
        using var database = TestDatabase.Create(Provider.Sqlite);
        var settings = RefTrackNode.Settings(database);
        settings["RefTrack:Links:UnknownCodeLimitPerMinute"] = "2";
        settings["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true";
        await using var node = await RefTrackNode.StartAsync(settings);
        var client = node.Client(TestApp.AdminKey);

        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "198.51.100.1, 203.0.113.1", 1));
        Assert.Equal(HttpStatusCode.NotFound, await Guess(client, "198.51.100.2, 203.0.113.1", 2));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(client, "198.51.100.3, 203.0.113.1", 3));
    }

    /// <summary>A balancer that ends TLS forwards plain HTTP: with it trusted, referral links take the visitor's scheme
    /// from X-Forwarded-Proto; from a peer not trusted the header is ignored. X-Forwarded-Host is never read, whoever
    /// sends it (docs/operations.md: behind a proxy, set PublicBaseUrl).</summary>
    [Theory]
    [InlineData("10.0.0.0/8", "https://localhost/r/")]
    [InlineData(null, "http://localhost/r/")]
    public async Task Referral_links_take_a_trusted_balancers_scheme_and_never_the_forwarded_host(
        string? trusted, string linkStart)
    {
        using var app = new TestApp(new Dictionary<string, string?>
        {
            ["RefTrack:Proxy:TrustedNetworks"] = trusted,
            ["RefTrack:PublicBaseUrl"] = null, // Links from the request.
        })
        {
            RemoteAddress = Balancer,
        };
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/campaigns/{campaignId}/participants")
        {
            Content = JsonContent.Create(new { externalId = "user-a", email = "a@example.org", name = "A" }),
        };
        request.Headers.Add("X-Forwarded-For", "203.0.113.1");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "attacker.example");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith(linkStart, (await response.ReadJson()).Str("referralLink"), StringComparison.Ordinal);
    }

    /// <summary>Out of range, not an address, or an inet_aton shorthand the framework would read as another network
    /// ("10/8" as 0.0.0.0/8, "192.168/16" as 192.0.0.0/16: the balancer silently not trusted; found by review).</summary>
    [Theory]
    [InlineData("10.0.0.0/99")]
    [InlineData("balancer")]
    [InlineData("10/8")]
    [InlineData("192.168/16")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.0/8, 172.16/12")]
    public void A_malformed_trusted_network_stops_the_start_with_its_name(string trusted)
    {
        using var app = App(trusted);
        var e = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("RefTrack:Proxy:TrustedNetworks", e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("10.0.0.5", "10.0.0.5/32")]
    [InlineData("fd00::/8", "fd00::/8")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104")]
    public void Trusted_networks_written_in_full_are_read_as_written(string trusted, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["RefTrack:Proxy:TrustedNetworks"] = trusted })
            .Build();

        Assert.Equal(expected, Assert.Single(RefTrack.Infrastructure.ProxyHeaders.TrustedNetworks(configuration)).ToString());
    }
}
