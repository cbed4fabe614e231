using System.Net;
using Microsoft.Extensions.Options;
using RefTrack.Links;

namespace RefTrack.Tests.Unit;

public sealed class UnknownCodeLimiterTests
{
    private static UnknownCodeLimiter Limiter(int perMinute) =>
        new(Options.Create(new LinkOptions { UnknownCodeLimitPerMinute = perMinute }));

    [Fact]
    public void A_refused_client_is_refused_until_its_retry_after_and_asking_counts_nothing()
    {
        using var limiter = Limiter(2);
        Assert.False(limiter.AnyRefused());

        // Asking before any refusal neither refuses nor uses up the allowance.
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(limiter.RetryAfter("203.0.113.1"));
        }

        Assert.Null(limiter.TryMiss("203.0.113.1"));
        Assert.Null(limiter.TryMiss("203.0.113.1"));
        Assert.False(limiter.AnyRefused());

        var wait = limiter.TryMiss("203.0.113.1");
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.True(limiter.AnyRefused());

        var left = limiter.RetryAfter("203.0.113.1");
        Assert.NotNull(left);
        Assert.InRange(left.Value, TimeSpan.FromTicks(1), wait.Value);
        Assert.NotNull(limiter.TryMiss("203.0.113.1"));

        // Others keep their own allowance.
        Assert.Null(limiter.RetryAfter("198.51.100.7"));
        Assert.Null(limiter.TryMiss("198.51.100.7"));
    }

    [Theory]
    [InlineData("203.0.113.1", "203.0.113.1")]
    [InlineData("::ffff:203.0.113.1", "203.0.113.1")]
    [InlineData("64:ff9b::203.0.113.1", "203.0.113.1")] // NAT64 / SIIT: the IPv4 client, not the translator's /64
    [InlineData("64:ff9b::198.51.100.7", "198.51.100.7")]
    [InlineData("64:ff9b:1::203.0.113.1", "64:ff9b:1:0::/64")] // a local-use prefix: where the address sits varies
    [InlineData("2001:db8:0:1::1", "2001:db8:0:1::/64")]
    [InlineData("2001:0db8:0000:0001:8a2e:0370:7334:0002", "2001:db8:0:1::/64")]
    [InlineData("2001:db8:abcd:12ff:ffff:ffff:ffff:ffff", "2001:db8:abcd:12ff::/64")]
    [InlineData("fe80::1%3", "fe80:0:0:0::/64")]
    [InlineData("::1", "0:0:0:0::/64")]
    public void A_client_is_keyed_by_its_ipv4_address_or_its_ipv6_64(string address, string key)
    {
        Assert.Equal(key, UnknownCodeLimiter.ClientKey(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("2001:db8:0:1::1", "2001:db8:0::/48")]
    [InlineData("2001:0db8:abcd:12ff:ffff:ffff:ffff:ffff", "2001:db8:abcd::/48")]
    [InlineData("203.0.113.1", null)]
    [InlineData("::ffff:203.0.113.1", null)]
    [InlineData("64:ff9b::203.0.113.1", null)] // The IPv4 client a translator carries has no network.
    public void An_ipv6_client_also_counts_with_its_48(string address, string? network)
    {
        Assert.Equal(network, UnknownCodeLimiter.NetworkKey(IPAddress.Parse(address)));
    }

    /// <summary>A /48 gets <see cref="UnknownCodeLimiter.NetworkAllowances"/> clients' allowances together, however many
    /// of its /64s it spreads its guesses over; once it has used them, each of its /64s is refused, a fresh one too.</summary>
    [Fact]
    public void A_48_is_refused_once_its_64s_together_used_its_allowances()
    {
        using var limiter = Limiter(2);
        const string network = "2001:db8:0::/48";
        for (var i = 0; i < UnknownCodeLimiter.NetworkAllowances; i++)
        {
            Assert.Null(limiter.TryMiss($"2001:db8:0:{i:x}::/64", network));
            Assert.Null(limiter.TryMiss($"2001:db8:0:{i:x}::/64", network));
        }

        Assert.NotNull(limiter.TryMiss("2001:db8:0:ff::/64", network));
        Assert.NotNull(limiter.RetryAfter("2001:db8:0:fe::/64", network)); // Before its lookup, as the redirect asks.
        Assert.Null(limiter.TryMiss("2001:db8:1:1::/64", "2001:db8:1::/48")); // Another /48.
    }

    /// <summary>A /64 refused before its /48 is told to wait for whichever is refused longer.</summary>
    [Fact]
    public void A_64_refused_before_its_48_is_told_the_longer_wait()
    {
        using var limiter = Limiter(1);
        const string network = "2001:db8:0::/48";
        const string first = "2001:db8:0:0::/64";
        Assert.Null(limiter.TryMiss(first, network));
        Assert.NotNull(limiter.TryMiss(first, network)); // The /64 refused, its window a minute from now.

        Thread.Sleep(300);
        for (var i = 1; i < UnknownCodeLimiter.NetworkAllowances; i++)
        {
            Assert.Null(limiter.TryMiss($"2001:db8:0:{i:x}::/64", network));
        }

        Assert.NotNull(limiter.TryMiss("2001:db8:0:ff::/64", network)); // The /48 refused, 300 ms later.

        var told = limiter.RetryAfter(first, network)!.Value;
        var own = limiter.RetryAfter(first)!.Value;
        Assert.True(told - own > TimeSpan.FromMilliseconds(200), $"told {told}, the /64's own wait {own}");
    }

    [Fact]
    public void An_unknown_address_has_one_key()
    {
        Assert.Equal("unknown", UnknownCodeLimiter.ClientKey(null));
    }
}
