using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// A database that is busy or down is an outage, not a bug of the request's: the client gets 503
/// <c>service-unavailable</c> with <c>Retry-After</c>, so that it can tell the two apart and retry; nothing is
/// written, and the same request passes once the database answers again.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    /// <summary>Another process holds SQLite's write lock past the busy timeout (a backup tool, a migration run by
    /// hand). In Production, as deployed.</summary>
    [Fact]
    public async Task A_write_that_finds_the_database_held_is_503_and_passes_when_sent_again()
    {
        using var app = new TestApp(new Dictionary<string, string?>
        {
            ["RefTrack:Database:BusyTimeoutMilliseconds"] = "200",
        })
        {
            EnvironmentName = "Production",
        };
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var participants = $"/api/v1/campaigns/{campaignId}/participants";
        var body = new { externalId = "user-a", email = "a@example.org", name = "A" };

        await using (await HoldWriteLockAsync(app))
        {

            Assert.Equal("Healthy", await Health(client)); // Its probe only reads, and reads pass.
            var busy = await client.PostAsJsonAsync(participants, body);

            await busy.AssertProblem(HttpStatusCode.ServiceUnavailable, "service-unavailable");
            Assert.Equal(TimeSpan.FromSeconds(5), busy.Headers.RetryAfter?.Delta);
            Assert.Equal("Degraded", await Health(client));
        }

        Assert.Empty((await client.GetOk(participants))["data"]!.AsArray());
        Assert.Equal("user-a", (await client.PostOk(participants, body)).Str("externalId"));
        Assert.Equal("Degraded", await Health(client)); // For 30 s after the last failure: nothing tells it sooner.
        app.Clock.Advance(DatabaseFailures.Window + TimeSpan.FromSeconds(1));
        Assert.Equal("Healthy", await Health(client));
    }

    /// <summary>A click batch that fails the same way makes the node Degraded too, the clicks waiting meanwhile.</summary>
    [Fact]
    public async Task A_click_batch_that_finds_the_database_held_makes_the_node_degraded()
    {
        using var app = new TestApp(new Dictionary<string, string?>
        {
            ["RefTrack:Database:BusyTimeoutMilliseconds"] = "200",
        });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        await using (await HoldWriteLockAsync(app))
        {

            await app.ClickLink(code); // Answered at once; its batch waits on the lock, and is retried.
            await Poll.UntilAsync(async () => await Health(client) == "Degraded", TimeSpan.FromSeconds(20),
                "the node is degraded while its clicks cannot be written");
        }

        await app.FlushClicksAsync();
        Assert.Equal(1, (await client.CampaignStats(campaignId))["clicks"]!["total"]!.GetValue<long>());
    }

    /// <summary>Only a writing request's 503 counts: a read that timed out (a report past statement_timeout) says
    /// nothing of writes, and would have raised a monitor's alarm (found by review).</summary>
    [Theory]
    [InlineData("GET", false)]
    [InlineData("HEAD", false)]
    [InlineData("POST", true)]
    [InlineData("DELETE", true)]
    public async Task Only_a_writing_requests_503_makes_the_node_degraded(string method, bool degraded)
    {
        var failures = new DatabaseFailures(TimeProvider.System);
        var http = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddSingleton(failures).AddProblemDetails().AddLogging().BuildServiceProvider(),
            Response = { StatusCode = StatusCodes.Status503ServiceUnavailable, Body = new MemoryStream() },
        };
        http.Request.Method = method;
        http.Features.Set<IExceptionHandlerFeature>(new ExceptionHandlerFeature { Error = new SqliteException("database is locked", 5) });

        await StatusCodeProblemTypes.WriteAsync(http);

        Assert.Equal(degraded, failures.Recent() is not null);
    }

    /// <summary>The window is timed on the monotonic clock: a wall clock stepped back an hour (NTP, a VM restored)
    /// had kept the node Degraded for that hour, and one stepped forward had hidden a fresh failure.</summary>
    [Fact]
    public void A_failure_is_forgotten_after_the_window_whatever_the_wall_clock_does()
    {
        var clock = new TestClock();
        var failures = new DatabaseFailures(clock);
        failures.Record(new SqliteException("database or disk is full", 13));

        clock.StepWallClock(TimeSpan.FromHours(1));
        Assert.NotNull(failures.Recent());
        clock.StepWallClock(-TimeSpan.FromHours(2));
        clock.Advance(DatabaseFailures.Window + TimeSpan.FromSeconds(1));
        Assert.Null(failures.Recent());
    }

    /// <summary>SQLite's write lock, held as another process would (a backup tool, a migration run by hand) until
    /// the connection is disposed, which ends its transaction.</summary>
    private static async Task<SqliteConnection> HoldWriteLockAsync(TestApp app)
    {
        var holder = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await holder.OpenAsync();
        await using var hold = holder.CreateCommand();
        hold.CommandText = "BEGIN IMMEDIATE;";
        await hold.ExecuteNonQueryAsync();
        return holder;
    }

    private static async Task<string> Health(HttpClient client)
    {
        var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public void Only_database_trouble_is_503()
    {
        Assert.Equal(503, StatusCodeProblemTypes.ForException(new SqliteException("database is locked", 5)));
        Assert.Equal(503, StatusCodeProblemTypes.ForException(
            new InvalidOperationException("wrapped", new Npgsql.NpgsqlException("connection refused", new System.Net.Sockets.SocketException()))));
        Assert.Equal(500, StatusCodeProblemTypes.ForException(new SqliteException("no such table: Codes", 1)));
        Assert.Equal(500, StatusCodeProblemTypes.ForException(new InvalidOperationException("a bug")));
        Assert.Equal(413, StatusCodeProblemTypes.ForException(new BadHttpRequestException("too large", 413)));
    }
}
