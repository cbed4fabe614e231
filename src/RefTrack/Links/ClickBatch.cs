using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Reports;

namespace RefTrack.Links;

/// <summary>
/// Writes one batch of clicks in a handful of set-based statements (inside the caller's transaction): the visitor
/// keys that decide repeats, the clicks, and the rollups. Plain multi-row SQL that SQLite and PostgreSQL share;
/// EF Core creates the parameters, so values are stored exactly as its own inserts store them.
/// </summary>
internal static class ClickBatch
{
    // PostgreSQL (Npgsql binds positionally): a few round trips per batch. SQLite takes SqliteClickStatements
    // instead, because Microsoft.Data.Sqlite binds each named parameter by a linear search over the statement's
    // parameters, so multi-row statements cost the square of their size there.
    private const int RowsPerStatement = 200;

    public static async Task WriteAsync(AppDbContext db, IReadOnlyList<PendingClick> batch, CancellationToken ct)
    {
        using var sqlite = db.Database.IsSqlite() ? new SqliteClickStatements(db) : null;
        var fresh = sqlite?.InsertVisitors(VisitorRows(batch)) ?? await InsertVisitorsAsync(db, batch, ct);
        foreach (var pending in batch)
        {
            // The key that decides: the device cookie when the browser sent one, otherwise address + browser.
            // Remove: of several clicks of one new visitor in a batch, only the first is unique.
            var deciding = pending.FingerprintKey ?? pending.DeviceKey;
            pending.Click.IsRepeat = !fresh.Remove((pending.Click.ReferralCodeId, deciding));
        }

        var clicks = batch.Select(p => p.Click).ToList();
        if (sqlite is not null)
        {
            sqlite.InsertClicks(clicks);
        }
        else
        {
            foreach (var chunk in clicks.Chunk(RowsPerStatement))
            {
                await InsertClicksAsync(db, chunk, ct);
            }
        }

        foreach (var g in clicks.GroupBy(c => (c.CampaignId, c.ParticipantId, Day: DateOnly.FromDateTime(c.OccurredAt))))
        {
            await RollupWriter.AddClicksAsync(db, g.Key.CampaignId, g.Key.ParticipantId, g.Key.Day,
                g.Count(), g.Count(IsUnique), g.Count(c => c.IsBot), ct);
        }

        foreach (var g in clicks.GroupBy(c => (c.CampaignId, Day: DateOnly.FromDateTime(c.OccurredAt))))
        {
            await RollupWriter.AddAsync(db, g.Key.CampaignId, g.First().OccurredAt, new CampaignDelta(
                Clicks: g.Count(), UniqueClicks: g.Count(IsUnique), BotClicks: g.Count(c => c.IsBot)), ct);
        }
    }

    /// <summary>A unique visitor: first click of this visitor on this code, and not a bot.</summary>
    public static bool IsUnique(Click click) => !click.IsRepeat && !click.IsBot;

    /// <summary>
    /// Inserts every visitor key of the batch, ignoring those already known; returns the ones that were new.
    /// The primary key decides, not a read, so two nodes never both count the same visitor as unique.
    /// </summary>
    private static async Task<HashSet<(Guid Code, string Key)>> InsertVisitorsAsync(
        AppDbContext db, IReadOnlyList<PendingClick> batch, CancellationToken ct)
    {
        var fresh = new HashSet<(Guid, string)>();
        foreach (var chunk in VisitorRows(batch).Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder("""INSERT INTO "ClickVisitors" ("CampaignId", "ReferralCodeId", "VisitorKey") VALUES """);
            var args = new List<object>(chunk.Length * 3);
            foreach (var (campaign, code, key) in chunk)
            {
                Row(sql, args, campaign, code, key);
            }

            sql.Append(""" ON CONFLICT DO NOTHING RETURNING "ReferralCodeId", "VisitorKey" """);
            var inserted = await db.Database.SqlQueryRaw<VisitorRow>(sql.ToString(), [.. args]).ToListAsync(ct);
            fresh.UnionWith(inserted.Select(v => (v.ReferralCodeId, v.VisitorKey)));
        }

        return fresh;
    }

    /// <summary>Every visitor key of the batch once: the device key always, address + browser without a cookie.</summary>
    private static List<(Guid Campaign, Guid Code, string Key)> VisitorRows(IReadOnlyList<PendingClick> batch)
    {
        var rows = new List<(Guid Campaign, Guid Code, string Key)>();
        var seen = new HashSet<(Guid, string)>();
        foreach (var p in batch)
        {
            foreach (var key in p.FingerprintKey is null ? [p.DeviceKey] : new[] { p.DeviceKey, p.FingerprintKey })
            {
                if (seen.Add((p.Click.ReferralCodeId, key)))
                {
                    rows.Add((p.Click.CampaignId, p.Click.ReferralCodeId, key));
                }
            }
        }

        return rows;
    }

    private static Task InsertClicksAsync(AppDbContext db, IReadOnlyList<Click> clicks, CancellationToken ct)
    {
        var sql = new StringBuilder("""
            INSERT INTO "Clicks" ("Id", "CampaignId", "ReferralCodeId", "ParticipantId", "OccurredAt", "IpHash",
                "UserAgent", "DeviceId", "IsBot", "IsRepeat") VALUES
            """);
        var args = new List<object>(clicks.Count * 10);
        foreach (var c in clicks)
        {
            Row(sql, args, c.Id, c.CampaignId, c.ReferralCodeId, c.ParticipantId, c.OccurredAt, c.IpHash,
                c.UserAgent, c.DeviceId, c.IsBot, c.IsRepeat);
        }

        return db.Database.ExecuteSqlRawAsync(sql.ToString(), args, ct);
    }

    /// <summary>Appends "({n}, {n+1}, …)" and its values.</summary>
    private static void Row(StringBuilder sql, List<object> args, params object?[] values)
    {
        sql.Append(args.Count == 0 ? "(" : ", (");
        for (var i = 0; i < values.Length; i++)
        {
            sql.Append(i == 0 ? "{" : ", {").Append(args.Count.ToString(CultureInfo.InvariantCulture)).Append('}');
            args.Add(values[i]!); // EF turns a null into a NULL parameter.
        }

        sql.Append(')');
    }

    private sealed class VisitorRow
    {
        public Guid ReferralCodeId { get; init; }
        public string VisitorKey { get; init; } = "";
    }
}
