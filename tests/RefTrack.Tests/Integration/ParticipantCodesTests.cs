using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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

    [Fact]
    public async Task A_participants_codes_are_paged()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a");
        var route = $"/api/v1/campaigns/{campaignId}/participants/user-a/codes";
        foreach (var code in new[] { "vanity-1", "vanity-2", "vanity-3", "vanity-4" })
        {
            await client.PostOk(route, new { code });
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetOk(route + "?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page["data"]!.AsArray().Select(c => c!.Str("code")));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        } while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal([a.Str("referralCode"), "VANITY-1", "VANITY-2", "VANITY-3", "VANITY-4"], seen);
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
