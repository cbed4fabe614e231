using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UnusedForeignKeyIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Rewards_RuleId",
                table: "Rewards");

            migrationBuilder.DropIndex(
                name: "IX_Participants_ReferredById",
                table: "Participants");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Rewards_RuleId",
                table: "Rewards",
                column: "RuleId");

            migrationBuilder.CreateIndex(
                name: "IX_Participants_ReferredById",
                table: "Participants",
                column: "ReferredById");
        }
    }
}
