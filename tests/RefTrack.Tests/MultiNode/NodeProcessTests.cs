using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.MultiNode;

/// <summary>The service as a process: where it listens, and what SIGTERM does with clicks still queued.</summary>
public sealed class NodeProcessTests
{
    /// <summary>The official ASP.NET container images set ASPNETCORE_HTTP_PORTS=8080 and no URLs: the service must
    /// listen there, not on the README's localhost:5080 (unreachable from outside a container). Port 0: any free one.</summary>
    [Fact]
    public async Task Aspnetcore_http_ports_decides_where_the_service_listens()
    {
        using var database = TestDatabase.Create(Provider.Sqlite);
        var settings = RefTrackNode.Settings(database);
        settings["ASPNETCORE_HTTP_PORTS"] = "0";

        await using var node = await RefTrackNode.StartAsync(settings, urls: null);

        Assert.NotEqual(5080, node.BaseAddress.Port);
        Assert.DoesNotContain("localhost:5080", node.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await node.Client(TestApp.AdminKey).GetAsync("/healthz")).StatusCode);
    }

    /// <summary>Clicks answered while the database cannot take them are still queued when SIGTERM comes; the stop
    /// waits for them and writes every one before the process exits.</summary>
    [Fact]
    public async Task Sigterm_writes_clicks_still_queued_before_exiting()
    {
        const int clicks = 60;
        using var database = TestDatabase.Create(Provider.Sqlite);
        var settings = RefTrackNode.Settings(database);
        settings["Logging:LogLevel:RefTrack.Links.ClickWriter"] = "Information"; // Its totals as it stops.
        await using var node = await RefTrackNode.StartAsync(settings);
        var client = node.Client(TestApp.AdminKey);
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        // Hold SQLite's write lock: the click writer cannot commit, so the clicks stay queued.
        await using var blocker = await Open(database);
        await Execute(blocker, "BEGIN IMMEDIATE;");
        for (var i = 0; i < clicks; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/r/{code}");
            request.Headers.UserAgent.ParseAdd($"Mozilla/5.0 (visitor {i})");
            Assert.Equal(HttpStatusCode.Found, (await client.SendAsync(request)).StatusCode);
        }

        var stopping = node.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1)); // SIGTERM is being handled; the writer still waits for the lock.
        await using (var reader = await Open(database))
        {
            Assert.Equal(0L, await Count(reader)); // Nothing written yet: the stop has clicks to drain.
        }

        await Execute(blocker, "ROLLBACK;");
        await stopping;

        await using var check = await Open(database);
        Assert.Equal(clicks, await Count(check));
        // What bench/run holds against the rows: every click the node answered.
        Assert.Contains(
            $"The click writer stopped: {clicks} clicks written since start, 0 lost; 0 redirects waited for room in the queue",
            node.Output, StringComparison.Ordinal);
    }

    /// <summary>The drain lasts as long as the host's time to stop (<c>shutdownTimeoutSeconds</c>, 30 s by default):
    /// a database that does not answer by then keeps the clicks from being written, and the node says how many it
    /// exits without instead of exiting silently.</summary>
    [Fact]
    public async Task Sigterm_past_the_hosts_time_to_stop_logs_the_clicks_left_unwritten()
    {
        const int clicks = 20;
        using var database = TestDatabase.Create(Provider.Sqlite);
        var settings = RefTrackNode.Settings(database);
        settings["shutdownTimeoutSeconds"] = "1";
        await using var node = await RefTrackNode.StartAsync(settings);
        var client = node.Client(TestApp.AdminKey);
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        await using var blocker = await Open(database);
        await Execute(blocker, "BEGIN IMMEDIATE;"); // Held past the stop: the writer waits up to 10 s per attempt.
        for (var i = 0; i < clicks; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/r/{code}");
            request.Headers.UserAgent.ParseAdd($"Mozilla/5.0 (visitor {i})");
            Assert.Equal(HttpStatusCode.Found, (await client.SendAsync(request)).StatusCode);
        }

        await node.StopAsync(); // Exits once the host's second is up, with the lock still held.
        await Execute(blocker, "ROLLBACK;");

        Assert.Contains($"ran out with {clicks} clicks not yet written", node.Output, StringComparison.Ordinal);
        // Some were in the batch waiting for the lock (the first click's at least, the rest queued behind it): it
        // might have committed as the process ended (here the lock was still held), and the log says how many.
        var writing = Regex.Match(node.Output, @"\((\d+) of them were in a batch being written");
        Assert.True(writing.Success, node.Output);
        Assert.InRange(int.Parse(writing.Groups[1].Value, CultureInfo.InvariantCulture), 1, clicks);
        await using var check = await Open(database);
        Assert.Equal(0L, await Count(check));
    }

    private static async Task<SqliteConnection> Open(TestDatabase database)
    {
        var connection = new SqliteConnection($"Data Source={database.SqlitePath};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Count(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT COUNT(*) FROM "Clicks" """;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
