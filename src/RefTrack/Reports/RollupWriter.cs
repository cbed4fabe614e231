using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Rewards;

namespace RefTrack.Reports;

/// <summary>
/// Adds deltas to the rollups inside the caller's transaction, as one upsert each
/// (<c>INSERT … ON CONFLICT DO UPDATE</c>: the same statement on SQLite and PostgreSQL). Call it last in a
/// transaction: on PostgreSQL the row lock it takes is then held only until the commit.
/// </summary>
public static class RollupWriter
{
    public const int Slots = 8;

    public static Task AddAsync(AppDbContext db, Guid campaignId, DateTime at, CampaignDelta d, CancellationToken ct)
    {
        var day = DateOnly.FromDateTime(at);
        var slot = Random.Shared.Next(Slots);
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO "CampaignDailyStats" ("CampaignId", "Day", "Slot", "Clicks", "UniqueClicks", "BotClicks",
                "Participants", "Signups", "ConvertedReferrals", "Conversions")
            VALUES ({campaignId}, {day}, {slot}, {d.Clicks}, {d.UniqueClicks}, {d.BotClicks},
                {d.Participants}, {d.Signups}, {d.ConvertedReferrals}, {d.Conversions})
            ON CONFLICT ("CampaignId", "Day", "Slot") DO UPDATE SET
                "Clicks" = "CampaignDailyStats"."Clicks" + excluded."Clicks",
                "UniqueClicks" = "CampaignDailyStats"."UniqueClicks" + excluded."UniqueClicks",
                "BotClicks" = "CampaignDailyStats"."BotClicks" + excluded."BotClicks",
                "Participants" = "CampaignDailyStats"."Participants" + excluded."Participants",
                "Signups" = "CampaignDailyStats"."Signups" + excluded."Signups",
                "ConvertedReferrals" = "CampaignDailyStats"."ConvertedReferrals" + excluded."ConvertedReferrals",
                "Conversions" = "CampaignDailyStats"."Conversions" + excluded."Conversions"
            """, ct);
    }

    public static Task AddRewardsAsync(
        AppDbContext db, Guid campaignId, string currency, RewardStatus status, long count, long amount, CancellationToken ct)
    {
        var slot = Random.Shared.Next(Slots);
        var statusName = status.ToString();
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO "RewardTotals" ("CampaignId", "Currency", "Status", "Slot", "Count", "Amount")
            VALUES ({campaignId}, {currency}, {statusName}, {slot}, {count}, {amount})
            ON CONFLICT ("CampaignId", "Currency", "Status", "Slot") DO UPDATE SET
                "Count" = "RewardTotals"."Count" + excluded."Count",
                "Amount" = "RewardTotals"."Amount" + excluded."Amount"
            """, ct);
    }

    /// <summary>
    /// Adds to the per-participant reward totals, all rows in one upsert. Rows are sent in key order so concurrent
    /// transactions lock them in the same order.
    /// </summary>
    public static Task AddParticipantRewardsAsync(
        AppDbContext db, Guid campaignId, IEnumerable<ParticipantRewardDelta> deltas, CancellationToken ct)
    {
        var rows = deltas.OrderBy(d => d.ParticipantId).ThenBy(d => d.Currency, StringComparer.Ordinal)
            .ThenBy(d => d.Status).ToList();
        if (rows.Count == 0)
        {
            return Task.CompletedTask;
        }

        var values = new System.Text.StringBuilder();
        var args = new List<object>(rows.Count * 6);
        foreach (var r in rows)
        {
            var n = args.Count;
            values.Append(n == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                $"({{{n}}}, {{{n + 1}}}, {{{n + 2}}}, {{{n + 3}}}, {{{n + 4}}}, {{{n + 5}}})");
            args.AddRange([campaignId, r.ParticipantId, r.Currency, r.Status.ToString(), r.Count, r.Amount]);
        }

        // Only placeholders are spliced into the SQL; every value is a parameter.
        var sql = """
            INSERT INTO "ParticipantRewardTotals" ("CampaignId", "ParticipantId", "Currency", "Status", "Count", "Amount")
            VALUES
            """ + values + """

            ON CONFLICT ("CampaignId", "ParticipantId", "Currency", "Status") DO UPDATE SET
                "Count" = "ParticipantRewardTotals"."Count" + excluded."Count",
                "Amount" = "ParticipantRewardTotals"."Amount" + excluded."Amount"
            """;
        return db.Database.ExecuteSqlRawAsync(sql, args, ct);
    }
}

/// <summary>What one transaction adds to a participant's rewards of one currency and status.</summary>
public readonly record struct ParticipantRewardDelta(
    Guid ParticipantId, string Currency, RewardStatus Status, long Count, long Amount);
