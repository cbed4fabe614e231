using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using RefTrack.Links;

namespace RefTrack.Tests.Unit;

/// <summary>The redirect formats its Set-Cookie values itself; they must be what ASP.NET Core's cookie API writes.</summary>
public sealed class RedirectCookiesTests
{
    [Theory]
    [InlineData(false, null, 30, "0123456789abcdef0123456789abcdef")]
    [InlineData(true, null, 30, "0123456789abcdef0123456789abcdef")]
    [InlineData(false, ".shop.example", 7, "0123456789abcdef0123456789abcdef")]
    [InlineData(true, ".shop.example", 90, "a device; id=with, odd % chars")] // A device cookie sent back is echoed.
    public void Set_cookie_values_are_what_Response_Cookies_Append_writes(
        bool secure, string? domain, int windowDays, string deviceId)
    {
        var clickId = Guid.CreateVersion7().ToString();
        var expected = new DefaultHttpContext();
        expected.Response.Cookies.Append(RedirectApi.DeviceCookie, deviceId, new CookieOptions
        {
            HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Lax, Domain = domain, IsEssential = true,
            MaxAge = TimeSpan.FromDays(365),
        });
        expected.Response.Cookies.Append(RedirectApi.ClickCookie, clickId, new CookieOptions
        {
            HttpOnly = false, Secure = secure, SameSite = SameSiteMode.Lax, Domain = domain, IsEssential = true,
            MaxAge = TimeSpan.FromDays(windowDays),
        });

        var cookies = new RedirectCookies(Options.Create(new LinkOptions { CookieDomain = domain }));
        for (var call = 0; call < 2; call++) // The second time from the kept attributes.
        {
            string[] actual = [cookies.Device(deviceId, secure), cookies.Click(clickId, windowDays, secure)];
            Assert.Equal(expected.Response.Headers.SetCookie.ToArray(), actual);
        }
    }

    [Fact]
    public void Windows_and_schemes_are_kept_apart()
    {
        var cookies = new RedirectCookies(Options.Create(new LinkOptions()));
        var id = Guid.CreateVersion7().ToString();

        Assert.Contains("max-age=604800", cookies.Click(id, 7, secure: false), StringComparison.Ordinal);
        Assert.Contains("max-age=2592000", cookies.Click(id, 30, secure: false), StringComparison.Ordinal);
        Assert.DoesNotContain("secure", cookies.Click(id, 30, secure: false), StringComparison.Ordinal);
        Assert.Contains("; secure", cookies.Click(id, 30, secure: true), StringComparison.Ordinal);
        Assert.Contains("max-age=31536000", cookies.Device("d", secure: false), StringComparison.Ordinal);
    }
}
