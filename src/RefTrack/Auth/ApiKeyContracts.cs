using RefTrack.Infrastructure;

namespace RefTrack.Auth;

/// <summary>Fields with a default are optional (so the OpenAPI document says).</summary>
public sealed record CreateApiKeyRequest(string? Name, Guid? CampaignId = null, bool? Admin = null)
{
    public Validator Validate() => new Validator()
        .Required(Name, "name", 200)
        .Check(Admin != true || CampaignId is null, "admin", "An admin key cannot be limited to one campaign.");
}

public sealed record ApiKeyResponse(
    Guid Id, string Name, string Prefix, Guid? CampaignId, bool Admin, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>Returned once, at creation: <c>key</c> is the secret and is never shown again.</summary>
public sealed record CreatedApiKeyResponse(
    Guid Id, string Name, string Prefix, Guid? CampaignId, bool Admin, DateTime CreatedAt, string Key);

internal static class ApiKeyMapping
{
    public static ApiKeyResponse AsResponse(this ApiKey k) =>
        new(k.Id, k.Name, k.Prefix, k.CampaignId, k.IsAdmin, k.CreatedAt, k.RevokedAt);
}
