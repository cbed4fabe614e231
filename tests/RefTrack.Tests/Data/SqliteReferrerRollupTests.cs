using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Reports;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>
/// SQLite's per-referrer click rollup may lag its clicks while they keep coming
/// (<see cref="SqliteReferrerRollup"/>); whatever happens meanwhile — a crash at any batch, a failed batch, a rollup
/// rebuild — the rollup must end up counting every committed click exactly once. "Exactly" is the rebuild's own sum
/// over the Clicks table.
/// </summary>
public sealed class SqliteReferrerRollupTests : IDisposable
{
    private readonly TestDatabase _database = TestDatabase.Create(Provider.Sqlite);
    private readonly SqliteKeptContext _kept; // As the click writer's: its raw SQL runs on compiled statements.
    private readonly SqliteAppDbContext _db;
    private readonly Random _random = new(7);
    private readonly Guid[] _campaigns = [Guid.NewGuid(), Guid.NewGuid()];
    private readonly (Guid Referrer, Guid Code)[] _referrers =
        Enumerable.Range(0, 60).Select(_ => (Guid.NewGuid(), Guid.NewGuid())).ToArray();

    public SqliteReferrerRollupTests()
    {
        _kept = SqliteKeptContext.Open(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(_database.ConnectionString).Options);
        _db = _kept.Db;
        _db.Database.Migrate();
        // The clicks here are about the rollup; the campaigns, codes and referrers they point to are not needed.
        _db.Database.ExecuteSqlRaw("PRAGMA foreign_keys = OFF");
    }

    [Fact]
    public async Task While_summing_it_lags_its_clicks_and_a_catching_up_batch_makes_it_exact()
    {
        var rollup = new SqliteReferrerRollup();
        await WriteAsync(rollup, catchUp: true); // The first batch of a writer: its rollup starts exact.

        for (var i = 0; i < SqliteReferrerRollup.WindowBatches + 3; i++)
        {
            await WriteAsync(rollup, catchUp: false);
        }

        Assert.True(await RolledUpClicksAsync() < await _db.Clicks.CountAsync(), "while summing, the rollup lags");

        await WriteAsync(rollup, catchUp: true);
        Assert.Equal(await ExpectedAsync(), await ActualAsync());
    }

    [Fact]
    public async Task After_a_crash_at_any_batch_the_next_writer_counts_every_click_once()
    {
        var rollup = new SqliteReferrerRollup();
        await WriteAsync(rollup, catchUp: true);

        // Crashes at the start of a window, within one, within a slice of the previous one, at its last slice, and
        // after a batch that caught up.
        foreach (var batchesBeforeCrash in new[] { 1, 5, SqliteReferrerRollup.WindowBatches, SqliteReferrerRollup.WindowBatches + 7, 2 * SqliteReferrerRollup.WindowBatches - 1, 0 })
        {
            for (var i = 0; i < batchesBeforeCrash; i++)
            {
                await WriteAsync(rollup, catchUp: false);
            }

            rollup = new SqliteReferrerRollup(); // The crashed writer's sums are gone with it.
            await WriteAsync(rollup, catchUp: false);

            Assert.Equal(await ExpectedAsync(), await ActualAsync());
        }
    }

    [Fact]
    public async Task A_failed_batch_rolls_back_and_the_next_one_recovers()
    {
        var rollup = new SqliteReferrerRollup();
        await WriteAsync(rollup, catchUp: true);
        for (var i = 0; i < SqliteReferrerRollup.WindowBatches + 2; i++)
        {
            await WriteAsync(rollup, catchUp: false);
        }

        await WriteAsync(rollup, catchUp: false, commit: false);
        rollup.Forget(); // What the click writer does when a batch fails.
        await WriteAsync(rollup, catchUp: false);

        Assert.Equal(await ExpectedAsync(), await ActualAsync());
    }

    [Fact]
    public async Task A_rebuild_counts_the_sums_not_yet_written_and_the_writer_then_drops_them()
    {
        var rollup = new SqliteReferrerRollup();
        await WriteAsync(rollup, catchUp: true);
        for (var i = 0; i < SqliteReferrerRollup.WindowBatches + 2; i++)
        {
            await WriteAsync(rollup, catchUp: false);
        }

        Assert.NotEqual(await ExpectedAsync(), await ActualAsync()); // Sums held, not written.

        await RollupRebuilder.RebuildAsync(_db, CancellationToken.None);
        Assert.Equal(await ExpectedAsync(), await ActualAsync()); // The rebuild counts them (found by review: unchecked).
        await WriteAsync(rollup, catchUp: false);
        await WriteAsync(rollup, catchUp: true);

        Assert.Equal(await ExpectedAsync(), await ActualAsync()); // And the writer does not count them again.
    }

    /// <summary>
    /// Two processes on one file (docs/operations.md: several nodes on one SQLite file), each with its click writer and
    /// its rollup sums. One process starts (its first, idle batch recovers) while the other is idle with its sums
    /// written: both then last wrote the same progress row, so neither noticed the other's batches, both summed in
    /// memory, and the first to write its sums moved the row past the other's clicks, which that one then dropped.
    /// </summary>
    [Fact]
    public async Task Two_writers_on_one_file_count_every_click_once_when_they_last_wrote_the_same_progress()
    {
        var first = new SqliteReferrerRollup();
        await WriteAsync(first, catchUp: true);
        for (var i = 0; i < 3; i++)
        {
            await WriteAsync(first, catchUp: false);
        }

        await WriteAsync(first, catchUp: true, clicks: 0); // Idle: the first writer writes its sums.
        var second = new SqliteReferrerRollup(); // Another process starts; its idle batch recovers.
        await WriteAsync(second, catchUp: true, clicks: 0);

        // Traffic on both, then the first idles again and the second goes on.
        for (var i = 0; i < 5; i++)
        {
            await WriteAsync(first, catchUp: false);
            await WriteAsync(second, catchUp: false);
        }

        await WriteAsync(first, catchUp: true, clicks: 0);
        await WriteAsync(second, catchUp: false);
        await WriteAsync(second, catchUp: true, clicks: 0);
        await WriteAsync(first, catchUp: true, clicks: 0);

        Assert.Equal(await _db.Clicks.CountAsync(), await RolledUpClicksAsync());
        Assert.Equal(await ExpectedAsync(), await ActualAsync());
    }

    /// <summary>
    /// The window's sums are written in the order SQLite keeps the rollup's key, and the progress row's next key is a
    /// position in that order, which the recovery compares as SQLite does: the sort must agree with SQLite's own
    /// ORDER BY of the stored columns (with <see cref="Guid"/>'s bytes compared as in memory, little-endian fields
    /// first, it would not).
    /// </summary>
    [Fact]
    public async Task Sums_sort_as_SQLite_orders_the_stored_key()
    {
        // Random GUIDs differ in their first field, so those alone would test nothing past it: GUIDs that share their
        // leading fields and differ across a sign bit of each later one are among them.
        string[] edges =
        [
            "7fffffff-0000-0000-0000-000000000000", "80000000-0000-0000-0000-000000000000",
            "00000000-7fff-0000-0000-000000000000", "00000000-8000-0000-0000-000000000000",
            "00000000-0000-7fff-0000-000000000000", "00000000-0000-8000-0000-000000000000",
            "00000000-0000-0000-7f00-000000000000", "00000000-0000-0000-8000-000000000000",
            "00000000-0000-0000-0000-00000000007f", "00000000-0000-0000-0000-000000000080",
        ];
        var referrers = Enumerable.Range(0, 100).Select(_ => RandomGuid()).Concat(edges.Select(Guid.Parse)).ToArray();
        var rows = Enumerable.Range(0, 2_000)
            .Select(_ => new ParticipantClicks(_campaigns[_random.Next(2)], referrers[_random.Next(referrers.Length)],
                new DateOnly(2026, 1, 1).AddDays(_random.Next(400)), 1, 1, 0))
            .DistinctBy(r => (r.CampaignId, r.ParticipantId, r.Day))
            .ToList();
        await using (var tx = await _db.Database.BeginTransactionAsync())
        {
            using var statements = new SqliteClickStatements(_db);
            await statements.AddParticipantClicksAsync(rows, CancellationToken.None);
            await tx.CommitAsync();
        }

        var stored = await _db.Database.SqlQueryRaw<string>("""
            SELECT "CampaignId" || ' ' || "ParticipantId" || ' ' || "Day" AS "Value"
            FROM "ParticipantDailyClicks" ORDER BY "CampaignId", "ParticipantId", "Day"
            """).ToListAsync();
        rows.Sort(SqliteReferrerRollup.CompareAsStored);

        Assert.Equal(stored, rows.Select(r =>
            $"{r.CampaignId.ToString().ToUpperInvariant()} {r.ParticipantId.ToString().ToUpperInvariant()} {r.Day:yyyy-MM-dd}"));
    }

    private Guid RandomGuid()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes);
    }

    public void Dispose()
    {
        _kept.Dispose();
        SqliteConnection.ClearAllPools();
        _database.Dispose();
    }

    /// <summary>One batch of clicks through the click writer's own code, in its own transaction.</summary>
    private async Task WriteAsync(SqliteReferrerRollup rollup, bool catchUp, bool commit = true, int? clicks = null)
    {
        var batch = Enumerable.Range(0, clicks ?? _random.Next(1, 12)).Select(_ => NewClick()).ToList();
        await using var tx = await _db.Database.BeginTransactionAsync();
        await ClickBatch.WriteAsync(_db, batch, rollup, catchUp, CancellationToken.None);
        if (commit)
        {
            await tx.CommitAsync();
        }
        else
        {
            await tx.RollbackAsync();
        }
    }

    private PendingClick NewClick()
    {
        // Few referrers, so that they recur across batches; few devices, so that some clicks are repeats.
        var (referrer, code) = _referrers[_random.Next(_referrers.Length)];
        var device = "device-" + _random.Next(40);
        var click = new Click
        {
            Id = Guid.CreateVersion7(),
            CampaignId = _campaigns[_random.Next(_campaigns.Length)],
            ReferralCodeId = code,
            ParticipantId = referrer,
            OccurredAt = new DateTime(2026, 3, 1 + _random.Next(2), 12, 0, 0, DateTimeKind.Utc),
            IpHash = "0123456789abcdef0123456789abcdef",
            UserAgent = "agent",
            DeviceId = device,
            IsBot = _random.Next(5) == 0,
        };
        return new PendingClick(click, "d:" + device, FingerprintKey: null);
    }

    private Task<long> RolledUpClicksAsync() => _db.ParticipantDailyClicks.SumAsync(r => r.Clicks);

    private Task<List<string>> ActualAsync() => _db.Database.SqlQueryRaw<string>("""
        SELECT "CampaignId" || ' ' || "ParticipantId" || ' ' || "Day" || ' ' || "Clicks" || ' ' || "UniqueClicks"
            || ' ' || "BotClicks" AS "Value"
        FROM "ParticipantDailyClicks" ORDER BY 1
        """).ToListAsync();

    /// <summary>The rollup as <see cref="RollupRebuilder"/> computes it from the clicks.</summary>
    private Task<List<string>> ExpectedAsync() => _db.Database.SqlQueryRaw<string>("""
        SELECT "CampaignId" || ' ' || "ParticipantId" || ' ' || date("OccurredAt") || ' ' || COUNT(*) || ' '
            || SUM(CASE WHEN "IsRepeat" OR "IsBot" THEN 0 ELSE 1 END) || ' ' || SUM(CASE WHEN "IsBot" THEN 1 ELSE 0 END)
            AS "Value"
        FROM "Clicks" GROUP BY "CampaignId", "ParticipantId", date("OccurredAt") ORDER BY 1
        """).ToListAsync();
}
