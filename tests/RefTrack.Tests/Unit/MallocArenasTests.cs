using System.Runtime.InteropServices;
using RefTrack.Infrastructure;

namespace RefTrack.Tests.Unit;

public sealed class MallocArenasTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(16, 16)]
    public void One_arena_a_core_and_never_fewer_than_two(int cores, int arenas) =>
        Assert.Equal(arenas, MallocArenas.ArenaLimit(null, null, cores));

    [Fact]
    public void An_arena_count_in_the_environment_is_left_to_glibc()
    {
        Assert.Null(MallocArenas.ArenaLimit("8", null, 2));
        Assert.Null(MallocArenas.ArenaLimit(null, "glibc.malloc.trim_threshold=1:glibc.malloc.arena_max=4", 2));
    }

    [Fact]
    public void Other_tunables_do_not_stop_the_cap() =>
        Assert.Equal(2, MallocArenas.ArenaLimit(null, "glibc.malloc.trim_threshold=131072", 2));

    [Fact]
    public void Mallopt_binds_on_glibc()
    {
        // The service calls this before its host starts, where a failed binding would only be a silent null. glibc's
        // mallopt reports success for any parameter, so this checks the binding, not the cap's effect (the benchmark's
        // memory peaks do that). Elsewhere than glibc, Limit does nothing and says so.
        var glibc = NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _);
        var chosen = MallocArenas.ArenaLimit(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX"),
            Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), Environment.ProcessorCount) is null;
        Assert.Equal(glibc && !chosen ? Math.Max(2, Environment.ProcessorCount) : null, MallocArenas.Limit());
    }
}
