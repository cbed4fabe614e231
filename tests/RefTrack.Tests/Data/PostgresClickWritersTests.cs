using Npgsql;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// PostgreSQL writes several batches of clicks at once (<see cref="LinkOptions.ClickWriters"/>). Here a transaction
/// of the test's own holds the referrer's daily rollup row, so every batch that reaches it waits, and the test can see
/// how many are being written and whether a flush is answered too early — without timing the writer.
/// </summary>
public sealed class PostgresClickWritersTests
{
    [Fact]
    public async Task Batches_are_written_at_once_and_a_flush_waits_for_every_batch_before_it()
    {
        using var app = new TestApp(Provider.Postgres, TestApp.ClickBatchesOfOne(writers: 3));
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await app.ClickLink(code);
        await app.FlushClicksAsync(); // Today's rollup row of the referrer exists from here on.

        await using var holder = new NpgsqlConnection(app.Database.ConnectionString);
        await holder.OpenAsync();
        await using var held = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("""SELECT 1 FROM "ParticipantDailyClicks" FOR UPDATE""", holder, held))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        await app.ClickLink(code);
        await app.ClickLink(code);
        // Two batches of one click, each in its own transaction.
        await PostgresLockWaits.WaitForAsync(app.Database, 2, "click batches");

        // The flush comes in behind both and is read into a batch of its own, with nothing to write: it must still
        // wait for the two before it.
        var flush = app.FlushClicksAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(flush.IsCompleted, "The flush was answered while earlier batches were still uncommitted.");

        await held.RollbackAsync();
        await flush;
        Assert.Equal(3, (await client.ParticipantStats(campaignId, "user-a"))["clicks"]!.Long("total"));
        Assert.Equal(3, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }
}
