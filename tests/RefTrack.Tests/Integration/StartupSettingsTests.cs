using System.Text;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>A setting that cannot work stops start-up with a message naming it, rather than a service that starts and
/// then answers wrongly.</summary>
public sealed class StartupSettingsTests
{
    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "RefTrack:PublicBaseUrl", "refer.example.com", "RefTrack:PublicBaseUrl" },
        { "RefTrack:PublicBaseUrl", "https://", "RefTrack:PublicBaseUrl" }, // https://$HOST with HOST unset
        { "RefTrack:PublicBaseUrl", "https://refer example.com", "RefTrack:PublicBaseUrl" },
        { "RefTrack:PublicBaseUrl", "ftp://refer.example.com", "RefTrack:PublicBaseUrl" },
        { "RefTrack:PublicBaseUrl", "https://refer.example.com/?ref=1", "RefTrack:PublicBaseUrl" },
        { "RefTrack:Database:Provider", "2", "RefTrack:Database:Provider" },
        { "RefTrack:Database:Synchronous", "7", "RefTrack:Database:Synchronous" },
        { "RefTrack:Database:ConnectionString", "Host=db.internal;Username=reftrack", "RefTrack:Database:Provider" },
        { "RefTrack:Database:Path", "/sys/reftrack-test.db", "/sys/reftrack-test.db" }, // exists, cannot be written
        { "RefTrack:Database:Path", "/sys/reftrack-test.db", "RefTrack:Database:Path" },
        { "RefTrack:Database:Path", "/etc/passwd/reftrack/reftrack.db", "RefTrack:Database:Path" }, // folder under a file
        { "RefTrack:Database:Path", "", "RefTrack:Database:Path" },
        // Every number outside its range names its setting, not the options class and property (found by review).
        { "RefTrack:Links:CodeCacheSeconds", "3601", "RefTrack:Links:CodeCacheSeconds" },
        { "RefTrack:Links:UnknownCodeLimitPerMinute", "0", "RefTrack:Links:UnknownCodeLimitPerMinute" },
        { "RefTrack:Links:ClickQueueCapacity", "99", "RefTrack:Links:ClickQueueCapacity" },
        { "RefTrack:Links:ClickBatchSize", "0", "RefTrack:Links:ClickBatchSize" },
        { "RefTrack:Links:ClickBatchMilliseconds", "1001", "RefTrack:Links:ClickBatchMilliseconds" },
        { "RefTrack:Links:ClickRollupIdleMilliseconds", "0", "RefTrack:Links:ClickRollupIdleMilliseconds" },
        { "RefTrack:Links:ClickWriters", "9", "RefTrack:Links:ClickWriters" },
        { "RefTrack:Auth:KeyCacheSeconds", "3601", "RefTrack:Auth:KeyCacheSeconds" },
        { "RefTrack:Database:BusyTimeoutMilliseconds", "-1", "RefTrack:Database:BusyTimeoutMilliseconds" },
        { "RefTrack:Database:SqliteCacheKiB", "63", "RefTrack:Database:SqliteCacheKiB" },
        { "RefTrack:Rewards:RuleCacheSeconds", "61", "RefTrack:Rewards:RuleCacheSeconds" },
        { "RefTrack:Idempotency:RetentionHours", "0", "RefTrack:Idempotency:RetentionHours" },
        { "RefTrack:Idempotency:RetentionHours", "8761", "RefTrack:Idempotency:RetentionHours" },
        { "RefTrack:Idempotency:RetentionHours", "24h", "RefTrack:Idempotency:RetentionHours" },
        { "RefTrack:Auth:BootstrapApiKey", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "RefTrack:Auth:BootstrapApiKey" },
        { "RefTrack:Auth:BootstrapApiKey", "changeme-changeme-changeme", "RefTrack:Auth:BootstrapApiKey" }, // 9 distinct
        { "RefTrack:Auth:BootstrapApiKey", "123456789012345678901234", "RefTrack:Auth:BootstrapApiKey" }, // repeats
        { "RefTrack:Auth:BootstrapApiKey", "rt_walkthrough key 0123456789abcdef", "RefTrack:Auth:BootstrapApiKey" },
        { "RefTrack:Auth:BootstrapApiKey", "rt_walkthrough_key_0123456789abcdef\n", "RefTrack:Auth:BootstrapApiKey" },
        { "RefTrack:Auth:BootstrapApiKey", "rt_walkthrough_key_\u00070123456789abcdef", "RefTrack:Auth:BootstrapApiKey" },
        { "RefTrack:Auth:BootstrapApiKey", "rt_wälkthrough_key_0123456789abcdef", "RefTrack:Auth:BootstrapApiKey" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Invalid_setting_stops_start_up_naming_it(string key, string value, string named)
    {
        Assert.Contains(named, StartUpFailure(new Dictionary<string, string?> { [key] = value }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://refer.example.com", "https://refer.example.com/r/")]
    [InlineData("https://refer.example.com/", "https://refer.example.com/r/")]
    [InlineData("https://example.com/ref", "https://example.com/ref/r/")]
    [InlineData("http://localhost:8080/ref/", "http://localhost:8080/ref/r/")]
    [InlineData("https://Bücher.example:443/réf", "https://xn--bcher-kva.example/r%C3%A9f/r/")] // As links carry it.
    public async Task Public_base_url_prefixes_every_referral_link(string baseUrl, string prefix)
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["RefTrack:PublicBaseUrl"] = baseUrl });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        var a = await client.Register(campaignId, "user-a");

        Assert.Equal(prefix + a.Str("referralCode"), a.Str("referralLink"));
    }

    /// <summary>Keys the docs and harnesses use, and one made as the README advises (<c>openssl rand -base64 32</c>).</summary>
    [Theory]
    [InlineData("rt_walkthrough_key_0123456789abcdef")] // README's walkthrough.
    [InlineData("rt_bench_admin_key_0123456789abcdef")] // bench/RefTrack.Bench and bench/profile.
    [InlineData(TestApp.AdminKey)]
    [InlineData("9sXJ1q+Fh0bZk3T/7mWvYc2LpRn8eGdA4uKoHiNtE5s=")]
    public async Task A_generated_or_documented_bootstrap_key_is_the_first_admin_key(string key)
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["RefTrack:Auth:BootstrapApiKey"] = key });

        var campaignId = await app.Client(key).CreateCampaign();

        Assert.False(string.IsNullOrEmpty(campaignId));
    }

    /// <summary>Public base URL (null: not set, links use the request's host), cookie domain, and the setting the
    /// message must name besides <c>RefTrack:Links:CookieDomain</c>.</summary>
    public static TheoryData<string?, string, string> RefusedCookieDomains => new()
    {
        { "https://refer.example.com", "https://example.com", "domain name" },
        { "https://refer.example.com", "example.com:443", "domain name" },
        { "https://refer.example.com", "example.com/r", "domain name" },
        { "https://refer.example.com", ".example.com; samesite=none", "domain name" }, // would add an attribute
        { "https://refer.example.com", "example.com, evil=1", "domain name" },
        { "https://refer.example.com", "example .com", "domain name" },
        { "https://refer.example.com", "example..com", "domain name" },
        { "https://refer.example.com", "example.com.", "domain name" },
        { "https://refer.example.com", "exämple.com", "domain name" },
        { "https://refer.example.com", ".example.org", "RefTrack:PublicBaseUrl" },
        { "https://refer.example.com", "badexample.com", "RefTrack:PublicBaseUrl" }, // not at a dot
        { "https://refer.example.com", "www.refer.example.com", "RefTrack:PublicBaseUrl" }, // below the host
        { "https://refer.example.com", "com", "RefTrack:PublicBaseUrl" }, // a top-level domain
        { "https://example.com/ref", ".refer.example.com", "RefTrack:PublicBaseUrl" },
        { "http://10.0.0.5:8080", "0.0.5", "RefTrack:PublicBaseUrl" },
        { "http://10.0.0.5:8080", ".10.0.0.5", "RefTrack:PublicBaseUrl" },
        { "http://10.0.0.5:8080", "example.com", "RefTrack:PublicBaseUrl" },
        { "http://[::1]:8080", "::1", "domain name" },
        { null, "https://example.com", "domain name" },
        { null, ".example.com;", "domain name" },
    };

    [Theory]
    [MemberData(nameof(RefusedCookieDomains))]
    public void A_cookie_domain_browsers_would_drop_stops_start_up(string? publicBaseUrl, string domain, string named)
    {
        var messages = StartUpFailure(new Dictionary<string, string?>
        {
            ["RefTrack:PublicBaseUrl"] = publicBaseUrl,
            ["RefTrack:Links:CookieDomain"] = domain,
        });

        Assert.Contains("RefTrack:Links:CookieDomain", messages, StringComparison.Ordinal);
        Assert.Contains(named, messages, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://refer.example.com", ".example.com")]
    [InlineData("https://refer.example.com", "example.com")]
    [InlineData("https://refer.example.com", "refer.example.com")]
    [InlineData("https://refer.example.com", ".Example.COM")]
    [InlineData("https://example.com/ref", ".example.com")]
    [InlineData("http://localhost:8080", "localhost")]
    [InlineData("http://10.0.0.5:8080", "10.0.0.5")]
    [InlineData(null, ".example.org")] // Without a public base URL only the syntax is known.
    public async Task A_cookie_domain_covering_the_public_host_is_set_on_both_cookies(string? publicBaseUrl, string domain)
    {
        using var app = new TestApp(new Dictionary<string, string?>
        {
            ["RefTrack:PublicBaseUrl"] = publicBaseUrl,
            ["RefTrack:Links:CookieDomain"] = domain,
        });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var a = await client.Register(campaignId, "user-a");

        var click = await app.ClickLink(a.Str("referralCode"));

        var setCookies = click.Response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, setCookies.Count);
        Assert.All(setCookies, c => Assert.Contains($"; domain={domain};", c, StringComparison.Ordinal));
    }

    /// <summary>The messages of the error that stops an app with these settings from starting.</summary>
    private static string StartUpFailure(Dictionary<string, string?> settings)
    {
        using var app = new TestApp(settings);
        return Messages(app.StartFailure());
    }

    private static string Messages(Exception e)
    {
        var text = new StringBuilder();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            text.AppendLine(x.Message);
            if (x is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    text.AppendLine(Messages(inner));
                }
            }
        }

        return text.ToString();
    }
}
