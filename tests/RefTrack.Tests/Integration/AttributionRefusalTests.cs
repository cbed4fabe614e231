using System.Net;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// Referrals that must not be attributed. A refusal still registers the participant (201), with
/// <c>referredBy</c> null, <c>referral.status</c> "rejected" and the reason, and grants nothing.
/// </summary>
public sealed class AttributionRefusalTestsSqlite() : AttributionRefusalTests(Provider.Sqlite);

public sealed class AttributionRefusalTestsPostgres() : AttributionRefusalTests(Provider.Postgres);

public abstract class AttributionRefusalTests(Provider provider)
{
    [Fact]
    public async Task Self_referral_by_normalized_email_through_a_click_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a", "AB@gmail.com");

        var click = await app.ClickLink(a.Str("referralCode"));
        var second = await client.Register(campaignId, "user-a-2", "a.b+x@googlemail.com", clickId: click.ClickId);

        AssertRefused(second, "self_referral");
        await AssertNothingAttributed(client, campaignId, "user-a");

        // The attempt is recorded with the participant: reading it back shows the same outcome.
        var read = await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/user-a-2");
        AssertRefused(read, "self_referral");
    }

    [Fact]
    public async Task Self_referral_by_normalized_email_through_a_code_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a", "a.b+x@googlemail.com");

        var second = await client.Register(campaignId, "user-a-2", "AB@gmail.com", referralCode: a.Str("referralCode"));

        AssertRefused(second, "self_referral");
        await AssertNothingAttributed(client, campaignId, "user-a");

        // A different mailbox at the same provider is someone else.
        var friend = await client.Register(campaignId, "user-b", "abc@gmail.com", referralCode: a.Str("referralCode"));
        Assert.Equal(a.Str("id"), friend.Str("referredBy"));
        Assert.Equal("qualified", friend["referral"]!.Str("status"));
    }

    [Fact]
    public async Task Self_referral_by_an_internationalised_domain_in_its_ascii_form_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a", "José@Bücher.example");

        var second = await client.Register(campaignId, "user-a-2", "josé@XN--BCHER-KVA.example",
            referralCode: a.Str("referralCode"));

        AssertRefused(second, "self_referral");
        await AssertNothingAttributed(client, campaignId, "user-a");
    }

    /// <summary>Forms of one mailbox that RFC 5321/5322 allow and mailers deliver: the domain's trailing root dot and
    /// a quoted local part. Both registered as someone else before and were attributed to the address's owner.</summary>
    [Theory]
    [InlineData("alice@gmail.com.")]
    [InlineData("\"alice\"@gmail.com")]
    [InlineData("\"A.lice+ref\"@GoogleMail.com.")]
    public async Task Self_referral_by_a_fully_qualified_domain_or_a_quoted_local_part_is_rejected(string variant)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a", "alice@gmail.com");

        var second = await client.Register(campaignId, "user-a-2", variant, referralCode: a.Str("referralCode"));

        AssertRefused(second, "self_referral");
        await AssertNothingAttributed(client, campaignId, "user-a");
    }

    [Fact]
    public async Task Second_registration_of_the_same_external_id_keeps_the_first_referrer()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var c = await client.Register(campaignId, "user-c");

        var first = await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        Assert.Equal(a.Str("id"), first.Str("referredBy"));

        var click = await app.ClickLink(c.Str("referralCode"));
        var again = await client.Register(campaignId, "user-b", "other@example.org", referralCode: c.Str("referralCode"),
            clickId: click.ClickId, expected: HttpStatusCode.OK);

        Assert.Equal(first.Str("id"), again.Str("id"));
        Assert.Equal(a.Str("id"), again.Str("referredBy"));
        Assert.Equal("qualified", again["referral"]!.Str("status"));
        Assert.Equal("referral_code", again["referral"]!.Str("reason"));
        Assert.Equal("user-b@example.org", again.Str("email"));

        Assert.Equal(3, (await client.Participants(campaignId)).Count);
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Empty(await client.Rewards(campaignId, c.Str("id")));
        Assert.Equal(["500 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, first.Str("id"))));
        Assert.Equal(0, (await client.ParticipantStats(campaignId, "user-c")).Int("referrals"));
        Assert.Equal(1, (await client.CampaignStats(campaignId)).Int("referrals"));
    }

    [Fact]
    public async Task Code_from_another_campaign_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var otherId = await client.CreateCampaign(name: "Other");
        await client.AddStandardRules(campaignId);
        await client.AddStandardRules(otherId);
        var x = await client.Register(otherId, "user-x");

        var b = await client.Register(campaignId, "user-b", referralCode: x.Str("referralCode"));

        AssertRefused(b, "code_from_other_campaign");
        Assert.Empty(await client.Rewards(campaignId));
        Assert.Empty(await client.Rewards(otherId));
        Assert.Equal(0, (await client.ParticipantStats(otherId, "user-x")).Int("referrals"));
    }

    [Fact]
    public async Task Click_from_another_campaign_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var otherId = await client.CreateCampaign(name: "Other");
        await client.AddStandardRules(campaignId);
        await client.AddStandardRules(otherId);
        var x = await client.Register(otherId, "user-x");
        var click = await app.ClickLink(x.Str("referralCode"));

        var b = await client.Register(campaignId, "user-b", clickId: click.ClickId);

        AssertRefused(b, "click_from_other_campaign");
        Assert.Empty(await client.Rewards(campaignId));
        Assert.Empty(await client.Rewards(otherId));
    }

    [Fact]
    public async Task Click_older_than_the_attribution_window_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(windowDays: 7);
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var early = await app.ClickLink(a.Str("referralCode"), $"{FlowHelpers.BrowserUserAgent} early");
        app.Clock.Advance(TimeSpan.FromDays(2));
        var late = await app.ClickLink(a.Str("referralCode"), $"{FlowHelpers.BrowserUserAgent} late");

        app.Clock.Advance(TimeSpan.FromDays(5) + TimeSpan.FromMinutes(1)); // Early click: 7 days 1 minute old.

        var expired = await client.Register(campaignId, "user-b", clickId: early.ClickId);
        AssertRefused(expired, "click_expired");

        var inWindow = await client.Register(campaignId, "user-c", clickId: late.ClickId);
        Assert.Equal(a.Str("id"), inWindow.Str("referredBy"));
        Assert.Equal("qualified", inWindow["referral"]!.Str("status"));

        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
        Assert.Equal(1, (await client.ParticipantStats(campaignId, "user-a")).Int("referrals"));
    }

    [Fact]
    public async Task Unknown_code_and_unknown_click_are_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        await client.Register(campaignId, "user-a");

        AssertRefused(await client.Register(campaignId, "user-b", referralCode: "NOSUCHCODE"), "unknown_code");
        AssertRefused(await client.Register(campaignId, "user-c", clickId: Guid.NewGuid().ToString()), "unknown_click");
        AssertRefused(await client.Register(campaignId, "user-d", clickId: "not-a-click-id"), "unknown_click");
        // Codes match case-insensitively in ASCII only: the long s upper-cases to S with ICU's casing, the dotless i to
        // I in Turkish.
        await client.PostOk($"/api/v1/campaigns/{campaignId}/participants/user-a/codes", new { code = "Sid_Summer" });
        AssertRefused(await client.Register(campaignId, "user-e", referralCode: "\u017Fid_summer"), "unknown_code");
        AssertRefused(await client.Register(campaignId, "user-f", referralCode: "s\u0131d_summer"), "unknown_code");

        Assert.Empty(await client.Rewards(campaignId));
        Assert.Equal(6, (await client.Participants(campaignId)).Count);
        Assert.Equal(0, (await client.CampaignStats(campaignId)).Int("referrals"));
    }

    [Theory]
    [InlineData("ffffffff-ffff-7fff-bfff-ffffffffffff")] // a version 7 time past year 9999
    [InlineData("e7000000-0000-7000-8000-000000000000")]
    public async Task Click_id_with_a_time_past_year_9999_is_an_unknown_click(string clickId)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");

        // Reading the time of such an id used to throw: the signup answered 500 instead of registering.
        var b = await client.Register(campaignId, "user-b", clickId: clickId);

        AssertRefused(b, "unknown_click");
        Assert.Equal(2, (await client.Participants(campaignId)).Count);
    }

    [Fact]
    public async Task Disabled_code_is_rejected_until_enabled_again()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var code = a.Str("referralCode");

        var disabled = await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{code}/disable", new { }, HttpStatusCode.OK);
        Assert.True(disabled["disabled"]!.GetValue<bool>());

        AssertRefused(await client.Register(campaignId, "user-b", referralCode: code), "code_disabled");
        await AssertNothingAttributed(client, campaignId, "user-a");

        await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{code}/enable", new { }, HttpStatusCode.OK);
        var c = await client.Register(campaignId, "user-c", referralCode: code);
        Assert.Equal(a.Str("id"), c.Str("referredBy"));
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, a.Str("id"))));
    }

    [Fact]
    public async Task Click_on_a_code_disabled_since_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var click = await app.ClickLink(a.Str("referralCode"));
        await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{a.Str("referralCode")}/disable", new { }, HttpStatusCode.OK);

        var b = await client.Register(campaignId, "user-b", clickId: click.ClickId);

        AssertRefused(b, "code_disabled");
        await AssertNothingAttributed(client, campaignId, "user-a");
    }

    /// <summary>
    /// The outcome returned at registration must be what the participant shows afterwards: on GET, and on a repeated
    /// registration (200) of the same externalId.
    /// </summary>
    [Fact]
    public async Task Refusal_outcome_is_kept_on_the_participant()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a");
        await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{a.Str("referralCode")}/disable", new { }, HttpStatusCode.OK);

        var created = await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        AssertRefused(created, "code_disabled");
        AssertRefused(await client.Register(campaignId, "user-c", referralCode: "NOSUCHCODE"), "unknown_code");
        AssertRefused(await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/user-c"), "unknown_code");

        AssertRefused(await client.GetOk($"/api/v1/campaigns/{campaignId}/participants/user-b"), "code_disabled");
        AssertRefused(await client.Register(campaignId, "user-b", expected: HttpStatusCode.OK), "code_disabled");
        var listed = (await client.Participants(campaignId)).Single(p => p.Str("externalId") == "user-b");
        AssertRefused(listed, "code_disabled");
    }

    /// <summary>A click the redirect took for a bot never attributes: a script could otherwise take click ids from anyone's
    /// link for the signups it makes. A code given with it still decides.</summary>
    [Fact]
    public async Task A_bot_click_does_not_attribute_but_a_code_given_with_it_does()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var bot = await app.ClickLink(a.Str("referralCode"), "curl/8.5.0");

        AssertRefused(await client.Register(campaignId, "user-b", clickId: bot.ClickId), "bot_click");
        await AssertNothingAttributed(client, campaignId, "user-a");

        var c = await client.Register(campaignId, "user-c", clickId: bot.ClickId, referralCode: a.Str("referralCode"));
        Assert.Equal(a.Str("id"), c.Str("referredBy"));
        Assert.Equal("referral_code", c["referral"]!.Str("reason"));
    }

    /// <summary>PostgreSQL keeps a click's time to the microsecond, the clock ticks in 100 ns: a click exactly at the
    /// window's start attributes on both databases alike.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public async Task A_click_exactly_at_the_window_start_attributes(long ticks)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(windowDays: 1);
        var a = await client.Register(campaignId, "user-a");
        app.Clock.Advance(TimeSpan.FromTicks(ticks));
        var click = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromDays(1));

        var b = await client.Register(campaignId, "user-b", clickId: click.ClickId);

        Assert.Equal("qualified", b["referral"]?.Str("status"));
        Assert.Equal(a.Str("id"), b.Str("referredBy"));
    }

    private static void AssertRefused(JsonNode participant, string reason)
    {
        Assert.Null(participant["referredBy"]);
        var referral = participant["referral"];
        Assert.True(referral is not null, $"No referral outcome in {participant.ToJsonString()}");
        Assert.Equal("rejected", referral.Str("status"));
        Assert.Equal(reason, referral.Str("reason"));
    }

    private static async Task AssertNothingAttributed(HttpClient client, string campaignId, string referrer)
    {
        Assert.Empty(await client.Rewards(campaignId));
        var stats = await client.ParticipantStats(campaignId, referrer);
        Assert.Equal(0, stats.Int("referrals"));
        Assert.Equal(0, (await client.CampaignStats(campaignId)).Int("referrals"));
    }
}
