using Npgsql;

namespace RefTrack.Tests.Infrastructure;

/// <summary>Sessions of a test's PostgreSQL database that wait for a lock the test holds: how a test knows the
/// service has reached the point it wants to interleave with, without timing it.</summary>
public static class PostgresLockWaits
{
    /// <summary>Until <paramref name="count"/> sessions on the database wait for a lock, and no more; fails after 10 s.
    /// With <paramref name="statementStart"/>, only sessions whose statement starts so count: the service's own
    /// background work (the rollup folder, every second) may queue on the same lock meanwhile.</summary>
    public static async Task WaitForAsync(TestDatabase database, int count, string what, string statementStart = "")
    {
        await using var watcher = new NpgsqlConnection(database.ConnectionString);
        await watcher.OpenAsync();
        var waiting = 0L;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            // Each query is a transaction of its own, so pg_stat_activity is read afresh.
            await using var query = new NpgsqlCommand("""
                SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                    AND starts_with(ltrim(query), @start)
                """, watcher);
            query.Parameters.AddWithValue("start", statementStart);
            waiting = (long)(await query.ExecuteScalarAsync())!;
            if (waiting >= count)
            {
                Assert.Equal(count, waiting);
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{waiting} {what} waited for the test's lock, expected {count}.");
    }
}
