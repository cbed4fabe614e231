using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <summary>
    /// The per-referrer daily click rollup keyed by day before referrer, with an index on (campaign, referrer) for the
    /// participant report. SQLite cannot change a primary key in place, and EF Core's own rebuild would drop
    /// <c>WITHOUT ROWID</c> (<see cref="KeyTablesWithoutRowId"/>; <c>MigrationTests</c> checks it stays), so the table
    /// is rebuilt here by hand, its rows copied in the new key's order.
    /// </summary>
    public partial class ParticipantClicksDayFirst : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            Rebuild(migrationBuilder, "\"CampaignId\", \"Day\", \"ParticipantId\"");
            migrationBuilder.CreateIndex(
                name: "IX_ParticipantDailyClicks_CampaignId_ParticipantId",
                table: "ParticipantDailyClicks",
                columns: new[] { "CampaignId", "ParticipantId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            Rebuild(migrationBuilder, "\"CampaignId\", \"ParticipantId\", \"Day\""); // Its index goes with the old table.

        private static void Rebuild(MigrationBuilder migrationBuilder, string key)
        {
            migrationBuilder.Sql($"""
                CREATE TABLE "ef_temp_ParticipantDailyClicks" (
                    "CampaignId" TEXT NOT NULL,
                    "ParticipantId" TEXT NOT NULL,
                    "Day" TEXT NOT NULL,
                    "Clicks" INTEGER NOT NULL,
                    "UniqueClicks" INTEGER NOT NULL,
                    "BotClicks" INTEGER NOT NULL,
                    CONSTRAINT "PK_ParticipantDailyClicks" PRIMARY KEY ({key})
                ) WITHOUT ROWID;
                """);
            migrationBuilder.Sql($"""
                INSERT INTO "ef_temp_ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
                SELECT "CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks" FROM "ParticipantDailyClicks"
                ORDER BY {key};
                """);
            migrationBuilder.Sql("""DROP TABLE "ParticipantDailyClicks";""");
            migrationBuilder.Sql("""ALTER TABLE "ef_temp_ParticipantDailyClicks" RENAME TO "ParticipantDailyClicks";""");
        }
    }
}
