using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <summary>
    /// SQLite only, no model change: the click writer that last wrote the <c>ClickRollupProgress</c> row. Each process on
    /// a SQLite file has a click writer holding per-referrer sums of its own; it keeps them only while the row is still
    /// the one it wrote, and two writers could write the same rowids, so the row now names its writer
    /// (<see cref="RefTrack.Links.SqliteReferrerRollup"/>). Null (a row from before, or after a rollup rebuild) is
    /// nobody's: the next batch of every writer recovers from the Clicks table.
    /// </summary>
    public partial class ClickRollupProgressWriter : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""ALTER TABLE "ClickRollupProgress" ADD COLUMN "Writer" TEXT NULL;""");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""ALTER TABLE "ClickRollupProgress" DROP COLUMN "Writer";""");
    }
}
