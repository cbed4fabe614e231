using System.Net;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// A <c>lock_timeout</c> or <c>statement_timeout</c> set for RefTrack's role or database on the server applies
/// whatever Npgsql's command timeout says. The waits RefTrack means to last as long as a rollup rebuild may run (the
/// rebuild itself, and the click writer behind it) set both aside for their transaction: before, the click writer's
/// wait ended at the server's limit, its batch was retried (the node Degraded) and after ten attempts lost, and the
/// rebuild failed with a 503 at every call (found by review). The server's limits come here from the connection
/// string's <c>Options</c>, as a role's settings would reach every session; each case waits past the limit.
/// </summary>
public sealed class PostgresServerTimeoutTests
{
    public static TheoryData<string> ServerLimits => ["lock_timeout=200", "statement_timeout=500"];

    [Theory]
    [MemberData(nameof(ServerLimits))]
    public async Task A_rebuild_waits_for_a_writer_past_the_servers_limit(string limit)
    {
        using var app = AppWithServerLimit(limit);
        var client = app.Client();
        await client.CreateCampaign();

        Task<HttpResponseMessage> rebuild;
        // As a click batch holds it.
        await using (await WriteHolds.LockTableAsync(app.Database.ConnectionString, "CampaignDailyStats", "ROW EXCLUSIVE"))
        {
            rebuild = client.PostAsync("/api/v1/maintenance/rebuild-rollups", null);
            await PostgresLockWaits.WaitForAsync(app.Database, 1, "rebuilds", "LOCK TABLE");
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // Past the server's limit: without the fix the rebuild has failed.
        }

        Assert.Equal(HttpStatusCode.NoContent, (await rebuild).StatusCode);
    }

    [Theory]
    [MemberData(nameof(ServerLimits))]
    public async Task A_click_batch_waits_for_a_rebuild_past_the_servers_limit(string limit)
    {
        using var app = AppWithServerLimit(limit);
        using var metrics = new AppMetrics(app);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        var code = (await client.Register(campaign, "alice")).Str("referralCode");

        await using (await WriteHolds.RollupsAsARebuildHoldsThemAsync(app.Database.ConnectionString))
        {
            Assert.Equal(HttpStatusCode.Found, (await client.GetAsync($"/r/{code}")).StatusCode);
            await PostgresLockWaits.WaitForAsync(app.Database, 1, "click batches", "LOCK TABLE");
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // Past the server's limit: without the fix an attempt failed.
        }

        await app.FlushClicksAsync();
        Assert.Equal(0, metrics.Sum("reftrack.clicks.lost"));
        Assert.Equal(1, (await client.CampaignStats(campaign))["clicks"]!.Long("total"));
        // A failed attempt marks the node Degraded for 30 s: none failed.
        Assert.Equal("Healthy", await (await client.GetAsync("/healthz")).Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_statement_limit_set_is_as_long_as_a_rebuild_may_run() =>
        Assert.Contains($"statement_timeout = '{RefTrack.Reports.RollupRebuilder.MaxDuration.TotalMinutes}min'",
            RefTrack.Reports.RollupRebuilder.ServerLimitsGiveWay, StringComparison.Ordinal);

    private static TestApp AppWithServerLimit(string limit) =>
        new(Provider.Postgres, database => new Dictionary<string, string?>
        {
            ["RefTrack:Database:ConnectionString"] = $"{database.ConnectionString};Options=-c {limit}",
        });
}
