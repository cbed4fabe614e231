using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UnusedEmailIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Participants_CampaignId_NormalizedEmail",
                table: "Participants");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Participants_CampaignId_NormalizedEmail",
                table: "Participants",
                columns: new[] { "CampaignId", "NormalizedEmail" });
        }
    }
}
