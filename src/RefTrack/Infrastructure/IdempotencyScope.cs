using System.Text;
using Microsoft.AspNetCore.Routing.Patterns;
using RefTrack.Auth;

namespace RefTrack.Infrastructure;

/// <summary>
/// What an <c>Idempotency-Key</c> is claimed in: <c>{API key id:N}|{METHOD} {route}|{key}</c>, the route being the
/// endpoint's route pattern with its values written canonically (a GUID in its "D" form), not the raw request path.
/// The raw path took any form routing accepts: a campaign id in upper case, in the "X" form, or padded with
/// percent-encoded spaces (<see cref="Guid.TryParse(string?, out Guid)"/>, which the <c>guid</c> constraint uses,
/// trims them), a literal in another case, a trailing slash. Each was another scope for the same endpoint and
/// campaign, so a retry ran again instead of being replayed; and a long enough one overflowed the Scope column (a
/// 500 on PostgreSQL). For a URL written the usual way (lower-case D-form id, no trailing slash) the route is the raw
/// path character for character, so records stored when the scope was the raw path are still found.
/// </summary>
internal static class IdempotencyScope
{
    /// <summary>The length of the Scope column; <see cref="LongestFor"/> keeps every scope within it.</summary>
    public const int MaxLength = 400;

    /// <summary>An API key id in its "N" form.</summary>
    private const int KeyIdLength = 32;

    public static string For(HttpContext http, string key)
    {
        var endpoint = Endpoint(http);
        var scope = Build(http.User.KeyId(), HttpMethods.GetCanonicalizedValue(http.Request.Method),
            endpoint.RoutePattern, http.Request.RouteValues, key);

        // Unreachable while LongestFor holds for every endpoint (a test checks that): a clear error rather than the
        // database's if it ever does not.
        return scope.Length <= MaxLength
            ? scope
            : throw new InvalidOperationException($"Idempotency-Key scope of {scope.Length} characters for {endpoint.RoutePattern.RawText}.");
    }

    /// <summary>The longest scope <paramref name="endpoint"/> can give: fixed-length ids and GUIDs, a route pattern
    /// and methods fixed at startup, and a key of at most <see cref="IdempotencyFilter.MaxKeyLength"/>.</summary>
    public static int LongestFor(RouteEndpoint endpoint)
    {
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods
            ?? throw new InvalidOperationException($"{endpoint.RoutePattern.RawText} takes any method.");
        // As routing hands them over (text), so a parameter without the guid constraint fails here as it would there.
        var anyValues = new RouteValueDictionary(endpoint.RoutePattern.Parameters.ToDictionary(p => p.Name, _ => (object?)Guid.Empty.ToString()));
        return Build(Guid.Empty, methods.MaxBy(m => m.Length)!, endpoint.RoutePattern, anyValues,
            new string('k', IdempotencyFilter.MaxKeyLength)).Length;
    }

    private static RouteEndpoint Endpoint(HttpContext http) =>
        http.GetEndpoint() as RouteEndpoint ?? throw new InvalidOperationException("Idempotency-Key outside a routed endpoint.");

    private static string Build(Guid keyId, string method, RoutePattern route, RouteValueDictionary values, string key)
    {
        var scope = new StringBuilder(MaxLength).Append(keyId.ToString("N")).Append('|').Append(method).Append(' ');
        if (route.PathSegments.Count == 0)
        {
            scope.Append('/');
        }

        foreach (var segment in route.PathSegments)
        {
            scope.Append('/');
            foreach (var part in segment.Parts)
            {
                scope.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => Canonical(parameter, values[parameter.Name]),
                    _ => throw new InvalidOperationException($"Unknown route part in {route.RawText}."),
                });
            }
        }

        return scope.Append('|').Append(key).ToString();
    }

    /// <summary>A route value (routing hands them over as text) in one form whatever form the URL wrote it in, of a
    /// length known in advance. Only GUIDs are taken: any other value would be written as sent, and its length (so the
    /// scope's) would be unbounded.</summary>
    private static string Canonical(RoutePatternParameterPart parameter, object? value) => value switch
    {
        string text when parameter.ParameterPolicies.Any(p => p.Content == "guid") && Guid.TryParse(text, out var guid) =>
            guid.ToString("D"),
        _ => throw new InvalidOperationException(
            $"Idempotency-Key scopes take only GUID route values ({{{parameter.Name}:guid}}); got {value?.GetType().Name ?? "none"}."),
    };
}
