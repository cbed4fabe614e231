using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace RefTrack.Links;

/// <summary>
/// The redirect's two <c>Set-Cookie</c> values. Their attributes depend only on the link options, on whether the
/// request came over HTTPS and, for the click cookie, on the campaign's attribution window, so each combination is
/// formatted once by ASP.NET Core's own cookie header writer (<see cref="CookieOptions.CreateCookieHeader"/>) and kept;
/// a redirect joins name, value and attributes in one string, the value escaped as <c>Response.Cookies.Append</c>
/// escapes it. <c>Append</c> itself allocated a <see cref="CookieOptions"/>, a header object and its pieces per cookie,
/// the largest share of a redirect's allocations (docs/benchmarks-log.md).
/// </summary>
public sealed class RedirectCookies(IOptions<LinkOptions> options)
{
    private const int DeviceLifetimeDays = 365;

    private readonly ConcurrentDictionary<(bool Click, int Days, bool Secure), string> _attributes = new();

    /// <summary>The device cookie: the browser's lasting id, sent back on its later clicks; not readable by script.</summary>
    public string Device(string deviceId, bool secure) =>
        Header(RedirectApi.DeviceCookie, deviceId, (false, DeviceLifetimeDays, secure));

    /// <summary>The click cookie: the click id, readable by the site's own script so it can travel with the signup
    /// form, for as long as the campaign attributes a signup to a click.</summary>
    public string Click(string clickId, int attributionWindowDays, bool secure) =>
        Header(RedirectApi.ClickCookie, clickId, (true, attributionWindowDays, secure));

    private string Header(string name, string value, (bool Click, int Days, bool Secure) kind) =>
        string.Concat(name, "=", Uri.EscapeDataString(value),
            _attributes.GetOrAdd(kind, static (k, domain) => Attributes(k, domain), options.Value.CookieDomain));

    /// <summary>Everything after <c>name=value</c>: <c>; max-age=…; domain=…; path=/; secure; samesite=lax; httponly</c>.</summary>
    private static string Attributes((bool Click, int Days, bool Secure) kind, string? domain)
    {
        var name = kind.Click ? RedirectApi.ClickCookie : RedirectApi.DeviceCookie;
        var header = new CookieOptions
        {
            HttpOnly = !kind.Click, Secure = kind.Secure, SameSite = SameSiteMode.Lax, Domain = domain, IsEssential = true,
            MaxAge = TimeSpan.FromDays(kind.Days),
        }.CreateCookieHeader(name, "").ToString();
        return header[(name.Length + 1)..];
    }
}
