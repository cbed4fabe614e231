using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// With one writer, the click writer reads the next batch's clicks out of its queue while it writes a batch (room
/// for waiting redirects as it goes). Here the writer is held by a write lock of the test's own on the SQLite file
/// while clicks and a flush queue up behind its batch: once the lock goes, the flush must not be answered before
/// every click enqueued ahead of it is committed, whether it was read ahead or not, and no click may be lost.
/// </summary>
public sealed class ClickReadAheadTests
{
    [Fact]
    public async Task A_flush_waits_for_the_clicks_read_ahead_before_it_and_none_is_lost()
    {
        using var app = new TestApp(Provider.Sqlite, new Dictionary<string, string?>
        {
            ["RefTrack:Links:ClickBatchSize"] = "8", // Reads ahead 2 clicks at each step of a batch.
            ["RefTrack:Links:ClickBatchMilliseconds"] = "0",
        });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        await using var holder = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await holder.OpenAsync();
        await using (var begin = new SqliteCommand("BEGIN IMMEDIATE", holder))
        {
            await begin.ExecuteNonQueryAsync(); // The writer's next transaction waits for this one (busy_timeout).
        }

        var before = new List<Guid>();
        for (var i = 0; i < 30; i++)
        {
            before.Add(Guid.Parse((await app.ClickLink(code, deviceId: $"device-{i}")).ClickId));
        }

        var flush = app.FlushClicksAsync();
        // Many behind the flush: the batches after its own take a while, so a click before it that a wrong order
        // left for a later batch is still unwritten when the flush is answered.
        for (var i = 0; i < 1000; i++)
        {
            await app.ClickLink(code, deviceId: $"later-{i}");
        }

        Assert.False(flush.IsCompleted);
        await using (var rollback = new SqliteCommand("ROLLBACK", holder))
        {
            await rollback.ExecuteNonQueryAsync();
        }

        await flush;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            Assert.Equal(30, await db.Clicks.CountAsync(c => before.Contains(c.Id)));
        }

        await app.FlushClicksAsync();
        var clicks = (await client.ParticipantStats(campaignId, "user-a"))["clicks"]!;
        Assert.Equal((1030, 1030), (clicks.Long("total"), clicks.Long("unique")));
    }
}
