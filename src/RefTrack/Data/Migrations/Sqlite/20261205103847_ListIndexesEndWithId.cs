using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ListIndexesEndWithId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Rewards_CampaignId_ConversionId",
                table: "Rewards");

            migrationBuilder.DropIndex(
                name: "IX_Rewards_CampaignId_Status",
                table: "Rewards");

            migrationBuilder.DropIndex(
                name: "IX_Rewards_ParticipantId_Status",
                table: "Rewards");

            migrationBuilder.DropIndex(
                name: "IX_Conversions_ParticipantId_Type",
                table: "Conversions");

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_CampaignId_ConversionId_Id",
                table: "Rewards",
                columns: new[] { "CampaignId", "ConversionId", "Id" },
                filter: "\"ConversionId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_CampaignId_Status_Id",
                table: "Rewards",
                columns: new[] { "CampaignId", "Status", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_ParticipantId_Status_Id",
                table: "Rewards",
                columns: new[] { "ParticipantId", "Status", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Participants_CampaignId_Id",
                table: "Participants",
                columns: new[] { "CampaignId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Conversions_CampaignId_Id",
                table: "Conversions",
                columns: new[] { "CampaignId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Conversions_ParticipantId_Id",
                table: "Conversions",
                columns: new[] { "ParticipantId", "Id" });
        }

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
