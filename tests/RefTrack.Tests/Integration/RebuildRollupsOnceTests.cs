using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

public sealed class RebuildRollupsOnceTestsSqlite() : RebuildRollupsOnceTests(Provider.Sqlite);

public sealed class RebuildRollupsOnceTestsPostgres() : RebuildRollupsOnceTests(Provider.Postgres);

/// <summary>
/// A rollup rebuild holds every write off for as long as it runs (minutes on a large database). Sent again while one
/// ran, by an impatient operator or a client retrying after its timeout, the second waited for the first and then
/// rebuilt everything again, holding writes off a second time for nothing. Now it answers 409 at once.
/// </summary>
public abstract class RebuildRollupsOnceTests(Provider provider)
{
    private const string Rebuild = "/api/v1/maintenance/rebuild-rollups";

    [Fact]
    public async Task A_rebuild_sent_while_one_runs_is_refused_and_the_running_one_finishes()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "CampaignDailyStats" """); // Rollups lost by hand.

        Task<HttpResponseMessage> first;
        // Another writer holding what the rebuild needs, so that it waits, having claimed its turn.
        await using (await WriteHolds.HoldAsync(app, "Participants", "ROW EXCLUSIVE"))
        {
            first = client.PostAsync(Rebuild, null);
            await RebuildWaitsAsync(app, db);

            // Without the refusal the second waits behind the first, for as long as the writes are held.
            var second = await client.PostAsync(Rebuild, null).WaitAsync(TimeSpan.FromSeconds(10));
            await second.AssertProblem(HttpStatusCode.Conflict, "rebuild-in-progress");
            Assert.False(first.IsCompleted, "the first rebuild answered while the writes were held");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await first).StatusCode);
        Assert.Equal(1, (await client.CampaignStats(campaignId))["participants"]!.GetValue<int>());
        // The claim goes with the rebuild: the next one runs.
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync(Rebuild, null)).StatusCode);
    }

    /// <summary>Until the first rebuild has claimed its turn and waits for the held writes.</summary>
    private async Task RebuildWaitsAsync(TestApp app, AppDbContext db)
    {
        if (provider == Provider.Sqlite)
        {
            await Poll.UntilAsync(() => SqliteAppDbContext.RebuildClaimFor(db).CurrentCount == 0, TimeSpan.FromSeconds(10),
                "The first rebuild never started.");
            return;
        }

        // It takes the rollup tables after its claim, so it waits there with the claim held.
        await PostgresLockWaits.WaitForAsync(app.Database, 1, "rebuilds", "LOCK TABLE");
    }
}
