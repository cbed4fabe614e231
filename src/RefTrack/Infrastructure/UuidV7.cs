using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RefTrack.Infrastructure;

/// <summary>
/// Every id RefTrack mints: a version 7 UUID (RFC 9562), laid out as <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
/// lays it out (48 bits of Unix milliseconds, the version, 74 random bits, the variant), its random bits taken from a
/// per-thread buffer of cryptographically secure bytes.
/// </summary>
/// <remarks>
/// Why not <see cref="Guid.CreateVersion7(DateTimeOffset)"/>: on Linux .NET asks the operating system for each new
/// Guid's random bytes (a read of /dev/urandom in its native layer, pal_random.c), a system call per id, and a
/// redirect mints two. Here one <see cref="RandomNumberGenerator.Fill"/> serves a hundred ids. Its bytes come from a
/// cryptographically secure generator too, so ids stay as unguessable: a click id is a credential of sorts, the signup
/// that names it is attributed to its referrer.
/// </remarks>
public static class UuidV7
{
    private const int RandomBytes = 10; // 74 random bits, plus the 6 the version and variant overwrite.
    private const int BufferBytes = RandomBytes * 100;
    private const long MaxMilliseconds = (1L << 48) - 1;

    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_used;

    public static Guid New() => New(DateTimeOffset.UtcNow);

    public static Guid New(DateTimeOffset at)
    {
        var milliseconds = at.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(at));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliseconds, MaxMilliseconds, nameof(at));

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16); // bytes 0–5; 6–7 are overwritten below
        TakeRandom(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true);
    }

    private static void TakeRandom(Span<byte> destination)
    {
        var buffer = t_random ??= new byte[BufferBytes];
        if (t_used == 0 || t_used + RandomBytes > BufferBytes)
        {
            RandomNumberGenerator.Fill(buffer);
            t_used = 0;
        }

        var taken = buffer.AsSpan(t_used, RandomBytes);
        taken.CopyTo(destination);
        taken.Clear(); // Used once: what stays in memory is only what is still to be handed out.
        t_used += RandomBytes;
    }
}
