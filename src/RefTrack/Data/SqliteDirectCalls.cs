using System.Runtime.InteropServices;
using SQLitePCL;

namespace RefTrack.Data;

/// <summary>
/// The few SQLite functions <see cref="SqliteRawStatement"/> calls once a row or more (bind, step, reset, changes),
/// called straight through the library's own exports with the statement's raw pointer. Through SQLitePCLRaw each call
/// goes through its provider's interface and a marshalling stub that takes and releases a reference on the statement's
/// <see cref="SafeHandle"/>: about 20 ns more a call (medians of <c>dotnet run -c Release --project
/// bench/RefTrack.Bench.BindText</c>, bench/results/2026-12-07-1013-bindtext.txt: an integer's bind 53 ns against 30,
/// an id's 89 against 70, a step and reset 119 against 87), and a click is some twenty-five calls on the click writer's
/// one thread.
/// </summary>
/// <remarks>
/// The exports are looked up in the library SQLitePCLRaw's e_sqlite3 provider loaded (resolved as its own imports
/// are), and used only if that is the very library behind <see cref="raw"/>: both must give the same address for
/// SQLite's version text, a string in the library's own memory. Otherwise (another provider set, say) every call
/// goes through <see cref="raw"/> as before.
/// </remarks>
internal static unsafe class SqliteDirectCalls
{
    /// <summary>SQLite copies the value before the call returns.</summary>
    private static readonly IntPtr Transient = new(-1);

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, int, byte*, int, IntPtr, int> BindTextCall;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, int, long, int> BindInt64Call;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, int, int> BindNullCall;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, int> StepCall;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, int> ResetCall;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, int> ChangesCall;

    /// <summary>Whether calls go straight to the library (false: through <see cref="raw"/>).</summary>
    public static bool Direct { get; }

    static SqliteDirectCalls()
    {
        Batteries_V2.Init(); // Sets SQLitePCLRaw's provider, as Microsoft.Data.Sqlite does first. Idempotent.
        if (!NativeLibrary.TryLoad("e_sqlite3", typeof(SQLite3Provider_e_sqlite3).Assembly, null, out var library)
            || !NativeLibrary.TryGetExport(library, "sqlite3_libversion", out var version))
        {
            return;
        }

        fixed (byte* theirs = raw.sqlite3_libversion())
        {
            if (((delegate* unmanaged[Cdecl]<byte*>)version)() != theirs)
            {
                return;
            }
        }

        BindTextCall = (delegate* unmanaged[Cdecl]<IntPtr, int, byte*, int, IntPtr, int>)NativeLibrary.GetExport(library, "sqlite3_bind_text");
        BindInt64Call = (delegate* unmanaged[Cdecl]<IntPtr, int, long, int>)NativeLibrary.GetExport(library, "sqlite3_bind_int64");
        BindNullCall = (delegate* unmanaged[Cdecl]<IntPtr, int, int>)NativeLibrary.GetExport(library, "sqlite3_bind_null");
        StepCall = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeLibrary.GetExport(library, "sqlite3_step");
        ResetCall = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeLibrary.GetExport(library, "sqlite3_reset");
        ChangesCall = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeLibrary.GetExport(library, "sqlite3_changes");
        Direct = true;
    }

    /// <summary>Binds text; an empty value as empty text, not NULL (a span of none has no address: SQLite would take
    /// a null pointer for NULL).</summary>
    public static int BindText(sqlite3_stmt statement, IntPtr handle, int index, ReadOnlySpan<byte> utf8)
    {
        if (!Direct)
        {
            return raw.sqlite3_bind_text(statement, index, utf8);
        }

        fixed (byte* value = utf8.IsEmpty ? "\0"u8 : utf8)
        {
            return BindTextCall(handle, index, value, utf8.Length, Transient);
        }
    }

    public static int BindInt64(sqlite3_stmt statement, IntPtr handle, int index, long value) =>
        Direct ? BindInt64Call(handle, index, value) : raw.sqlite3_bind_int64(statement, index, value);

    public static int BindNull(sqlite3_stmt statement, IntPtr handle, int index) =>
        Direct ? BindNullCall(handle, index) : raw.sqlite3_bind_null(statement, index);

    public static int Step(sqlite3_stmt statement, IntPtr handle) =>
        Direct ? StepCall(handle) : raw.sqlite3_step(statement);

    public static int Reset(sqlite3_stmt statement, IntPtr handle) =>
        Direct ? ResetCall(handle) : raw.sqlite3_reset(statement);

    public static int Changes(sqlite3 db, IntPtr handle) =>
        Direct ? ChangesCall(handle) : raw.sqlite3_changes(db);
}
