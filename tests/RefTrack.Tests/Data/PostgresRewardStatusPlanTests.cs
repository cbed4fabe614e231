using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Rewards;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// A campaign's page of one status, where another campaign holds most rewards of that status (an approval queue) and
/// this one barely any. Estimated from each column alone, the pair looked common in this campaign, and PostgreSQL read
/// the primary key in id order through nearly every reward of the table for one page (bench/list-plans: 1,272,609 rows,
/// 0.3-0.9 s); the rewards' statistics on (campaign, status) together give it the pair's own frequency.
/// Twenty thousand rewards show the same plan; the statement is EF Core's own command for the page, EXPLAINed.
/// </summary>
public sealed class PostgresRewardStatusPlanTests
{
    [Fact]
    public async Task A_status_rare_in_its_campaign_and_common_in_another_is_read_off_the_status_index()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var queue = await client.CreateCampaign(name: "Queue");
        var quiet = await client.CreateCampaign(name: "Quiet");
        var inQueue = (await client.Register(queue, "queued")).Str("id");
        var inQuiet = (await client.Register(quiet, "paid-out")).Str("id");

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Ids in time order as the service mints them; every other reward is the queue's and pending, the quiet
        // campaign's are paid but for one in five thousand.
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "Rewards" ("Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "Amount", "Currency",
                "Status", "GrantKey", "CreatedAt", "UpdatedAt")
            SELECT (lpad(to_hex(i), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                CASE WHEN i % 2 = 0 THEN {0} ELSE {1} END, CASE WHEN i % 2 = 0 THEN {2} ELSE {3} END,
                gen_random_uuid(), gen_random_uuid(), 100, 'USD',
                CASE WHEN i % 2 = 0 OR i % 10000 = 1 THEN 'Pending' ELSE 'Paid' END, 'g' || i, now(), now()
            FROM generate_series(1, 20000) i
            """, Guid.Parse(queue), Guid.Parse(quiet), Guid.Parse(inQueue), Guid.Parse(inQuiet));
        await db.Database.ExecuteSqlRawAsync("""ANALYZE "Rewards" """);

        var page = PageRequest.Parse(cursor: null, limit: 50, new Validator());
        await using var command = RewardApi.PageQuery(db, Guid.Parse(quiet), null, RewardStatus.Pending, page)
            .CreateDbCommand();
        command.CommandText = "EXPLAIN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        var plan = await ReadPlanAsync(command);

        Assert.Contains("IX_Rewards_CampaignId_Status_Id", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("PK_Rewards", plan, StringComparison.Ordinal);
    }

    private static async Task<string> ReadPlanAsync(DbCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
