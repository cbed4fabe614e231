using Microsoft.EntityFrameworkCore;
using RefTrack.Auth;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Campaigns;

/// <summary>
/// Guards every <c>/campaigns/{campaignId}/…</c> route: the campaign must exist and the key must be allowed to see
/// it. A key for another campaign gets the same 404 as a missing campaign, so ids cannot be probed.
/// The loaded campaign is handed to handlers through <see cref="HttpContext.Items"/>.
/// </summary>
internal sealed class CampaignScope(AppDbContext db) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!Guid.TryParse(http.Request.RouteValues["campaignId"] as string, out var campaignId) ||
            !http.User.CanSee(campaignId))
        {
            return Problems.NotFound("Campaign");
        }

        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId, http.RequestAborted);
        if (campaign is null)
        {
            return Problems.NotFound("Campaign");
        }

        http.Items[typeof(Campaign)] = campaign;
        return await next(context);
    }
}

public static class CampaignScopeExtensions
{
    /// <summary>The campaign route group: authenticated, scoped, tagged.</summary>
    public static RouteGroupBuilder MapCampaignGroup(this IEndpointRouteBuilder routes, string path, string tag) =>
        (RouteGroupBuilder)routes.MapGroup("/api/v1/campaigns/{campaignId:guid}" + path)
            .WithTags(tag)
            .RequireAuthorization()
            .AddEndpointFilter<CampaignScope>();

    public static Campaign Campaign(this HttpContext http) => (Campaign)http.Items[typeof(Campaign)]!;
}
