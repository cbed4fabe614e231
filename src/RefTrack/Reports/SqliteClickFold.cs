using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Reports;

/// <summary>
/// SQLite's fold of the click writer's per-referrer rows (<see cref="ParticipantClickDelta"/>) into
/// <see cref="ParticipantDailyClicks"/>, for <see cref="RollupFolder"/>. The rows are read once, sorted by the daily
/// rows' key, and folded in chunks of <see cref="ChunkKeys"/> keys, each chunk a write transaction of its own: SQLite
/// has one writer at a time, and a whole second of many links' rows folded at once held the click writer off for
/// about 300 ms (<c>bench/profile --counters sqlite many-links</c>: batch p99 322 ms), long enough to fill its queue.
/// In key order, the referrers of one chunk share the daily rows' pages, which is what folding saves.
/// </summary>
/// <remarks>
/// Exactly once, with another process folding the same file or a fold running twice: a chunk deletes each delta row
/// it read and adds only the rows its own delete removed, inside its transaction.
/// </remarks>
internal static class SqliteClickFold
{
    public const int ChunkKeys = 500;

    private const string Delete = """DELETE FROM "ParticipantClickDeltas" WHERE "Id" = ?1""";

    private const string Upsert = """
        INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT ("CampaignId", "ParticipantId", "Day") DO UPDATE SET
            "Clicks" = "ParticipantDailyClicks"."Clicks" + excluded."Clicks",
            "UniqueClicks" = "ParticipantDailyClicks"."UniqueClicks" + excluded."UniqueClicks",
            "BotClicks" = "ParticipantDailyClicks"."BotClicks" + excluded."BotClicks"
        """;

    /// <summary>Folds the delta rows committed before the call; returns how many this call moved.</summary>
    public static async Task<int> FoldAsync(AppDbContext db, CancellationToken ct)
    {
        var rows = await db.ParticipantClickDeltas.AsNoTracking().ToListAsync(ct);
        // The daily rows' order: ids as the upper-case text SQLite stores, days as ISO text.
        var keys = rows
            .GroupBy(r => (r.CampaignId, r.ParticipantId, r.Day))
            .OrderBy(g => Text(g.Key.CampaignId), StringComparer.Ordinal)
            .ThenBy(g => Text(g.Key.ParticipantId), StringComparer.Ordinal)
            .ThenBy(g => g.Key.Day)
            .ToList();
        var moved = 0;
        foreach (var chunk in keys.Chunk(ChunkKeys))
        {
            moved += await FoldChunkAsync(db, chunk, ct);
        }

        return moved;
    }

    private static async Task<int> FoldChunkAsync(
        AppDbContext db,
        IGrouping<(Guid CampaignId, Guid ParticipantId, DateOnly Day), ParticipantClickDelta>[] chunk,
        CancellationToken ct)
    {
        await using var tx = await db.BeginWriteAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var moved = 0;
        using (var delete = new SqliteRawStatement(connection, Delete))
        using (var upsert = new SqliteRawStatement(connection, Upsert))
        {
            foreach (var key in chunk)
            {
                long clicks = 0, unique = 0, bots = 0;
                var any = false;
                foreach (var row in key)
                {
                    delete.Bind(1, row.Id);
                    if (delete.Execute() == 1) // 0: another fold took it first.
                    {
                        (clicks, unique, bots, any) = (clicks + row.Clicks, unique + row.UniqueClicks, bots + row.BotClicks, true);
                        moved++;
                    }
                }

                if (any)
                {
                    upsert.Bind(1, key.Key.CampaignId);
                    upsert.Bind(2, key.Key.ParticipantId);
                    upsert.Bind(3, key.Key.Day);
                    upsert.Bind(4, clicks);
                    upsert.Bind(5, unique);
                    upsert.Bind(6, bots);
                    upsert.Execute();
                }
            }
        }

        await tx.CommitAsync(ct);
        return moved;
    }

    private static string Text(Guid id) => id.ToString("D").ToUpperInvariant();
}
