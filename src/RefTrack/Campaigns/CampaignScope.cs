using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using RefTrack.Auth;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Campaigns;

/// <summary>
/// Guards every <c>/campaigns/{campaignId}/…</c> route: the campaign must exist and the key must be allowed to see
/// it. A key for another campaign gets the same 404 as a missing campaign, so ids cannot be probed.
/// The loaded campaign is handed to handlers through <see cref="HttpContext.Items"/>.
/// Campaigns are cached per node: they cannot be changed once created (no update endpoint), so a cached one is never
/// stale; misses are not cached, so a campaign just created on another node is found at once. Handlers must treat the
/// instance as read-only: it is shared by concurrent requests.
/// </summary>
internal sealed class CampaignScope(AppDbContext db, IMemoryCache cache) : IEndpointFilter
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10); // Bounds memory, not staleness.

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!Guid.TryParse(http.Request.RouteValues["campaignId"] as string, out var campaignId) ||
            !http.User.CanSee(campaignId))
        {
            return Problems.NotFound("Campaign");
        }

        if (!cache.TryGetValue((typeof(Campaign), campaignId), out Campaign? campaign))
        {
            campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId, http.RequestAborted);
            if (campaign is null)
            {
                return Problems.NotFound("Campaign");
            }

            cache.Set((typeof(Campaign), campaignId), campaign, Lifetime);
        }

        http.Items[typeof(Campaign)] = campaign;
        return await next(context);
    }
}

public static class CampaignScopeExtensions
{
    /// <summary>The campaign route group: authenticated (401), scoped (404), tagged.</summary>
    public static RouteGroupBuilder MapCampaignGroup(this IEndpointRouteBuilder routes, string path, string tag) =>
        routes.MapGroup("/api/v1/campaigns/{campaignId:guid}" + path)
            .WithTags(tag)
            .RequireAuthorization()
            .AddEndpointFilter<CampaignScope>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static Campaign Campaign(this HttpContext http) => (Campaign)http.Items[typeof(Campaign)]!;
}
