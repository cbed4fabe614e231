using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <summary>
    /// The rewards' index on (campaign, conversion) without the rewards that name no conversion (those of signups and
    /// milestones). A plain build holds off every signup's and purchase's insert into Rewards while it runs; an operator
    /// can build the partial index beforehand without that lock and swap it in under this name (docs/operations.md),
    /// and the migration then finds it partial already and leaves it.
    /// </summary>
    public partial class RewardsConversionIndexPurchasesOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF NOT EXISTS (
                        SELECT FROM pg_indexes
                        WHERE schemaname = current_schema() AND indexname = 'IX_Rewards_CampaignId_ConversionId'
                            AND indexdef LIKE '%WHERE%') THEN
                        DROP INDEX IF EXISTS "IX_Rewards_CampaignId_ConversionId";
                        CREATE INDEX "IX_Rewards_CampaignId_ConversionId" ON "Rewards" ("CampaignId", "ConversionId")
                            WHERE "ConversionId" IS NOT NULL;
                    END IF;
                END $$;
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Rewards_CampaignId_ConversionId",
                table: "Rewards");

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_CampaignId_ConversionId",
                table: "Rewards",
                columns: new[] { "CampaignId", "ConversionId" });
        }
    }
}
