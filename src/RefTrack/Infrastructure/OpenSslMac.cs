using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace RefTrack.Infrastructure;

/// <summary>
/// HMAC-SHA256 through OpenSSL 3's <c>EVP_MAC</c> functions, called straight through libcrypto's exports, with a
/// context per key and thread (<see cref="KeyedHmac"/>). .NET's own HMAC on Linux is the same OpenSSL underneath, but
/// a hash is three calls through .NET's native shim (append, finish, restart), each of which clears OpenSSL's error
/// queue and goes through a stub that references the context's <see cref="SafeHandle"/>; how the difference divides
/// between those was not measured. Medians of <c>dotnet run -c Release --project bench/RefTrack.Bench.Hmac</c>
/// (bench/results/2026-12-07-1251-hmac.txt): an address 0.90 µs through <see cref="IncrementalHash"/> against 0.32
/// this way, an address hash with a browser's user agent 0.99 against 0.39; a redirect hashes both
/// (<c>Links/ClickHasher</c>).
/// </summary>
/// <remarks>
/// Linux only, and only where <c>libcrypto.so.3</c> loads, is 3.0.3 or later and has the functions: elsewhere
/// <see cref="Available"/> is false and <see cref="KeyedHmac"/> uses .NET's HMAC. Before 3.0.3 a restart with no key
/// did nothing and reported success (openssl/openssl#17811), so every hash after the first would have been wrong;
/// .NET works around it by keeping the key. <see cref="KeyedHmac"/> also checks two hashes against .NET's before it
/// uses this.
/// </remarks>
internal static unsafe class OpenSslMac
{
    /// <summary>OpenSSL's <c>OSSL_PARAM_UTF8_STRING</c>.</summary>
    private const uint Utf8String = 4;

    /// <summary>OpenSSL 3.0.3 as <c>OpenSSL_version_num</c> gives it (major, minor and patch at bits 28, 20 and 4).</summary>
    private const ulong FirstFixedRelease = 0x3000_0030;

    private static readonly IntPtr Hmac; // EVP_MAC*, fetched once and kept for the process.
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> CtxNew;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, void> CtxFree;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, Param*, int> Init;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint*, nuint, int> Final;

    public static bool Available { get; }

    static OpenSslMac()
    {
        // Any failure leaves HMAC to .NET: a type initializer that threw would fail every click.
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            // .NET first: whoever initialises OpenSSL first decides whether it cleans itself up at process exit. .NET
            // asks it not to (the runtime's threads may still be in it then); the fetch below, if first, would not ask.
            _ = HMACSHA256.HashData([0], []);
            if (!NativeLibrary.TryLoad("libcrypto.so.3", out var library)
                || !NativeLibrary.TryGetExport(library, "OpenSSL_version_num", out var versionNum)
                || ((delegate* unmanaged[Cdecl]<nuint>)versionNum)() < FirstFixedRelease
                || !NativeLibrary.TryGetExport(library, "EVP_MAC_fetch", out var fetch)
                || !NativeLibrary.TryGetExport(library, "EVP_MAC_CTX_new", out var ctxNew)
                || !NativeLibrary.TryGetExport(library, "EVP_MAC_CTX_free", out var ctxFree)
                || !NativeLibrary.TryGetExport(library, "EVP_MAC_init", out var init)
                || !NativeLibrary.TryGetExport(library, "EVP_MAC_update", out var update)
                || !NativeLibrary.TryGetExport(library, "EVP_MAC_final", out var final))
            {
                return;
            }

            fixed (byte* name = "HMAC\0"u8)
            {
                Hmac = ((delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr>)fetch)(IntPtr.Zero, name, null);
            }

            CtxNew = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)ctxNew;
            CtxFree = (delegate* unmanaged[Cdecl]<IntPtr, void>)ctxFree;
            Init = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, Param*, int>)init;
            Update = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, int>)update;
            Final = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint*, nuint, int>)final;
            Available = Hmac != IntPtr.Zero;
        }
        catch (Exception)
        {
            Available = false;
        }
    }

    /// <summary>A context holding <paramref name="key"/>, ready to hash; null if OpenSSL refuses one.</summary>
    public static Context? TryCreate(ReadOnlySpan<byte> key)
    {
        if (!Available)
        {
            return null;
        }

        var context = new Context(CtxNew(Hmac));
        if (context.IsInvalid)
        {
            return null;
        }

        // The digest is named once, with the key; each hash after it restarts from that key (Init with no key).
        fixed (byte* digestName = "digest\0"u8)
        fixed (byte* sha256 = "SHA256\0"u8)
        fixed (byte* keyBytes = key.IsEmpty ? "\0"u8 : key) // An empty key still needs an address: null is no key.
        {
            var parameters = stackalloc Param[2];
            parameters[0] = new Param(digestName, Utf8String, sha256, 6, nuint.MaxValue);
            parameters[1] = default; // The list's end.
            if (Init(context.DangerousGetHandle(), keyBytes, (nuint)key.Length, parameters) != 1)
            {
                context.Dispose();
                return null;
            }
        }

        return context;
    }

    /// <summary>The HMAC of <paramref name="data"/> under the context's key into <paramref name="mac"/> (32 bytes).
    /// A context serves one thread at a time.</summary>
    public static void Compute(Context context, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mac.Length, HMACSHA256.HashSizeInBytes, nameof(mac));
        ObjectDisposedException.ThrowIf(context.IsClosed, context);
        var ctx = context.DangerousGetHandle();
        bool done;
        fixed (byte* input = data)
        fixed (byte* output = mac)
        {
            nuint written;
            done = Init(ctx, null, 0, null) == 1
                   && Update(ctx, input, (nuint)data.Length) == 1
                   && Final(ctx, output, &written, HMACSHA256.HashSizeInBytes) == 1
                   && written == HMACSHA256.HashSizeInBytes;
        }

        GC.KeepAlive(context); // Its pointer is all OpenSSL was given: not freed before the calls returned.
        if (!done)
        {
            throw new CryptographicException("OpenSSL could not compute an HMAC.");
        }
    }

    /// <summary>An <c>EVP_MAC_CTX</c>, freed with its handle (or by the finalizer, once the thread that kept it has
    /// gone).</summary>
    internal sealed class Context : SafeHandleZeroOrMinusOneIsInvalid
    {
        public Context(IntPtr ctx) : base(ownsHandle: true) => SetHandle(ctx);

        protected override bool ReleaseHandle()
        {
            CtxFree(handle);
            return true;
        }
    }

    /// <summary>OpenSSL's <c>OSSL_PARAM</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Param(byte* key, uint dataType, void* data, nuint dataSize, nuint returnSize)
    {
        private readonly byte* _key = key;
        private readonly uint _dataType = dataType;
        private readonly void* _data = data;
        private readonly nuint _dataSize = dataSize;
        private readonly nuint _returnSize = returnSize;
    }
}
