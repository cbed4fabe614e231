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
    public void The_call_reaches_glibc_on_linux()
    {
        // The service's own call happens before the host starts, where a failure would only be a silent false. On
        // glibc (CI runs on Debian) "libc" must resolve to its mallopt; elsewhere Limit does nothing and says so.
        var glibc = OperatingSystem.IsLinux() && !RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal);
        var chosen = MallocArenas.ArenaLimit(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX"),
            Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), Environment.ProcessorCount) is null;
        Assert.Equal(glibc && !chosen, MallocArenas.Limit());
    }
}
