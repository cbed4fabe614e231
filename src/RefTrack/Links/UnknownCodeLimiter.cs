using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace RefTrack.Links;

/// <summary>
/// Counts only misses: a client guessing codes is slowed down, while a valid link always redirects, however
/// often it is clicked, once this node has looked it up. Per node and in memory: it is a brake on guessing, not an
/// exact quota.
/// </summary>
/// <remarks>
/// A client refused once is told to wait <c>Retry-After</c> (the limiter's window: the fixed window limiter's retry
/// hint is always a whole window) and is refused until that time has passed, without its misses being counted. Until
/// then <see cref="RetryAfter"/> also answers for it, without counting, so the redirect can refuse a code it has not
/// cached before reading the database for it: each new guessed code would otherwise cost a read, limited or not.
/// </remarks>
public sealed class UnknownCodeLimiter(IOptions<LinkOptions> options) : IDisposable
{
    /// <summary>
    /// How many clients' allowances an IPv6 /48 has together (<see cref="NetworkKey"/>). Each /64 is a client of its
    /// own, and a /48, the most a site is handed and what a tunnel broker gives anyone for the asking, holds 65,536 of
    /// them: without a limit of its own, one holder of a /48 could guess about two million codes a minute, each a
    /// database read (found by review). Sixteen subnets of one site guessing at full rate at once is more than a site
    /// of real visitors mistyping links comes near.
    /// </summary>
    public const int NetworkAllowances = 16;

    private const string NetworkSuffix = "::/48"; // NetworkKey's, three groups' prefix.

    private static readonly long SweepTicks = Stopwatch.Frequency * 60;

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, key => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.UnknownCodeLimitPerMinute
                          * (key.EndsWith(NetworkSuffix, StringComparison.Ordinal) ? NetworkAllowances : 1),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>Clients refused, each with the <see cref="Stopwatch"/> timestamp until which it stays refused.</summary>
    private readonly ConcurrentDictionary<string, long> _refusedUntil = new(StringComparer.Ordinal);

    /// <summary>Entries of <see cref="_refusedUntil"/>: counted on each add and remove, as the dictionary's own count
    /// and emptiness checks take all of its locks.</summary>
    private int _refusedCount;

    private long _nextSweep = Stopwatch.GetTimestamp() + SweepTicks;

    /// <summary>RFC 6052's 64:ff9b::/96, less its last 32 bits (the IPv4 address).</summary>
    private static ReadOnlySpan<byte> Nat64WellKnownPrefix => [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>
    /// The key a client's misses count under. An IPv4 address is its text, also when it reached a dual-mode socket
    /// as <c>::ffff:a.b.c.d</c>, so it shares one allowance however it connects. An IPv6 address is its /64
    /// (<c>2001:db8:0:1::/64</c>): the least any ISP hands one subscriber, whose host half a client can rotate
    /// through at will (privacy addresses do it by themselves), so keyed by the full address it would never be
    /// limited; one in the translators' well-known prefix is the IPv4 address it carries. One string, formatted from the
    /// address's bytes on the stack.
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        Span<byte> bytes = stackalloc byte[16];
        if (IsOwnIPv6(address, bytes))
        {
            return Prefix(bytes, groups: 4);
        }

        // An IPv4 client translated to reach an IPv6-only service (RFC 6052's 64:ff9b::/96, the IPv4 address in the
        // last 32 bits) is that address: by its /64 every IPv4 client of the translator would share one allowance.
        return (address.AddressFamily != AddressFamily.InterNetworkV6 ? address
            : address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
            : new IPAddress(bytes[12..])).ToString();
    }

    /// <summary>
    /// The IPv6 /48 a client's /64 belongs to (<c>2001:db8:0::/48</c>), whose misses also count together, up to
    /// <see cref="NetworkAllowances"/> clients' worth; null for an IPv4 client (also one mapped or translated into
    /// IPv6), which has no such network.
    /// </summary>
    public static string? NetworkKey(IPAddress? address)
    {
        Span<byte> bytes = stackalloc byte[16];
        return address is not null && IsOwnIPv6(address, bytes) ? Prefix(bytes, groups: 3) : null;
    }

    /// <summary>Whether <paramref name="address"/> is an IPv6 client of its own, not an IPv4 one mapped or translated
    /// into IPv6; its bytes are in <paramref name="bytes"/> when it is, and when it is translated.</summary>
    private static bool IsOwnIPv6(IPAddress address, Span<byte> bytes) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6
        && address.TryWriteBytes(bytes, out _) && !bytes[..12].SequenceEqual(Nat64WellKnownPrefix);

    /// <summary>The first <paramref name="groups"/> 16-bit groups as a prefix: <c>2001:db8:0:1::/64</c> for four.</summary>
    private static string Prefix(ReadOnlySpan<byte> bytes, int groups)
    {
        Span<char> text = stackalloc char[5 * groups + 5];
        var length = 0;
        for (var i = 0; i < groups; i++)
        {
            BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]).TryFormat(text[length..], out var written, "x",
                CultureInfo.InvariantCulture);
            length += written;
            text[length++] = ':';
        }

        (16 * groups).TryFormat(text[(length + 2)..], out var bits, provider: CultureInfo.InvariantCulture);
        text[length] = ':';
        text[length + 1] = '/';
        return new string(text[..(length + 2 + bits)]);
    }

    /// <summary>Whether any client may be being refused: when none is (nearly always), the redirect need not even
    /// format the client's address to ask <see cref="RetryAfter"/>. Refusals that ran out are dropped here too, at most
    /// once a minute.</summary>
    public bool AnyRefused()
    {
        if (Volatile.Read(ref _refusedCount) == 0)
        {
            return false;
        }

        SweepIfDue(Stopwatch.GetTimestamp());
        return Volatile.Read(ref _refusedCount) > 0;
    }

    /// <summary>Counts a miss, against the client and against its network (<see cref="NetworkKey"/>) if it has one.
    /// Null when the miss is allowed; otherwise how long the client should wait.</summary>
    public TimeSpan? TryMiss(string client, string? network = null)
    {
        if (RetryAfter(client, network) is { } refused)
        {
            return refused;
        }

        return TryAcquire(client) ?? (network is null ? null : TryAcquire(network));
    }

    /// <summary>The longer of <see cref="RetryAfter(string)"/> of the client and of its network: a /64 refused before
    /// its /48 was told the /64's own wait and, retrying when told, was refused again by the /48 (found by review).
    /// </summary>
    public TimeSpan? RetryAfter(string client, string? network)
    {
        var own = RetryAfter(client);
        return network is null || RetryAfter(network) is not { } shared ? own : own > shared ? own : shared;
    }

    private TimeSpan? TryAcquire(string key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var now = Stopwatch.GetTimestamp();
        Refuse(key, now + (long)(wait.TotalSeconds * Stopwatch.Frequency));
        SweepIfDue(now);
        return wait;
    }

    /// <summary>
    /// Without counting anything: null when the client is not being refused, otherwise how much longer it will be.
    /// Lock-free and allocation-free for a client that was never refused.
    /// </summary>
    public TimeSpan? RetryAfter(string client)
    {
        if (!_refusedUntil.TryGetValue(client, out var until))
        {
            return null;
        }

        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
        if (left > TimeSpan.Zero)
        {
            return left;
        }

        Forget(client, until);
        return null;
    }

    private void Refuse(string client, long until)
    {
        while (true)
        {
            if (_refusedUntil.TryAdd(client, until))
            {
                Interlocked.Increment(ref _refusedCount);
                return;
            }

            if (_refusedUntil.TryGetValue(client, out var previous) && _refusedUntil.TryUpdate(client, until, previous))
            {
                return;
            }
        }
    }

    private void Forget(string client, long until)
    {
        if (_refusedUntil.TryRemove(KeyValuePair.Create(client, until)))
        {
            Interlocked.Decrement(ref _refusedCount);
        }
    }

    /// <summary>Drops refusals that have run out, at most once a minute, so clients that stopped do not pile up.</summary>
    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + SweepTicks, due) != due)
        {
            return;
        }

        foreach (var (client, until) in _refusedUntil)
        {
            if (until <= now)
            {
                Forget(client, until);
            }
        }
    }

    public void Dispose() => _limiter.Dispose();
}
