using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <summary>
    /// The lists' indexes end with the id they page by, so that a page is read off an index in order instead of sorted
    /// out of every row of the campaign: participants and conversions by (campaign, id), conversions by (participant,
    /// id), rewards by (campaign, status, id), (participant, status, id) and (campaign, conversion, id). A plain build
    /// holds off every signup's or purchase's insert into the table while it runs; <c>IF NOT EXISTS</c> lets an
    /// operator build the new indexes beforehand without that lock (<c>CREATE INDEX CONCURRENTLY</c>, which cannot
    /// run in a migration's transaction: docs/operations.md), and the old ones are then dropped in a moment. An index
    /// of one of these names left invalid by a failed concurrent build is dropped and built again.
    /// </summary>
    public partial class ListIndexesEndWithId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""
                DO $$
                DECLARE failed text;
                BEGIN
                    -- A concurrent build that failed leaves an invalid index of its name, which IF NOT EXISTS would
                    -- take for one built: dropped, so that it is built below before the old ones go.
                    FOR failed IN
                        SELECT c.relname FROM pg_index i
                        JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = current_schema() AND NOT i.indisvalid AND c.relname IN (
                            'IX_Participants_CampaignId_Id', 'IX_Conversions_CampaignId_Id',
                            'IX_Conversions_ParticipantId_Id', 'IX_Rewards_CampaignId_Status_Id',
                            'IX_Rewards_ParticipantId_Status_Id', 'IX_Rewards_CampaignId_ConversionId_Id')
                    LOOP
                        EXECUTE format('DROP INDEX %I', failed);
                    END LOOP;
                END $$;
                CREATE INDEX IF NOT EXISTS "IX_Participants_CampaignId_Id" ON "Participants" ("CampaignId", "Id");
                CREATE INDEX IF NOT EXISTS "IX_Conversions_CampaignId_Id" ON "Conversions" ("CampaignId", "Id");
                CREATE INDEX IF NOT EXISTS "IX_Conversions_ParticipantId_Id" ON "Conversions" ("ParticipantId", "Id");
                CREATE INDEX IF NOT EXISTS "IX_Rewards_CampaignId_Status_Id"
                    ON "Rewards" ("CampaignId", "Status", "Id");
                CREATE INDEX IF NOT EXISTS "IX_Rewards_ParticipantId_Status_Id"
                    ON "Rewards" ("ParticipantId", "Status", "Id");
                CREATE INDEX IF NOT EXISTS "IX_Rewards_CampaignId_ConversionId_Id"
                    ON "Rewards" ("CampaignId", "ConversionId", "Id") WHERE "ConversionId" IS NOT NULL;
                DROP INDEX IF EXISTS "IX_Conversions_ParticipantId_Type";
                DROP INDEX IF EXISTS "IX_Rewards_CampaignId_Status";
                DROP INDEX IF EXISTS "IX_Rewards_ParticipantId_Status";
                DROP INDEX IF EXISTS "IX_Rewards_CampaignId_ConversionId";
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Rewards_CampaignId_ConversionId_Id",
                table: "Rewards");

            migrationBuilder.DropIndex(
                name: "IX_Rewards_CampaignId_Status_Id",
                table: "Rewards");

            migrationBuilder.DropIndex(
                name: "IX_Rewards_ParticipantId_Status_Id",
                table: "Rewards");

            migrationBuilder.DropIndex(
                name: "IX_Participants_CampaignId_Id",
                table: "Participants");

            migrationBuilder.DropIndex(
                name: "IX_Conversions_CampaignId_Id",
                table: "Conversions");

            migrationBuilder.DropIndex(
                name: "IX_Conversions_ParticipantId_Id",
                table: "Conversions");

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_CampaignId_ConversionId",
                table: "Rewards",
                columns: new[] { "CampaignId", "ConversionId" },
                filter: "\"ConversionId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_CampaignId_Status",
                table: "Rewards",
                columns: new[] { "CampaignId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_ParticipantId_Status",
                table: "Rewards",
                columns: new[] { "ParticipantId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Conversions_ParticipantId_Type",
                table: "Conversions",
                columns: new[] { "ParticipantId", "Type" });
        }
    }
}
