using System.Buffers;
using System.Globalization;
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

    /// <summary>A device id as the redirect mints it: a UUIDv7 as 32 lower-case hex digits.</summary>
    private const int DeviceIdLength = 32;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>
    /// Whether an incoming <c>rt_did</c> value (percent-decoded by ASP.NET Core) is a device id this service could have
    /// minted. Anything else is treated as no cookie: it would otherwise be stored as it came, and a value longer than
    /// the columns (<c>Clicks.DeviceId</c>, and <c>ClickVisitors.VisitorKey</c> as <c>d:</c> and the id, both 64) or
    /// holding a NUL fails on PostgreSQL the whole batch of clicks it was written in, everyone's. Upper-case hex is not
    /// accepted either: the service never sets it, so only a hand-made cookie carries it.
    /// </summary>
    public static bool IsDeviceId(ReadOnlySpan<char> value) =>
        value.Length == DeviceIdLength && !value.ContainsAnyExcept(LowerHex);

    /// <summary><c>Clicks.UserAgent</c>'s length, in UTF-16 units.</summary>
    private const int MaxUserAgentLength = 512;

    /// <summary>
    /// At most <paramref name="max"/> UTF-16 units, never half a character: a cut between the two halves of an emoji
    /// would leave a lone surrogate, which PostgreSQL's UTF-8 refuses, failing the whole batch of clicks it was
    /// written in, everyone's (Kestrel hands a UTF-8 User-Agent over decoded, emoji included).
    /// </summary>
    internal static string Truncate(string value, int max) =>
        value.Length <= max ? value : value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)];

    public static IEndpointRouteBuilder MapRedirects(this IEndpointRouteBuilder routes)
    {
        // Short-circuited: once routed, the redirect runs at once, skipping authentication and authorization (it is
        // public) — the hottest path in the service pays only for routing and its own work. Its services are
        // singletons, taken once here rather than from a request scope, which a redirect would otherwise create (and
        // dispose) for them alone.
        var redirect = ActivatorUtilities.CreateInstance<Redirect>(routes.ServiceProvider);
        routes.MapGet("/r/{code}", (string code, HttpContext http) => redirect.FollowAsync(code, http))
            .Produces(StatusCodes.Status302Found)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .AddOpenApiOperationTransformer(ResponseHeaders.RetryAfterOnTooManyRequests)
            .AddOpenApiOperationTransformer(ResponseHeaders.OnRedirect)
            .WithTags("Links").AllowAnonymous().ShortCircuit();
        // HEAD (link checkers, `curl -I`, previews): where the link leads, with nothing recorded (RFC 9110 asks a
        // server to answer HEAD; as a GET it would have counted a click for every check).
        routes.MapMethods("/r/{code}", [HttpMethods.Head], (string code, HttpContext http) => redirect.PreviewAsync(code, http))
            .ExcludeFromDescription().AllowAnonymous().ShortCircuit();
        return routes;
    }

    /// <summary>The redirect itself. It writes the response directly: a cached code and a queue with room complete
    /// it synchronously, with no result object, task or request scope allocated for it.</summary>
    private sealed class Redirect(
        CodeResolver codes,
        ClickWriter writer,
        ClickHasher hasher,
        RedirectCookies cookies,
        UnknownCodeLimiter limiter,
        TimeProvider clock,
        IOptions<PublicUrlOptions> publicUrl)
    {
        /// <summary>Links served over HTTPS: then the cookies are <c>secure</c> whatever scheme reached this node. A
        /// proxy that ends TLS and is not among the trusted networks forwards plain HTTP, and the cookies went out
        /// without it, to be sent over plain HTTP as well (found by review).</summary>
        private readonly bool _httpsLinks =
            publicUrl.Value.PublicBaseUrl?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true;

        public async Task FollowAsync(string code, HttpContext http)
        {
            if (await ResolveOrRefuseAsync(code, http) is not { } resolved)
            {
                return;
            }

            var ct = http.RequestAborted;
            var now = clock.GetUtcNow();
            var userAgent = http.Request.Headers.UserAgent.ToString();
            // Judged on the whole header, before it is cut to what is stored: a marker past the cut ("Mozilla/5.0 …
            // Googlebot/2.1" padded out) made a bot a human visitor, whose click could attribute a signup (review).
            var isBot = BotDetector.IsBot(userAgent);
            userAgent = Truncate(userAgent, MaxUserAgentLength);
            var ipHash = hasher.HashIp(http.Connection.RemoteIpAddress);
            // Request.Cookies builds a parsed collection (and a feature to hold it) even for a request without any.
            var incomingDevice = http.Request.Headers.Cookie.Count > 0
                                 && http.Request.Cookies[DeviceCookie] is { } d && IsDeviceId(d) ? d : null;
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
                IsBot = isBot,
            };

            // Without a device cookie the visitor is recognised by address and browser (curl, first visits).
            var fingerprint = incomingDevice is null ? hasher.FingerprintKey(ipHash, userAgent) : null;
            await writer.EnqueueAsync(new PendingClick(click, "d:" + deviceId, fingerprint), ct);

            var secure = _httpsLinks || http.Request.IsHttps;
            var clickId = click.Id.ToString();
            var response = http.Response;
            response.Headers.SetCookie = new([
                cookies.Device(deviceId, secure),
                cookies.Click(clickId, resolved.AttributionWindowDays, secure),
            ]);
            response.Headers.CacheControl = "no-store";
            response.Redirect(resolved.LocationFor(clickId));
        }

        /// <summary>HEAD: the redirect's status and destination without its click (no <c>rt_click</c> in it, which would
        /// name a click never recorded), its cookies or anything written.</summary>
        public async Task PreviewAsync(string code, HttpContext http)
        {
            if (await ResolveOrRefuseAsync(code, http) is { } resolved)
            {
                http.Response.Headers.CacheControl = "no-store";
                http.Response.Redirect(resolved.LocationWithoutClick());
            }
        }

        /// <summary>The code's target; null once it has answered 404 or 429. Synchronous for a cached code.</summary>
        private async ValueTask<ResolvedCode?> ResolveOrRefuseAsync(string code, HttpContext http)
        {
            ResolvedCode? resolved = null;
            if (code.Length <= 32)
            {
                var normalized = ReferralCode.Normalize(code);
                if (!codes.TryGetCached(normalized, out resolved))
                {
                    // Not looked up lately, so finding out costs a database read: an address already refused for
                    // guessing gets its 429 without one (a guesser's codes are new ones, never in the cache).
                    if (limiter.AnyRefused() && limiter.RetryAfter(ClientKey(http), NetworkKey(http)) is { } wait)
                    {
                        await TooManyAsync(http, wait);
                        return null;
                    }

                    resolved = await codes.LookupAsync(normalized, http.RequestAborted);
                }
            }

            if (resolved is null)
            {
                await RefuseAsync(http);
                return null;
            }

            if (resolved.IsDisabled)
            {
                await DisabledAsync(http);
                return null;
            }

            return resolved;
        }

        /// <summary>404 for an unknown code; 429 once the client's address has missed too often.</summary>
        private Task RefuseAsync(HttpContext http) =>
            limiter.TryMiss(ClientKey(http), NetworkKey(http)) is { } wait
                ? TooManyAsync(http, wait)
                : NotFoundAsync(http);

        /// <summary>
        /// 404 for a disabled code, not counted as a miss: the code is known, so no guess. Counted, the links of an
        /// ended campaign still passed around got every visitor behind one carrier-grade NAT address or IPv6 /48 a
        /// 429 on any link this node had not cached (found by review). An address already refused still gets its
        /// 429, as for an unknown code, so that a refused guesser cannot tell a disabled code from one never issued.
        /// </summary>
        private Task DisabledAsync(HttpContext http) =>
            limiter.AnyRefused() && limiter.RetryAfter(ClientKey(http), NetworkKey(http)) is { } wait
                ? TooManyAsync(http, wait)
                : NotFoundAsync(http);

        private static Task NotFoundAsync(HttpContext http) => Problems.NotFound("Referral code").ExecuteAsync(http);

        private static Task TooManyAsync(HttpContext http, TimeSpan wait)
        {
            http.Response.Headers.RetryAfter =
                Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: 429, title: "Too many unknown referral codes.",
                detail: "Slow down and retry after the time in Retry-After.", type: Problems.TypePrefix + "rate-limited")
                .ExecuteAsync(http);
        }

        private static string ClientKey(HttpContext http) => UnknownCodeLimiter.ClientKey(http.Connection.RemoteIpAddress);

        private static string? NetworkKey(HttpContext http) => UnknownCodeLimiter.NetworkKey(http.Connection.RemoteIpAddress);
    }
}
