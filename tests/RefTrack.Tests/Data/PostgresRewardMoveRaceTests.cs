using System.Net;
using Npgsql;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// A reward move that loses a race: it read the reward as pending, and another transaction approved it before its
/// update ran. Void is allowed from approved too, so the void is made from approved, as it would have been had it run
/// after the approval (it answered 409 before, although docs/api.md keeps 409 for a move the status does not allow);
/// a move the new status does not allow is refused as such. PostgreSQL, where the test can hold the row between the
/// read and the update.
/// </summary>
public sealed class PostgresRewardMoveRaceTests
{
    [Theory]
    [InlineData("Approved", HttpStatusCode.OK, "voided")]
    [InlineData("Voided", HttpStatusCode.Conflict, "A voided reward cannot become voided.")]
    public async Task A_move_that_loses_a_race_is_made_from_the_status_it_finds_if_allowed_from_it(
        string meanwhile, HttpStatusCode expected, string answer)
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        await client.AddStandardRules(campaign);
        var alice = await client.Register(campaign, "alice");
        await client.Register(campaign, "friend", referralCode: alice.Str("referralCode"));
        var reward = Assert.Single(await client.Rewards(campaign, alice.Str("id")));
        Assert.Equal("pending", reward.Str("status"));

        await using var other = new NpgsqlConnection(app.Database.ConnectionString);
        await other.OpenAsync();
        await using var move = await other.BeginTransactionAsync();
        await using (var update = new NpgsqlCommand(
            $"""UPDATE "Rewards" SET "Status" = '{meanwhile}' WHERE "Id" = @id""", other, move))
        {
            update.Parameters.AddWithValue("id", Guid.Parse(reward.Str("id")));
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var voiding = client.PostAsync($"/api/v1/campaigns/{campaign}/rewards/{reward.Str("id")}/void", null);
        await PostgresLockWaits.WaitForAsync(app.Database, 1, "reward moves", "UPDATE");
        await move.CommitAsync();

        var response = await voiding;
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(answer, (await response.ReadJson()).Str("status"));
        }
        else
        {
            Assert.Equal(answer, (await response.AssertProblem(expected, "invalid-transition")).Str("title"));
        }

        Assert.Equal("voided", Assert.Single(await client.Rewards(campaign, alice.Str("id"))).Str("status"));
    }
}
