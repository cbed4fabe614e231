using System.Runtime.InteropServices;

namespace RefTrack.Infrastructure;

/// <summary>
/// Caps glibc's malloc arenas at one per core (at least two), unless the operator chose a number already
/// (<c>MALLOC_ARENA_MAX</c>, or <c>glibc.malloc.arena_max</c> in <c>GLIBC_TUNABLES</c>).
/// </summary>
/// <remarks>
/// glibc gives a thread that finds the arenas busy an arena of its own, up to eight per core, and each arena keeps the
/// memory freed into it for its own later use. SQLite allocates its page caches and compiled statements with malloc
/// on whichever thread runs it (the click writer's, the group commit's, the thread pool's), so under load its memory
/// was spread over many arenas, each holding free memory the others could not use. With two arenas the benchmark's
/// many links peaked 14–19 MB lower at the same CPU a click (docs/benchmarks-log.md, Tried and measured, 12-05 07:51).
/// Arenas already made before this runs stay; threads started afterwards share the capped set. Elsewhere than
/// glibc on Linux (musl ignores the setting; other systems have no such call) it does nothing.
/// </remarks>
internal static class MallocArenas
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in glibc's malloc.h

    /// <summary>Applies the cap; true if glibc took it.</summary>
    public static bool Limit()
    {
        if (!OperatingSystem.IsLinux()
            || ArenaLimit(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX"),
                Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), Environment.ProcessorCount) is not { } limit)
        {
            return false;
        }

        try
        {
            return Mallopt(ArenaMaxParameter, limit) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The number of arenas to allow, or null when the environment sets it for glibc to read.</summary>
    internal static int? ArenaLimit(string? mallocArenaMax, string? glibcTunables, int processorCount) =>
        mallocArenaMax is not null || glibcTunables?.Contains("glibc.malloc.arena_max", StringComparison.Ordinal) == true
            ? null
            : Math.Max(2, processorCount);

    // DllImport rather than LibraryImport, whose generated code would need unsafe code allowed project-wide: two ints
    // in, one out, nothing to marshal.
    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int parameter, int value);
}
