using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

public sealed class ImportedRowsTestsSqlite() : ImportedRowsTests(Provider.Sqlite);

public sealed class ImportedRowsTestsPostgres() : ImportedRowsTests(Provider.Postgres);

/// <summary>Rows imported or repaired by hand (docs/api.md, rebuild-rollups) need not hold every invariant the API
/// keeps; reading them must not fail for everyone.</summary>
public abstract class ImportedRowsTests(Provider provider)
{
    /// <summary>Every registration creates a generated code; an imported participant may come without one. It used to
    /// fail every list page it was on, its own GET and its re-registration with a 500.</summary>
    [Fact]
    public async Task A_participant_without_a_generated_code_is_listed_read_and_registered_again_with_no_code()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a");
        var b = await client.Register(campaignId, "user-b");
        await WriteByHandAsync(app, $"""DELETE FROM "ReferralCodes" WHERE "Code" = {b.Str("referralCode")}""");

        var list = await client.Participants(campaignId);
        Assert.Equal(["user-a", "user-b"], list.Select(p => p.Str("externalId")).Order(StringComparer.Ordinal));
        Assert.Equal(a.Str("referralCode"), list.Single(p => p.Str("externalId") == "user-a").Str("referralCode"));
        foreach (var withoutCode in new[]
                 {
                     list.Single(p => p.Str("externalId") == "user-b"),
                     await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/user-b"),
                     await client.PostOk($"/api/v1/campaigns/{campaignId}/participants",
                         new { externalId = "user-b", email = "user-b@example.org" }, HttpStatusCode.OK),
                 })
        {
            Assert.Equal(b.Str("id"), withoutCode.Str("id"));
            Assert.Null(withoutCode["referralCode"]);
            Assert.Null(withoutCode["referralLink"]);
        }
    }

    /// <summary>operations.md has operators mend rows by hand; a campaign's destination corrected in SQL was kept by
    /// every node until it restarted, its first target reused for every code looked up again (found by review).</summary>
    [Fact]
    public async Task A_destination_mended_by_hand_is_followed_once_the_code_is_looked_up_again()
    {
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["RefTrack:Links:CodeCacheSeconds"] = "0" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        Assert.StartsWith("https://shop.example/signup?", (await app.ClickLink(code)).Location, StringComparison.Ordinal);
        await WriteByHandAsync(app, $"""UPDATE "Campaigns" SET "DestinationUrl" = 'https://shop.example/welcome'""");

        Assert.StartsWith("https://shop.example/welcome?", (await app.ClickLink(code)).Location, StringComparison.Ordinal);
    }

    /// <summary>An email stored by an earlier version that today's check refuses (a display name): its participant's
    /// re-registration, which does not compare the email, still answers 200; a new participant with it is a 400.</summary>
    [Fact]
    public async Task A_participant_whose_stored_email_is_refused_today_is_still_registered_again()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var alice = await client.Register(campaignId, "alice", email: "alice@example.org");
        const string old = "Alice <alice@example.org>";
        await WriteByHandAsync(app, $"""UPDATE "Participants" SET "Email" = {old}, "NormalizedEmail" = 'alice <alice@example.org>'""");

        var again = await client.Register(campaignId, " alice ", email: old, expected: HttpStatusCode.OK);
        Assert.Equal(alice.Str("id"), again.Str("id"));
        // Only the address stored: any other that is no address is refused, as for a new participant.
        var garbage = await client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants", new { externalId = "alice", email = "garbage" });
        await garbage.AssertProblem(HttpStatusCode.BadRequest, "validation");
        var refused = await client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants", new { externalId = "bob", email = old });
        await refused.AssertProblem(HttpStatusCode.BadRequest, "validation");
    }

    /// <summary>A code written by hand with characters the API's codes never have: it went into the Location as it
    /// was, so "&amp;" and "#" changed the query and a letter beyond ASCII was a 500 (found by review).</summary>
    [Theory]
    [InlineData("A&B#C", "A%26B%23C")]
    [InlineData("CAFÉ", "CAF%C3%89")]
    public async Task A_code_written_by_hand_goes_into_the_destination_escaped(string stored, string escaped)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await WriteByHandAsync(app, $"""UPDATE "ReferralCodes" SET "Code" = {stored} WHERE "Code" = {code}""");

        var click = await app.ClickLink(escaped);
        Assert.Equal($"https://shop.example/signup?ref={escaped}&rt_click={click.ClickId}",
            click.Response.Headers.Location!.OriginalString);
    }

    /// <summary>The API checks a destination when the campaign is created; a campaign row written by hand is not, and
    /// its links redirected wherever it pointed: a protocol-relative "//evil.example/x" sends visitors to another site
    /// (found by a security review).</summary>
    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("javascript:alert(1)")]
    public async Task A_destination_written_by_hand_that_the_api_refuses_is_no_redirect(string destination)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await WriteByHandAsync(app, $"""UPDATE "Campaigns" SET "DestinationUrl" = {destination}""");

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, $"/r/{code}"));

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }

        await app.FlushClicksAsync();
        Assert.Equal(0, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    /// <summary>Runs <paramref name="sql"/> on the test's database, as an operator mending rows by hand.</summary>
    private static async Task WriteByHandAsync(TestApp app, FormattableString sql)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.ExecuteSqlAsync(sql);
    }
}
