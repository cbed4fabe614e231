using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

public sealed class ClickWriterRefusalTestsSqlite() : ClickWriterRefusalTests(Provider.Sqlite);

public sealed class ClickWriterRefusalTestsPostgres() : ClickWriterRefusalTests(Provider.Postgres);

/// <summary>
/// One click the database refuses in a batch of other referrers' clicks: here a click that reuses a committed click's
/// id, which both databases refuse by the primary key. The writer must lose that click only, and count it; the
/// others, their rollups and their unique visitors must be written as if it had never been in the batch. The batch
/// is held together by a write lock of the test's own: the writer's one batch at a time waits on it while the test's
/// clicks queue up behind.
/// </summary>
public abstract class ClickWriterRefusalTests(Provider provider)
{
    [Theory]
    // Refused before its visitor's first good click, the flush in the same batch (so it catches SQLite's rollup up).
    [InlineData(false)]
    // Refused last, so the batch ends on a failure, and the flush after it: SQLite's rollup must still be exact.
    [InlineData(true)]
    public async Task Only_the_click_the_database_refuses_is_lost(bool refusedLast)
    {
        using var app = new TestApp(provider, new Dictionary<string, string?>
        {
            ["RefTrack:Links:ClickWriters"] = "1",
            ["RefTrack:Links:ClickBatchMilliseconds"] = "0",
            ["RefTrack:Links:ClickBatchSize"] = "500",
        });
        using var metrics = new AppMetrics(app);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var codes = new Dictionary<string, string>();
        foreach (var referrer in (string[])["user-a", "user-b", "user-c", "user-x"])
        {
            codes[referrer] = (await client.Register(campaignId, referrer)).Str("referralCode");
        }

        var writer = app.Services.GetRequiredService<ClickWriter>();
        await using var hold = await WriteHold.TakeAsync(app.Database);
        var first = await app.ClickLink(codes["user-x"], deviceId: NewDevice());
        await Poll.UntilAsync(() => writer.Waiting == 0, TimeSpan.FromSeconds(10), "The writer did not take the first click.");

        // The writer is busy with the first click until the hold ends: everything from here on is one batch.
        var visitorOfA = NewDevice();
        var refused = await app.PendingClickAsync(codes["user-a"], id: Guid.Parse(first.ClickId), device: visitorOfA);
        if (!refusedLast)
        {
            await EnqueueAsync(writer, refused);
        }

        await app.ClickLink(codes["user-b"], deviceId: NewDevice());
        await app.ClickLink(codes["user-a"], deviceId: visitorOfA); // Unique: the refused click's visitor key is not kept.
        await app.ClickLink(codes["user-c"], deviceId: NewDevice());
        await app.ClickLink(codes["user-a"], deviceId: visitorOfA); // A repeat.
        await app.ClickLink(codes["user-b"], deviceId: NewDevice());
        await app.ClickLink(codes["user-c"], deviceId: NewDevice());
        if (refusedLast)
        {
            await EnqueueAsync(writer, refused);
        }

        Assert.Equal(7, writer.Waiting);
        if (refusedLast)
        {
            await hold.ReleaseAsync();
            await WaitUntilWrittenAsync(metrics);
            await app.FlushClicksAsync();
        }
        else
        {
            var flush = app.FlushClicksAsync(); // Queued behind the clicks, so read into their batch.
            await hold.ReleaseAsync();
            await flush;
        }

        Assert.Equal(1, metrics.Sum("reftrack.clicks.lost"));
        Assert.Equal(7, metrics.Sum("reftrack.clicks.written"));
        Assert.Equal((2, 1), await ParticipantClicksAsync(client, campaignId, "user-a"));
        Assert.Equal((2, 2), await ParticipantClicksAsync(client, campaignId, "user-b"));
        Assert.Equal((2, 2), await ParticipantClicksAsync(client, campaignId, "user-c"));
        Assert.Equal((1, 1), await ParticipantClicksAsync(client, campaignId, "user-x"));
        var campaign = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal((7, 6), (campaign.Long("total"), campaign.Long("unique")));

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Equal(7, await db.Clicks.CountAsync());
        var kept = await db.Clicks.SingleAsync(c => c.Id == refused.Click.Id);
        Assert.Equal(first.DeviceId, kept.DeviceId); // The first click's row, not the refused one's.
    }

    [Fact]
    public async Task A_batch_of_only_a_refused_click_leaves_the_rollups_of_the_batches_before_it_exact()
    {
        // On SQLite the batches before it hold their referrers' sums (not idle long enough to write them); the refused
        // batch's failure forgets them, and the writer must recover them before a flush is answered.
        var settings = TestApp.ClickBatchesOfOneWithoutIdleWrites(writers: 1);
        using var app = new TestApp(provider, settings);
        using var metrics = new AppMetrics(app);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var referrers = new[] { "user-a", "user-b", "user-c" };
        var firstClickIds = new List<string>();
        foreach (var referrer in referrers)
        {
            var code = (await client.Register(campaignId, referrer)).Str("referralCode");
            firstClickIds.Add((await app.ClickLink(code, deviceId: NewDevice())).ClickId);
            await app.ClickLink(code, deviceId: NewDevice());
        }

        await WaitUntilWrittenAsync(metrics);
        var code0 = (await client.Register(campaignId, "user-d")).Str("referralCode");
        var writer = app.Services.GetRequiredService<ClickWriter>();
        await EnqueueAsync(writer, await app.PendingClickAsync(code0, id: Guid.Parse(firstClickIds[0]), device: NewDevice()));
        await WaitUntilWrittenAsync(metrics);
        await app.FlushClicksAsync();

        Assert.Equal(1, metrics.Sum("reftrack.clicks.lost"));
        foreach (var referrer in referrers)
        {
            Assert.Equal((2, 2), await ParticipantClicksAsync(client, campaignId, referrer));
        }

        Assert.Equal((0, 0), await ParticipantClicksAsync(client, campaignId, "user-d"));
    }

    private static Task WaitUntilWrittenAsync(AppMetrics metrics) =>
        Poll.UntilAsync(() => metrics.Gauge("reftrack.clicks.queued") == 0, TimeSpan.FromSeconds(30),
            "The clicks were not written.");

    private static ValueTask EnqueueAsync(ClickWriter writer, PendingClick click) =>
        writer.EnqueueAsync(click, CancellationToken.None);

    private static async Task<(long Total, long Unique)> ParticipantClicksAsync(
        HttpClient client, string campaignId, string referrer)
    {
        var clicks = (await client.ParticipantStats(campaignId, referrer))["clicks"]!;
        return (clicks.Long("total"), clicks.Long("unique"));
    }

    /// <summary>A device cookie's value, as the redirect mints them.</summary>
    private static string NewDevice() => Guid.NewGuid().ToString("N");

    /// <summary>Keeps the click writer from committing: SQLite's write lock, or on PostgreSQL a lock on the clicks
    /// table that its inserts wait for.</summary>
    private sealed class WriteHold : IAsyncDisposable
    {
        private readonly System.Data.Common.DbConnection _connection;
        private System.Data.Common.DbTransaction? _transaction;

        private WriteHold(System.Data.Common.DbConnection connection) => _connection = connection;

        public static async Task<WriteHold> TakeAsync(TestDatabase database)
        {
            var hold = new WriteHold(database.Provider == Provider.Sqlite
                ? new SqliteConnection($"{database.ConnectionString};Pooling=False")
                : new NpgsqlConnection(database.ConnectionString));
            await hold._connection.OpenAsync();
            if (hold._connection is SqliteConnection)
            {
                // BEGIN IMMEDIATE: a deferred transaction would take the write lock only at its first write.
                await using var begin = hold._connection.CreateCommand();
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
                return hold;
            }

            hold._transaction = await hold._connection.BeginTransactionAsync();
            await using var lockClicks = hold._connection.CreateCommand();
            lockClicks.Transaction = hold._transaction;
            lockClicks.CommandText = """LOCK TABLE "Clicks" IN SHARE MODE""";
            await lockClicks.ExecuteNonQueryAsync();
            return hold;
        }

        public async Task ReleaseAsync()
        {
            if (_transaction is not null)
            {
                await _transaction.RollbackAsync();
                return;
            }

            await using var rollback = _connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_transaction is not null)
            {
                await _transaction.DisposeAsync();
            }

            await _connection.DisposeAsync();
        }
    }
}
