using Microsoft.AspNetCore.WebUtilities;

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

    /// <exception cref="InvalidOperationException">The destination is no absolute http(s) URL in printable ASCII: a
    /// row imported or edited by hand (the API refuses such a destination). Its links then answer 500, with this in
    /// the log, instead of sending visitors to wherever it points: <c>//evil.example</c> is another site, and a
    /// <c>javascript:</c> URL is script.</exception>
    public CampaignTarget(Guid campaignId, string destinationUrl, int attributionWindowDays)
    {
        if (!IsRedirectable(destinationUrl))
        {
            throw new InvalidOperationException(
                $"Campaign {campaignId}'s destination is not an absolute http(s) URL in printable ASCII, so its links " +
                "are refused: was the row written by hand? Set a destination the API would take (docs/api.md, Referral links).");
        }

        CampaignId = campaignId;
        AttributionWindowDays = attributionWindowDays;
        var url = QueryHelpers.AddQueryString(destinationUrl, new Dictionary<string, string?>
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

    /// <summary>What the redirect may send a visitor to. Checked where the target is built, once per campaign on a
    /// node, not on every redirect.</summary>
    internal static bool IsRedirectable(string destinationUrl) =>
        !destinationUrl.Any(c => c is <= ' ' or > '~')
        && Uri.TryCreate(destinationUrl, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.Host.Length > 0
        && destinationUrl.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase);

    public Guid CampaignId { get; }

    public int AttributionWindowDays { get; }

    /// <summary>The redirect's Location. Codes ([A-Z0-9_-]) and click ids (GUIDs) are URL-safe as they are, so they go
    /// in unencoded, exactly as <see cref="QueryHelpers.AddQueryString(string, string, string)"/> would write them.</summary>
    public string LocationFor(string code, string clickId) => string.Concat([_head, code, _middle, clickId, _tail]);

    /// <summary>The destination with <c>ref</c> alone (a HEAD request's: no click is recorded for it). The middle
    /// part is <c>&amp;rt_click=</c>, which the click id ends.</summary>
    public string LocationWithoutClick(string code) => string.Concat(_head, code, _tail);
}
