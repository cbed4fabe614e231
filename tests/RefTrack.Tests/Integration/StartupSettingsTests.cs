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
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Invalid_setting_stops_start_up_naming_it(string key, string value, string named)
    {
        using var app = new TestApp(new Dictionary<string, string?> { [key] = value });

        var failure = Record.Exception(() => app.Client().Dispose());

        Assert.NotNull(failure);
        Assert.Contains(named, Messages(failure), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://refer.example.com", "https://refer.example.com/r/")]
    [InlineData("https://refer.example.com/", "https://refer.example.com/r/")]
    [InlineData("https://example.com/ref", "https://example.com/ref/r/")]
    [InlineData("http://localhost:8080/ref/", "http://localhost:8080/ref/r/")]
    public async Task Public_base_url_prefixes_every_referral_link(string baseUrl, string prefix)
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["RefTrack:PublicBaseUrl"] = baseUrl });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        var a = await client.Register(campaignId, "user-a");

        Assert.Equal(prefix + a.Str("referralCode"), a.Str("referralLink"));
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
