using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RollupDeltaIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_RewardTotals_Deltas",
                table: "RewardTotals",
                column: "Slot",
                filter: "\"Slot\" >= 16");

            migrationBuilder.CreateIndex(
                name: "IX_CampaignDailyStats_Deltas",
                table: "CampaignDailyStats",
                column: "Slot",
                filter: "\"Slot\" >= 16");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RewardTotals_Deltas",
                table: "RewardTotals");

            migrationBuilder.DropIndex(
                name: "IX_CampaignDailyStats_Deltas",
                table: "CampaignDailyStats");
        }
    }
}
