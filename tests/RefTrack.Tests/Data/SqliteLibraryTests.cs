using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

public sealed class SqliteLibraryTests
{
    /// <summary>SQLite refuses the settings once it has initialised, or when its build cannot do without the
    /// connection mutexes (THREADSAFE=0); then the service runs, slower, in the mode SQLite was built with.</summary>
    [Fact]
    public async Task The_service_and_the_tests_run_sqlite_in_multi_thread_mode_without_memory_statistics()
    {
        using var app = new TestApp(Provider.Sqlite);
        await app.Client().GetAsync("/healthz");

        Assert.True(SqliteLibrary.MultiThreaded);
        Assert.Equal(0L, SQLitePCL.raw.sqlite3_memory_used()); // Counted only with memory statistics on.
    }
}
