using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
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

        await using (var holder = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            await holder.OpenAsync();
            await using var hold = holder.CreateCommand();
            hold.CommandText = "BEGIN IMMEDIATE;";
            await hold.ExecuteNonQueryAsync();

            var busy = await client.PostAsJsonAsync(participants, body);

            await busy.AssertProblem(HttpStatusCode.ServiceUnavailable, "service-unavailable");
            Assert.Equal(TimeSpan.FromSeconds(5), busy.Headers.RetryAfter?.Delta);
        } // Closing the connection ends its transaction.

        Assert.Empty((await client.GetOk(participants))["data"]!.AsArray());
        Assert.Equal("user-a", (await client.PostOk(participants, body)).Str("externalId"));
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
