using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <summary>
    /// Statistics on the rewards' campaign and status taken together. PostgreSQL otherwise estimates a (campaign,
    /// status) pair from each column alone, so where one campaign holds most of a status (an approval queue) and
    /// another barely any, the second's page of that status looked common in it: the planner read the primary key in
    /// id order, filtering, through nearly the whole table for one page (bench/list-plans' lopsided phase: 1,272,609
    /// rows, 0.3-0.9 s; docs/benchmarks.md, Lists). With the pairs' own frequencies it reads (campaign, status, id),
    /// while the most common pairs the statistics keep cover nearly every reward; since then the page's query is shaped
    /// so that only that index serves it, whatever the estimates (RewardApi.OneStatus), and these stay for the
    /// estimates they get right. ANALYZE (autovacuum's included) fills them; nothing is written on a reward's insert. SQLite plans without
    /// statistics and needs none.
    /// </summary>
    public partial class RewardsCampaignStatusStatistics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE STATISTICS IF NOT EXISTS "ST_Rewards_CampaignId_Status" (mcv)
                    ON "CampaignId", "Status" FROM "Rewards";
                """);
            // Filled now rather than at autovacuum's next ANALYZE of the table, which may be far off on a large one.
            migrationBuilder.Sql("""ANALYZE "Rewards";""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP STATISTICS IF EXISTS "ST_Rewards_CampaignId_Status";""");
        }
    }
}
