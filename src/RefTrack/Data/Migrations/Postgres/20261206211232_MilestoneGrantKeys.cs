using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Postgres
{
    /// <summary>Milestone rewards keyed by what they reward: <see cref="MilestoneGrantKeysSql"/>.</summary>
    public partial class MilestoneGrantKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(MilestoneGrantKeysSql.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(MilestoneGrantKeysSql.Down);
        }
    }
}
