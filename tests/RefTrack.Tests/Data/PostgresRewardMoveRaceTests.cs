using System.Net;
using Npgsql;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// A reward move that loses a race: it read the reward as pending, and another transaction approved it before its
/// update ran. Void is allowed from approved too, so "an approved reward cannot become voided" would contradict itself;
/// the 409 says what happened instead. PostgreSQL, where the test can hold the row between the read and the update.
/// </summary>
public sealed class PostgresRewardMoveRaceTests
{
    [Fact]
    public async Task A_move_that_loses_a_race_says_the_reward_was_moved_meanwhile()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        await client.AddStandardRules(campaign);
        var alice = await client.Register(campaign, "alice");
        await client.Register(campaign, "friend", referralCode: alice.Str("referralCode"));
        var reward = Assert.Single(await client.Rewards(campaign, alice.Str("id")));

        await using var other = new NpgsqlConnection(app.Database.ConnectionString);
        await other.OpenAsync();
        await using var approval = await other.BeginTransactionAsync();
        await using (var approve = new NpgsqlCommand(
            """UPDATE "Rewards" SET "Status" = 'Approved' WHERE "Id" = @id""", other, approval))
        {
            approve.Parameters.AddWithValue("id", Guid.Parse(reward.Str("id")));
            Assert.Equal(1, await approve.ExecuteNonQueryAsync());
        }

        var voiding = client.PostAsync($"/api/v1/campaigns/{campaign}/rewards/{reward.Str("id")}/void", null);
        await PostgresLockWaits.WaitForAsync(app.Database, 1, "reward moves", "UPDATE");
        await approval.CommitAsync();

        var problem = await (await voiding).AssertProblem(HttpStatusCode.Conflict, "invalid-transition");
        Assert.Equal("The reward was pending and another request made it approved meanwhile.", problem.Str("title"));
        Assert.Contains("retry", problem.Str("detail"), StringComparison.Ordinal);
    }
}
