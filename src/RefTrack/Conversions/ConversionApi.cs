using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Participants;

namespace RefTrack.Conversions;

public static class ConversionApi
{
    public static RouteGroupBuilder MapConversions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapCampaignGroup("/conversions", "Conversions");
        group.MapPost("/", Record).WithIdempotencyKey()
            .ProducesProblem(StatusCodes.Status409Conflict) // conversion-conflict
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity) // unknown-participant
            .ReadsJsonBody();
        group.MapGet("/", List);
        group.MapGet("/{conversionId:guid}", Get); // Where a new conversion's Location points.
        return group;
    }

    /// <summary>201 for a new event, 200 for a replay of the same event, 409 when the externalId was used for different content.</summary>
    private static async Task<Results<Created<ConversionResponse>, Ok<ConversionResponse>, ValidationProblem, ProblemHttpResult>> Record(
        Guid campaignId, RecordConversionRequest request, ConversionRecorder recorder, TimeProvider clock, CancellationToken ct)
    {
        var validator = request.Validate(clock.GetUtcNow().UtcDateTime, out var type);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var result = await recorder.RecordAsync(campaignId, request, type, ct);
        return result.Outcome switch
        {
            RecordOutcome.Created => TypedResults.Created(
                $"/api/v1/campaigns/{campaignId}/conversions/{result.Conversion!.Id}",
                result.Conversion.AsResponse(result.Rewards!)),
            RecordOutcome.Replayed => TypedResults.Ok(result.Conversion!.AsResponse(result.Rewards!)),
            RecordOutcome.UnknownParticipant => Problems.Unprocessable("unknown-participant",
                "No participant with that id in this campaign.", "Register the participant first."),
            _ => Problems.Conflict("conversion-conflict",
                "A conversion with this externalId was already recorded with different content.",
                $"Stored conversion {result.Conversion!.Id}; an event id must not be reused for another event."),
        };
    }

    private static async Task<Results<Ok<ConversionResponse>, ProblemHttpResult>> Get(
        Guid campaignId, Guid conversionId, AppDbContext db, PurchaseQueries queries, CancellationToken ct)
    {
        var conversion = await db.Conversions.AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == conversionId && c.CampaignId == campaignId, ct);
        if (conversion is null)
        {
            return Problems.NotFound("Conversion");
        }

        var rewards = await queries.StoredRewards(db, campaignId, conversionId).ToListAsync(ct);
        return TypedResults.Ok(conversion.AsResponse(rewards));
    }

    private static async Task<Results<Ok<Page<ConversionResponse>>, ValidationProblem>> List(
        Guid campaignId, Guid? participantId, string? cursor, [PageLimit] int? limit, AppDbContext db, CancellationToken ct)
    {
        var validator = new Validator();
        var page = PageRequest.Parse(cursor, limit, validator);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var rows = await PageQuery(db, campaignId, participantId, page).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        // The campaign too, as the index on (campaign, conversion) is keyed: without it the query read the whole index.
        var rewards = (await db.Rewards.AsNoTracking()
                .Where(r => r.CampaignId == campaignId && r.ConversionId != null && ids.Contains(r.ConversionId.Value))
                .ToListAsync(ct))
            .ToLookup(r => r.ConversionId);
        return TypedResults.Ok(page.ToPage(rows, c => c.AsResponse(rewards[c.Id])));
    }

    /// <summary>The page's conversions, read off (campaign, id) or (participant, id) in order (<see
    /// cref="PageRequest.Window{T, TKey}"/> says why PostgreSQL is asked for the campaign as a range; a participant's
    /// conversions are few, and equality serves).</summary>
    internal static IQueryable<Conversion> PageQuery(
        AppDbContext db, Guid campaignId, Guid? participantId, PageRequest page)
    {
        var conversions = db.Conversions.AsNoTracking();
        if (participantId is { } pid)
        {
            // A conversion is recorded in its participant's campaign.
            var campaignOf = ParticipantQueries.CampaignOf(db, pid);
            return page.Window(
                conversions.Where(c => c.ParticipantId == pid && campaignOf.FirstOrDefault() == campaignId));
        }

        return db is PostgresAppDbContext
            ? page.Window(conversions.Where(c => c.CampaignId >= campaignId && c.CampaignId <= campaignId),
                c => c.CampaignId)
            : page.Window(conversions.Where(c => c.CampaignId == campaignId));
    }
}
