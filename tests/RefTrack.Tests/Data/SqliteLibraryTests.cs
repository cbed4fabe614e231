using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

public sealed class SqliteLibraryTests
{
    /// <summary>SQLite refuses the settings once it has initialised, or when its build cannot do without the
    /// connection mutexes (THREADSAFE=0); then everything runs, slower, in the mode SQLite was built with. The settings
    /// are the process's: the tests' module initializer applies them (<see cref="SqliteModeInitializer"/>) before the
    /// service's own call could, which the service's startup line shows ("multi-thread mode").</summary>
    [Fact]
    public async Task Sqlite_takes_multi_thread_mode_without_memory_statistics()
    {
        using var app = new TestApp(Provider.Sqlite);
        await app.Client().GetAsync("/healthz"); // SQLite has allocated by now: with statistics on, the count is not 0.

        Assert.True(SqliteLibrary.MultiThreaded);
        Assert.Equal(0L, SQLitePCL.raw.sqlite3_memory_used()); // Counted only with memory statistics on.
    }
}
