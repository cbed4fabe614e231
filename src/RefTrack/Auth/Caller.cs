using System.Security.Claims;

namespace RefTrack.Auth;

/// <summary>What the authenticated API key may see, read from its claims.</summary>
public static class Caller
{
    public const string KeyIdClaim = "reftrack:key";
    public const string CampaignClaim = "reftrack:campaign";
    public const string AdminClaim = "reftrack:admin";
    public const string AdminPolicy = "admin";

    public static Guid KeyId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(KeyIdClaim)!);

    /// <summary>The one campaign this key is limited to, or null for an all-campaign key.</summary>
    public static Guid? CampaignScope(this ClaimsPrincipal user) =>
        user.FindFirstValue(CampaignClaim) is { } id ? Guid.Parse(id) : null;

    public static bool CanSee(this ClaimsPrincipal user, Guid campaignId) =>
        user.CampaignScope() is not { } scope || scope == campaignId;
}
