using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// On SQLite a rollup rebuild holds the process's write gate (and SQLite's write lock) for minutes on a big database.
/// The admin API's writes did not take the gate: they met SQLite's lock, waited the busy timeout and answered 503,
/// where every other writer of the process waits its turn (found by a review of the admin endpoints).
/// </summary>
public sealed class AdminWritesGateTests
{
    [Fact]
    public async Task Admin_writes_wait_their_turn_at_the_write_gate_instead_of_failing_busy()
    {
        using var app = new TestApp(new Dictionary<string, string?>
        {
            ["RefTrack:Database:BusyTimeoutMilliseconds"] = "200",
        });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");
        var rule = await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 1000, currency = "USD" });

        Task<HttpResponseMessage>[] writes;
        using (var scope = app.Services.CreateScope())
        {
            // What a rebuild holds: the gate, and SQLite's write lock from its first write on.
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await using var tx = await db.BeginWriteAsync(CancellationToken.None);
            await db.Database.ExecuteSqlRawAsync("""UPDATE "Campaigns" SET "Name" = "Name" """);
            writes =
            [
                client.PostAsJsonAsync("/api/v1/campaigns", new { name = "Summer", destinationUrl = "https://shop.example" }),
                client.PostAsJsonAsync("/api/v1/api-keys", new { name = "reporting" }),
                client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/reward-rules",
                    new { trigger = "signup", recipient = "referee", amount = 500, currency = "USD" }),
                client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants/user-a/codes", new { code = "summer" }),
                client.DeleteAsync($"/api/v1/campaigns/{campaignId}/reward-rules/{rule.Str("id")}"),
            ];

            await Task.Delay(TimeSpan.FromSeconds(1)); // Five busy timeouts.
            Assert.All(writes, w => Assert.False(w.IsCompleted, "answered while the gate was held"));
            await tx.CommitAsync(CancellationToken.None);
        }

        foreach (var write in writes)
        {
            var response = await write;
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode}");
        }
    }
}
