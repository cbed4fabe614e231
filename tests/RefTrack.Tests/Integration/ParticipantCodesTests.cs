using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

public sealed class ParticipantCodesTestsSqlite() : ParticipantCodesTests(Provider.Sqlite);

public sealed class ParticipantCodesTestsPostgres() : ParticipantCodesTests(Provider.Postgres);

/// <summary><c>GET …/participants/{idOrExternalId}/codes</c>: every code a participant can share, vanity ones
/// included, which the participant's own answer (its generated code only) does not show.</summary>
public abstract class ParticipantCodesTests(Provider provider)
{
    [Fact]
    public async Task A_participants_codes_are_listed_generated_first_then_vanity_ones_as_added()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b"); // Another participant's codes stay out of A's list.
        var route = $"/api/v1/campaigns/{campaignId}/participants/user-a/codes";
        await client.PostOk(route, new { code = "Alice-2026" });
        await client.PostOk(route, new { code = "alice-summer" });
        await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/ALICE-2026/disable", new { }, HttpStatusCode.OK);

        var page = await client.GetOk(route);

        var codes = page["data"]!.AsArray().Select(c => c!).ToList();
        Assert.Equal([a.Str("referralCode"), "ALICE-2026", "ALICE-SUMMER"], codes.Select(c => c.Str("code")));
        Assert.Equal([false, true, true], codes.Select(c => c["vanity"]!.GetValue<bool>()));
        Assert.Equal([false, true, false], codes.Select(c => c["disabled"]!.GetValue<bool>()));
        Assert.All(codes, c => Assert.Equal(a.Str("id"), c.Str("participantId")));
        Assert.Equal("https://refer.example.com/r/ALICE-SUMMER", codes[2].Str("link"));
        Assert.Null(page["nextCursor"]?.GetValue<string>());

        // By id as well as by external id.
        var byId = await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/{a.Str("id")}/codes");
        Assert.Equal(3, byId["data"]!.AsArray().Count);
    }

    /// <summary>Only the code's own index makes a code "taken": another unique index refusing the insert is a failure
    /// of another kind (here one made for the test on the change feed), not a 409 that sends the client looking for
    /// another code (found by review).</summary>
    [Fact]
    public async Task A_unique_violation_that_is_not_the_codes_is_not_code_taken()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>().Database;
            await db.ExecuteSqlRawAsync("""CREATE UNIQUE INDEX "TestOnlyCodeChangesCode" ON "CodeChanges" ("Code")""");
            await db.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "CodeChanges" ("Code", "ChangedAt") VALUES ({"ALICE-2026"}, {DateTime.UtcNow})""");
        }

        var route = $"/api/v1/campaigns/{campaignId}/participants/user-a/codes";
        var response = await client.PostAsJsonAsync(route, new { code = "Alice-2026" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single((await client.GetOk(route))["data"]!.AsArray()); // The generated code alone: nothing added.
    }

    /// <summary>A client whose answer was lost retries: its code is its own, not "taken" (found by review).</summary>
    [Fact]
    public async Task Adding_a_vanity_code_again_answers_200_with_it_and_adds_nothing()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b");
        var route = $"/api/v1/campaigns/{campaignId}/participants/user-a/codes";
        var created = await client.PostOk(route, new { code = "Alice-2026" });

        var again = await client.PostOk(route, new { code = "alice-2026" }, HttpStatusCode.OK);

        Assert.Equal(created.ToJsonString(), again.ToJsonString());
        var codes = (await client.GetOk(route))["data"]!.AsArray();
        Assert.Equal(2, codes.Count); // The generated code and this one, once.
        var byOther = await client.PostAsJsonAsync(
            $"/api/v1/campaigns/{campaignId}/participants/user-b/codes", new { code = "ALICE-2026" });
        await byOther.AssertProblem(HttpStatusCode.Conflict, "code-taken");
    }

    [Fact]
    public async Task Codes_of_an_unknown_participant_or_with_a_bad_page_are_refused()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var otherCampaign = await client.CreateCampaign(name: "Other");
        await client.Register(otherCampaign, "user-x");
        var participants = $"/api/v1/campaigns/{campaignId}/participants";
        await client.Register(campaignId, "user-a");

        await (await client.GetAsync($"{participants}/nobody/codes")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        // A participant of another campaign is not found through this one.
        await (await client.GetAsync($"{participants}/user-x/codes")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await client.GetAsync($"{participants}/user-a/codes?limit=0")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await client.GetAsync($"{participants}/user-a/codes?cursor=nope")).AssertProblem(HttpStatusCode.BadRequest, "validation");
    }
}
