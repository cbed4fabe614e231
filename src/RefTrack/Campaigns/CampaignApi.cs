using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Auth;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Campaigns;

public static class CampaignApi
{
    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/campaigns").WithTags("Campaigns").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        // With Idempotency-Key: a campaign has no key of the client's own, so a create retried after a lost answer
        // made a second campaign, whose links and counts then split from the first's.
        group.MapPost("/", Create).RequireAuthorization(Caller.AdminPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ReadsJsonBody()
            .WithIdempotencyKey();
        group.MapGet("/", List);

        routes.MapCampaignGroup("", "Campaigns").MapGet("/", Get);
        return routes;
    }

    private static async Task<Results<Created<CampaignResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateCampaignRequest request, ClaimsPrincipal caller, HeldIdempotencyKey idempotencyKey, HttpResponse http,
        AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var validator = request.Validate(out var model, out var destination);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var campaign = new Campaign
        {
            Name = request.Name!.Trim(),
            DestinationUrl = destination!,
            AttributionWindowDays = request.AttributionWindowDays ?? CreateCampaignRequest.DefaultWindowDays,
            AttributionModel = model,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var response = campaign.AsResponse();
        var location = $"/api/v1/campaigns/{campaign.Id}";
        db.Campaigns.Add(campaign);
        // The Idempotency-Key's answer is stored with the campaign: a campaign has no id of the client's own to make a
        // second run harmless (HeldIdempotencyKey).
        if (await db.SaveAsActiveAdminAsync(caller, ct, async () =>
                await idempotencyKey.StoreAnswerAsync(db, StatusCodes.Status201Created, response, location, ct)
                    ? null
                    : HeldIdempotencyKey.TakenOver(http)) is { } refused)
        {
            return refused;
        }

        return TypedResults.Created(location, response);
    }

    private static async Task<Results<Ok<Page<CampaignResponse>>, ValidationProblem>> List(
        string? cursor, [PageLimit] int? limit, HttpContext http, AppDbContext db, CancellationToken ct)
    {
        var validator = new Validator();
        var page = PageRequest.Parse(cursor, limit, validator);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var query = db.Campaigns.AsNoTracking();
        if (http.User.CampaignScope() is { } scope)
        {
            query = query.Where(c => c.Id == scope);
        }

        var rows = await page.Window(query).ToListAsync(ct);
        return TypedResults.Ok(page.ToPage(rows, c => c.AsResponse()));
    }

    /// <summary>The campaign <see cref="CampaignScope"/> loaded. <paramref name="campaignId"/> is not read, but a
    /// route value only appears in the OpenAPI document as a parameter of a handler that takes it: without it the path
    /// named <c>{campaignId}</c> without declaring it, and generated clients could not fill it in.</summary>
    private static Ok<CampaignResponse> Get(Guid campaignId, HttpContext http) => TypedResults.Ok(http.Campaign().AsResponse());
}
