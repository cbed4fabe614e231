using System.Runtime.InteropServices;

namespace RefTrack.Infrastructure;

/// <summary>
/// Caps glibc's malloc arenas at one per core (at least two), unless the operator chose a number already
/// (<c>MALLOC_ARENA_MAX</c>, or <c>glibc.malloc.arena_max</c> in <c>GLIBC_TUNABLES</c>).
/// </summary>
/// <remarks>
/// glibc gives each thread that allocates an arena of its own until there are eight per core, then shares them; each
/// arena keeps the memory freed into it for its own later use. SQLite allocates its page caches and compiled
/// statements with malloc on whichever thread runs it (the click writer's, the group commit's, the thread pool's), so
/// under load its memory was spread over many arenas, each holding free memory the others could not use. With
/// <c>MALLOC_ARENA_MAX=2</c> the benchmark's many links peaked at 222 and 224 MB against 241 and 236 MB, at the same
/// CPU a click within the runs' spread (docs/benchmarks-log.md, Tried and measured, 12-05 07:51); this cap does the
/// same from <c>Main</c> on, so arenas the runtime's own threads made before it stay. "Cores" are .NET's count, which
/// follows a container's CPU quota where glibc's does not. Elsewhere than glibc on Linux (musl has no arenas to cap;
/// other systems have no such call) it does nothing. The test host calls it again for every app it starts: harmless,
/// the call is idempotent.
/// </remarks>
internal static partial class MallocArenas
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in glibc's <malloc.h>

    /// <summary>Sets the cap; returns it, or null when it was left to the environment or there is no glibc. glibc's
    /// mallopt reports success for any parameter, so the call having been made is all this can tell.</summary>
    public static int? Limit()
    {
        if (!OperatingSystem.IsLinux()
            || ArenaLimit(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX"),
                Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), Environment.ProcessorCount) is not { } limit)
        {
            return null;
        }

        try
        {
            return Mallopt(ArenaMaxParameter, limit) == 1 ? limit : null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The number of arenas to allow, or null when the environment names one for glibc to read (set but not
    /// a number, glibc ignores it, and so does this: the operator's choice either way).</summary>
    internal static int? ArenaLimit(string? mallocArenaMax, string? glibcTunables, int processorCount) =>
        mallocArenaMax is not null || glibcTunables?.Contains("glibc.malloc.arena_max", StringComparison.Ordinal) == true
            ? null
            : Math.Max(2, processorCount);

    /// <summary>Says at start-up whether the cap is on, so an operator can see it took.</summary>
    public static void Log(ILogger logger, int? limit)
    {
        if (limit is { } arenas)
        {
            LogCapped(logger, arenas);
        }
        else if (OperatingSystem.IsLinux())
        {
            LogLeft(logger);
        }
    }

    [LoggerMessage(LogLevel.Information, "malloc arenas capped at {Arenas}, one per core (MALLOC_ARENA_MAX in the environment overrides)")]
    private static partial void LogCapped(ILogger logger, int arenas);

    [LoggerMessage(LogLevel.Information, "malloc arenas left to the C library (MALLOC_ARENA_MAX or GLIBC_TUNABLES set, or not glibc)")]
    private static partial void LogLeft(ILogger logger);

    // DllImport rather than LibraryImport, whose generated code would need unsafe code allowed project-wide: two ints
    // in, one out, nothing to marshal. On Linux the runtime resolves "libc" to the C library itself (libc.so.6).
    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int parameter, int value);
}
