using System.Globalization;
using System.Text;
using RefTrack.Data;
using RefTrack.Referrals;

namespace RefTrack.Rewards;

/// <summary>
/// PostgreSQL: a referrer's new qualified referral as one statement. It increments the referrer's count, inserts the
/// candidate rewards whose count range holds the new count (<c>ON CONFLICT DO NOTHING</c> on the grant key, as
/// <see cref="RewardGranter.GrantAsync"/> does), and adds what it inserted to the per-participant and the
/// campaign-wide reward rollups. Lock order as everywhere: the referrer's row, then the reward rollup rows.
/// </summary>
internal static class PostgresCountedGrants
{
    public static void Append(
        StringBuilder sql, List<object> args, Referral referral, IReadOnlyList<(Reward Reward, int From, int To)> candidates,
        int slot)
    {
        string Arg(object value)
        {
            args.Add(value);
            return "{" + (args.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
        }

        var referrer = Arg(referral.ReferrerId);
        if (candidates.Count == 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $"""UPDATE "Participants" SET "QualifiedReferrals" = "QualifiedReferrals" + 1 WHERE "Id" = {referrer};""").Append('\n');
            return;
        }

        var campaign = Arg(referral.CampaignId);
        var pending = Arg(nameof(RewardStatus.Pending));
        var first = candidates[0].Reward;
        var created = Arg(first.CreatedAt);
        sql.Append(CultureInfo.InvariantCulture, $"""
            WITH counted AS (
                UPDATE "Participants" SET "QualifiedReferrals" = "QualifiedReferrals" + 1 WHERE "Id" = {referrer}
                RETURNING "QualifiedReferrals" AS n),
            granted AS (
                INSERT INTO "Rewards" ("Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "Amount", "Currency",
                    "Status", "GrantKey", "CreatedAt", "UpdatedAt")
                SELECT g.id, {campaign}, g.participant, g.rule, {Arg(referral.Id)}, g.amount, g.currency, {pending},
                    g.grant_key, {created}, {created}
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
            per_participant AS (
                INSERT INTO "ParticipantRewardTotals" ("CampaignId", "ParticipantId", "Currency", "Status", "Count", "Amount")
                SELECT {campaign}, "ParticipantId", "Currency", {pending}, COUNT(*), SUM("Amount")::bigint FROM granted
                GROUP BY "ParticipantId", "Currency" ORDER BY "ParticipantId", "Currency"
                ON CONFLICT ("CampaignId", "ParticipantId", "Currency", "Status") DO UPDATE
                SET "Count" = "ParticipantRewardTotals"."Count" + excluded."Count",
                    "Amount" = "ParticipantRewardTotals"."Amount" + excluded."Amount")
            INSERT INTO "RewardTotals" ("CampaignId", "Currency", "Status", "Slot", "Count", "Amount")
            SELECT {campaign}, "Currency", {pending}, {Arg(slot)}, COUNT(*), SUM("Amount")::bigint FROM granted GROUP BY "Currency"
            ON CONFLICT ("CampaignId", "Currency", "Status", "Slot") DO UPDATE
            SET "Count" = "RewardTotals"."Count" + excluded."Count", "Amount" = "RewardTotals"."Amount" + excluded."Amount";

            """);
    }
}
