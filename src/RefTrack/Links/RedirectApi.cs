using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary><c>GET /r/{code}</c>: record the click, set cookies, redirect to the campaign's own destination.</summary>
public static class RedirectApi
{
    public const string DeviceCookie = "rt_did";
    public const string ClickCookie = "rt_click";

    /// <summary>Query parameter added to the destination: the click id the company passes back at signup.</summary>
    public const string ClickParameter = "rt_click";

    public const string CodeParameter = "ref";

    public static IEndpointRouteBuilder MapRedirects(this IEndpointRouteBuilder routes)
    {
        // Short-circuited: once routed, the redirect runs at once, skipping authentication and authorization (it is
        // public) — the hottest path in the service pays only for routing and its own work.
        routes.MapGet("/r/{code}", Follow).WithTags("Links").AllowAnonymous().ShortCircuit();
        return routes;
    }

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> Follow(
        string code,
        HttpContext http,
        CodeResolver codes,
        ClickWriter writer,
        ClickHasher hasher,
        UnknownCodeLimiter limiter,
        TimeProvider clock,
        IOptions<LinkOptions> options,
        CancellationToken ct)
    {
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var resolved = code.Length <= 32 ? await codes.ResolveAsync(code, ct) : null;
        if (resolved is null || resolved.IsDisabled)
        {
            if (limiter.TryMiss(ip) is { } wait)
            {
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: 429, title: "Too many unknown referral codes.",
                    detail: "Slow down and retry after the time in Retry-After.", type: Problems.TypePrefix + "rate-limited");
            }

            return Problems.NotFound("Referral code");
        }

        var now = clock.GetUtcNow();
        var userAgent = http.Request.Headers.UserAgent.ToString();
        userAgent = userAgent.Length > 512 ? userAgent[..512] : userAgent;
        var ipHash = hasher.HashIp(ip);
        var incomingDevice = http.Request.Cookies[DeviceCookie] is { Length: > 0 and <= 64 } d ? d : null;
        var deviceId = incomingDevice ?? UuidV7.New(now).ToString("N");
        var click = new Click
        {
            Id = UuidV7.New(now),
            CampaignId = resolved.CampaignId,
            ReferralCodeId = resolved.CodeId,
            ParticipantId = resolved.ParticipantId,
            OccurredAt = now.UtcDateTime,
            IpHash = ipHash,
            UserAgent = userAgent.Length == 0 ? null : userAgent,
            DeviceId = deviceId,
            IsBot = BotDetector.IsBot(userAgent),
        };

        // Without a device cookie the visitor is recognised by address and browser (curl, first visits).
        var fingerprint = incomingDevice is null ? "f:" + hasher.Fingerprint(ipHash, userAgent) : null;
        await writer.EnqueueAsync(new PendingClick(click, "d:" + deviceId, fingerprint), ct);

        var secure = http.Request.IsHttps;
        var domain = options.Value.CookieDomain;
        http.Response.Cookies.Append(DeviceCookie, deviceId, new CookieOptions
        {
            HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Lax, Domain = domain, IsEssential = true,
            MaxAge = TimeSpan.FromDays(365),
        });
        var clickId = click.Id.ToString();
        http.Response.Cookies.Append(ClickCookie, clickId, new CookieOptions
        {
            // Readable by the site's own script, so the click id can travel with the signup form.
            HttpOnly = false, Secure = secure, SameSite = SameSiteMode.Lax, Domain = domain, IsEssential = true,
            MaxAge = TimeSpan.FromDays(resolved.AttributionWindowDays),
        });
        http.Response.Headers.CacheControl = "no-store";

        return TypedResults.Redirect(resolved.LocationFor(clickId));
    }
}
