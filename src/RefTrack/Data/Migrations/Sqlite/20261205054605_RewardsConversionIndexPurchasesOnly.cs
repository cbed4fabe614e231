using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RewardsConversionIndexPurchasesOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Rewards_CampaignId_ConversionId",
                table: "Rewards");

            migrationBuilder.CreateIndex(
                name: "IX_Rewards_CampaignId_ConversionId",
                table: "Rewards",
                columns: new[] { "CampaignId", "ConversionId" },
                filter: "\"ConversionId\" IS NOT NULL");
        }

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
