using Microsoft.AspNetCore.WebUtilities;
using RefTrack.Links;

namespace RefTrack.Tests.Unit;

public sealed class CampaignTargetTests
{
    [Theory]
    [InlineData("https://shop.example/signup")]
    [InlineData("https://shop.example/join?utm_source=referral&lang=en")]
    [InlineData("https://shop.example/join?")]
    [InlineData("https://shop.example/a%20b?q=x%26y")]
    [InlineData("https://shop.example/page#section")]
    public void Location_is_what_AddQueryString_writes_for_the_code_and_click(string destination)
    {
        var target = new CampaignTarget(Guid.CreateVersion7(), destination, attributionWindowDays: 30);
        const string code = "ANNA_SUMMER-2";
        var click = Guid.CreateVersion7().ToString();

        var expected = QueryHelpers.AddQueryString(destination,
            new Dictionary<string, string?> { ["ref"] = code, ["rt_click"] = click });

        Assert.Equal(expected, target.LocationFor(code, click));
    }

    /// <summary>The API refuses these destinations; a row imported or edited by hand may still hold one, and its links
    /// must not send visitors there (another site, script) nor fail inside Kestrel with a header it cannot write.</summary>
    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("/signup")]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://shop.example/file")]
    [InlineData("http:evil.example")]
    [InlineData("https://shop.example/a b")]
    [InlineData("https://shop.example/\r\nSet-Cookie: a=b")]
    [InlineData("https://shöp.example/")]
    [InlineData("")]
    public void A_destination_the_redirect_cannot_send_visitors_to_builds_no_target(string destination)
    {
        var destinationUrl = destination.Replace("\\r\\n", "\r\n", StringComparison.Ordinal);

        var e = Assert.Throws<InvalidOperationException>(() => new CampaignTarget(Guid.CreateVersion7(), destinationUrl, 30));

        Assert.Contains("destination", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_target_serves_every_code_of_the_campaign()
    {
        var target = new CampaignTarget(Guid.CreateVersion7(), "https://shop.example/signup", 30);

        Assert.Equal("https://shop.example/signup?ref=AAA&rt_click=1", target.LocationFor("AAA", "1"));
        Assert.Equal("https://shop.example/signup?ref=BBB&rt_click=2", target.LocationFor("BBB", "2"));
    }
}
