using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <summary>
    /// SQLite only, no model change: the one row that says which committed clicks the per-referrer daily rollup
    /// already counts, so that the rollup may be written a little after its clicks while clicks keep coming
    /// (<see cref="RefTrack.Links.SqliteReferrerRollup"/>), and the clicks it does not yet count are added from the
    /// Clicks table after a crash. Written by the click writer only, through raw SQL, so not part of the EF model.
    /// At creation the rollup counts every click there is.
    /// </summary>
    public partial class ClickRollupProgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE "ClickRollupProgress" (
                    "Id" INTEGER NOT NULL CONSTRAINT "PK_ClickRollupProgress" PRIMARY KEY CHECK ("Id" = 1),
                    "FullThrough" INTEGER NOT NULL,
                    "ReadyThrough" INTEGER NOT NULL,
                    "NextCampaignId" TEXT NULL,
                    "NextParticipantId" TEXT NULL,
                    "NextDay" TEXT NULL
                );
                """);
            migrationBuilder.Sql("""
                INSERT INTO "ClickRollupProgress" ("Id", "FullThrough", "ReadyThrough")
                SELECT 1, coalesce(max(rowid), 0), coalesce(max(rowid), 0) FROM "Clicks";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""DROP TABLE "ClickRollupProgress";""");
    }
}
