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
    [InlineData("https:///path")]
    [InlineData("")]
    public void A_destination_the_redirect_cannot_send_visitors_to_builds_no_target(string destination)
    {
        var e = Assert.Throws<InvalidOperationException>(() => new CampaignTarget(Guid.CreateVersion7(), destination, 30));

        Assert.Contains("destination", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Destinations the API stored before it wrote them in ASCII (f2d0dfe) went out as stored and browsers
    /// followed them: they still redirect, to the same address in the form a header can carry.</summary>
    [Theory]
    [InlineData("https://shop.example/summer sale", "https://shop.example/summer%20sale?ref=A&rt_click=1")]
    [InlineData("https://shöp.example/join", "https://xn--shp-tna.example/join?ref=A&rt_click=1")]
    [InlineData(" https://shop.example/join\t", "https://shop.example/join?ref=A&rt_click=1")]
    [InlineData("https://shop.example/\r\nSet-Cookie: a=b", "https://shop.example/%0D%0ASet-Cookie:%20a=b?ref=A&rt_click=1")]
    public void A_destination_stored_before_it_was_written_in_ascii_redirects_in_that_form(string destination, string location)
    {
        var target = new CampaignTarget(Guid.CreateVersion7(), destination, 30);

        Assert.Equal(location, target.LocationFor("A", "1"));
    }

    [Fact]
    public void One_target_serves_every_code_of_the_campaign()
    {
        var target = new CampaignTarget(Guid.CreateVersion7(), "https://shop.example/signup", 30);

        Assert.Equal("https://shop.example/signup?ref=AAA&rt_click=1", target.LocationFor("AAA", "1"));
        Assert.Equal("https://shop.example/signup?ref=BBB&rt_click=2", target.LocationFor("BBB", "2"));
    }
}
