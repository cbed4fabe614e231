using System.Net;
using Npgsql;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// PostgreSQL's writers go on while the rollups are rebuilt. Here a transaction of the test's own writes as a
/// reward's approval does (the reward's row, a delta per status in a rollup slot of its own, the participant's
/// totals) and commits only once the rebuild has started and waits on it: the rebuilt sums must count it once.
/// </summary>
public sealed class PostgresRollupRebuildTests
{
    /// <summary>A rebuild holds the rollup tables against writes for as long as it runs. The click writer's batch
    /// waited for them only as long as a statement may run (the connection's command timeout, Npgsql's 30 s by default)
    /// and after its ten attempts gave its clicks up as lost, about five minutes, while a rebuild of a large database
    /// may run longer (found by review). Here the command timeout is 1 s and the tables are held, as a rebuild's first
    /// statement holds them, for longer than the ten attempts with their pauses take (14.5 s).</summary>
    [Fact]
    public async Task A_click_batch_waits_out_a_rebuild_that_holds_the_rollups_longer_than_a_statement_may_run()
    {
        using var app = new TestApp(Provider.Postgres, database => new Dictionary<string, string?>
        {
            ["RefTrack:Database:ConnectionString"] = database.ConnectionString + ";Command Timeout=1",
        });
        using var metrics = new AppMetrics(app);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        var code = (await client.Register(campaign, "alice")).Str("referralCode");

        await using (await WriteHolds.RollupsAsARebuildHoldsThemAsync(app.Database.ConnectionString))
        {
            Assert.Equal(HttpStatusCode.Found, (await client.GetAsync($"/r/{code}")).StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(16));
        }

        await app.FlushClicksAsync();
        Assert.Equal(0, metrics.Sum("reftrack.clicks.lost"));
        Assert.Equal(1, (await client.CampaignStats(campaign))["clicks"]!.Long("total"));
    }

    [Fact]
    public async Task A_write_that_commits_while_the_rollups_are_rebuilt_is_counted_once()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        await client.AddStandardRules(campaign);
        var code = (await client.Register(campaign, "alice")).Str("referralCode");
        await client.Register(campaign, "friend", referralCode: code); // Alice's pending signup reward, among others.

        await using var writer = new NpgsqlConnection(app.Database.ConnectionString);
        await writer.OpenAsync();
        await using var approval = await writer.BeginTransactionAsync();
        await using (var approve = new NpgsqlCommand("""
            WITH approved AS (
                UPDATE "Rewards" SET "Status" = 'Approved'
                WHERE "Id" = (SELECT "Id" FROM "Rewards" WHERE "Status" = 'Pending' ORDER BY "Id" LIMIT 1)
                RETURNING "CampaignId", "ParticipantId", "Currency", "Amount"),
            totals AS (
                INSERT INTO "RewardTotals" ("CampaignId", "Currency", "Status", "Slot", "Count", "Amount")
                SELECT "CampaignId", "Currency", 'Pending', 99, -1, -"Amount" FROM approved
                UNION ALL SELECT "CampaignId", "Currency", 'Approved', 99, 1, "Amount" FROM approved)
            UPDATE "ParticipantRewardTotals" AS t SET "Count" = t."Count" - 1, "Amount" = t."Amount" - a."Amount"
            FROM approved AS a
            WHERE t."CampaignId" = a."CampaignId" AND t."ParticipantId" = a."ParticipantId"
              AND t."Currency" = a."Currency" AND t."Status" = 'Pending'
            """, writer, approval))
        {
            Assert.Equal(1, await approve.ExecuteNonQueryAsync()); // The participant's pending totals, held.
        }

        var rebuild = client.PostAsync("/api/v1/maintenance/rebuild-rollups", null);
        // The rebuild's first statement locks the rollup tables; the rollup folder may queue behind it meanwhile.
        await PostgresLockWaits.WaitForAsync(app.Database, 1, "rebuilds", "LOCK TABLE");
        await approval.CommitAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await rebuild).StatusCode);

        Assert.Equal(
            await RowsAsync(app, """
                SELECT "Status", COUNT(*), SUM("Amount")::bigint FROM "Rewards" GROUP BY "Status" ORDER BY "Status"
                """),
            await RowsAsync(app, """
                SELECT "Status", SUM("Count")::bigint, SUM("Amount")::bigint FROM "RewardTotals"
                GROUP BY "Status" HAVING SUM("Count") <> 0 ORDER BY "Status"
                """));
    }

    /// <summary>
    /// A purchase or a reward's move writes the reward rollups, then the campaign's daily row. The rebuild's lock
    /// must take the tables in that order too: had it locked the daily rows first, it would hold them while waiting
    /// for the reward rollups the writer holds, and the writer's next statement would wait for it — a deadlock,
    /// which PostgreSQL ends by aborting one of the two.
    /// </summary>
    [Fact]
    public async Task A_writer_holding_the_reward_rollups_finishes_its_campaign_row_while_a_rebuild_waits()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        await client.AddStandardRules(campaign);
        var code = (await client.Register(campaign, "alice")).Str("referralCode");
        await client.Register(campaign, "friend", referralCode: code);

        await using var writer = new NpgsqlConnection(app.Database.ConnectionString);
        await writer.OpenAsync();
        // Were there a deadlock, this session would find it first and be the one aborted (the rebuild, aborted
        // instead, retries and the deadlock goes unseen).
        await using (var quick = new NpgsqlCommand("SET deadlock_timeout = '10ms'", writer))
        {
            await quick.ExecuteNonQueryAsync();
        }

        await using var purchase = await writer.BeginTransactionAsync();
        await using (var rewards = new NpgsqlCommand("""
            UPDATE "RewardTotals" SET "Count" = "Count" WHERE "CampaignId" = @campaign
            """, writer, purchase))
        {
            rewards.Parameters.AddWithValue("campaign", Guid.Parse(campaign));
            Assert.True(await rewards.ExecuteNonQueryAsync() > 0); // The reward rollups, held as a purchase holds them.
        }

        var rebuild = client.PostAsync("/api/v1/maintenance/rebuild-rollups", null);
        await PostgresLockWaits.WaitForAsync(app.Database, 1, "rebuilds", "LOCK TABLE");
        await using (var daily = new NpgsqlCommand("""
            UPDATE "CampaignDailyStats" SET "Conversions" = "Conversions" WHERE "CampaignId" = @campaign
            """, writer, purchase))
        {
            daily.Parameters.AddWithValue("campaign", Guid.Parse(campaign));
            await daily.ExecuteNonQueryAsync(); // Then the campaign's daily row: no deadlock.
        }

        await purchase.CommitAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await rebuild).StatusCode);
    }

    private static async Task<List<string>> RowsAsync(TestApp app, string sql)
    {
        await using var connection = new NpgsqlConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetString(0)} {reader.GetInt64(1)} {reader.GetInt64(2)}");
        }

        return rows;
    }

    /// <summary>A signup naming a click waits for this node's queued clicks to be written. While a rebuild held the
    /// rollups, the click writer waited for it and so did the signup, without a limit: it never reached its own
    /// statement's timeout and the 503 that operations.md promises (found by review). Here the statement timeout is
    /// 1 s, and the rebuild's hold lasts until the signup has answered or 30 s have passed.</summary>
    [Fact]
    public async Task A_signup_naming_a_queued_click_answers_while_a_rebuild_holds_the_rollups()
    {
        using var app = new TestApp(Provider.Postgres, database => new Dictionary<string, string?>
        {
            ["RefTrack:Database:ConnectionString"] = database.ConnectionString + ";Command Timeout=1",
        });
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        var code = (await client.Register(campaign, "alice")).Str("referralCode");

        HttpResponseMessage signup;
        await using (await WriteHolds.RollupsAsARebuildHoldsThemAsync(app.Database.ConnectionString))
        {
            var click = await app.ClickLink(code); // Queued: the click writer waits for the rollups.
            var answered = client.PostJson($"/api/v1/campaigns/{campaign}/participants",
                new { externalId = "friend", email = "friend@example.org", clickId = click.ClickId });
            await Task.WhenAny(answered, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.True(answered.IsCompleted, "the signup waited for the click writer as long as the rebuild held");
            signup = await answered;
        }

        await signup.AssertProblem(HttpStatusCode.ServiceUnavailable, "service-unavailable");
    }
}
