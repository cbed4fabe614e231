using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// SQLite keeps its log file (<c>-wal</c>) at its longest run until the last connection closes; the service's
/// connections trim it to <see cref="SqlitePragmas.LogSizeLimitBytes"/> once the log starts again from its beginning,
/// so one large transaction (a rollup rebuild) does not leave its size on disk for as long as the service runs.
/// </summary>
public sealed class SqliteLogSizeTests
{
    [Fact]
    public async Task A_log_file_grown_past_the_limit_is_trimmed_once_the_log_starts_again()
    {
        using var app = new TestApp(Provider.Sqlite);
        _ = app.Client(); // Starts the app: the database exists.
        var wal = app.DatabasePath + "-wal";
        // A connection as the service opens them (its interceptors set the pragmas), not returned to the pool.
        using var kept = SqliteKeptContext.Open(
            app.Services.GetRequiredService<DbContextOptions<SqliteAppDbContext>>(), pooled: false);
        var db = kept.Db.Database;
        var mib = (int)(SqlitePragmas.LogSizeLimitBytes / (1024 * 1024)) + 16;
        await db.ExecuteSqlRawAsync("CREATE TABLE \"LogFiller\" (\"Payload\" BLOB)");

        // One transaction longer than the limit: the log, and its file, grow past it.
        await db.ExecuteSqlAsync($"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {mib})
            INSERT INTO "LogFiller" SELECT randomblob(1048576) FROM n
            """);
        Assert.True(new FileInfo(wal).Length > SqlitePragmas.LogSizeLimitBytes, "the log did not grow past the limit");

        // Copied into the database file, the log starts again from its beginning at the next write, whose commit trims
        // the file. Tried until it does: a checkpoint of the app's own may hold the lock for a moment, and a reader
        // still on the old log would put the restart off to a later write (each write then needs a checkpoint again).
        await Poll.UntilAsync(async () =>
        {
            if (!SqliteCheckpointer.CheckpointCopiesWholeLog(kept))
            {
                return false;
            }

            await db.ExecuteSqlRawAsync("INSERT INTO \"LogFiller\" VALUES (x'00')");
            return new FileInfo(wal).Length <= SqlitePragmas.LogSizeLimitBytes;
        }, TimeSpan.FromSeconds(10), "the log file was not trimmed to the limit");
    }
}
