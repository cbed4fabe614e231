using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary><c>GET /r/{code}</c>: where it redirects, what it sets, what it counts, and when it refuses.</summary>
public sealed class RedirectTestsSqlite() : RedirectTests(Provider.Sqlite);

public sealed class RedirectTestsPostgres() : RedirectTests(Provider.Postgres);

public abstract class RedirectTests(Provider provider)
{
    /// <summary>An app behind a load balancer at 10.0.0.5 whose network it trusts: each request's visitor is the
    /// address it forwards (<see cref="FlowHelpers.GetLink"/>'s forwardedFor).</summary>
    private TestApp BehindBalancer(int unknownCodesPerMinute) => new(provider, new Dictionary<string, string?>
    {
        ["RefTrack:Links:UnknownCodeLimitPerMinute"] =
            unknownCodesPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RefTrack:Proxy:TrustedNetworks"] = "10.0.0.0/8",
    })
    {
        RemoteAddress = IPAddress.Parse("10.0.0.5"),
    };

    [Fact]
    public async Task Redirects_to_the_campaign_destination_with_ref_and_click_id()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign("https://shop.example/signup");
        var a = await client.Register(campaignId, "user-a");
        var code = a.Str("referralCode");

        var click = await app.ClickLink(code);

        Assert.Equal($"https://shop.example/signup?ref={code}&rt_click={click.ClickId}", click.Location);
        Assert.True(Guid.TryParse(click.ClickId, out _));
        Assert.False(string.IsNullOrEmpty(click.DeviceId));
        Assert.Contains("no-store", click.Response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

        var setCookies = click.Response.Headers.GetValues("Set-Cookie").ToList();
        var device = setCookies.Single(c => c.StartsWith("rt_did=", StringComparison.Ordinal));
        var clickCookie = setCookies.Single(c => c.StartsWith("rt_click=", StringComparison.Ordinal));
        Assert.Contains("httponly", device, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("httponly", clickCookie, StringComparison.OrdinalIgnoreCase); // Read by the site's script.
        Assert.Contains("max-age=2592000", clickCookie, StringComparison.OrdinalIgnoreCase); // The 30-day window.

        // A second click gets a new click id and keeps the device.
        var again = await app.ClickLink(code, deviceId: click.DeviceId);
        Assert.NotEqual(click.ClickId, again.ClickId);
        Assert.Equal(click.DeviceId, again.DeviceId);
    }

    /// <summary>Links served over HTTPS (<c>PublicBaseUrl</c>) get <c>secure</c> cookies even when this node is
    /// reached over plain HTTP, as behind a proxy that ends TLS and is not trusted for X-Forwarded-Proto (found by
    /// review); without <c>PublicBaseUrl</c> the request's own scheme decides. Test requests come over HTTP.</summary>
    [Theory]
    [InlineData("https://refer.example.com", true)]
    [InlineData("http://refer.example.com", false)]
    [InlineData(null, false)]
    public async Task Cookies_are_secure_when_links_are_served_over_https(string? publicBaseUrl, bool secure)
    {
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["RefTrack:PublicBaseUrl"] = publicBaseUrl });
        var client = app.Client();
        var code = (await client.Register(await client.CreateCampaign(), "user-a")).Str("referralCode");

        var click = await app.ClickLink(code);

        var cookies = click.Response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, cookies.Count);
        Assert.All(cookies, c => Assert.Equal(secure, c.Contains("; secure", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Head_answers_where_the_link_leads_and_records_nothing()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign("https://shop.example/signup");
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        using var head = await app.Client(null).SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/r/{code}"));
        Assert.Equal(HttpStatusCode.Redirect, head.StatusCode);
        Assert.Equal($"https://shop.example/signup?ref={code}", head.Headers.Location!.ToString());
        Assert.False(head.Headers.Contains("Set-Cookie"));

        using var unknown = await app.Client(null).SendAsync(new HttpRequestMessage(HttpMethod.Head, "/r/NOSUCHCODE"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        await app.FlushClicksAsync();
        Assert.Equal(0, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    [Fact]
    public async Task A_user_agent_cut_inside_an_emoji_does_not_lose_the_batch()
    {
        // A long interval, so that the two clicks after the first batch are gathered into one batch.
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["RefTrack:Links:ClickBatchMilliseconds"] = "1000" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await app.ClickLink(code, FlowHelpers.OtherBrowserUserAgent); // The first batch starts at once.

        // 511 UTF-16 units then an emoji (two of them): a cut at 512 would leave half of it, which PostgreSQL's UTF-8
        // refuses. Kestrel hands a UTF-8 User-Agent over decoded, so an app or extension can send this.
        var userAgent = "Mozilla/5.0 " + new string('x', 511 - 12) + "\U0001F600 tail";
        await Task.WhenAll(app.ClickLink(code, userAgent), app.ClickLink(code, FlowHelpers.BrowserUserAgent));
        await app.FlushClicksAsync();

        // Every click, the other visitor's included, is written and counted.
        Assert.Equal(3, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    [Fact]
    public async Task A_visitors_first_click_and_the_next_with_its_new_cookie_count_one_unique_in_one_batch()
    {
        // A long interval, so that the two clicks after the first batch are gathered into one batch (as under load).
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["RefTrack:Links:ClickBatchMilliseconds"] = "1000" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await app.ClickLink(code, FlowHelpers.OtherBrowserUserAgent); // Another visitor; the first batch starts at once.

        var first = await app.ClickLink(code); // No cookie: recognised by address and browser, gets rt_did.
        await app.ClickLink(code, deviceId: first.DeviceId); // The same browser comes back with its rt_did.
        await app.FlushClicksAsync();

        var clicks = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(3, clicks.Long("total"));
        Assert.Equal(2, clicks.Long("unique")); // The other visitor and this one.
    }

    [Fact]
    public async Task The_next_click_with_the_new_cookie_written_first_leaves_one_unique()
    {
        // Batches of one: the click carrying the cookie is written before the cookie-less click that minted it, as
        // another node or PostgreSQL's second writer can commit it.
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        var resolved = await app.Services.GetRequiredService<CodeResolver>().LookupAsync(code, CancellationToken.None);
        var hasher = app.Services.GetRequiredService<ClickHasher>();
        var writer = app.Services.GetRequiredService<ClickWriter>();
        var ip = hasher.HashIp("203.0.113.1");
        var device = Guid.CreateVersion7().ToString("N");
        Click NewClick() => new()
        {
            Id = Guid.CreateVersion7(), CampaignId = resolved!.CampaignId, ReferralCodeId = resolved.CodeId,
            ParticipantId = resolved.ParticipantId, OccurredAt = DateTime.UtcNow, IpHash = ip,
            UserAgent = FlowHelpers.BrowserUserAgent, DeviceId = device, IsBot = false,
        };

        await writer.EnqueueAsync(new PendingClick(NewClick(), "d:" + device, null), CancellationToken.None);
        await app.FlushClicksAsync();
        await writer.EnqueueAsync(new PendingClick(NewClick(), "d:" + device,
            hasher.FingerprintKey(ip, FlowHelpers.BrowserUserAgent)), CancellationToken.None);
        await app.FlushClicksAsync();

        var clicks = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(2, clicks.Long("total"));
        Assert.Equal(1, clicks.Long("unique"));
    }

    [Theory]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")] // 64: its visitor key "d:…" is 66.
    [InlineData("0123456789abcdef0123456789abcdef0")] // 33 hex digits.
    [InlineData("0123456789abcdef0123456789abcde")] // 31.
    [InlineData("0123456789ABCDEF0123456789ABCDEF")] // Never minted upper-case.
    [InlineData("0123456789abcdef0123456789abcde%00")] // Percent-decoded: a NUL, which PostgreSQL text cannot hold.
    [InlineData("abc%00def")]
    [InlineData("0123456789abcdef-0123456789abcde")]
    [InlineData("device-1")]
    public async Task A_device_cookie_not_minted_here_is_replaced_and_the_visitor_counted_by_address_and_browser(string cookie)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        var first = await app.ClickLink(code, deviceId: cookie);
        var second = await app.ClickLink(code, deviceId: cookie);

        // A fresh device id each time, as for a browser without the cookie...
        Assert.True(RedirectApi.IsDeviceId(first.DeviceId), first.DeviceId);
        Assert.NotEqual(first.DeviceId, second.DeviceId);

        // ...and the clicks are written (on PostgreSQL the cookie as it came failed the whole batch): one visitor,
        // recognised by address and browser, then by the device id the first click set.
        await app.FlushClicksAsync();
        var withCookie = await app.ClickLink(code, deviceId: first.DeviceId);
        Assert.Equal(first.DeviceId, withCookie.DeviceId);
        await app.FlushClicksAsync();
        var clicks = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(3, clicks.Long("total"));
        Assert.Equal(1, clicks.Long("unique"));
    }

    [Theory]
    [InlineData("?url=https://evil.example")]
    [InlineData("?next=https%3A%2F%2Fevil.example%2Fphish")]
    [InlineData("?redirect=//evil.example&ref=EVIL&rt_click=forged")]
    [InlineData("?destination=javascript:alert(1)")]
    public async Task Query_of_the_link_never_changes_the_destination(string query)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign("https://shop.example/signup");
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        var click = await app.ClickLink(code, query: query);

        Assert.Equal($"https://shop.example/signup?ref={code}&rt_click={click.ClickId}", click.Location);
        Assert.DoesNotContain("evil", click.Location, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Existing_query_string_of_the_destination_is_kept()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign("https://shop.example/join?utm_source=referral&lang=en");
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        var click = await app.ClickLink(code);

        Assert.Equal($"https://shop.example/join?utm_source=referral&lang=en&ref={code}&rt_click={click.ClickId}", click.Location);
    }

    [Fact]
    public async Task Code_lookup_is_case_insensitive()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a");
        var code = a.Str("referralCode");
        await client.PostOk($"/api/v1/campaigns/{campaignId}/participants/user-a/codes", new { code = "Anna_Summer" });

        var lower = await app.ClickLink(code.ToLowerInvariant());
        Assert.Equal($"https://shop.example/signup?ref={code}&rt_click={lower.ClickId}", lower.Location);

        var vanity = await app.ClickLink("anna_SUMMER");
        Assert.Equal($"https://shop.example/signup?ref=ANNA_SUMMER&rt_click={vanity.ClickId}", vanity.Location);

        // Both clicks count for A.
        await app.FlushClicksAsync();
        Assert.Equal(2, (await client.ParticipantStats(campaignId, "user-a"))["clicks"]!.Long("total"));
    }

    [Theory]
    [InlineData("/r/%C5%BFid_summer")] // U+017F, the long s: its invariant upper case is S with ICU's casing.
    [InlineData("/r/s%C4%B1d_summer")] // U+0131, the dotless i: upper-cased to I in Turkish.
    [InlineData("/r/SID_SUMMER%E2%80%8B")] // A zero-width space after it (not white space to Trim).
    public async Task Letters_that_upper_case_into_ascii_do_not_reach_a_code(string path)
    {
        // Codes are ASCII and matched case-insensitively in ASCII only: another spelling of a code is not the code.
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");
        await client.PostOk($"/api/v1/campaigns/{campaignId}/participants/user-a/codes", new { code = "Sid_Summer" });

        var response = await app.GetLink(path);

        await response.AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Null(response.Headers.Location);
        Assert.Equal(HttpStatusCode.NotFound,
            (await client.GetAsync($"/api/v1/campaigns/{campaignId}/codes{path[2..]}")).StatusCode);
        await app.FlushClicksAsync();
        Assert.Equal(0, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    [Theory]
    [InlineData("/r/NOSUCHCODE")]
    [InlineData("/r/%2F%2Fevil.example")]
    [InlineData("/r/ABCDEFGHJKMNPQRSTUVWXYZ23456789ABCDEF")] // Longer than any code.
    [InlineData("/r/AB%0ACD")]
    public async Task Unknown_code_is_a_404_problem_without_location_or_cookies(string path)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");

        var response = await app.GetLink(path);

        await response.AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        await app.FlushClicksAsync();
        Assert.Equal(0, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    [Fact]
    public async Task Disabled_code_is_a_404_until_enabled()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await app.ClickLink(code); // Warms the per-node code cache: disabling must not be hidden by it.

        await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{code}/disable", new { }, HttpStatusCode.OK);
        var disabled = await app.GetLink($"/r/{code}");
        await disabled.AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Null(disabled.Headers.Location);
        Assert.True((await client.GetOk($"/api/v1/campaigns/{campaignId}/codes/{code}"))["disabled"]!.GetValue<bool>());

        var enabled = await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{code}/enable", new { }, HttpStatusCode.OK);
        Assert.False(enabled["disabled"]!.GetValue<bool>());
        var click = await app.ClickLink(code);
        Assert.StartsWith($"https://shop.example/signup?ref={code}&rt_click=", click.Location, StringComparison.Ordinal);

        await app.FlushClicksAsync();
        Assert.Equal(2, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
    }

    [Fact]
    public async Task Codes_of_another_campaign_cannot_be_managed_through_this_one()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var otherId = await client.CreateCampaign(name: "Other");
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        await (await client.PostAsync($"/api/v1/campaigns/{otherId}/codes/{code}/disable", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await client.GetAsync($"/api/v1/campaigns/{otherId}/codes/{code}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await client.PostAsync($"/api/v1/campaigns/{campaignId}/codes/NOSUCHCODE/disable", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");

        await app.ClickLink(code); // Still enabled.
    }

    [Fact]
    public async Task Repeated_clicks_redirect_every_time_and_count_once_as_unique()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        // Without a cookie the visitor is recognised by address and browser; with it, by the cookie.
        var first = await app.ClickLink(code);
        var ids = new HashSet<string> { first.ClickId };
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await app.ClickLink(code)).ClickId);
        }

        for (var i = 0; i < 2; i++)
        {
            ids.Add((await app.ClickLink(code, deviceId: first.DeviceId)).ClickId);
        }

        Assert.Equal(5, ids.Count);
        await app.FlushClicksAsync();

        var clicks = (await client.ParticipantStats(campaignId, "user-a"))["clicks"]!;
        Assert.Equal(5, clicks.Long("total"));
        Assert.Equal(1, clicks.Long("unique"));
        Assert.Equal(0, clicks.Long("bots"));

        // Another browser is another visitor.
        await app.ClickLink(code, FlowHelpers.OtherBrowserUserAgent);
        await app.FlushClicksAsync();
        clicks = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(6, clicks.Long("total"));
        Assert.Equal(2, clicks.Long("unique"));
    }

    [Fact]
    public async Task Bot_clicks_redirect_and_are_counted_as_bots_not_unique()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        await app.ClickLink(code, FlowHelpers.BotUserAgent);
        await app.ClickLink(code, "curl/8.5.0");
        await app.ClickLink(code, userAgent: null);
        await app.ClickLink(code, FlowHelpers.BrowserUserAgent);
        await app.FlushClicksAsync();

        var clicks = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(4, clicks.Long("total"));
        Assert.Equal(3, clicks.Long("bots"));
        Assert.Equal(1, clicks.Long("unique"));
        var funnel = (await client.CampaignStats(campaignId))["funnel"]!;
        Assert.Equal(1, funnel.Long("clicks"));
    }

    /// <summary>The stored user agent is cut at 512 characters; the bot check reads the whole header.</summary>
    [Fact]
    public async Task A_bot_marker_past_the_stored_length_still_marks_a_bot()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        await app.ClickLink(code, "Mozilla/5.0 (X11; Linux x86_64) " + new string('x', 520) + " Googlebot/2.1");
        await app.FlushClicksAsync();

        var clicks = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(1, clicks.Long("total"));
        Assert.Equal(1, clicks.Long("bots"));
        Assert.Equal(0, clicks.Long("unique"));
    }

    [Fact]
    public async Task Too_many_unknown_codes_get_429_while_valid_codes_still_redirect()
    {
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["RefTrack:Links:UnknownCodeLimitPerMinute"] = "3" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await app.ClickLink(code); // Looked up, so cached by this node.

        for (var i = 0; i < 3; i++)
        {
            await (await app.GetLink($"/r/GUESS{i}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        }

        var limited = await app.GetLink("/r/GUESS9");
        await limited.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Null(limited.Headers.Location);

        // A valid link is never limited, however often it is clicked.
        for (var i = 0; i < 5; i++)
        {
            var click = await app.ClickLink(code);
            Assert.StartsWith($"https://shop.example/signup?ref={code}&", click.Location, StringComparison.Ordinal);
        }

        // Still limited for guesses, including a guess of a known-but-disabled code.
        await (await app.GetLink("/r/GUESS10")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{code}/disable", new { }, HttpStatusCode.OK);
        await (await app.GetLink($"/r/{code}")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
    }

    [Fact]
    public async Task A_disabled_code_answers_404_without_counting_against_the_address()
    {
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["RefTrack:Links:UnknownCodeLimitPerMinute"] = "3" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        await client.PostOk($"/api/v1/campaigns/{campaignId}/codes/{code}/disable", new { }, HttpStatusCode.OK);

        // An ended campaign's link followed by many visitors behind one address: each a 404, none a guess.
        for (var i = 0; i < 6; i++)
        {
            await (await app.GetLink($"/r/{code}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        }

        // So the address still has its allowance for a valid link this node has not looked up, and for typos.
        var fresh = (await client.Register(campaignId, "user-b")).Str("referralCode");
        Assert.StartsWith($"https://shop.example/signup?ref={fresh}&", (await app.ClickLink(fresh)).Location, StringComparison.Ordinal);
        await (await app.GetLink("/r/GUESS0")).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_client_over_the_unknown_code_limit_costs_no_database_read_for_new_codes()
    {
        using var app = BehindBalancer(unknownCodesPerMinute: 2);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var cachedCode = (await client.Register(campaignId, "user-a")).Str("referralCode");
        var uncachedCode = (await client.Register(campaignId, "user-b")).Str("referralCode");
        await app.ClickLink(cachedCode);
        var resolver = app.Services.GetRequiredService<CodeResolver>();

        Task<HttpResponseMessage> Get(string path, string visitor) => app.GetLink(path, forwardedFor: visitor);

        await (await Get("/r/GUESS1", "203.0.113.1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Get("/r/GUESS2", "203.0.113.1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Get("/r/GUESS3", "203.0.113.1")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(resolver.TryGetCached("GUESS3", out _)); // Looked up (every lookup is cached), then refused.

        // Refused now: a code this node has not looked up is refused before the lookup (nothing cached for it), with
        // the time left to wait.
        var limited = await Get("/r/GUESS4", "203.0.113.1");
        await limited.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 60);
        Assert.False(resolver.TryGetCached("GUESS4", out _));
        // So is a real code it has not looked up: telling it from a guess would take the read.
        await (await Get($"/r/{uncachedCode}", "203.0.113.1")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.False(resolver.TryGetCached(uncachedCode, out _));
        // A link this node knows still redirects.
        Assert.Equal(HttpStatusCode.Redirect, (await Get($"/r/{cachedCode}", "203.0.113.1")).StatusCode);

        // Any other client is looked up as before, and follows any link.
        await (await Get("/r/GUESS4", "198.51.100.7")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.True(resolver.TryGetCached("GUESS4", out _));
        Assert.Equal(HttpStatusCode.Redirect, (await Get($"/r/{uncachedCode}", "198.51.100.7")).StatusCode);
    }

    [Fact]
    public async Task An_ipv4_client_is_one_client_whether_or_not_it_arrives_ipv4_mapped()
    {
        using var app = BehindBalancer(unknownCodesPerMinute: 2);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        Task<HttpResponseMessage> Get(string path, string visitor) => app.GetLink(path, forwardedFor: visitor);

        // One allowance of unknown codes...
        await (await Get("/r/GUESS1", "203.0.113.1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Get("/r/GUESS2", "::ffff:203.0.113.1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Get("/r/GUESS3", "203.0.113.1")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");

        // ...and one visitor without a device cookie.
        Assert.Equal(HttpStatusCode.Redirect, (await Get($"/r/{code}", "203.0.113.9")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await Get($"/r/{code}", "::ffff:203.0.113.9")).StatusCode);
        await app.FlushClicksAsync();
        var clicks = (await client.CampaignStats(campaignId))["clicks"]!;
        Assert.Equal(2, clicks.Long("total"));
        Assert.Equal(1, clicks.Long("unique"));
    }

    [Fact]
    public async Task An_ipv6_client_is_limited_by_its_64_however_it_rotates_its_address()
    {
        using var app = BehindBalancer(unknownCodesPerMinute: 2);

        Task<HttpResponseMessage> Get(string path, string visitor) => app.GetLink(path, forwardedFor: visitor);

        // Every guess from a new address of one /64: one allowance all the same.
        await (await Get("/r/GUESS1", "2001:db8:0:1::1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Get("/r/GUESS2", "2001:db8:0:1:8a2e:370:7334:2")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Get("/r/GUESS3", "2001:db8:0:1:ffff:ffff:ffff:ffff")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        await (await Get("/r/GUESS4", "2001:db8:0:1::99")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");

        // The next /64 is another subscriber.
        await (await Get("/r/GUESS5", "2001:db8:0:2::1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    /// <summary>Spread over many /64s of one /48, guesses still meet a limit: the /48's, sixteen clients' worth
    /// (found by review: a /48 had 65,536 allowances).</summary>
    [Fact]
    public async Task Guesses_spread_over_the_64s_of_one_48_meet_its_limit()
    {
        using var app = BehindBalancer(unknownCodesPerMinute: 2);
        var guess = 0;

        async Task<HttpStatusCode> Guess(string visitor) =>
            (await app.GetLink($"/r/GUESS{++guess}", forwardedFor: visitor)).StatusCode;

        for (var subnet = 0; subnet < RefTrack.Links.UnknownCodeLimiter.NetworkAllowances; subnet++)
        {
            Assert.Equal(HttpStatusCode.NotFound, await Guess($"2001:db8:0:{subnet:x}::1"));
            Assert.Equal(HttpStatusCode.NotFound, await Guess($"2001:db8:0:{subnet:x}::2"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess("2001:db8:0:ff::1")); // A /64 not used yet.
        Assert.Equal(HttpStatusCode.NotFound, await Guess("2001:db8:1:0::1")); // Another /48.
    }

    [Fact]
    public async Task Redirect_needs_no_api_key_and_ignores_a_bad_one()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");

        var withBadKey = await app.Client("rt_wrong_key_wrong_key_wrong_key").GetAsync($"/r/{code}");
        Assert.Equal(HttpStatusCode.Redirect, withBadKey.StatusCode);
    }
}
