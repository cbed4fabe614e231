using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Reports;

/// <summary>
/// PostgreSQL: folds the per-transaction delta rows of the campaign-wide rollups (slots at or above
/// <see cref="RollupBatch.FirstDeltaSlot"/>, see <see cref="RollupBatch"/>) into slot 0, every second. Each fold is one
/// statement: it deletes a batch of delta rows and adds their sums to slot 0, so a row is counted either as a
/// delta or in slot 0, never both and never neither. Several nodes fold at once safely: <c>FOR UPDATE SKIP
/// LOCKED</c> gives each node its own rows, and slot 0 is an upsert.
/// </summary>
public sealed partial class RollupFolder(IServiceScopeFactory scopes, ILogger<RollupFolder> logger) : BackgroundService
{
    private const int BatchRows = 5000;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static readonly string[] Folds =
    [
        Fold("RewardTotals", ["CampaignId", "Currency", "Status"], ["Count", "Amount"]),
        Fold("CampaignDailyStats", ["CampaignId", "Day"],
            ["Clicks", "UniqueClicks", "BotClicks", "Participants", "Signups", "ConvertedReferrals", "Conversions"]),
    ];

    /// <summary>Folds every delta row committed so far; returns how many were folded.</summary>
    public async Task<int> FoldAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var total = 0;
        foreach (var sql in Folds)
        {
            int moved;
            do
            {
                moved = (await db.Database.SqlQueryRaw<int>(sql).ToListAsync(ct)).Single();
                total += moved;
            }
            while (moved == BatchRows);
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FoldAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFoldFailed(e); // Nothing is lost: the delta rows stay and count until the next fold.
            }
        }
    }

    /// <summary>
    /// One batch of a table's delta rows summed into its slot-0 rows. The sums are upserted in key order: two nodes'
    /// folds, each holding other delta rows of the same keys, then lock the shared slot-0 rows in the same order and
    /// cannot deadlock each other (in the aggregate's order they could, and one would fail with 40P01 and fold again
    /// a second later; found by review).
    /// </summary>
    private static string Fold(string table, string[] key, string[] counters)
    {
        static string Quote(string c) => $"\"{c}\"";
        var keys = string.Join(", ", key.Select(Quote));
        var all = string.Join(", ", key.Concat(counters).Select(Quote));
        return $"""
            WITH moved AS (
                DELETE FROM "{table}" WHERE ctid IN (
                    SELECT ctid FROM "{table}" WHERE "Slot" >= {RollupBatch.FirstDeltaSlot} LIMIT {BatchRows} FOR UPDATE SKIP LOCKED)
                RETURNING {all}),
            folded AS (
                INSERT INTO "{table}" ({keys}, "Slot", {string.Join(", ", counters.Select(Quote))})
                SELECT {keys}, 0, {string.Join(", ", counters.Select(c => $"SUM({Quote(c)})"))} FROM moved GROUP BY {keys}
                ORDER BY {keys}
                ON CONFLICT ({keys}, "Slot") DO UPDATE
                SET {string.Join(", ", counters.Select(c => $"{Quote(c)} = \"{table}\".{Quote(c)} + excluded.{Quote(c)}"))})
            SELECT COUNT(*)::int AS "Value" FROM moved
            """;
    }

    [LoggerMessage(LogLevel.Warning, "Folding rollup deltas failed; retrying in a second")]
    private partial void LogFoldFailed(Exception e);
}
