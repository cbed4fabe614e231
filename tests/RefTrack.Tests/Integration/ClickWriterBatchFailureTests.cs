using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

public sealed class ClickWriterBatchFailureTestsSqlite() : ClickWriterBatchFailureTests(Provider.Sqlite);

public sealed class ClickWriterBatchFailureTestsPostgres() : ClickWriterBatchFailureTests(Provider.Postgres);

/// <summary>
/// A failure that is no row's fault (here a table the writer needs is missing, as after a restore gone wrong; a
/// permission refused or a corrupt file are the same) was taken as a refused row: the batch was split down to single
/// clicks, each lost and logged as refused, and /healthz stayed Healthy while every click was lost (found by review).
/// It is retried whole and shows in /healthz, and the clicks are written once the table is back.
/// </summary>
public abstract class ClickWriterBatchFailureTests(Provider provider)
{
    [Fact]
    public async Task A_batch_failing_for_want_of_a_table_is_retried_whole_and_shows_in_healthz()
    {
        using var app = new TestApp(provider);
        using var metrics = new AppMetrics(app);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        await RenameAsync(app, """ALTER TABLE "ClickVisitors" RENAME TO "ClickVisitorsAway" """);
        await app.ClickLink(code);
        await Poll.UntilAsync(async () => (await client.GetStringAsync("/healthz")).Contains("Degraded", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "The failing batch never showed in /healthz.");
        Assert.Equal(0, metrics.Sum("reftrack.clicks.lost"));
        await RenameAsync(app, """ALTER TABLE "ClickVisitorsAway" RENAME TO "ClickVisitors" """);

        await app.FlushClicksAsync();
        Assert.Equal(0, metrics.Sum("reftrack.clicks.lost"));
        Assert.Equal(1, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    private static async Task RenameAsync(TestApp app, string alterTable)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.ExecuteSqlRawAsync(alterTable);
    }
}
