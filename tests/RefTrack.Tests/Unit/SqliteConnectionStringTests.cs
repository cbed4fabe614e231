using Microsoft.Data.Sqlite;
using RefTrack.Data;

namespace RefTrack.Tests.Unit;

public sealed class SqliteConnectionStringTests
{
    /// <summary>Microsoft.Data.Sqlite retries a busy write until the connection's command timeout: it follows
    /// <c>BusyTimeoutMilliseconds</c>, so a write waits for the lock about as long as the setting says (it was at
    /// least 30 s whatever the setting).</summary>
    [Theory]
    [InlineData(10_000, 10)]
    [InlineData(1_500, 2)]
    [InlineData(300, 1)]
    [InlineData(0, 1)] // 0 would be no timeout at all: retried for ever
    [InlineData(600_000, 600)]
    public void Busy_writes_are_retried_for_about_the_busy_timeout(int busyTimeoutMilliseconds, int expectedSeconds)
    {
        var options = new DatabaseOptions { Path = "data/reftrack.db", BusyTimeoutMilliseconds = busyTimeoutMilliseconds };

        Assert.Equal(expectedSeconds, new SqliteConnectionStringBuilder(DataServices.SqliteConnectionString(options)).DefaultTimeout);
    }
}
