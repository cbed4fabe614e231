namespace RefTrack.Data.Migrations;

/// <summary>
/// Migration <c>MilestoneGrantKeys</c>, on both databases: a milestone reward granted under the per-rule key
/// (<c>{rule}:{referrer}:milestone</c>, ids as 32 hex digits) takes the key it has now,
/// <see cref="Rewards.RewardRules.MilestoneKey"/> (<c>milestone:{count}:{currency}:{referrer}</c>): left as it was,
/// every referrer already paid a milestone would be paid it again with their next referral. Where a referrer was
/// already paid one count and currency twice (a rule replaced, the fault this migration ends), one reward takes the
/// key, the lowest id; the others keep theirs and stay as they are. The same SQL on both: <c>||</c>, <c>CAST … AS
/// TEXT</c>, <c>substr</c> and <c>UPDATE … FROM</c> read the same in SQLite and PostgreSQL.
/// </summary>
internal static class MilestoneGrantKeysSql
{
    public const string Up = """
        UPDATE "Rewards" SET "GrantKey" = 'milestone:' || CAST("Rule"."ReferralCount" AS TEXT) || ':'
            || "Rule"."Currency" || ':' || substr("Rewards"."GrantKey", 34, 32)
        FROM "RewardRules" AS "Rule"
        WHERE "Rule"."Id" = "Rewards"."RuleId" AND "Rule"."Trigger" = 'Milestone' AND "Rule"."ReferralCount" IS NOT NULL
          AND "Rewards"."GrantKey" LIKE '%:milestone'
          AND NOT EXISTS (
              SELECT 1 FROM "Rewards" AS "Same" JOIN "RewardRules" AS "SameRule" ON "SameRule"."Id" = "Same"."RuleId"
              WHERE "Same"."CampaignId" = "Rewards"."CampaignId" AND "Same"."GrantKey" LIKE '%:milestone'
                AND substr("Same"."GrantKey", 34, 32) = substr("Rewards"."GrantKey", 34, 32)
                AND "SameRule"."ReferralCount" = "Rule"."ReferralCount" AND "SameRule"."Currency" = "Rule"."Currency"
                AND "Same"."Id" < "Rewards"."Id");
        """;

    /// <summary>Back to the per-rule keys the versions before read (the rule's id as 32 lower-case hex digits).</summary>
    public const string Down = """
        UPDATE "Rewards" SET "GrantKey" = lower(replace(CAST("RuleId" AS TEXT), '-', '')) || ':'
            || substr("GrantKey", length("GrantKey") - 31, 32) || ':milestone'
        WHERE "GrantKey" LIKE 'milestone:%';
        """;
}
