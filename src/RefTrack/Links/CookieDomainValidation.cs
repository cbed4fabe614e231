using System.Net;
using Microsoft.Extensions.Options;

namespace RefTrack.Links;

/// <summary>
/// Refuses at start-up a <see cref="LinkOptions.CookieDomain"/> that browsers would drop. It goes into the redirect's
/// <c>Set-Cookie</c> headers as given, and a browser silently ignores a cookie whose domain does not cover the host
/// that set it (RFC 6265 5.3 step 6), so a wrong value broke attribution without any error. A <c>;</c> or <c>,</c>
/// would also have added attributes or cookies of its own to the header.
/// </summary>
internal sealed class CookieDomainValidation(IConfiguration configuration) : IValidateOptions<LinkOptions>
{
    private const string Setting = LinkOptions.Section + ":" + nameof(LinkOptions.CookieDomain);
    private const string BaseUrlSetting = PublicUrlOptions.Section + ":" + nameof(PublicUrlOptions.PublicBaseUrl);

    public ValidateOptionsResult Validate(string? name, LinkOptions options)
    {
        var domain = options.CookieDomain;
        if (string.IsNullOrEmpty(domain))
        {
            return ValidateOptionsResult.Success; // Not set: host-only cookies.
        }

        if (!IsDomainName(domain))
        {
            return ValidateOptionsResult.Fail(
                $"{Setting} must be a domain name such as .example.com: ASCII letters, digits, '-' and '_' in dot-separated labels, an optional leading dot, no scheme, port, path, spaces, ';' or ','; got '{domain}'.");
        }

        // Read unvalidated: if the base URL is itself wrong, its own validation names it.
        var baseUrl = configuration[BaseUrlSetting];
        if (baseUrl is null || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return ValidateOptionsResult.Success; // Links use each request's host: only the syntax can be checked.
        }

        var host = uri.IdnHost;
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            // A browser sets a domain cookie for an address only when the domain is that very address (no dot).
            return string.Equals(domain, host, StringComparison.Ordinal)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"{Setting} '{domain}' cannot work with {BaseUrlSetting}'s host {host}, an IP address: browsers accept a cookie domain for an address only if it is that address exactly; leave {Setting} unset.");
        }

        return DomainMatches(host, domain.TrimStart('.'))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{Setting} '{domain}' does not cover {BaseUrlSetting}'s host {host}, so browsers would drop the rt_did and rt_click cookies: use that host or a parent domain of it with at least two labels (e.g. .example.com for refer.example.com), or leave it unset.");
    }

    /// <summary>RFC 6265 5.1.3: the host is the domain, or ends with it right after a dot. A single label (a top-level
    /// domain such as <c>com</c>) is a public suffix, which browsers refuse unless it is the host itself.</summary>
    private static bool DomainMatches(string host, string domain) =>
        string.Equals(host, domain, StringComparison.OrdinalIgnoreCase)
        || (domain.Contains('.', StringComparison.Ordinal)
            && host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase));

    /// <summary>Dot-separated labels of 1–63 ASCII letters, digits, '-' or '_', at most 253 characters, with an
    /// optional leading dot (RFC 6265 ignores it). Internationalised names go in their xn-- form, as headers are ASCII.</summary>
    private static bool IsDomainName(string domain)
    {
        var name = domain.StartsWith('.') ? domain[1..] : domain;
        return name.Length is > 0 and <= 253
               && name.Split('.').All(label => label.Length is > 0 and <= 63
                                               && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }
}
