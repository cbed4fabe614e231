using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Reports;

/// <summary>
/// Folds rollup delta rows into the rows reports read, every second; readers sum both, so a report is exact whether
/// or not the fold has run. A fold deletes a set of delta rows and adds their sums in the same transaction, so a row
/// is counted either as a delta or folded, never both and never neither.
/// <list type="bullet">
/// <item>Both databases: the click writer's per-referrer rows (<see cref="ParticipantClickDelta"/>) into
/// <see cref="ParticipantDailyClicks"/>.</item>
/// <item>PostgreSQL: the per-transaction rows of the campaign-wide rollups (slots at or above
/// <see cref="RollupBatch.FirstDeltaSlot"/>, see <see cref="RollupBatch"/>) into slot 0. SQLite adds to slot 0 at once.</item>
/// </list>
/// On PostgreSQL each fold is one statement, and several nodes fold at once safely: <c>FOR UPDATE SKIP LOCKED</c>
/// gives each node its own rows, and the folded rows are upserted in key order. On SQLite, short write transactions
/// of a few hundred keys each (<see cref="SqliteClickFold"/>).
/// </summary>
public sealed partial class RollupFolder(IServiceScopeFactory scopes, ILogger<RollupFolder> logger) : BackgroundService
{
    private const int BatchRows = 5000;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static readonly string[] ParticipantClickKey = ["CampaignId", "ParticipantId", "Day"];
    private static readonly string[] ClickCounters = ["Clicks", "UniqueClicks", "BotClicks"];

    private static readonly string[] PostgresFolds =
    [
        Fold("RewardTotals", ["CampaignId", "Currency", "Status"], ["Count", "Amount"]),
        Fold("CampaignDailyStats", ["CampaignId", "Day"],
            ["Clicks", "UniqueClicks", "BotClicks", "Participants", "Signups", "ConvertedReferrals", "Conversions"]),
        PostgresFold("ParticipantClickDeltas", "\"Id\"", "ParticipantDailyClicks", ParticipantClickKey, ClickCounters, ""),
    ];

    /// <summary>Folds every delta row committed so far; returns how many were folded.</summary>
    public async Task<int> FoldAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (db.Database.IsSqlite())
        {
            return await SqliteClickFold.FoldAsync(db, ct);
        }

        var total = 0;
        foreach (var sql in PostgresFolds)
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

    /// <summary>PostgreSQL: a table's delta slots into its slot 0.</summary>
    private static string Fold(string table, string[] key, string[] counters) =>
        PostgresFold(table, "ctid", table, key, counters, $"""WHERE "Slot" >= {RollupBatch.FirstDeltaSlot}""", slot: true);

    /// <summary>PostgreSQL: up to <see cref="BatchRows"/> rows of <paramref name="from"/> (those <paramref name="where"/>
    /// picks, by <paramref name="row"/>) deleted, and their sums per key upserted into <paramref name="into"/>; returns
    /// how many were moved.</summary>
    private static string PostgresFold(
        string from, string row, string into, string[] key, string[] counters, string where, bool slot = false)
    {
        var keys = Columns(key);
        var slotColumn = slot ? ", \"Slot\"" : "";
        var slotValue = slot ? ", 0" : "";
        return $"""
            WITH moved AS (
                DELETE FROM "{from}" WHERE {row} IN (
                    SELECT {row} FROM "{from}" {where} LIMIT {BatchRows} FOR UPDATE SKIP LOCKED)
                RETURNING {Columns(key.Concat(counters))}),
            folded AS (
                INSERT INTO "{into}" ({keys}{slotColumn}, {Columns(counters)})
                SELECT {keys}{slotValue}, {Sums(counters)} FROM moved GROUP BY {keys} ORDER BY {keys}
                {Upsert(into, slot ? [.. key, "Slot"] : key, counters)})
            SELECT COUNT(*)::int AS "Value" FROM moved
            """;
    }

    private static string Columns(IEnumerable<string> columns) => string.Join(", ", columns.Select(c => $"\"{c}\""));

    private static string Sums(IEnumerable<string> counters) => string.Join(", ", counters.Select(c => $"SUM(\"{c}\")"));

    private static string Upsert(string table, IEnumerable<string> key, IEnumerable<string> counters) =>
        $"ON CONFLICT ({Columns(key)}) DO UPDATE SET " +
        string.Join(", ", counters.Select(c => $"\"{c}\" = \"{table}\".\"{c}\" + excluded.\"{c}\""));

    [LoggerMessage(LogLevel.Warning, "Folding rollup deltas failed; retrying in a second")]
    private partial void LogFoldFailed(Exception e);
}
