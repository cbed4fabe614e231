using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RefTrack.Data.Migrations.Sqlite
{
    /// <summary>
    /// SQLite only, no model change: the rollup tables and the visitor keys become WITHOUT ROWID tables, stored in
    /// their primary key's B-tree. A rowid table with a composite key keeps the key in an index of its own besides the
    /// table, so every insert wrote two B-trees and every upsert searched one and updated the other; the click writer
    /// and the signup and purchase units write these tables on every request. EF Core cannot declare WITHOUT ROWID,
    /// so the tables are rebuilt here, and <c>MigrationTests</c> fails if a later migration's rebuild loses it.
    /// </summary>
    public partial class KeyTablesWithoutRowId : Migration
    {
        private static readonly (string Table, string Body, string[] Indexes)[] Tables =
        [
            ("CampaignDailyStats", """
                "CampaignId" TEXT NOT NULL,
                "Day" TEXT NOT NULL,
                "Slot" INTEGER NOT NULL,
                "Clicks" INTEGER NOT NULL,
                "UniqueClicks" INTEGER NOT NULL,
                "BotClicks" INTEGER NOT NULL,
                "Participants" INTEGER NOT NULL,
                "Signups" INTEGER NOT NULL,
                "ConvertedReferrals" INTEGER NOT NULL,
                "Conversions" INTEGER NOT NULL,
                CONSTRAINT "PK_CampaignDailyStats" PRIMARY KEY ("CampaignId", "Day", "Slot")
                """,
                ["""CREATE INDEX "IX_CampaignDailyStats_Deltas" ON "CampaignDailyStats" ("Slot") WHERE "Slot" >= 16"""]),
            ("ParticipantDailyClicks", """
                "CampaignId" TEXT NOT NULL,
                "ParticipantId" TEXT NOT NULL,
                "Day" TEXT NOT NULL,
                "Clicks" INTEGER NOT NULL,
                "UniqueClicks" INTEGER NOT NULL,
                "BotClicks" INTEGER NOT NULL,
                CONSTRAINT "PK_ParticipantDailyClicks" PRIMARY KEY ("CampaignId", "ParticipantId", "Day")
                """, []),
            ("RewardTotals", """
                "CampaignId" TEXT NOT NULL,
                "Currency" TEXT NOT NULL,
                "Status" TEXT NOT NULL,
                "Slot" INTEGER NOT NULL,
                "Count" INTEGER NOT NULL,
                "Amount" INTEGER NOT NULL,
                CONSTRAINT "PK_RewardTotals" PRIMARY KEY ("CampaignId", "Currency", "Status", "Slot")
                """,
                ["""CREATE INDEX "IX_RewardTotals_Deltas" ON "RewardTotals" ("Slot") WHERE "Slot" >= 16"""]),
            ("ParticipantRewardTotals", """
                "CampaignId" TEXT NOT NULL,
                "ParticipantId" TEXT NOT NULL,
                "Currency" TEXT NOT NULL,
                "Status" TEXT NOT NULL,
                "Count" INTEGER NOT NULL,
                "Amount" INTEGER NOT NULL,
                CONSTRAINT "PK_ParticipantRewardTotals" PRIMARY KEY ("CampaignId", "ParticipantId", "Currency", "Status")
                """, []),
            ("ClickVisitors", """
                "CampaignId" TEXT NOT NULL,
                "VisitorKey" TEXT NOT NULL,
                "ReferralCodeId" TEXT NOT NULL,
                CONSTRAINT "PK_ClickVisitors" PRIMARY KEY ("CampaignId", "VisitorKey", "ReferralCodeId")
                """, []),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, " WITHOUT ROWID");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, "");

        /// <summary>SQLite's way to change a table's kind: a new table, the rows copied, the old one dropped, the new
        /// one renamed, its indexes made again. None of these tables has foreign keys either way.</summary>
        private static void Rebuild(MigrationBuilder migrationBuilder, string options)
        {
            foreach (var (table, body, indexes) in Tables)
            {
                migrationBuilder.Sql($"""CREATE TABLE "ef_temp_{table}" ({body}){options};""");
                var columns = string.Join(", ", body.Split('\n')
                    .Select(line => line.Trim())
                    .Where(line => line.StartsWith('"'))
                    .Select(line => line[..(line.IndexOf('"', 1) + 1)]));
                migrationBuilder.Sql($"""INSERT INTO "ef_temp_{table}" ({columns}) SELECT {columns} FROM "{table}";""");
                migrationBuilder.Sql($"""DROP TABLE "{table}";""");
                migrationBuilder.Sql($"""ALTER TABLE "ef_temp_{table}" RENAME TO "{table}";""");
                foreach (var index in indexes)
                {
                    migrationBuilder.Sql(index + ";");
                }
            }
        }
    }
}
