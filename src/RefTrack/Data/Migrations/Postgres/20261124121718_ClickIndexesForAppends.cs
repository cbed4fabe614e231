using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ClickIndexesForAppends : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Clicks_ParticipantId_IsRepeat",
                table: "Clicks");

            migrationBuilder.DropPrimaryKey(
                name: "PK_ClickVisitors",
                table: "ClickVisitors");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ClickVisitors",
                table: "ClickVisitors",
                columns: new[] { "CampaignId", "VisitorKey", "ReferralCodeId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_ClickVisitors",
                table: "ClickVisitors");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ClickVisitors",
                table: "ClickVisitors",
                columns: new[] { "CampaignId", "ReferralCodeId", "VisitorKey" });

            migrationBuilder.CreateIndex(
                name: "IX_Clicks_ParticipantId_IsRepeat",
                table: "Clicks",
                columns: new[] { "ParticipantId", "IsRepeat" });
        }
    }
}
