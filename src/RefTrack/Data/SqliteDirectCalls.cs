using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SQLitePCL;

namespace RefTrack.Data;

/// <summary>
/// The few SQLite functions <see cref="SqliteRawStatement"/> calls once a row or more (bind, step, reset, changes),
/// called straight through the library's own exports with the statement's raw pointer. Through SQLitePCLRaw each call
/// goes through its provider's interface and a marshalling stub that takes and releases a reference on the statement's
/// <see cref="SafeHandle"/>: about 20 ns more a call (medians of <c>dotnet run -c Release --project
/// bench/RefTrack.Bench.BindText</c>, bench/results/2026-12-07-1013-bindtext.txt: an integer's bind 53 ns against 30,
/// an id's 89 against 70, a step and reset 119 against 87), and a click's rows are up to twenty-five calls on the click
/// writer's one thread (about ten in the hot link, with the binds <see cref="SqliteRawStatement"/> skips).
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
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, int, void*, int> FileControlCall;

    /// <summary>Whether calls go straight to the library (false: through <see cref="raw"/>).</summary>
    public static bool Direct { get; }

    static SqliteDirectCalls()
    {
        // Any failure leaves the calls on SQLitePCLRaw: a type initializer that threw would fail every statement.
        try
        {
            if (!NativeLibrary.TryLoad("e_sqlite3", ProviderAssembly(), null, out var library)
                || !NativeLibrary.TryGetExport(library, "sqlite3_libversion", out var version))
            {
                return;
            }

            fixed (byte* theirs = raw.sqlite3_libversion()) // Throws if no provider is set: nothing opened yet.
            {
                if (((delegate* unmanaged[Cdecl]<byte*>)version)() != theirs)
                {
                    return;
                }
            }

            if (!NativeLibrary.TryGetExport(library, "sqlite3_bind_text", out var bindText)
                || !NativeLibrary.TryGetExport(library, "sqlite3_bind_int64", out var bindInt64)
                || !NativeLibrary.TryGetExport(library, "sqlite3_bind_null", out var bindNull)
                || !NativeLibrary.TryGetExport(library, "sqlite3_step", out var step)
                || !NativeLibrary.TryGetExport(library, "sqlite3_reset", out var reset)
                || !NativeLibrary.TryGetExport(library, "sqlite3_changes", out var changes)
                || !NativeLibrary.TryGetExport(library, "sqlite3_file_control", out var fileControl))
            {
                return;
            }

            BindTextCall = (delegate* unmanaged[Cdecl]<IntPtr, int, byte*, int, IntPtr, int>)bindText;
            BindInt64Call = (delegate* unmanaged[Cdecl]<IntPtr, int, long, int>)bindInt64;
            BindNullCall = (delegate* unmanaged[Cdecl]<IntPtr, int, int>)bindNull;
            StepCall = (delegate* unmanaged[Cdecl]<IntPtr, int>)step;
            ResetCall = (delegate* unmanaged[Cdecl]<IntPtr, int>)reset;
            ChangesCall = (delegate* unmanaged[Cdecl]<IntPtr, int>)changes;
            FileControlCall = (delegate* unmanaged[Cdecl]<IntPtr, byte*, int, void*, int>)fileControl;
            Direct = true;
        }
        catch (Exception)
        {
            Direct = false;
        }
    }

    /// <summary>The e_sqlite3 provider's assembly, whose imports name the library: in a method of its own, so that
    /// an assembly that is not there fails inside the initializer's try, not when it is compiled.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Assembly ProviderAssembly() => typeof(SQLite3Provider_e_sqlite3).Assembly;

    /// <summary>Binds text; an empty value as empty text, not NULL (a span of none has no address: SQLite would take
    /// a null pointer for NULL).</summary>
    /// <remarks>Each direct call keeps <paramref name="statement"/> alive until SQLite has returned (its pointer is
    /// all SQLite is given), and refuses a statement disposed already (its pointer zeroed), as SQLitePCLRaw's handle
    /// would.</remarks>
    public static int BindText(sqlite3_stmt statement, IntPtr handle, int index, ReadOnlySpan<byte> utf8)
    {
        if (!Direct)
        {
            return raw.sqlite3_bind_text(statement, index, utf8);
        }

        fixed (byte* value = utf8.IsEmpty ? "\0"u8 : utf8)
        {
            return Returned(BindTextCall(Live(handle), index, value, utf8.Length, Transient), statement);
        }
    }

    public static int BindInt64(sqlite3_stmt statement, IntPtr handle, int index, long value) =>
        Direct
            ? Returned(BindInt64Call(Live(handle), index, value), statement)
            : raw.sqlite3_bind_int64(statement, index, value);

    public static int BindNull(sqlite3_stmt statement, IntPtr handle, int index) =>
        Direct ? Returned(BindNullCall(Live(handle), index), statement) : raw.sqlite3_bind_null(statement, index);

    public static int Step(sqlite3_stmt statement, IntPtr handle) =>
        Direct ? Returned(StepCall(Live(handle)), statement) : raw.sqlite3_step(statement);

    public static int Reset(sqlite3_stmt statement, IntPtr handle) =>
        Direct ? Returned(ResetCall(Live(handle)), statement) : raw.sqlite3_reset(statement);

    public static int Changes(sqlite3 db, IntPtr handle) =>
        Direct ? Returned(ChangesCall(Live(handle)), db) : raw.sqlite3_changes(db);

    /// <summary>
    /// Syncs the database file of <paramref name="db"/>'s main database to disk through SQLite's own file object
    /// (its VFS's <c>xSync</c>, as SQLite syncs it after a checkpoint); returns SQLite's result code, or null when the
    /// calls are not direct or SQLite gives no file with a sync to call (the file is then not synced). Only for a
    /// connection no other thread uses meanwhile.
    /// </summary>
    /// <remarks>
    /// Through the public VFS interface of <c>sqlite3.h</c>: <c>SQLITE_FCNTL_FILE_POINTER</c> gives the connection's
    /// <c>sqlite3_file</c>, whose first field points to its <c>sqlite3_io_methods</c> (<see cref="IoMethods"/>). Not
    /// a file handle of RefTrack's own on the database: closing any descriptor of the file would release every POSIX
    /// lock the process holds on it, SQLite's among them.
    /// </remarks>
    public static int? SyncMainFile(sqlite3 db)
    {
        if (!Direct)
        {
            return null;
        }

        void* file = null;
        int rc;
        fixed (byte* main = "main\0"u8)
        {
            rc = FileControlCall(Live(db.DangerousGetHandle()), main, FileControlFilePointer, &file);
        }

        try
        {
            if (rc != 0)
            {
                return rc;
            }

            var methods = file is null ? null : *(IoMethods**)file; // sqlite3_file's pMethods
            if (methods is null || methods->Version < 1 || methods->Sync == IntPtr.Zero)
            {
                return null; // No file (a database in memory) or no xSync: nothing synced, and nothing failed.
            }

            return ((delegate* unmanaged[Cdecl]<void*, int, int>)methods->Sync)(file, SyncNormal);
        }
        finally
        {
            GC.KeepAlive(db); // The connection, and so its file, stays open until SQLite has returned.
        }
    }

    private const int FileControlFilePointer = 7; // SQLITE_FCNTL_FILE_POINTER
    private const int SyncNormal = 2; // SQLITE_SYNC_NORMAL

    /// <summary>The start of <c>sqlite3_io_methods</c> (<c>sqlite3.h</c>, version 1 and later), up to
    /// <c>xSync</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoMethods
    {
        public int Version;
        public IntPtr Close;
        public IntPtr Read;
        public IntPtr Write;
        public IntPtr Truncate;
        public IntPtr Sync;
    }

    /// <summary>A direct call's result, <paramref name="owner"/> (the handle whose pointer the call was given) kept
    /// alive until the call has returned: it is an argument evaluated after the call.</summary>
    private static int Returned(int result, object owner)
    {
        GC.KeepAlive(owner);
        return result;
    }

    private static IntPtr Live(IntPtr handle) =>
        handle != IntPtr.Zero ? handle : throw new ObjectDisposedException(nameof(SqliteRawStatement));
}
