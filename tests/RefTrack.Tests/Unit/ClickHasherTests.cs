using System.Security.Cryptography;
using System.Text;
using RefTrack.Links;

namespace RefTrack.Tests.Unit;

/// <summary>Stored IP hashes and visitor keys must not change between versions: pin the format.</summary>
public sealed class ClickHasherTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static string Reference(string input) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(input)))[..32];

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("2001:db8::1")]
    public void Ip_hash_is_the_first_half_of_the_hmac_of_the_prefixed_address(string ip)
    {
        Assert.Equal(Reference("ip:" + ip), new ClickHasher(Key).HashIp(ip));
    }

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("Ünïcödé agent ✓")]
    public void Fingerprint_hashes_address_hash_and_user_agent(string? userAgent)
    {
        var hasher = new ClickHasher(Key);
        var ipHash = hasher.HashIp("10.0.0.1");
        Assert.Equal(Reference($"fp:{ipHash}:{userAgent}"), hasher.Fingerprint(ipHash, userAgent));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("2001:db8::1")]
    [InlineData("fe80::1ff:fe23:4567:890a%3")]
    [InlineData(null)]
    public void A_connection_address_hashes_as_its_text_and_no_address_as_unknown(string? ip)
    {
        var hasher = new ClickHasher(Key);
        var address = ip is null ? null : System.Net.IPAddress.Parse(ip);
        Assert.Equal(hasher.HashIp(address?.ToString() ?? "unknown"), hasher.HashIp(address));
    }

    [Theory]
    [InlineData("::ffff:1.2.3.4", "1.2.3.4")]
    [InlineData("::ffff:203.0.113.255", "203.0.113.255")]
    [InlineData("::ffff:0.0.0.0", "0.0.0.0")]
    [InlineData("::ffff:255.255.255.255", "255.255.255.255")]
    public void An_ipv4_address_on_a_dual_mode_socket_hashes_as_plain_ipv4(string mapped, string ipv4)
    {
        var hasher = new ClickHasher(Key);
        var address = System.Net.IPAddress.Parse(mapped);
        Assert.True(address.IsIPv4MappedToIPv6);

        Assert.Equal(Reference("ip:" + ipv4), hasher.HashIp(address));
        Assert.Equal(hasher.HashIp(System.Net.IPAddress.Parse(ipv4)), hasher.HashIp(address));
        Assert.Equal(hasher.HashIp(address.MapToIPv4()), hasher.HashIp(address));
    }

    [Fact]
    public void The_fingerprint_key_is_f_and_the_fingerprint()
    {
        var hasher = new ClickHasher(Key);
        Assert.Equal("f:" + hasher.Fingerprint("abc", "agent"), hasher.FingerprintKey("abc", "agent"));
        Assert.Equal("f:" + hasher.Fingerprint("abc", null), hasher.FingerprintKey("abc", null));
    }

    [Fact]
    public void Long_user_agents_hash_like_short_ones()
    {
        var agent = new string('x', 3000); // Beyond the stack buffer.
        var hasher = new ClickHasher(Key);
        Assert.Equal(Reference($"fp:abc:{agent}"), hasher.Fingerprint("abc", agent));
    }

    [Fact]
    public void A_hasher_reused_across_threads_and_calls_hashes_each_input_alone()
    {
        // Each thread keeps one HMAC and resets it after every hash: nothing of one input may carry into the next.
        var hasher = new ClickHasher(Key);
        var inputs = Enumerable.Range(0, 2_000).Select(i => $"10.0.{i / 256}.{i % 256}").ToArray();
        var results = new string[inputs.Length];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            results[i] = hasher.HashIp(inputs[i]);
            Assert.Equal(results[i], hasher.HashIp(inputs[i]));
        });
        Assert.Equal(inputs.Select(ip => Reference("ip:" + ip)), results);
    }
}
