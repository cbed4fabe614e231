using System.Globalization;

namespace RefTrack.Infrastructure;

/// <summary>
/// An absolute URL in the one ASCII form a <c>Location</c> header and a link can carry: the host in its IDN (punycode)
/// form, anything else non-ASCII percent-encoded as UTF-8, as <see cref="Uri"/> prints it (lower-case scheme and
/// host, no default port, <c>.</c> and <c>..</c> segments resolved). Campaign destinations are stored so, and
/// referral links are built on <c>RefTrack:PublicBaseUrl</c> so.
/// </summary>
internal static class AsciiUrl
{
    /// <summary>Scheme, host, port, path and query of <paramref name="uri"/> in ASCII; null when its host has no
    /// ASCII form (not a valid domain name or IP address).</summary>
    public static string? Format(Uri uri)
    {
        // A host Uri cannot put in IDN form (a label too long, say) is "Basic" and keeps its Unicode.
        var host = uri.HostNameType switch
        {
            UriHostNameType.Dns or UriHostNameType.IPv4 => uri.IdnHost,
            UriHostNameType.IPv6 => uri.Host, // In brackets, without a zone id.
            _ => null,
        };
        var ascii = host is null ? null : string.Concat(
            uri.Scheme, "://", host, uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture),
            uri.PathAndQuery);
        return ascii is null || ascii.Any(c => c is <= ' ' or > '~') ? null : ascii;
    }
}
