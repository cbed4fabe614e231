using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// One device (its rt_did cookie sent by hand) clicks A's link, then C's: the campaign's model decides who referred.
/// </summary>
public sealed class AttributionModelTestsSqlite() : AttributionModelTests(Provider.Sqlite);

public sealed class AttributionModelTestsPostgres() : AttributionModelTests(Provider.Postgres);

public abstract class AttributionModelTests(Provider provider)
{
    private sealed record Setup(TestApp App, HttpClient Client, string CampaignId, string A, string C, ClickResult ClickA, ClickResult ClickC);

    private static async Task<Setup> TwoClicksFromOneDevice(TestApp app, string model)
    {
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: model);
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        var c = await client.Register(campaignId, "user-c");

        var clickA = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromHours(3));
        var clickC = await app.ClickLink(c.Str("referralCode"), deviceId: clickA.DeviceId);
        Assert.Equal(clickA.DeviceId, clickC.DeviceId); // The device cookie was recognised and kept.
        Assert.NotEqual(clickA.ClickId, clickC.ClickId);
        app.Clock.Advance(TimeSpan.FromHours(1));
        return new Setup(app, client, campaignId, a.Str("id"), c.Str("id"), clickA, clickC);
    }

    [Fact]
    public async Task First_click_campaign_attributes_to_the_first_link_clicked()
    {
        using var app = new TestApp(provider);
        var s = await TwoClicksFromOneDevice(app, "firstClick");

        // The browser's cookie holds the latest click id (C's); the device history still reaches A's.
        var b = await s.Client.Register(s.CampaignId, "user-b", clickId: s.ClickC.ClickId);

        Assert.Equal(s.A, b.Str("referredBy"));
        Assert.Equal("qualified", b["referral"]!.Str("status"));
        Assert.Equal("first_click", b["referral"]!.Str("reason"));
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await s.Client.Rewards(s.CampaignId, s.A)));
        Assert.Empty(await s.Client.Rewards(s.CampaignId, s.C));
    }

    [Fact]
    public async Task Last_click_campaign_attributes_to_the_last_link_clicked()
    {
        using var app = new TestApp(provider);
        var s = await TwoClicksFromOneDevice(app, "lastClick");

        // Even when the site passes the older click id, the device's later click wins.
        var b = await s.Client.Register(s.CampaignId, "user-b", clickId: s.ClickA.ClickId);

        Assert.Equal(s.C, b.Str("referredBy"));
        Assert.Equal("last_click", b["referral"]!.Str("reason"));
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await s.Client.Rewards(s.CampaignId, s.C)));
        Assert.Empty(await s.Client.Rewards(s.CampaignId, s.A));
    }

    [Fact]
    public async Task Code_at_signup_wins_under_last_click()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: "lastClick");
        var a = await client.Register(campaignId, "user-a");
        var c = await client.Register(campaignId, "user-c");
        var clickA = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromHours(1));

        var b = await client.Register(campaignId, "user-b", clickId: clickA.ClickId, referralCode: c.Str("referralCode"));

        Assert.Equal(c.Str("id"), b.Str("referredBy"));
        Assert.Equal("referral_code", b["referral"]!.Str("reason"));
    }

    [Fact]
    public async Task Click_wins_over_code_at_signup_under_first_click()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: "firstClick");
        var a = await client.Register(campaignId, "user-a");
        var c = await client.Register(campaignId, "user-c");
        var clickA = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromHours(1));

        var b = await client.Register(campaignId, "user-b", clickId: clickA.ClickId, referralCode: c.Str("referralCode"));

        Assert.Equal(a.Str("id"), b.Str("referredBy"));
        Assert.Equal("first_click", b["referral"]!.Str("reason"));
    }

    [Fact]
    public async Task Clicks_of_another_device_are_not_linked()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: "firstClick");
        var a = await client.Register(campaignId, "user-a");
        var c = await client.Register(campaignId, "user-c");
        var clickA = await app.ClickLink(a.Str("referralCode"), FlowHelpers.BrowserUserAgent);
        app.Clock.Advance(TimeSpan.FromHours(1));
        var clickC = await app.ClickLink(c.Str("referralCode"), FlowHelpers.OtherBrowserUserAgent); // No cookie: a new device.
        Assert.NotEqual(clickA.DeviceId, clickC.DeviceId);

        var b = await client.Register(campaignId, "user-b", clickId: clickC.ClickId);

        Assert.Equal(c.Str("id"), b.Str("referredBy"));
        Assert.Equal("first_click", b["referral"]!.Str("reason"));
    }

    [Fact]
    public async Task First_click_outside_the_window_does_not_count()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: "firstClick", windowDays: 30);
        var a = await client.Register(campaignId, "user-a");
        var c = await client.Register(campaignId, "user-c");
        var clickA = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromDays(31));
        var clickC = await app.ClickLink(c.Str("referralCode"), deviceId: clickA.DeviceId);

        var b = await client.Register(campaignId, "user-b", clickId: clickC.ClickId);

        Assert.Equal(c.Str("id"), b.Str("referredBy"));
        Assert.Equal("first_click", b["referral"]!.Str("reason"));
    }

    [Fact]
    public async Task Own_earlier_click_on_the_device_is_skipped_not_a_self_referral()
    {
        // Under lastClick the latest click that is not the new user's own decides: one device clicks Anna's link,
        // then Carl's; Carl opens a second account, so his own link is skipped and Anna's click remains.
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: "lastClick");
        var a = await client.Register(campaignId, "user-a", "anna@example.org");
        var c = await client.Register(campaignId, "user-c", "carl@example.org");
        var clickA = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromHours(1));
        var clickC = await app.ClickLink(c.Str("referralCode"), deviceId: clickA.DeviceId);

        // Carl signs up again under a second account: his own (latest) click is skipped, Anna's remains.
        var b = await client.Register(campaignId, "user-c-2", "Carl+2@example.org", clickId: clickC.ClickId);

        Assert.Equal(a.Str("id"), b.Str("referredBy"));
        Assert.Equal("last_click", b["referral"]!.Str("reason"));
    }

    [Theory]
    [InlineData("lastClick")]
    [InlineData("firstClick")]
    public async Task The_model_sees_its_click_among_more_than_a_hundred_of_a_busy_device(string model)
    {
        // One device clicks A's link, then B's a hundred times, then C's: more clicks in the window than a signup
        // reads (SignupQueries caps them at 100). The site passes the click the model would not pick.
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: model);
        var a = await client.Register(campaignId, "user-a");
        var b = await client.Register(campaignId, "user-b");
        var c = await client.Register(campaignId, "user-c");

        var clickA = await app.ClickLink(a.Str("referralCode"));
        for (var i = 0; i < 100; i++)
        {
            app.Clock.Advance(TimeSpan.FromMinutes(1));
            await app.ClickLink(b.Str("referralCode"), deviceId: clickA.DeviceId);
        }

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var clickC = await app.ClickLink(c.Str("referralCode"), deviceId: clickA.DeviceId);
        app.Clock.Advance(TimeSpan.FromMinutes(1));

        var lastClick = model == "lastClick";
        var referred = await client.Register(campaignId, "user-new", clickId: lastClick ? clickA.ClickId : clickC.ClickId);

        Assert.Equal(lastClick ? "last_click" : "first_click", referred["referral"]!.Str("reason"));
        Assert.Equal(lastClick ? c.Str("id") : a.Str("id"), referred.Str("referredBy"));
    }

    /// <summary>One rt_click cookie serves every campaign: the device clicked A's link here, then a link of another
    /// campaign, and the site passes that latest click id. The device's click here still decides.</summary>
    [Theory]
    [InlineData("firstClick")]
    [InlineData("lastClick")]
    public async Task Click_id_of_another_campaign_still_finds_the_devices_click_in_this_campaign(string model)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign(model: model);
        var otherId = await client.CreateCampaign(name: "Other");
        var a = await client.Register(campaignId, "user-a");
        var x = await client.Register(otherId, "user-x");

        var clickA = await app.ClickLink(a.Str("referralCode"));
        app.Clock.Advance(TimeSpan.FromHours(1));
        var clickX = await app.ClickLink(x.Str("referralCode"), deviceId: clickA.DeviceId);
        Assert.Equal(clickA.DeviceId, clickX.DeviceId);
        app.Clock.Advance(TimeSpan.FromHours(1));

        var b = await client.Register(campaignId, "user-b", clickId: clickX.ClickId);

        Assert.Equal(a.Str("id"), b["referredBy"]?.GetValue<string>());
        Assert.Equal(model == "firstClick" ? "first_click" : "last_click", b["referral"]!.Str("reason"));
    }
}
