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
/// automatic checkpoint (<see cref="ClickWriter.SqliteWriterAutoCheckpointPages"/>), and at most once per
/// <see cref="SqliteCheckpointer.MinInterval"/>; a checkpoint that a reader kept from copying the whole log is tried
/// again without another commit.
/// </summary>
public sealed class SqliteCheckpointerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_click_batch_is_copied_from_the_log_into_the_database_file()
    {
        using var app = new TestApp(Provider.Sqlite, TestApp.ClickBatchesOfOneWithoutIdleWrites(writers: 1));
        var (code, writer) = await CodeAndWriter(app);
        var before = writer.CheckpointsCopiedWholeLog;
        var syncsBefore = writer.CheckpointDatabaseSyncs;

        await app.ClickLink(code);
        await app.FlushClicksAsync();
        // The whole log: a read overlapping the click's commit can hold a checkpoint back from the click.
        await WaitUntilAsync(() => writer.CheckpointsCopiedWholeLog > before);

        Assert.Equal(1L, await ClicksInDatabaseFileAlone(app));
        // The thread synced the file it copied into, through SQLite's own file object (SqliteDirectCalls.SyncMainFile);
        // a sync reaching the wrong entry of SQLite's file methods would have truncated or overwritten the file, and
        // the click above would not be there alone, nor the file whole.
        Assert.True(writer.CheckpointDatabaseSyncs > syncsBefore);
        await using var check = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await check.OpenAsync();
        await using var integrity = new SqliteCommand("PRAGMA integrity_check", check);
        Assert.Equal("ok", (string?)await integrity.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_checkpoint_a_reader_held_back_is_tried_again_without_another_commit()
    {
        using var app = new TestApp(Provider.Sqlite, TestApp.ClickBatchesOfOneWithoutIdleWrites(writers: 1));
        var (code, writer) = await CodeAndWriter(app);
        var wholeBefore = writer.CheckpointsCopiedWholeLog;

        // A read transaction from before the click's commit: no checkpoint may copy the click while it lasts.
        await using var reader = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await reader.OpenAsync();
        await using var read = reader.BeginTransaction(deferred: true);
        await using (var count = new SqliteCommand("""SELECT COUNT(*) FROM "Clicks" """, reader, read))
        {
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }

        await app.ClickLink(code);
        await app.FlushClicksAsync();
        // The writer's last commit has asked for its checkpoint by now, and no commit comes after it: of two more
        // checkpoints, one at least started after that commit, and the reader held it back from the click. Without
        // the retry, either no second one comes or nothing asks for one after the reader ends (below).
        var afterLastCommit = writer.CheckpointsCompleted;
        await WaitUntilAsync(() => writer.CheckpointsCompleted >= afterLastCommit + 2);
        // Not the file alone here: a checkpoint held back skips every page written again after the reader's snapshot,
        // so the file alone is then no database at all ("malformed"); it needs the log until a checkpoint copies all.
        Assert.Equal(wholeBefore, writer.CheckpointsCopiedWholeLog);

        await read.CommitAsync(); // Still no commit: a retry, once the reader is gone, copies the click.
        await WaitUntilAsync(() => writer.CheckpointsCopiedWholeLog > wholeBefore);

        Assert.Equal(1L, await ClicksInDatabaseFileAlone(app));
    }

    [Fact]
    public async Task Checkpoints_start_at_least_the_interval_apart()
    {
        using var app = new TestApp(Provider.Sqlite);
        using var checkpointer = NewCheckpointer(app);

        // At least: a checkpoint held back (by a read, or by the app's own checkpointer holding the lock) is tried
        // again without a request, and the claim is on any two in a row.
        checkpointer.Request();
        await WaitUntilAsync(() => checkpointer.Completed >= 1);
        checkpointer.Request(); // At once: a commit right after the first checkpoint.
        await WaitUntilAsync(() => checkpointer.Completed >= 2);

        Assert.True(checkpointer.LastGap >= SqliteCheckpointer.MinInterval,
            $"the second checkpoint started {checkpointer.LastGap} after the first");
    }

    [Fact]
    public async Task Once_disposed_it_stops_and_ignores_requests()
    {
        using var app = new TestApp(Provider.Sqlite);
        var checkpointer = NewCheckpointer(app);

        checkpointer.Request();
        await WaitUntilAsync(() => checkpointer.Completed >= 1);
        var beforeDispose = checkpointer.Completed; // Not always 1: a held-back checkpoint may have been tried again.
        checkpointer.Dispose();
        var atDispose = checkpointer.Completed;
        Assert.True(atDispose - beforeDispose <= 1, "Dispose ran more than the checkpoint in progress");
        checkpointer.Request();
        checkpointer.Dispose(); // Twice is harmless.

        await Task.Delay(200);
        Assert.Equal(atDispose, checkpointer.Completed);
    }

    [Fact]
    public async Task Held_back_it_tries_again_unasked_and_still_stops_when_disposed()
    {
        using var app = new TestApp(Provider.Sqlite);
        var client = app.Client();
        using var checkpointer = NewCheckpointer(app);
        await using var reader = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await reader.OpenAsync();
        await using var read = reader.BeginTransaction(deferred: true);
        await using (var count = new SqliteCommand("""SELECT COUNT(*) FROM "Campaigns" """, reader, read))
        {
            await count.ExecuteScalarAsync(); // The snapshot starts here.
        }

        await client.CreateCampaign(); // Log past the reader's snapshot: no checkpoint can copy the whole log.
        checkpointer.Request(); // The only request.
        await WaitUntilAsync(() => checkpointer.Completed >= 2);
        Assert.Equal(0, checkpointer.CopiedWholeLog);

        await Task.Run(checkpointer.Dispose).WaitAsync(Patience); // Out of its retries, not waiting for a request.
        var atDispose = checkpointer.Completed;
        await Task.Delay(200);
        Assert.Equal(atDispose, checkpointer.Completed);
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

    /// <summary>A referrer's code to click, and the app's click writer.</summary>
    private static async Task<(string Code, ClickWriter Writer)> CodeAndWriter(TestApp app)
    {
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        return (code, app.Services.GetRequiredService<ClickWriter>());
    }

    /// <summary>Counts the clicks in the database file alone, without its log: what checkpoints copied into it.</summary>
    private static async Task<long> ClicksInDatabaseFileAlone(TestApp app)
    {
        var copy = app.DatabasePath + ".without-log";
        File.Copy(app.DatabasePath, copy);
        try
        {
            await using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
            await connection.OpenAsync();
            await using var command = new SqliteCommand("""SELECT COUNT(*) FROM "Clicks" """, connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }
        finally
        {
            File.Delete(copy);
            File.Delete(copy + "-wal");
            File.Delete(copy + "-shm");
        }
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
