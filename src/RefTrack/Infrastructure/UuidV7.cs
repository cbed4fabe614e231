using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RefTrack.Infrastructure;

/// <summary>
/// Every id RefTrack mints: a version 7 UUID (RFC 9562), laid out as <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
/// lays it out (48 bits of Unix milliseconds, the version, 74 random bits, the variant), its random bits taken from a
/// per-thread buffer of cryptographically secure bytes. The ids <see cref="New()"/> mints for "now" also sort in the
/// order this process minted them, even within one millisecond.
/// </summary>
/// <remarks>
/// Why not <see cref="Guid.CreateVersion7(DateTimeOffset)"/>: on Linux .NET asks the operating system for each new
/// Guid's random bytes (a read of /dev/urandom in its native layer, pal_random.c), a system call per id, and a
/// redirect mints two. Here one <see cref="RandomNumberGenerator.Fill"/> serves a hundred ids. Its bytes come from a
/// cryptographically secure generator too, so ids stay as unguessable: a click id is a credential of sorts, the signup
/// that names it is attributed to its referrer.
/// <para>
/// Why a counter in <see cref="New()"/>: lists page in id order, and a client that posts two purchases one after the
/// other expects to read them back in that order. Random bits alone order ids of the same millisecond by chance (a
/// fast machine creates several resources in one), so the 12 bits after the version hold a counter instead (RFC 9562
/// section 6.2, method 1): it starts at a random value below 2048 in each new millisecond and counts up; past 4095 it
/// carries into the milliseconds, an id a millisecond early, as the RFC allows. A clock stepped back keeps counting on
/// from the last id instead. 62 random bits remain, still far past guessing. Order holds within one process: ids
/// minted on two nodes in the same millisecond have none between them. <see cref="New(DateTimeOffset)"/> keeps its
/// time to the millisecond instead (a click id carries its click's time, <c>ClickIds.MintedAt</c>), with random bits
/// where the counter would be.
/// </para>
/// </remarks>
public static class UuidV7
{
    private const int RandomBytes = 10; // 74 random bits, plus the 6 the version and variant overwrite.
    private const int BufferBytes = RandomBytes * 100;
    private const long MaxMilliseconds = (1L << 48) - 1;

    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_used;

    private const int CounterBits = 12;
    private const int CounterSeedMask = (1 << (CounterBits - 1)) - 1; // a new millisecond starts below 2048

    /// <summary>The last stamp <see cref="New()"/> handed out: its milliseconds, then its 12-bit counter.</summary>
    private static long s_lastStamp;

    /// <summary>An id for now, later than every id this method minted before in this process.</summary>
    public static Guid New()
    {
        Span<byte> bytes = stackalloc byte[16];
        TakeRandom(bytes[6..]);
        var seed = ((bytes[6] << 8) | bytes[7]) & CounterSeedMask;
        var stamp = NextStamp((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << CounterBits) | (long)seed);
        return Layout(bytes, stamp >> CounterBits, (int)stamp & ((1 << CounterBits) - 1));
    }

    /// <summary>The proposed stamp if it is later than the last one handed out, else the one just after it: no lock,
    /// so minting on many threads at once stays a compare-and-swap.</summary>
    private static long NextStamp(long proposed)
    {
        while (true)
        {
            var last = Volatile.Read(ref s_lastStamp);
            var next = proposed > last ? proposed : last + 1;
            if (Interlocked.CompareExchange(ref s_lastStamp, next, last) == last)
            {
                return next;
            }
        }
    }

    /// <summary>An id carrying <paramref name="at"/> to the millisecond; ids of the same millisecond have no order.</summary>
    public static Guid New(DateTimeOffset at)
    {
        var milliseconds = at.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(at));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliseconds, MaxMilliseconds, nameof(at));

        Span<byte> bytes = stackalloc byte[16];
        TakeRandom(bytes[6..]);
        return Layout(bytes, milliseconds, ((bytes[6] << 8) | bytes[7]) & ((1 << CounterBits) - 1));
    }

    /// <summary>The version 7 layout over <paramref name="bytes"/>, whose bytes 6–15 hold random bits: the
    /// milliseconds, the version, <paramref name="randA"/> (12 bits: a counter or random), the variant.</summary>
    private static Guid Layout(Span<byte> bytes, long milliseconds, int randA)
    {
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16); // bytes 0–5; 6–7 follow
        bytes[6] = (byte)(0x70 | (randA >> 8)); // version 7, then rand_a's top 4 bits
        bytes[7] = (byte)randA;
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
