using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <summary>
    /// The index <see cref="RefTrack.Infrastructure.IdempotencySweep"/> finds expired records by. A plain build holds
    /// off writes to the table (so requests sent with an Idempotency-Key wait) while it runs, and the table has kept
    /// every key so far; <c>IF NOT EXISTS</c> lets an operator build it beforehand without that lock
    /// (<c>CREATE INDEX CONCURRENTLY</c>, which cannot run in a migration's transaction: docs/operations.md).
    /// </summary>
    public partial class IdempotencyRecordsCreatedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS "IX_IdempotencyRecords_CreatedAt" ON "IdempotencyRecords" ("CreatedAt");
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_IdempotencyRecords_CreatedAt",
                table: "IdempotencyRecords");
        }
    }
}
