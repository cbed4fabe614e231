using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Conversions;
using RefTrack.Data;
using RefTrack.Referrals;

namespace RefTrack.Rewards;

/// <summary>
/// PostgreSQL: the grant steps of a signup (queries of the signup's one statement,
/// <see cref="Participants.PostgresSignupStatement"/>) and of a purchase (a statement of its own), so that rows other
/// writers also need (the referrer's counter row, a referral's first-purchase stamp) are held for that statement and
/// the commit, not across round trips. Rewards are inserted with <c>ON CONFLICT DO NOTHING</c> on the grant key, as
/// <see cref="RewardGranter.GrantAsync"/> does. SQLite (one writer) runs the same steps one by one.
/// </summary>
internal static class PostgresGrantStatements
{
    private const string RewardColumns = """
        "Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "ConversionId", "Amount", "Currency", "Status",
        "GrantKey", "CreatedAt", "UpdatedAt"
        """;

    /// <summary>
    /// A signup's new qualified referral, as further queries of the signup's <c>WITH</c>
    /// (<see cref="Participants.PostgresSignupStatement"/>), each starting with <c>,</c>: increments the referrer's
    /// count only if <paramref name="onlyIf"/> holds (the participant was written), inserts the candidate rewards whose
    /// count range holds the new count, and adds what it inserted to the campaign-wide and per-participant reward
    /// rollups. Tables are locked in the order every writer takes them: the referrer's row's, then the reward rollups',
    /// campaign-wide before per-participant (PostgreSQL locks a statement's tables as it reads it, its WITH queries in
    /// order; the rebuild locks them in that order too: <see cref="Reports.RollupRebuilder"/>). Of the rows, only the
    /// referrer's and its per-participant reward totals are shared with other writers, and the totals are written after
    /// the count (they read the rewards, which read it); the campaign-wide rows are this statement's own delta slots.
    /// </summary>
    public static void AppendSignup(
        StringBuilder sql, List<object> args, int slot, Referral referral,
        IReadOnlyList<(Reward Reward, int From, int To)> candidates, string onlyIf)
    {
        string Arg(object value) => RawSqlRows.Placeholder(args, value);

        sql.Append(CultureInfo.InvariantCulture, $"""
            ,
            counted AS (
                UPDATE "Participants" SET "QualifiedReferrals" = "QualifiedReferrals" + 1
                WHERE "Id" = {Arg(referral.ReferrerId)} AND {onlyIf}
                RETURNING "QualifiedReferrals" AS n)
            """);
        if (candidates.Count == 0)
        {
            return;
        }

        var campaign = Arg(referral.CampaignId);
        var pending = Arg(nameof(RewardStatus.Pending));
        var created = Arg(candidates[0].Reward.CreatedAt);
        sql.Append(CultureInfo.InvariantCulture, $"""
            ,
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
                INSERT INTO "RewardTotals" ("CampaignId", "Currency", "Status", "Slot", "Count", "Amount")
                SELECT {campaign}, "Currency", {pending}, {Arg(slot)}, COUNT(*), SUM("Amount")::bigint FROM granted GROUP BY "Currency"
                ON CONFLICT ("CampaignId", "Currency", "Status", "Slot") DO UPDATE
                SET "Count" = "RewardTotals"."Count" + excluded."Count", "Amount" = "RewardTotals"."Amount" + excluded."Amount"),
            per_participant AS (
                INSERT INTO "ParticipantRewardTotals" ("CampaignId", "ParticipantId", "Currency", "Status", "Count", "Amount")
                SELECT {campaign}, "ParticipantId", "Currency", {pending}, COUNT(*), SUM("Amount")::bigint
                FROM granted GROUP BY "ParticipantId", "Currency" ORDER BY "ParticipantId", "Currency"
                ON CONFLICT ("CampaignId", "ParticipantId", "Currency", "Status") DO UPDATE
                SET "Count" = "ParticipantRewardTotals"."Count" + excluded."Count",
                    "Amount" = "ParticipantRewardTotals"."Amount" + excluded."Amount")
            """);
    }

    /// <summary>
    /// A referred user's purchase: stamps the referral's first purchase (<c>WHERE "ConvertedAt" IS NULL</c>, so
    /// exactly one purchase per referral does) and inserts the candidate rewards, those marked first-purchase-only
    /// only if this statement stamped it. Returns whether it did and the ids of the rewards inserted.
    /// </summary>
    public static async Task<(bool IsFirstPurchase, HashSet<Guid> Inserted)> PurchaseAsync(
        AppDbContext writeDb, Referral referral, Conversion conversion,
        IReadOnlyList<(Reward Reward, bool FirstPurchaseOnly)> candidates, CancellationToken ct)
    {
        var args = new List<object>();
        string Arg(object value) => RawSqlRows.Placeholder(args, value);

        var created = Arg(candidates[0].Reward.CreatedAt);
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"""
            WITH first_purchase AS (
                UPDATE "Referrals" SET "ConvertedAt" = {Arg(conversion.OccurredAt)}
                WHERE "Id" = {Arg(referral.Id)} AND "ConvertedAt" IS NULL
                RETURNING 1),
            granted AS (
                INSERT INTO "Rewards" ({RewardColumns})
                SELECT g.id, {Arg(referral.CampaignId)}, g.participant, g.rule, {Arg(referral.Id)}, {Arg(conversion.Id)},
                    g.amount, g.currency, {Arg(nameof(RewardStatus.Pending))}, g.grant_key, {created}, {created}
                FROM (VALUES
            """);
        for (var i = 0; i < candidates.Count; i++)
        {
            var (r, firstOnly) = candidates[i];
            RawSqlRows.Append(sql, args, first: i == 0, [r.Id, r.ParticipantId, r.RuleId, r.Amount, r.Currency, r.GrantKey, firstOnly]);
        }

        sql.Append("""
             ) AS g (id, participant, rule, amount, currency, grant_key, first_only)
                WHERE NOT g.first_only OR EXISTS (SELECT 1 FROM first_purchase)
                ON CONFLICT ("CampaignId", "GrantKey") DO NOTHING
                RETURNING "Id")
            SELECT (SELECT COUNT(*)::int FROM first_purchase) AS "First", granted."Id" AS "RewardId"
            FROM (SELECT 1) AS one LEFT JOIN granted ON TRUE
            """);
        var rows = await RawSqlRows.QueryAsync(writeDb, sql.ToString(), args,
            r => (First: r.GetInt32(0), RewardId: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1)), ct);
        return (rows[0].First == 1, rows.Where(r => r.RewardId is not null).Select(r => r.RewardId!.Value).ToHashSet());
    }
}
