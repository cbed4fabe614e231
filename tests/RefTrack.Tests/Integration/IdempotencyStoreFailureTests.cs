using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// An <c>Idempotency-Key</c>'s record is written after the request's own work: when storing the answer or freeing the
/// key fails, the client still gets the request's own answer, not a 500 for work that was done (or one that hides why
/// it was not). The failures are made by triggers on the records table (SQLite).
/// </summary>
public sealed class IdempotencyStoreFailureTests
{
    [Fact]
    public async Task A_registration_whose_answer_cannot_be_stored_is_answered_and_runs_again_when_retried()
    {
        using var app = new TestApp();
        var client = app.Client();
        var participants = $"/api/v1/campaigns/{await client.CreateCampaign()}/participants";
        var body = new { externalId = "user-a", email = "a@example.org", name = "A" };
        await Execute(app, """
            CREATE TRIGGER "StoringFails" BEFORE UPDATE OF "StatusCode" ON "IdempotencyRecords"
            BEGIN SELECT RAISE(ABORT, 'storing the answer failed'); END;
            """);

        var first = await Send(client, participants, body, "key-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode); // Registered: its answer, not a 500.
        await Execute(app, """DROP TRIGGER "StoringFails";""");
        var retry = await Send(client, participants, body, "key-1"); // The key was freed: it runs again.
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode); // The existing participant, exactly once.
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((await first.ReadJson()).Str("id"), (await retry.ReadJson()).Str("id"));
    }

    [Fact]
    public async Task A_refused_request_whose_key_cannot_be_freed_keeps_its_own_answer()
    {
        using var app = new TestApp();
        var client = app.Client();
        var participants = $"/api/v1/campaigns/{await client.CreateCampaign()}/participants";
        await Execute(app, """
            CREATE TRIGGER "FreeingFails" BEFORE DELETE ON "IdempotencyRecords"
            BEGIN SELECT RAISE(ABORT, 'freeing the key failed'); END;
            """);

        var refused = await Send(client, participants, new { email = "a@example.org", name = "A" }, "key-1");

        await refused.AssertProblem(HttpStatusCode.BadRequest, "validation"); // No externalId: still the 400.
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, string url, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static async Task Execute(TestApp app, string sql)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.ExecuteSqlRawAsync(sql);
    }
}
