using System.Security.Cryptography;

namespace RefTrack.Infrastructure;

/// <summary>
/// HMAC-SHA256 under one key, callable from any thread: a keyed context per thread, restarted after each hash (a
/// one-shot <see cref="HMACSHA256.HashData(byte[], byte[])"/> sets up a new native context with the key on every
/// call). Through OpenSSL directly where it can (<see cref="OpenSslMac"/>), otherwise through .NET's
/// <see cref="IncrementalHash"/>; the same bytes either way.
/// </summary>
internal sealed class KeyedHmac
{
    /// <summary>Null when this key is not hashed through OpenSSL directly; a thread's value is null if OpenSSL would
    /// not give that thread a context, and the thread hashes through .NET's.</summary>
    private readonly ThreadLocal<OpenSslMac.Context?>? _direct;

    private readonly ThreadLocal<IncrementalHash> _managed;

    /// <param name="direct">False: .NET's HMAC even where OpenSSL could be called directly (tests of the fallback).</param>
    public KeyedHmac(byte[] key, bool direct = true)
    {
        key = (byte[])key.Clone(); // The factories below run later, on each thread: a caller's change must not reach them.
        _managed = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
        if (direct && AgreesWithDotNet(key))
        {
            _direct = new ThreadLocal<OpenSslMac.Context?>(() => OpenSslMac.TryCreate(key));
        }
    }

    /// <summary>Whether hashes go straight to OpenSSL.</summary>
    public bool Direct => _direct is not null;

    /// <summary>The HMAC of <paramref name="data"/> into <paramref name="mac"/> (32 bytes).</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        if (_direct?.Value is { } context)
        {
            OpenSslMac.Compute(context, data, mac);
            return;
        }

        var hmac = _managed.Value!;
        hmac.AppendData(data);
        hmac.GetHashAndReset(mac);
    }

    /// <summary>Whether OpenSSL, called directly, gives .NET's HMAC for this key, checked on two messages (the second
    /// through the restart that every hash after the first takes). Any doubt leaves hashing to .NET.</summary>
    private static bool AgreesWithDotNet(byte[] key)
    {
        using var context = OpenSslMac.TryCreate(key);
        if (context is null)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var probe in new[] { "RefTrack"u8.ToArray(), new byte[200] })
        {
            try
            {
                OpenSslMac.Compute(context, probe, mac);
            }
            catch (CryptographicException)
            {
                return false;
            }

            if (!mac.SequenceEqual(HMACSHA256.HashData(key, probe)))
            {
                return false;
            }
        }

        return true;
    }
}
