using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Conversions;
using RefTrack.Data;
using RefTrack.Referrals;

namespace RefTrack.Rewards;

/// <summary>
/// PostgreSQL: the grant steps of a signup and of a purchase as one statement each, so that rows other writers also
/// need (the referrer's counter row, a referral's first-purchase stamp) are held for that statement and the commit,
/// not across round trips. Rewards are inserted with <c>ON CONFLICT DO NOTHING</c> on the grant key, as
/// <see cref="RewardGranter.GrantAsync"/> does. SQLite (one writer) runs the same steps one by one.
/// </summary>
internal static class PostgresGrantStatements
{
    private const string RewardColumns = """
        "Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "ConversionId", "Amount", "Currency", "Status",
        "GrantKey", "CreatedAt", "UpdatedAt"
        """;

    /// <summary>
    /// A signup's new qualified referral: increments the referrer's count, inserts the candidate rewards whose count
    /// range holds the new count, and adds what it inserted to the per-participant and campaign-wide reward rollups.
    /// Lock order as everywhere: the referrer's row, then the reward rollup rows, campaign-wide before per-participant
    /// (PostgreSQL locks a statement's tables as it reads it, its WITH queries first; the rebuild locks them in that
    /// order too: <see cref="Reports.RollupRebuilder"/>).
    /// </summary>
    public static void AppendSignup(
        StringBuilder sql, List<object> args, int slot, Referral referral,
        IReadOnlyList<(Reward Reward, int From, int To)> candidates)
    {
        string Arg(object value) => RawSqlRows.Placeholder(args, value);

        var referrer = Arg(referral.ReferrerId);
        if (candidates.Count == 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $"""UPDATE "Participants" SET "QualifiedReferrals" = "QualifiedReferrals" + 1 WHERE "Id" = {referrer};""").Append('\n');
            return;
        }

        var campaign = Arg(referral.CampaignId);
        var pending = Arg(nameof(RewardStatus.Pending));
        var created = Arg(candidates[0].Reward.CreatedAt);
        sql.Append(CultureInfo.InvariantCulture, $"""
            WITH counted AS (
                UPDATE "Participants" SET "QualifiedReferrals" = "QualifiedReferrals" + 1 WHERE "Id" = {referrer}
                RETURNING "QualifiedReferrals" AS n),
            granted AS (
                INSERT INTO "Rewards" ({RewardColumns})
                SELECT g.id, {campaign}, g.participant, g.rule, {Arg(referral.Id)}, NULL::uuid, g.amount, g.currency,
                    {pending}, g.grant_key, {created}, {created}
                FROM counted JOIN (VALUES
            """);
        for (var i = 0; i < candidates.Count; i++)
        {
            var (r, from, to) = candidates[i];
            RawSqlRows.Append(sql, args, first: i == 0, [r.Id, r.ParticipantId, r.RuleId, r.Amount, r.Currency, r.GrantKey, from, to]);
        }

        sql.Append(CultureInfo.InvariantCulture, $"""
             ) AS g (id, participant, rule, amount, currency, grant_key, from_n, to_n)
                    ON counted.n BETWEEN g.from_n AND g.to_n
                ON CONFLICT ("CampaignId", "GrantKey") DO NOTHING
                RETURNING "ParticipantId", "Currency", "Amount"),
            per_campaign AS (
                {RewardTotalsOfGranted(campaign, pending, Arg(slot))})
            {ParticipantRewardTotalsOfGranted(campaign, pending)};

            """);
    }

    /// <summary>Adds the rewards of the <c>granted</c> query (its <c>RETURNING "ParticipantId", "Currency",
    /// "Amount"</c>) to the campaign-wide reward rollup, in this transaction's slot (<see cref="RollupBatch"/>).</summary>
    private static string RewardTotalsOfGranted(string campaign, string pending, string slot) => $"""
        INSERT INTO "RewardTotals" ("CampaignId", "Currency", "Status", "Slot", "Count", "Amount")
            SELECT {campaign}, "Currency", {pending}, {slot}, COUNT(*), SUM("Amount")::bigint FROM granted GROUP BY "Currency"
            ON CONFLICT ("CampaignId", "Currency", "Status", "Slot") DO UPDATE
            SET "Count" = "RewardTotals"."Count" + excluded."Count", "Amount" = "RewardTotals"."Amount" + excluded."Amount"
        """;

    /// <summary>Adds the rewards of the <c>granted</c> query to the per-participant reward rollup, rows in key order.</summary>
    private static string ParticipantRewardTotalsOfGranted(string campaign, string pending) => $"""
        INSERT INTO "ParticipantRewardTotals" ("CampaignId", "ParticipantId", "Currency", "Status", "Count", "Amount")
            SELECT {campaign}, "ParticipantId", "Currency", {pending}, COUNT(*), SUM("Amount")::bigint FROM granted
            GROUP BY "ParticipantId", "Currency" ORDER BY "ParticipantId", "Currency"
            ON CONFLICT ("CampaignId", "ParticipantId", "Currency", "Status") DO UPDATE
            SET "Count" = "ParticipantRewardTotals"."Count" + excluded."Count",
                "Amount" = "ParticipantRewardTotals"."Amount" + excluded."Amount"
        """;

    /// <summary>
    /// A referred user's purchase, the last statement of its write unit's one command: after the conversion's row
    /// and the campaign's rollup (<see cref="RollupBatch"/>), so the day's row of this transaction's slot exists. It
    /// stamps the referral's first purchase (<c>WHERE "ConvertedAt" IS NULL</c>, so exactly one purchase per referral
    /// does) and only if it did counts the referrer's converted referral and the day's; inserts the candidate
    /// rewards, those marked first-purchase-only only if it did; adds what it inserted to the reward rollups; and,
    /// with candidates, returns the ids of the rewards inserted (the query's rows reach the client before the
    /// rollups run, but an error of theirs still fails the read of the rows, which ends at the statement's end).
    /// Lock order as a signup's: the referrer's row before the reward rollup
    /// rows (the rewards' insert reads the referrer's update, so PostgreSQL runs that first; the rollups, which read
    /// the rewards, after them).
    /// </summary>
    public static void AppendPurchase(
        StringBuilder sql, List<object> args, int slot, Referral referral, Conversion conversion,
        IReadOnlyList<(Reward Reward, bool FirstPurchaseOnly)> candidates)
    {
        string Arg(object value) => RawSqlRows.Placeholder(args, value);

        var campaign = Arg(referral.CampaignId);
        var slotArg = Arg(slot);
        var convertedDay = $"""
            UPDATE "CampaignDailyStats" SET "ConvertedReferrals" = "CampaignDailyStats"."ConvertedReferrals" + 1
                WHERE "CampaignId" = {campaign} AND "Day" = {Arg(DateOnly.FromDateTime(conversion.OccurredAt))}
                    AND "Slot" = {slotArg} AND EXISTS (SELECT 1 FROM first_purchase)
            """;
        sql.Append(CultureInfo.InvariantCulture, $"""
            WITH first_purchase AS (
                UPDATE "Referrals" SET "ConvertedAt" = {Arg(conversion.OccurredAt)}
                WHERE "Id" = {Arg(referral.Id)} AND "ConvertedAt" IS NULL
                RETURNING 1),
            converted AS (
                UPDATE "Participants" SET "ConvertedReferrals" = "ConvertedReferrals" + 1
                WHERE "Id" = {Arg(referral.ReferrerId)} AND EXISTS (SELECT 1 FROM first_purchase)
                RETURNING 1)
            """);
        if (candidates.Count == 0)
        {
            sql.Append('\n').Append(convertedDay).Append(";\n");
            return;
        }

        var pending = Arg(nameof(RewardStatus.Pending));
        var created = Arg(candidates[0].Reward.CreatedAt);
        sql.Append(CultureInfo.InvariantCulture, $"""
            ,
            converted_day AS (
                {convertedDay}),
            granted AS (
                INSERT INTO "Rewards" ({RewardColumns})
                SELECT g.id, {campaign}, g.participant, g.rule, {Arg(referral.Id)}, {Arg(conversion.Id)},
                    g.amount, g.currency, {pending}, g.grant_key, {created}, {created}
                FROM (SELECT COUNT(*) FROM converted) AS referrer_first CROSS JOIN (VALUES
            """);
        for (var i = 0; i < candidates.Count; i++)
        {
            var (r, firstOnly) = candidates[i];
            RawSqlRows.Append(sql, args, first: i == 0, [r.Id, r.ParticipantId, r.RuleId, r.Amount, r.Currency, r.GrantKey, firstOnly]);
        }

        sql.Append(CultureInfo.InvariantCulture, $"""
             ) AS g (id, participant, rule, amount, currency, grant_key, first_only)
                WHERE NOT g.first_only OR EXISTS (SELECT 1 FROM first_purchase)
                ON CONFLICT ("CampaignId", "GrantKey") DO NOTHING
                RETURNING "Id", "ParticipantId", "Currency", "Amount"),
            per_campaign AS (
                {RewardTotalsOfGranted(campaign, pending, slotArg)}),
            per_participant AS (
                {ParticipantRewardTotalsOfGranted(campaign, pending)})
            SELECT "Id" FROM granted
            """);
    }
}
