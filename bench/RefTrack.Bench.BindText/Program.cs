// How SqliteRawStatement (src/RefTrack/Data) formats a text value before SQLite's bind copies it, each choice next to
// what it replaced: where (stackalloc memory, or a heap buffer the statement keeps; the same formatting otherwise),
// and for times how (a custom format string, or the round-trip format cut to the same text). The same SQLite call
// every time (SQLitePCLRaw's span bind). Then how it calls SQLite (SqliteDirectCalls): through SQLitePCLRaw, or
// straight through the library's exports with the statement's raw pointer. Prints nanoseconds a call, per round, and
// each form's median.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using RefTrack.Bench;
using SQLitePCL;

const int Binds = 2_000_000;
const int Rounds = 5;

Batteries_V2.Init();
Check(raw.sqlite3_open(":memory:", out var db));
Check(raw.sqlite3_prepare_v2(db, "SELECT ?1", out var statement));
var id = Guid.NewGuid();
var at = new DateTime(2026, 12, 7, 5, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
var day = DateOnly.FromDateTime(at);
var agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
var kept = new byte[1024];
var handle = statement.DangerousGetHandle();
var library = NativeLibrary.Load("e_sqlite3", typeof(SQLite3Provider_e_sqlite3).Assembly, null);
var bindText = NativeLibrary.GetExport(library, "sqlite3_bind_text");
var bindInt64 = NativeLibrary.GetExport(library, "sqlite3_bind_int64");
var step = NativeLibrary.GetExport(library, "sqlite3_step");
var reset = NativeLibrary.GetExport(library, "sqlite3_reset");

var forms = new (string Name, Action Call)[]
{
    ("Guid, stackalloc", () =>
    {
        Span<byte> utf8 = stackalloc byte[36];
        id.TryFormat(utf8, out _, "D");
        Ascii.ToUpperInPlace(utf8, out _);
        raw.sqlite3_bind_text(statement, 1, utf8);
    }),
    ("Guid, kept buffer", () =>
    {
        var utf8 = kept.AsSpan(0, 36);
        id.TryFormat(utf8, out _, "D");
        Ascii.ToUpperInPlace(utf8, out _);
        raw.sqlite3_bind_text(statement, 1, utf8);
    }),
    ("DateTime, custom format", () =>
    {
        var utf8 = kept.AsSpan(0, 33);
        at.TryFormat(utf8, out var written, "yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        raw.sqlite3_bind_text(statement, 1, utf8[..written]);
    }),
    ("DateTime, round-trip", () =>
    {
        // As SqliteRawStatement.Bind(int, DateTime): the "O" format, its T made a space, the fraction's zeros cut.
        var utf8 = kept.AsSpan(0, 33);
        at.TryFormat(utf8, out _, "O", CultureInfo.InvariantCulture);
        utf8[10] = (byte)' ';
        var length = 27;
        while (utf8[length - 1] == (byte)'0')
        {
            length--;
        }

        if (utf8[length - 1] == (byte)'.')
        {
            length--;
        }

        raw.sqlite3_bind_text(statement, 1, utf8[..length]);
    }),
    ("DateOnly, custom format", () =>
    {
        var utf8 = kept.AsSpan(0, 10);
        day.TryFormat(utf8, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        raw.sqlite3_bind_text(statement, 1, utf8[..written]);
    }),
    ("DateOnly, round-trip", () =>
    {
        var utf8 = kept.AsSpan(0, 10);
        day.TryFormat(utf8, out var written, "O", CultureInfo.InvariantCulture);
        raw.sqlite3_bind_text(statement, 1, utf8[..written]);
    }),
    ("string, stackalloc", () =>
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(agent.Length)];
        var written = Encoding.UTF8.GetBytes(agent, utf8);
        raw.sqlite3_bind_text(statement, 1, utf8[..written]);
    }),
    ("string, kept buffer", () =>
    {
        var utf8 = kept.AsSpan(0, Encoding.UTF8.GetMaxByteCount(agent.Length));
        var written = Encoding.UTF8.GetBytes(agent, utf8);
        raw.sqlite3_bind_text(statement, 1, utf8[..written]);
    }),
    ("Guid, direct", () =>
    {
        var utf8 = kept.AsSpan(0, 36);
        id.TryFormat(utf8, out _, "D");
        Ascii.ToUpperInPlace(utf8, out _);
        Direct.BindText(bindText, handle, utf8);
    }),
    ("integer, SQLitePCLRaw", () => raw.sqlite3_bind_int64(statement, 1, 42)),
    ("integer, direct", () => Direct.BindInt64(bindInt64, handle, 42)),
    ("step+reset, SQLitePCLRaw", () =>
    {
        raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
    }),
    ("step+reset, direct", () => Direct.StepAndReset(step, reset, handle)),
};

InterleavedRounds.Run(forms, Binds, Rounds, "binds", $"{InterleavedRounds.Machine()}, SQLite {raw.sqlite3_libversion().utf8_to_string()}");

raw.sqlite3_finalize(statement);
raw.sqlite3_close_v2(db);

static void Check(int rc)
{
    if (rc != raw.SQLITE_OK)
    {
        throw new InvalidOperationException($"SQLite error {rc}");
    }
}

/// <summary>SQLite's exports called through function pointers, as SqliteDirectCalls calls them.</summary>
internal static unsafe class Direct
{
    public static void BindText(IntPtr export, IntPtr statement, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* value = utf8)
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, int, byte*, int, IntPtr, int>)export)(statement, 1, value, utf8.Length, new IntPtr(-1));
        }
    }

    public static void BindInt64(IntPtr export, IntPtr statement, long value) =>
        ((delegate* unmanaged[Cdecl]<IntPtr, int, long, int>)export)(statement, 1, value);

    public static void StepAndReset(IntPtr step, IntPtr reset, IntPtr statement)
    {
        ((delegate* unmanaged[Cdecl]<IntPtr, int>)step)(statement);
        ((delegate* unmanaged[Cdecl]<IntPtr, int>)reset)(statement);
    }
}
