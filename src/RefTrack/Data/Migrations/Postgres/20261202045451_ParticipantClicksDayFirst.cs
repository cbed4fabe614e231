using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <summary>The per-referrer daily click rollup keyed by day before referrer, with an index on (campaign,
    /// referrer) for the participant report: the click writers change only today's rows, which now lie side by
    /// side.</summary>
    public partial class ParticipantClicksDayFirst : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_ParticipantDailyClicks",
                table: "ParticipantDailyClicks");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ParticipantDailyClicks",
                table: "ParticipantDailyClicks",
                columns: new[] { "CampaignId", "Day", "ParticipantId" });

            migrationBuilder.CreateIndex(
                name: "IX_ParticipantDailyClicks_CampaignId_ParticipantId",
                table: "ParticipantDailyClicks",
                columns: new[] { "CampaignId", "ParticipantId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_ParticipantDailyClicks",
                table: "ParticipantDailyClicks");

            migrationBuilder.DropIndex(
                name: "IX_ParticipantDailyClicks_CampaignId_ParticipantId",
                table: "ParticipantDailyClicks");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ParticipantDailyClicks",
                table: "ParticipantDailyClicks",
                columns: new[] { "CampaignId", "ParticipantId", "Day" });
        }
    }
}
