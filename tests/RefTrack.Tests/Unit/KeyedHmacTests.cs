using System.Security.Cryptography;
using RefTrack.Infrastructure;

namespace RefTrack.Tests.Unit;

/// <summary>Both ways <see cref="KeyedHmac"/> hashes (OpenSSL called directly, .NET's HMAC) give .NET's HMAC-SHA256.</summary>
public sealed class KeyedHmacTests
{
    public static TheoryData<bool, int, int> Cases()
    {
        var cases = new TheoryData<bool, int, int>();
        foreach (var direct in new[] { true, false })
        {
            // Keys shorter than, as long as and longer than SHA-256's block (a longer one is hashed first); messages
            // empty, within one block, across the block's end and over several.
            foreach (var keyLength in new[] { 0, 1, 32, 64, 65, 200 })
            {
                foreach (var dataLength in new[] { 0, 1, 55, 56, 64, 65, 1000 })
                {
                    cases.Add(direct, keyLength, dataLength);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gives_the_hmac_of_every_message_in_turn(bool direct, int keyLength, int dataLength)
    {
        var key = RandomNumberGenerator.GetBytes(keyLength);
        var hmac = new KeyedHmac(key, direct);
        // Checked, so that a direct case cannot pass on the fallback (KeyedHmac falls back when OpenSSL disagrees).
        // On Linux this needs libcrypto.so.3 at 3.0.3 or later (OpenSslMac), as Debian 12 has: false would mean the
        // direct cases ran .NET's HMAC, and every redirect hashed the slower way.
        Assert.Equal(direct && OperatingSystem.IsLinux(), hmac.Direct);
        Span<byte> mac = stackalloc byte[32];
        // Three messages one after the other: each hash after the first starts again from the key.
        for (var i = 0; i < 3; i++)
        {
            var data = RandomNumberGenerator.GetBytes(dataLength + i);
            hmac.Compute(data, mac);
            Assert.Equal(HMACSHA256.HashData(key, data), mac.ToArray());
        }
    }

    [Fact]
    public void A_change_to_the_callers_key_does_not_reach_the_hmac()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var original = (byte[])key.Clone();
        var hmac = new KeyedHmac(key);
        key[0] ^= 0xFF;
        var data = "after the change"u8.ToArray();
        var mac = new byte[32];
        // On a thread of its own: its context is made after the change.
        var thread = new Thread(() => hmac.Compute(data, mac));
        thread.Start();
        thread.Join();
        Assert.Equal(HMACSHA256.HashData(original, data), mac);
    }

    [Fact]
    public void Threads_hashing_at_once_each_get_their_own_result()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var hmac = new KeyedHmac(key);
        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            Span<byte> mac = stackalloc byte[32];
            for (var i = 0; i < 2000; i++)
            {
                var data = BitConverter.GetBytes(worker * 100_000 + i);
                hmac.Compute(data, mac);
                if (!mac.SequenceEqual(HMACSHA256.HashData(key, data)))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        Assert.Equal(0, failures);
    }
}
