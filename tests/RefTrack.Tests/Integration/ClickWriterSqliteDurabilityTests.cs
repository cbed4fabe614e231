using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// SQLite's click writer commits at <c>synchronous = NORMAL</c> on a connection of its own; the rest of the app, and
/// so every signup and conversion, must keep committing at the configured <c>FULL</c>. A pooled connection keeps its
/// settings when it goes back to Microsoft.Data.Sqlite's pool, so the writer's must never go there.
/// </summary>
public sealed class ClickWriterSqliteDurabilityTests
{
    [Fact]
    public async Task The_click_writers_setting_does_not_reach_the_connections_that_signups_use()
    {
        // The suite runs SQLite at NORMAL for speed (TestDatabase); here the app's own setting must differ from the
        // writer's, or a connection leaked from the writer would look like any other.
        var settings = TestApp.ClickBatchesOfOne(writers: 1);
        settings["RefTrack:Database:Synchronous"] = "Full";
        using var app = new TestApp(Provider.Sqlite, settings);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await app.ClickLink(code);
        await app.FlushClicksAsync();

        // Stopping the writer drains the queue and closes its connection, as a failed batch's retry does too.
        await app.Services.GetRequiredService<ClickWriter>().StopAsync(CancellationToken.None);

        // Every idle connection of the app's pool is handed out before a new one is opened: take more than it holds.
        var connectionString = DataServices.SqliteConnectionString(
            app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value);
        var connections = new List<SqliteConnection>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var connection = new SqliteConnection(connectionString);
                connections.Add(connection);
                await connection.OpenAsync();
            }

            foreach (var connection in connections)
            {
                await using var command = new SqliteCommand("PRAGMA synchronous", connection);
                Assert.Equal(2L, (long)(await command.ExecuteScalarAsync())!); // 2: FULL (1 would be NORMAL).
            }
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }
    }
}
