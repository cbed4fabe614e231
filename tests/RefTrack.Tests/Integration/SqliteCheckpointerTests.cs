using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// SQLite's click writer leaves checkpoints to a thread of its own (<see cref="SqliteCheckpointer"/>): after a batch,
/// its clicks reach the database file itself, not only the log, although the log is far below the writer's own
/// automatic checkpoint (<see cref="ClickWriter.SqliteWriterCheckpointBackstopPages"/>), and at most once per
/// <see cref="SqliteCheckpointer.MinInterval"/>.
/// </summary>
public sealed class SqliteCheckpointerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_click_batch_is_copied_from_the_log_into_the_database_file()
    {
        using var app = new TestApp(Provider.Sqlite, TestApp.ClickBatchesOfOne(writers: 1));
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        var writer = app.Services.GetRequiredService<ClickWriter>();
        var before = writer.CheckpointsCompleted;

        await app.ClickLink(code);
        await app.FlushClicksAsync();
        await WaitUntilAsync(() => writer.CheckpointsCompleted > before);

        // The database file alone, without its log: what a checkpoint copied into it, and nothing else.
        var copy = app.DatabasePath + ".without-log";
        File.Copy(app.DatabasePath, copy);
        try
        {
            await using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
            await connection.OpenAsync();
            await using var command = new SqliteCommand("""SELECT COUNT(*) FROM "Clicks" """, connection);
            Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
        }
        finally
        {
            File.Delete(copy);
            File.Delete(copy + "-wal");
            File.Delete(copy + "-shm");
        }
    }

    [Fact]
    public async Task Checkpoints_start_at_least_the_interval_apart()
    {
        using var app = new TestApp(Provider.Sqlite);
        using var checkpointer = NewCheckpointer(app);

        checkpointer.Request();
        await WaitUntilAsync(() => checkpointer.Completed == 1);
        checkpointer.Request(); // At once: a commit right after the first checkpoint.
        await WaitUntilAsync(() => checkpointer.Completed == 2);

        Assert.True(checkpointer.LastGap >= SqliteCheckpointer.MinInterval,
            $"the second checkpoint started {checkpointer.LastGap} after the first");
    }

    [Fact]
    public async Task Once_disposed_it_stops_and_ignores_requests()
    {
        using var app = new TestApp(Provider.Sqlite);
        var checkpointer = NewCheckpointer(app);

        checkpointer.Request();
        await WaitUntilAsync(() => checkpointer.Completed == 1);
        checkpointer.Dispose();
        checkpointer.Request();
        checkpointer.Dispose(); // Twice is harmless.

        await Task.Delay(200);
        Assert.Equal(1, checkpointer.Completed);
    }

    [Fact]
    public async Task Disposed_before_its_first_request_it_never_starts_a_thread()
    {
        using var app = new TestApp(Provider.Sqlite);
        var checkpointer = NewCheckpointer(app);

        checkpointer.Dispose();
        checkpointer.Request(); // A commit racing the writer's stop.

        await Task.Delay(200);
        Assert.False(checkpointer.ThreadStarted);
        Assert.Equal(0, checkpointer.Completed);
    }

    /// <summary>A checkpointer of its own on the app's database, beside the app's click writer's.</summary>
    private static SqliteCheckpointer NewCheckpointer(TestApp app)
    {
        _ = app.Client(); // Starts the app: the database exists.
        return new SqliteCheckpointer(
            app.Services.GetRequiredService<DbContextOptions<SqliteAppDbContext>>(), NullLogger.Instance);
    }

    private static Task WaitUntilAsync(Func<bool> condition) =>
        Poll.UntilAsync(condition, Patience, "not within " + Patience);
}
