using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ParticipantRewardTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ParticipantRewardTotals",
                columns: table => new
                {
                    CampaignId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ParticipantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ParticipantRewardTotals", x => new { x.CampaignId, x.ParticipantId, x.Currency, x.Status });
                });

            // Existing rewards: the writers keep the table current from here on. The statement ends with ';' because
            // `dotnet ef migrations script` pastes it verbatim into a script of many statements.
            migrationBuilder.Sql("""
                INSERT INTO "ParticipantRewardTotals" ("CampaignId", "ParticipantId", "Currency", "Status", "Count", "Amount")
                SELECT "CampaignId", "ParticipantId", "Currency", "Status", COUNT(*), SUM("Amount") FROM "Rewards"
                GROUP BY "CampaignId", "ParticipantId", "Currency", "Status";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ParticipantRewardTotals");
        }
    }
}
