using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// A campaign create whose Idempotency-Key claim was taken over as stale while it ran (a retry runs now) writes
/// nothing and answers 409: it stores its answer in its own transaction only while the claim is still its own. Before,
/// it went on to make its campaign, and the retry another (found by review). Here the create waits at its admin key's
/// check (a lock the test holds on the keys), and the takeover is written by hand meanwhile: PostgreSQL alone lets
/// the claim commit while the create's transaction waits (on SQLite one write gate holds both).
/// </summary>
public sealed class PostgresIdempotencyTakeoverTests
{
    [Fact]
    public async Task A_campaign_create_whose_claim_was_taken_over_makes_nothing_and_answers_409()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        Task<HttpResponseMessage> create;
        await using (await WriteHolds.LockTableAsync(app.Database.ConnectionString, "ApiKeys", "EXCLUSIVE"))
        {
            create = client.PostJson("/api/v1/campaigns", new { name = "Spring", destinationUrl = "https://shop.example" }, "create");
            await PostgresLockWaits.WaitForAsync(app.Database, 1, "admin key checks", """SELECT "Id" AS "Value" """);
            using (var scope = app.Services.CreateScope())
            {
                var taken = await scope.ServiceProvider.GetRequiredService<AppDbContext>().IdempotencyRecords
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, r => r.CreatedAt.AddSeconds(61)));
                Assert.Equal(1, taken);
            }
        }

        var answer = await create;
        await answer.AssertProblem(HttpStatusCode.Conflict, "idempotency-key-in-progress");
        Assert.Empty((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
        using var check = app.Services.CreateScope();
        var record = await check.ServiceProvider.GetRequiredService<AppDbContext>().IdempotencyRecords.AsNoTracking().SingleAsync();
        Assert.Equal(IdempotencyRecord.InProgress, record.StatusCode); // The taker's, not released by the request it overtook.
    }
}
