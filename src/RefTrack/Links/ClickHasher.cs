using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>
/// Keyed hashes of visitor data. The key lives in the database (shared by every node, created on first start), so
/// a raw IP is never stored and the same visitor hashes the same on every node.
/// </summary>
public sealed class ClickHasher
{
    internal const string SettingKey = "click-hash-key";

    /// <summary>Longer than any IPv6 address with a scope id as text.</summary>
    private const int MaxAddressLength = 64;

    /// <summary>The keyed HMAC: a redirect hashes twice.</summary>
    private KeyedHmac? _hmac;

    public ClickHasher()
    {
    }

    /// <summary>With a known key, for tests.</summary>
    internal ClickHasher(byte[] key) => UseKey(key);

    public string HashIp(string ip) => Hash("", "ip:", ip, "", "");

    /// <summary>The hash of a connection's address, formatted on the stack; without one, of <c>unknown</c>. An IPv4
    /// address that reached a dual-mode socket (<c>::ffff:1.2.3.4</c>) hashes as the plain IPv4 address it is.</summary>
    public string HashIp(IPAddress? address)
    {
        Span<char> text = stackalloc char[MaxAddressLength];
        return address is not null && TryFormat(address, text, out var written)
            ? Hash("", "ip:", text[..written], "", "")
            : HashIp("unknown");
    }

    /// <summary>The address as text; an IPv4-mapped IPv6 address as its IPv4 part, as <see cref="IPAddress.MapToIPv4"/>
    /// would print it, without allocating that address.</summary>
    private static bool TryFormat(IPAddress address, Span<char> text, out int written)
    {
        if (!address.IsIPv4MappedToIPv6)
        {
            return address.TryFormat(text, out written);
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        written = 0;
        for (var i = 12; i < 16; i++)
        {
            if (i > 12)
            {
                text[written++] = '.';
            }

            bytes[i].TryFormat(text[written..], out var digits, default, CultureInfo.InvariantCulture);
            written += digits;
        }

        return true;
    }

    /// <summary>A visitor without a device cookie is recognised by address and browser.</summary>
    public string Fingerprint(string ipHash, string? userAgent) => Hash("", "fp:", ipHash, ":", userAgent ?? "");

    /// <summary>The visitor key of a browser without a device cookie: <c>f:</c> and its <see cref="Fingerprint"/>,
    /// built as one string.</summary>
    public string FingerprintKey(string ipHash, string? userAgent) => Hash("f:", "fp:", ipHash, ":", userAgent ?? "");

    /// <summary>
    /// <paramref name="prefix"/> then the HMAC-SHA256 of the UTF-8 of the concatenated parts, first 16 bytes as
    /// lower-case hex. Built in stack buffers: this runs twice per redirect.
    /// </summary>
    private string Hash(string prefix, ReadOnlySpan<char> a, ReadOnlySpan<char> b, ReadOnlySpan<char> c, ReadOnlySpan<char> d)
    {
        var hmac = _hmac ?? throw new InvalidOperationException("ClickHasher not initialised.");
        var length = Encoding.UTF8.GetMaxByteCount(a.Length + b.Length + c.Length + d.Length);
        var buffer = length <= 2048 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(a, buffer);
        written += Encoding.UTF8.GetBytes(b, buffer[written..]);
        written += Encoding.UTF8.GetBytes(c, buffer[written..]);
        written += Encoding.UTF8.GetBytes(d, buffer[written..]);

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.Compute(buffer[..written], mac);
        Span<char> text = stackalloc char[prefix.Length + 32];
        prefix.CopyTo(text);
        Convert.TryToHexStringLower(mac[..16], text[prefix.Length..], out _);
        return new string(text);
    }

    internal async Task InitialiseAsync(AppDbContext db, CancellationToken ct)
    {
        var candidate = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        db.InstanceSettings.Add(new InstanceSetting { Key = SettingKey, Value = candidate });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear(); // Already there (an earlier start, or another node just now): use that one.
        }

        var stored = await db.InstanceSettings.AsNoTracking().SingleAsync(s => s.Key == SettingKey, ct);
        UseKey(Convert.FromBase64String(stored.Value));
    }

    private void UseKey(byte[] key) => _hmac = new KeyedHmac(key);
}
