using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// <c>POST /api/v1/maintenance/rebuild-rollups</c> takes minutes on a large database (docs/operations.md), longer than
/// a proxy's or a client's timeout (60 s is common). It ran on the request's token: the caller gone, the rebuild was
/// cancelled where it stood and rolled back, with nothing logged, so behind such a proxy it could never finish. SQLite
/// only: the test holds the process's write gate to keep the rebuild waiting while its caller goes away.
/// </summary>
public sealed class RebuildRollupsDisconnectTests
{
    [Fact]
    public async Task A_rebuild_whose_caller_goes_away_still_runs_to_its_end()
    {
        using var app = new TestApp(Provider.Sqlite);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b");
        async Task<int> Participants() =>
            (await client.GetOk($"/api/v1/campaigns/{campaignId}/stats"))["participants"]!.GetValue<int>();
        Assert.Equal(2, await Participants());

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Rollups lost by hand (a restore, a repair): what the rebuild is for.
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "CampaignDailyStats" """);
        Assert.Equal(0, await Participants());

        var gate = SqliteAppDbContext.GateFor(db);
        await gate.WaitAsync(); // Another write holds the database: the rebuild waits its turn.
        using var caller = new CancellationTokenSource();
        Task<HttpResponseMessage> rebuild;
        try
        {
            rebuild = client.PostAsync("/api/v1/maintenance/rebuild-rollups", null, caller.Token);
            await Task.Delay(1000); // Time for the request to reach the rebuild (no hook shows it waiting at the gate).
            await caller.CancelAsync(); // The caller's timeout: it closes the connection.
            await Task.Delay(300);
        }
        finally
        {
            gate.Release();
        }

        // TestServer hands the client its cancellation once the handler has ended (a real connection just closes).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rebuild.WaitAsync(TimeSpan.FromSeconds(30)));
        await Poll.UntilAsync(async () => await Participants() == 2, TimeSpan.FromSeconds(10),
            "The rebuild was abandoned with its caller: the rollups still miss the participants.");
    }
}
