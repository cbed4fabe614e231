using Microsoft.AspNetCore.WebUtilities;
using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>
/// Where a campaign's links send visitors: its destination with <c>ref</c> and <c>rt_click</c> added, cut where the
/// code and the click id go. Built once per campaign and shared by all of its cached codes, so a node that has
/// resolved a hundred thousand codes holds one copy of the destination, not one per code.
/// </summary>
public sealed class CampaignTarget
{
    private const string CodePlaceholder = "RTCODEPLACEHOLDER";
    private const string ClickPlaceholder = "RTCLICKPLACEHOLDER";

    private readonly string _head;
    private readonly string _middle;
    private readonly string _tail;
    private readonly string _destinationUrl; // As stored: a row changed since makes a new target.

    /// <exception cref="InvalidOperationException">The destination is no absolute http(s) URL (<see cref="Redirectable"/>):
    /// a row imported or edited by hand (the API refuses such a destination). Its links then answer 500, with this in
    /// the log, instead of sending visitors to wherever it points: <c>//evil.example</c> is another site, and a
    /// <c>javascript:</c> URL is script.</exception>
    public CampaignTarget(Guid campaignId, string destinationUrl, int attributionWindowDays)
    {
        var destination = Redirectable(destinationUrl) ?? throw new InvalidOperationException(
            $"Campaign {campaignId}'s destination is not an absolute http(s) URL, so its links are refused: was the row " +
            "written by hand? Set a destination the API would take (docs/api.md, Referral links).");
        CampaignId = campaignId;
        AttributionWindowDays = attributionWindowDays;
        _destinationUrl = destinationUrl;
        var url = QueryHelpers.AddQueryString(destination, new Dictionary<string, string?>
        {
            [RedirectApi.CodeParameter] = CodePlaceholder,
            [RedirectApi.ClickParameter] = ClickPlaceholder,
        });
        var code = url.LastIndexOf(CodePlaceholder, StringComparison.Ordinal);
        var click = url.LastIndexOf(ClickPlaceholder, StringComparison.Ordinal);
        _head = url[..code];
        _middle = url[(code + CodePlaceholder.Length)..click];
        _tail = url[(click + ClickPlaceholder.Length)..];
    }

    /// <summary>Whether this is the target of a campaign row that reads so.</summary>
    public bool IsFor(string destinationUrl, int attributionWindowDays) =>
        attributionWindowDays == AttributionWindowDays && string.Equals(destinationUrl, _destinationUrl, StringComparison.Ordinal);

    /// <summary>
    /// What the redirect sends a visitor to: the destination as stored when it is an absolute http(s) URL in printable
    /// ASCII, as the API stores destinations; one stored before the API wrote them so (before <c>f2d0dfe</c>: a space
    /// or a letter beyond ASCII in it, which browsers followed) in that form (<see cref="AsciiUrl"/>); null for anything
    /// else (<c>//other.example/</c>, <c>javascript:…</c>), which only a row written by hand holds. Checked where the
    /// target is built: once per campaign on a node when it passes; a refused one is read again, and refused with an
    /// error in the log, on each click.
    /// </summary>
    internal static string? Redirectable(string destinationUrl)
    {
        if (IsHttpUrl(destinationUrl, out _) && !destinationUrl.Any(c => c is <= ' ' or > '~'))
        {
            return destinationUrl;
        }

        var trimmed = destinationUrl.Trim();
        return IsHttpUrl(trimmed, out var uri) ? AsciiUrl.Format(uri) : null;
    }

    /// <summary>Absolute, http or https, with a host, and spelled so ("http:other.example" parses as one).</summary>
    private static bool IsHttpUrl(string url, out Uri uri) =>
        Uri.TryCreate(url, UriKind.Absolute, out uri!)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.Host.Length > 0
        && url.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase);

    public Guid CampaignId { get; }

    public int AttributionWindowDays { get; }

    /// <summary>The redirect's Location, <paramref name="code"/> already escaped (<see cref="ResolvedCode"/>). Click ids
    /// (GUIDs) are URL-safe as they are, so they go in unencoded, exactly as
    /// <see cref="QueryHelpers.AddQueryString(string, string, string)"/> would write them.</summary>
    public string LocationFor(string code, string clickId) => string.Concat([_head, code, _middle, clickId, _tail]);

    /// <summary>The destination with <c>ref</c> alone (a HEAD request's: no click is recorded for it). The middle
    /// part is <c>&amp;rt_click=</c>, which the click id ends.</summary>
    public string LocationWithoutClick(string code) => string.Concat(_head, code, _tail);
}
