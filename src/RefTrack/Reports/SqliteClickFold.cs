using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Reports;

/// <summary>
/// SQLite's fold of the click writer's per-referrer rows (<see cref="ParticipantClickDelta"/>) into
/// <see cref="ParticipantDailyClicks"/>, for <see cref="RollupFolder"/>, in short write transactions: SQLite has one
/// writer at a time, and a second of many links' rows folded in one transaction held the click writer off for about
/// 300 ms (<c>bench/profile --counters sqlite many-links</c>: batch p99 322 ms), long enough to fill its queue.
/// <list type="number">
/// <item>Sort: one transaction replaces every row with one row per key, appended in the daily rows' key order (the
/// new rows' ids follow the old ones'). Grouping a second of batches is what folding saves: a busy referrer's daily
/// row is then written once, not once per batch.</item>
/// <item>Fold: the sorted rows, <see cref="ChunkRows"/> consecutive ids at a time, each chunk its own transaction
/// that adds them to the daily rows and deletes them. Consecutive ids are neighbouring keys, so a chunk writes a
/// stretch of the daily rows' pages and a few pages of this table.</item>
/// </list>
/// Each transaction deletes exactly the rows whose counts it adds, so a click is counted once whichever fold (another
/// process on the same file, a fold that stopped halfway) gets to a row, and readers, which sum both tables, are exact
/// at every commit.
/// </summary>
internal static class SqliteClickFold
{
    public const int ChunkRows = 500;

    private const string Keys = """ "CampaignId", "ParticipantId", "Day" """;
    private const string Counts = """ "Clicks", "UniqueClicks", "BotClicks" """;

    /// <summary>Folds the delta rows committed before the call; returns how many rows it sorted.</summary>
    public static async Task<int> FoldAsync(AppDbContext db, CancellationToken ct)
    {
        var (first, last, sorted) = await SortAsync(db, ct);
        for (var from = first; from <= last; from += ChunkRows)
        {
            await using var tx = await db.BeginWriteAsync(ct);
            var to = Math.Min(from + ChunkRows - 1, last);
            await db.Database.ExecuteSqlRawAsync($"""
                INSERT INTO "ParticipantDailyClicks" ({Keys}, {Counts})
                SELECT {Keys}, {Counts} FROM "ParticipantClickDeltas" WHERE "Id" BETWEEN {"{0}"} AND {"{1}"} ORDER BY "Id"
                ON CONFLICT ("CampaignId", "ParticipantId", "Day") DO UPDATE SET
                    "Clicks" = "ParticipantDailyClicks"."Clicks" + excluded."Clicks",
                    "UniqueClicks" = "ParticipantDailyClicks"."UniqueClicks" + excluded."UniqueClicks",
                    "BotClicks" = "ParticipantDailyClicks"."BotClicks" + excluded."BotClicks"
                """, [from, to], ct);
            await db.Database.ExecuteSqlRawAsync(
                """DELETE FROM "ParticipantClickDeltas" WHERE "Id" BETWEEN {0} AND {1}""", [from, to], ct);
            await tx.CommitAsync(ct);
        }

        return sorted;
    }

    /// <summary>The sort step; returns the ids of the sorted rows and how many rows they replaced.</summary>
    private static async Task<(long First, long Last, int Replaced)> SortAsync(AppDbContext db, CancellationToken ct)
    {
        if (!await db.ParticipantClickDeltas.AnyAsync(ct))
        {
            return (1, 0, 0); // Without clicks, no write lock every second.
        }

        await using var tx = await db.BeginWriteAsync(ct);
        var end = await MaxIdAsync(db, ct);
        await db.Database.ExecuteSqlRawAsync($"""
            INSERT INTO "ParticipantClickDeltas" ({Keys}, {Counts})
            SELECT {Keys}, SUM("Clicks"), SUM("UniqueClicks"), SUM("BotClicks") FROM "ParticipantClickDeltas"
            WHERE "Id" <= {"{0}"} GROUP BY {Keys} ORDER BY {Keys}
            """, [end], ct);
        var last = await MaxIdAsync(db, ct);
        var replaced = await db.Database.ExecuteSqlRawAsync(
            """DELETE FROM "ParticipantClickDeltas" WHERE "Id" <= {0}""", [end], ct);
        await tx.CommitAsync(ct);
        return (end + 1, last, replaced);
    }

    private static async Task<long> MaxIdAsync(AppDbContext db, CancellationToken ct) =>
        await db.ParticipantClickDeltas.MaxAsync(d => (long?)d.Id, ct) ?? 0;
}
