using System.Security.Cryptography;

namespace RefTrack.Infrastructure;

/// <summary>
/// HMAC-SHA256 under one key, callable from any thread: one keyed context per thread, restarted after each hash. A
/// one-shot <see cref="HMACSHA256.HashData(byte[], byte[])"/> sets up a new native context with the key on every call.
/// Through OpenSSL directly where it can (<see cref="OpenSslMac"/>), otherwise through .NET's
/// <see cref="IncrementalHash"/>; the same bytes either way.
/// </summary>
internal sealed class KeyedHmac
{
    private readonly ThreadLocal<OpenSslMac.Context>? _direct;
    private readonly ThreadLocal<IncrementalHash>? _managed;

    /// <param name="direct">False: .NET's HMAC even where OpenSSL could be called directly (tests of the fallback).</param>
    public KeyedHmac(byte[] key, bool direct = true)
    {
        key = (byte[])key.Clone(); // The factories below run later, on each thread: a caller's change must not reach them.
        if (direct && AgreesWithDotNet(key))
        {
            _direct = new ThreadLocal<OpenSslMac.Context>(() => OpenSslMac.TryCreate(key)
                ?? throw new CryptographicException("OpenSSL could not set up an HMAC context."));
        }
        else
        {
            _managed = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
        }
    }

    /// <summary>Whether hashes go straight to OpenSSL.</summary>
    public bool Direct => _direct is not null;

    /// <summary>The HMAC of <paramref name="data"/> into <paramref name="mac"/> (32 bytes).</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        if (_direct is not null)
        {
            OpenSslMac.Compute(_direct.Value!, data, mac);
            return;
        }

        var hmac = _managed!.Value!;
        hmac.AppendData(data);
        hmac.GetHashAndReset(mac);
    }

    /// <summary>Whether OpenSSL, called directly, gives .NET's HMAC for this key, checked on two messages (the second
    /// through the restart each hash after the first takes). Any doubt leaves hashing to .NET.</summary>
    private static bool AgreesWithDotNet(byte[] key)
    {
        using var context = OpenSslMac.TryCreate(key);
        if (context is null)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[OpenSslMac.MacSize];
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
