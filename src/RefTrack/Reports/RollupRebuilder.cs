using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Reports;

/// <summary>
/// Recomputes every rollup and counter from the raw tables, set-based, in one transaction. The writers keep them
/// current; this is for rows that arrived another way (a bulk import, a restore, a manual fix in SQL).
/// </summary>
public static class RollupRebuilder
{
    /// <summary>Rebuilds every rollup; false, with nothing done, when another rebuild of the same database is running
    /// (on PostgreSQL on any node): it counts every row committed before it began, and a second waiting behind it would
    /// hold writes off as long again.</summary>
    public static async Task<bool> RebuildAsync(AppDbContext db, CancellationToken ct)
    {
        // The UTC day of a timestamp, in each dialect (SQLite stores text, PostgreSQL timestamptz).
        var day = db.Database.IsNpgsql() ? "(({0}) AT TIME ZONE 'UTC')::date" : "date({0})";
        string Day(string column) => string.Format(System.Globalization.CultureInfo.InvariantCulture, day, column);

        string[] statements =
        [
            """DELETE FROM "ParticipantDailyClicks" """,
            """DELETE FROM "CampaignDailyStats" """,
            """DELETE FROM "RewardTotals" """,
            """DELETE FROM "ParticipantRewardTotals" """,
            $"""
             INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
             SELECT "CampaignId", "ParticipantId", {Day("\"OccurredAt\"")}, COUNT(*),
                    SUM(CASE WHEN "IsRepeat" OR "IsBot" THEN 0 ELSE 1 END), SUM(CASE WHEN "IsBot" THEN 1 ELSE 0 END)
             FROM "Clicks" GROUP BY "CampaignId", "ParticipantId", {Day("\"OccurredAt\"")}
             """,
            $"""
             INSERT INTO "CampaignDailyStats" ("CampaignId", "Day", "Slot", "Clicks", "UniqueClicks", "BotClicks",
                 "Participants", "Signups", "ConvertedReferrals", "Conversions")
             SELECT "CampaignId", "Day", 0, SUM("Clicks"), SUM("UniqueClicks"), SUM("BotClicks"),
                    SUM("Participants"), SUM("Signups"), SUM("ConvertedReferrals"), SUM("Conversions")
             FROM (
                 SELECT "CampaignId", "Day", "Clicks", "UniqueClicks", "BotClicks",
                        0 AS "Participants", 0 AS "Signups", 0 AS "ConvertedReferrals", 0 AS "Conversions"
                 FROM "ParticipantDailyClicks"
                 UNION ALL
                 SELECT "CampaignId", {Day("\"CreatedAt\"")}, 0, 0, 0, 1, 0, 0, 0 FROM "Participants"
                 UNION ALL
                 SELECT "CampaignId", {Day("\"CreatedAt\"")}, 0, 0, 0, 0, 1, 0, 0 FROM "Referrals" WHERE "Status" = 'Qualified'
                 UNION ALL
                 SELECT "CampaignId", {Day("\"ConvertedAt\"")}, 0, 0, 0, 0, 0, 1, 0 FROM "Referrals"
                 WHERE "Status" = 'Qualified' AND "ConvertedAt" IS NOT NULL
                 UNION ALL
                 SELECT "CampaignId", {Day("\"OccurredAt\"")}, 0, 0, 0, 0, 0, 0, 1 FROM "Conversions"
             ) AS facts
             GROUP BY "CampaignId", "Day"
             """,
            """
            INSERT INTO "RewardTotals" ("CampaignId", "Currency", "Status", "Slot", "Count", "Amount")
            SELECT "CampaignId", "Currency", "Status", 0, COUNT(*), SUM("Amount") FROM "Rewards"
            GROUP BY "CampaignId", "Currency", "Status"
            """,
            """
            INSERT INTO "ParticipantRewardTotals" ("CampaignId", "ParticipantId", "Currency", "Status", "Count", "Amount")
            SELECT "CampaignId", "ParticipantId", "Currency", "Status", COUNT(*), SUM("Amount") FROM "Rewards"
            GROUP BY "CampaignId", "ParticipantId", "Currency", "Status"
            """,
            """
            UPDATE "Participants" SET
                "QualifiedReferrals" = (SELECT COUNT(*) FROM "Referrals" AS r
                    WHERE r."ReferrerId" = "Participants"."Id" AND r."Status" = 'Qualified'),
                "ConvertedReferrals" = (SELECT COUNT(*) FROM "Referrals" AS r
                    WHERE r."ReferrerId" = "Participants"."Id" AND r."Status" = 'Qualified' AND r."ConvertedAt" IS NOT NULL)
            """,
        ];

        if (db.Database.IsSqlite())
        {
            // The rollup now counts every click there is; SQLite's click writer sees the row change and drops the
            // referrer sums it had not written yet, which this rebuild counted (SqliteReferrerRollup).
            statements = [.. statements, """
                UPDATE "ClickRollupProgress" SET
                    "FullThrough" = (SELECT coalesce(max(rowid), 0) FROM "Clicks"),
                    "ReadyThrough" = (SELECT coalesce(max(rowid), 0) FROM "Clicks"),
                    "NextCampaignId" = NULL, "NextParticipantId" = NULL, "NextDay" = NULL, "Writer" = NULL
                """];
        }
        else
        {
            // The writers go on meanwhile on PostgreSQL, each adding its rows and, in the same transaction, its deltas
            // to the rollups. One committing between a DELETE here and the INSERT … SELECT after it would be counted
            // twice: by its delta, which the DELETE did not see, and by its rows, which the SELECT does. Every writer
            // of a raw row the rollups count also writes one of these tables, so holding them against writes (reads
            // go on) makes the raw rows stand still too: a writer that got there first is waited for and counted
            // from its rows, its delta deleted; one that comes after waits and adds its delta to the rebuilt sums.
            // As on SQLite, whose rebuild holds the write lock throughout, writes wait while it runs.
            statements = [RollupTablesLocked, .. statements];
        }

        // SQLite: one process writes a database file (a second process's rebuild meets SQLite's write lock and fails
        // busy), so that process's own claim is the database's. Taken before the write gate, for which a rebuild waits
        // behind other writers: a second call finds the claim at once rather than queueing at the gate.
        var sqliteClaim = db.Database.IsSqlite() ? SqliteAppDbContext.RebuildClaimFor(db) : null;
        if (sqliteClaim is not null && !sqliteClaim.Wait(0, CancellationToken.None))
        {
            return false;
        }

        try
        {
            return await RebuildInTransactionAsync(db, statements, ct);
        }
        finally
        {
            sqliteClaim?.Release();
        }
    }

    private static async Task<bool> RebuildInTransactionAsync(AppDbContext db, string[] statements, CancellationToken ct)
    {
        db.Database.SetCommandTimeout(MaxDuration);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await db.BeginWriteAsync(ct);
                // PostgreSQL: a lock of the database's, seen by every node and let go with the transaction however it
                // ends (a crashed node's too), taken before the tables so that a second rebuild never waits for them.
                if (db.Database.IsNpgsql())
                {
                    await db.Database.ExecuteSqlRawAsync(ServerLimitsGiveWay, ct);
                    if (!await db.Database.SqlQueryRaw<bool>(ClaimedOnPostgres, RebuildLockKey).SingleAsync(ct))
                    {
                        return false;
                    }
                }

                foreach (var sql in statements)
                {
                    await db.Database.ExecuteSqlRawAsync(sql, ct);
                }

                await tx.CommitAsync(ct);
                return true;
            }
            catch (Exception e) when (attempt < 5 && DbErrors.IsSerializationFailure(e))
            {
                // A writer that held one of these tables while waiting for another it had locked first: PostgreSQL
                // ended the deadlock by aborting this transaction. Nothing of it was written; start again.
            }
        }
    }

    /// <summary>PostgreSQL's advisory lock key of the rebuild (any 64-bit number no other user of the database takes;
    /// these are the ASCII bytes of "RTrollup").</summary>
    private const long RebuildLockKey = 0x5254726F6C6C7570;

    private const string ClaimedOnPostgres = """SELECT pg_try_advisory_xact_lock({0}) AS "Value" """;

    /// <summary>How long a rebuild's statements may run; writers that wait for it wait as long (the click writer:
    /// <see cref="Links.ClickWriter"/>).</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(30);

    /// <summary>PostgreSQL, first in a transaction that waits for a rebuild or is one: for that transaction the
    /// server's own limits give way to <see cref="MaxDuration"/>. A <c>lock_timeout</c> or <c>statement_timeout</c>
    /// set for the role or database (operators set them) applies whatever Npgsql's command timeout says: the click
    /// writer's wait ended after it, its batch retried and then lost, and a rebuild on a large database was cancelled
    /// at every call (found by review). The click writer sends it in the same command as its lock: no extra round
    /// trip. (A constant, so that SQL built on it stays one; its 30 minutes are MaxDuration's,
    /// <c>PostgresServerTimeoutTests</c>.)</summary>
    internal const string ServerLimitsGiveWay = "SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = '30min';";

    /// <summary>PostgreSQL: the tables the rebuild rewrites and the writers add to, held against writes (EXCLUSIVE
    /// admits only plain reads) until the rebuild commits. Locked one after another in the order every writer writes
    /// them (a signup or purchase: the referrer's counter, the reward rollups, the campaign's daily row; the click
    /// writer: the per-referrer clicks, then the daily row), so that the rebuild never holds a table a writer needs
    /// next while waiting for one that writer holds: that deadlock cost one of the two a retry.</summary>
    internal const string RollupTablesLocked = """
        LOCK TABLE "Participants", "ParticipantDailyClicks", "RewardTotals", "ParticipantRewardTotals",
            "CampaignDailyStats" IN EXCLUSIVE MODE
        """;
}
