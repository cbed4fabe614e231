using SQLitePCL;

namespace RefTrack.Data;

/// <summary>
/// SQLite's process-wide settings, applied once before the first connection opens (SQLite accepts them only before it
/// initialises, which its first <c>sqlite3_open</c> does).
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite's native library is built <c>THREADSAFE=1</c> with memory statistics on, so by default
/// every call into a connection (each bind, step and column read) takes that connection's mutex, and every
/// allocation SQLite makes takes one global mutex to count it. RefTrack never shares a connection between threads at
/// once (ADO.NET connections and EF contexts are not thread-safe anyway; the group commit, the click writer and the
/// checkpointer each keep their own), so the connection mutexes guard nothing: multi-thread mode drops them and keeps
/// SQLite's own shared structures guarded. The memory counters serve <c>sqlite3_status</c> and soft heap limits,
/// which RefTrack does not use. SQLite's own list of recommended options has <c>DEFAULT_MEMSTATUS=0</c>; both mutexes
/// were 7% of the group commit thread's samples in <c>bench/profile --native sqlite signups</c>
/// (docs/benchmarks-log.md).
/// </remarks>
internal static class SqliteLibrary
{
    private static int _configured;

    /// <summary>True when SQLite took both settings; false when it had initialised already (a connection opened
    /// earlier in the process, as in a test host that ran another app first) and keeps its defaults, which are only
    /// slower.</summary>
    public static bool MultiThreaded { get; private set; }

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1)
        {
            return;
        }

        Batteries_V2.Init(); // What Microsoft.Data.Sqlite does first too: loads the native library. Idempotent.
        MultiThreaded = raw.sqlite3_config(raw.SQLITE_CONFIG_MULTITHREAD) == raw.SQLITE_OK
                        & raw.sqlite3_config(raw.SQLITE_CONFIG_MEMSTATUS, 0) == raw.SQLITE_OK;
    }
}
