using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RewardsWithoutRuleForeignKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Rewards_RewardRules_RuleId",
                table: "Rewards");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddForeignKey(
                name: "FK_Rewards_RewardRules_RuleId",
                table: "Rewards",
                column: "RuleId",
                principalTable: "RewardRules",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }
    }
}
