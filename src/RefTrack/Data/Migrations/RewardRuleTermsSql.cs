namespace RefTrack.Data.Migrations;

/// <summary>
/// Migration <c>RewardRuleTerms</c>, on both databases: each rule's <c>Terms</c> as <see cref="Rewards.RewardRule.TermsOf"/>
/// writes them, before the unique index of active rules' terms is built. An active rule that repeats an older active
/// one (created twice before the index) keeps paying as it did, its terms left null, outside the index; only the
/// one of each such set with the lowest id takes them (ids are time-ordered, so the oldest but for rules made within
/// the same millisecond). The same SQL on both: <c>||</c>, <c>CAST … AS TEXT</c> and <c>CASE</c> on
/// a boolean read the same in SQLite and PostgreSQL.
/// </summary>
internal static class RewardRuleTermsSql
{
    public const string Backfill = """
        UPDATE "RewardRules" SET "Terms" =
            "Trigger" || '|' || "Recipient" || '|' || COALESCE(CAST("Amount" AS TEXT), '') || '|' ||
            COALESCE(CAST("PercentBasisPoints" AS TEXT), '') || '|' || "Currency" || '|' ||
            CASE WHEN "FirstPurchaseOnly" THEN '1' ELSE '0' END || '|' ||
            COALESCE(CAST("MinReferrals" AS TEXT), '') || '|' || COALESCE(CAST("ReferralCount" AS TEXT), '');
        UPDATE "RewardRules" SET "Terms" = NULL
        WHERE "IsActive" AND EXISTS (
            SELECT 1 FROM "RewardRules" AS "Older"
            WHERE "Older"."IsActive" AND "Older"."CampaignId" = "RewardRules"."CampaignId"
              AND "Older"."Terms" = "RewardRules"."Terms" AND "Older"."Id" < "RewardRules"."Id");
        """;
}
