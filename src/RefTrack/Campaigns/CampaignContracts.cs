using Microsoft.AspNetCore.WebUtilities;
using RefTrack.Infrastructure;
using RefTrack.Links;

namespace RefTrack.Campaigns;

/// <summary>Fields with a default are optional (so the OpenAPI document says); the others are checked by
/// <see cref="Validate(out Campaigns.AttributionModel, out string?)"/>.</summary>
public sealed record CreateCampaignRequest(
    string? Name,
    string? DestinationUrl,
    int? AttributionWindowDays = null,
    [property: EnumNames(typeof(AttributionModel))] string? AttributionModel = null) : IIdempotentRequest
{
    public const int MaxWindowDays = 365;

    public const int MaxDestinationLength = 2048;

    private const int MaxNameLength = 200;

    /// <summary>Hashed for <c>Idempotency-Key</c> as creation stores it: the name trimmed, the destination in its
    /// stored form (<see cref="DestinationUrls.TryNormalize"/>: <c>https://Shop.example:443/</c> is
    /// <c>https://shop.example/</c>; trimmed only, it was another body, found by review), the window and the model as
    /// their defaults when left out; a value it refuses as sent (<see cref="CanonicalValues"/>; the destination's
    /// length counts before trimming, and one it refuses otherwise stays trimmed).</summary>
    public IIdempotentRequest Canonical() => this with
    {
        Name = CanonicalValues.Text(Name, MaxNameLength) ?? Name,
        DestinationUrl = DestinationUrl is not { Length: <= MaxDestinationLength } ? DestinationUrl
            : DestinationUrls.TryNormalize(DestinationUrl, out var normalized, out _) ? normalized
            : DestinationUrl.Trim(),
        AttributionWindowDays = AttributionWindowDays ?? DefaultWindowDays,
        AttributionModel = AttributionModel ?? Validator.JsonName(Campaigns.AttributionModel.FirstClick),
    };

    /// <summary>A campaign's attribution window when its creation leaves it out.</summary>
    public const int DefaultWindowDays = 30;

    public Validator Validate(out AttributionModel model) => Validate(out model, out _);

    /// <param name="model">The attribution model asked for, or first click.</param>
    /// <param name="destination">When valid, the destination as it is stored and redirected to
    /// (<see cref="DestinationUrls.TryNormalize"/>).</param>
    public Validator Validate(out AttributionModel model, out string? destination)
    {
        destination = null;
        var v = new Validator()
            .Required(Name, "name", MaxNameLength)
            // Its characters are TryNormalize's to judge (below), with the one message that says why.
            .Check(!string.IsNullOrWhiteSpace(DestinationUrl), "destinationUrl", "Required.")
            .Check(DestinationUrl is not { Length: > MaxDestinationLength }, "destinationUrl",
                $"At most {MaxDestinationLength} characters.")
            .Check(AttributionWindowDays is null or (>= 1 and <= MaxWindowDays), "attributionWindowDays",
                $"Between 1 and {MaxWindowDays} days.")
            .Enum(AttributionModel, "attributionModel", out model, Campaigns.AttributionModel.FirstClick);
        if (!string.IsNullOrWhiteSpace(DestinationUrl) && DestinationUrl.Length <= MaxDestinationLength)
        {
            if (DestinationUrls.TryNormalize(DestinationUrl, out var normalized, out var error))
            {
                destination = normalized;
            }
            else
            {
                v.Add("destinationUrl", error);
            }
        }

        return v;
    }
}

/// <summary>
/// What a campaign destination may be, and the one form it is stored in. The redirect sends the stored string as the
/// <c>Location</c> header with <c>ref</c> and <c>rt_click</c> added, so it must be a header value (ASCII, no control
/// characters: Kestrel refuses anything else, and every click of the campaign would answer 500), and must not carry
/// either parameter already (the site would read its own value, not the redirect's). Any future way of changing a
/// destination must go through <see cref="TryNormalize"/> too.
/// </summary>
public static class DestinationUrls
{
    /// <summary>
    /// The destination, surrounding whitespace trimmed, as an absolute http(s) URL in ASCII (<see cref="AsciiUrl"/>).
    /// False, with the message for the caller, for anything the redirect cannot send.
    /// </summary>
    public static bool TryNormalize(string url, out string normalized, out string error)
    {
        normalized = "";
        var trimmed = url.Trim();
        foreach (var c in trimmed)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                error = "No spaces, line breaks or other control characters; percent-encode them (a space is %20).";
                return false;
            }
        }

        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
            !string.IsNullOrEmpty(uri.UserInfo) ||
            !string.IsNullOrEmpty(uri.Fragment))
        {
            error = "An absolute http or https URL without user info or #fragment, e.g. https://example.com/signup.";
            return false;
        }

        var ascii = AsciiUrl.Format(uri);
        if (ascii is null)
        {
            error = "The host is not a valid domain name or IP address.";
            return false;
        }

        if (ascii.Length > CreateCampaignRequest.MaxDestinationLength)
        {
            error = $"At most {CreateCampaignRequest.MaxDestinationLength} characters once non-ASCII characters are " +
                    $"percent-encoded ({ascii.Length}).";
            return false;
        }

        var query = QueryHelpers.ParseQuery(uri.Query);
        if (query.ContainsKey(RedirectApi.CodeParameter) || query.ContainsKey(RedirectApi.ClickParameter))
        {
            error = $"Must not have a '{RedirectApi.CodeParameter}' or '{RedirectApi.ClickParameter}' query parameter: " +
                    "the redirect adds both (the referral code and the click id), and the site would read the first one.";
            return false;
        }

        normalized = ascii;
        error = "";
        return true;
    }
}

public sealed record CampaignResponse(
    Guid Id, string Name, string DestinationUrl, int AttributionWindowDays, AttributionModel AttributionModel,
    DateTime CreatedAt);

internal static class CampaignMapping
{
    public static CampaignResponse AsResponse(this Campaign c) =>
        new(c.Id, c.Name, c.DestinationUrl, c.AttributionWindowDays, c.AttributionModel, c.CreatedAt);
}
