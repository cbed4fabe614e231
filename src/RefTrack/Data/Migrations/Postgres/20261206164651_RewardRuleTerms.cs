using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <summary>One active rule per terms: <see cref="RewardRuleTermsSql"/>.</summary>
    public partial class RewardRuleTerms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Terms",
                table: "RewardRules",
                type: "character varying(80)",
                maxLength: 80,
                nullable: true);

            migrationBuilder.Sql(RewardRuleTermsSql.Backfill);

            migrationBuilder.CreateIndex(
                name: "IX_RewardRules_CampaignId_Terms",
                table: "RewardRules",
                columns: new[] { "CampaignId", "Terms" },
                unique: true,
                filter: "\"IsActive\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RewardRules_CampaignId_Terms",
                table: "RewardRules");

            migrationBuilder.DropColumn(
                name: "Terms",
                table: "RewardRules");
        }
    }
}
