using RefTrack.Infrastructure;

namespace RefTrack.Campaigns;

public sealed record CreateCampaignRequest(
    string? Name, string? DestinationUrl, int? AttributionWindowDays, string? AttributionModel)
{
    public const int MaxWindowDays = 365;

    public Validator Validate(out AttributionModel model)
    {
        var v = new Validator()
            .Required(Name, "name", 200)
            .RequiredId(DestinationUrl, "destinationUrl", 2048)
            .Check(AttributionWindowDays is null or (>= 1 and <= MaxWindowDays), "attributionWindowDays",
                $"Between 1 and {MaxWindowDays} days.")
            .Enum(AttributionModel, "attributionModel", out model, Campaigns.AttributionModel.FirstClick);
        if (DestinationUrl is not null && !IsRedirectTarget(DestinationUrl))
        {
            v.Add("destinationUrl", "An absolute http or https URL without user info, e.g. https://example.com/signup.");
        }

        return v;
    }

    private static bool IsRedirectTarget(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) &&
        string.IsNullOrEmpty(uri.UserInfo) &&
        string.IsNullOrEmpty(uri.Fragment);
}

public sealed record CampaignResponse(
    Guid Id, string Name, string DestinationUrl, int AttributionWindowDays, AttributionModel AttributionModel,
    DateTime CreatedAt);

internal static class CampaignMapping
{
    public static CampaignResponse AsResponse(this Campaign c) =>
        new(c.Id, c.Name, c.DestinationUrl, c.AttributionWindowDays, c.AttributionModel, c.CreatedAt);
}
