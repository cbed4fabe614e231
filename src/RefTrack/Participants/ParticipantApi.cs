using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Links;

namespace RefTrack.Participants;

public static class ParticipantApi
{
    public static RouteGroupBuilder MapParticipants(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapCampaignGroup("/participants", "Participants");
        group.MapPost("/", Register).WithIdempotencyKey()
            .ReadsJsonBody();
        group.MapGet("/", List);
        group.MapGet("/{idOrExternalId}", Get);
        group.MapGet("/{idOrExternalId}/codes", ListCodes);
        group.MapPost("/{idOrExternalId}/codes", AddCode)
            .ProducesProblem(StatusCodes.Status409Conflict) // code-taken
            .ReadsJsonBody();
        return group;
    }

    /// <summary>201 with the new participant; 200 with the existing one (never re-attributed) for a known externalId.</summary>
    private static async Task<Results<Created<ParticipantResponse>, Ok<ParticipantResponse>, ValidationProblem>> Register(
        Guid campaignId, RegisterParticipantRequest request, HttpContext http, ParticipantRegistration registration,
        AppDbContext db, ReferralLinks links, CancellationToken ct)
    {
        var validator = request.Validate();
        if (!validator.IsValid)
        {
            // A re-registration does not compare its email, so an address an earlier version stored and today's check
            // refuses (a display name, a space) must not turn the known participant's retry, sent with that stored
            // address, into a 400 (found by review). Any other refused address is a 400, as for a new participant.
            var errors = validator.Errors;
            var externalId = request.ExternalId?.Trim();
            var sentEmail = request.Email?.Trim();
            if (errors.Count == 1 && errors.TryGetValue("email", out var email) && email is [RegisterParticipantRequest.NotAnAddress]
                && await ParticipantQueries.Views(db, db.Participants
                    .Where(p => p.CampaignId == campaignId && p.ExternalId == externalId && p.Email == sentEmail))
                    .FirstOrDefaultAsync(ct) is { } known)
            {
                return TypedResults.Ok(known.Participant.AsResponse(known.Code, known.Referral, links));
            }

            return Problems.Validation(errors);
        }

        var result = await registration.RegisterAsync(http.Campaign(), request, ct);
        var response = result.Participant.AsResponse(result.Code, result.Referral, links);
        return result.Created
            ? TypedResults.Created($"/api/v1/campaigns/{campaignId}/participants/{response.Id}", response)
            : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<Page<ParticipantResponse>>, ValidationProblem>> List(
        Guid campaignId, string? cursor, [PageLimit] int? limit, AppDbContext db, ReferralLinks links, CancellationToken ct)
    {
        var validator = new Validator();
        var page = PageRequest.Parse(cursor, limit, validator);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var rows = await ParticipantQueries.Views(db, PageQuery(db, campaignId, page)).ToListAsync(ct);
        return TypedResults.Ok(page.ToPage(rows, v => v.Participant.Id,
            v => v.Participant.AsResponse(v.Code, v.Referral, links)));
    }

    /// <summary>The campaign's participants of the page, read off (campaign, id) (<see
    /// cref="PageRequest.Window{T, TKey}"/> says why PostgreSQL is asked for the campaign as a range).</summary>
    internal static IQueryable<Participant> PageQuery(AppDbContext db, Guid campaignId, PageRequest page) =>
        db is PostgresAppDbContext
            ? page.Window(db.Participants.Where(p => p.CampaignId >= campaignId && p.CampaignId <= campaignId),
                p => p.CampaignId)
            : page.Window(db.Participants.Where(p => p.CampaignId == campaignId));

    private static async Task<Results<Ok<ParticipantResponse>, ProblemHttpResult>> Get(
        Guid campaignId, string idOrExternalId, AppDbContext db, ReferralLinks links, CancellationToken ct)
    {
        var view = await FindAsync(db, campaignId, idOrExternalId, ct);
        return view is null
            ? Problems.NotFound("Participant")
            : TypedResults.Ok(view.Participant.AsResponse(view.Code, view.Referral, links));
    }

    /// <summary>
    /// Adds a vanity code. Uniqueness across all campaigns is the index's job: a code taken by anyone else is a 409, and
    /// one this participant already has is a 200 with it, so a client retrying after a lost answer is not told that
    /// its own code belongs to someone else.
    /// </summary>
    private static async Task<Results<Created<CodeResponse>, Ok<CodeResponse>, ValidationProblem, ProblemHttpResult>> AddCode(
        Guid campaignId, string idOrExternalId, AddCodeRequest request, AppDbContext db, ReferralLinks links,
        CodeResolver resolver, TimeProvider clock, ILogger<CodeChangeFeed> logger, CancellationToken ct)
    {
        var validator = request.Validate();
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        if (await FindAsync(db, campaignId, idOrExternalId, ct) is not { } view)
        {
            return Problems.NotFound("Participant");
        }

        var code = new ReferralCode
        {
            Code = ReferralCode.Normalize(request.Code!),
            CampaignId = campaignId,
            ParticipantId = view.Participant.Id,
            IsVanity = true,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ReferralCodes.Add(code);
        // With the code itself: a node that answered 404 for it a moment ago (and cached that) forgets it within about
        // a second (CodeChangeFeed), instead of refusing the new link until its miss expires.
        db.CodeChanges.Add(new CodeChange { Code = code.Code, ChangedAt = code.CreatedAt });
        var stamped = System.Diagnostics.Stopwatch.GetTimestamp(); // Real time: how long the commit took.
        try
        {
            await db.SaveInWriteAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
            var taken = await db.ReferralCodes.AsNoTracking().FirstOrDefaultAsync(c => c.Code == code.Code, ct);
            if (taken is null)
            {
                throw; // Another unique index refused the insert (not the code's, which does not hold it): not taken.
            }

            return taken.CampaignId == campaignId && taken.ParticipantId == code.ParticipantId
                ? TypedResults.Ok(taken.AsResponse(links))
                : Problems.Conflict("code-taken", "This referral code is already taken.");
        }

        resolver.Forget(code.Code); // A cached "unknown" answer for it must not outlive its creation here.
        // As a code disabled: a commit that came late (on SQLite, behind a rollup rebuild) was behind the other nodes'
        // reads of the changes, which kept a cached 404 for it (found by review).
        await CodeChangeFeed.StampAgainIfLateAsync(db, code.Code, stamped, clock, logger);
        return TypedResults.Created($"/api/v1/campaigns/{campaignId}/codes/{code.Code}", code.AsResponse(links));
    }

    /// <summary>A participant's codes, the generated one first, then its vanity codes as they were added; disabled
    /// ones included (they say so).</summary>
    private static async Task<Results<Ok<Page<CodeResponse>>, ValidationProblem, ProblemHttpResult>> ListCodes(
        Guid campaignId, string idOrExternalId, string? cursor, [PageLimit] int? limit, AppDbContext db, ReferralLinks links,
        CancellationToken ct)
    {
        var validator = new Validator();
        var page = PageRequest.Parse(cursor, limit, validator);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var participantId = await db.Participants.AsNoTracking()
            .Where(p => p.CampaignId == campaignId).ByIdOrExternalId(idOrExternalId)
            .Select(p => (Guid?)p.Id)
            .FirstOrDefaultAsync(ct);
        if (participantId is not { } id)
        {
            return Problems.NotFound("Participant");
        }

        var codes = db.ReferralCodes.AsNoTracking().Where(c => c.ParticipantId == id);
        // Ids are version 7, so in creation order: the generated code, made at registration, comes first.
        var rows = await page.Window(codes).ToListAsync(ct);
        return TypedResults.Ok(page.ToPage(rows, c => c.AsResponse(links)));
    }

    internal static Task<ParticipantView?> FindAsync(
        AppDbContext db, Guid campaignId, string idOrExternalId, CancellationToken ct)
    {
        var participants = db.Participants.Where(p => p.CampaignId == campaignId).ByIdOrExternalId(idOrExternalId);
        return ParticipantQueries.Views(db, participants).FirstOrDefaultAsync(ct);
    }
}

internal static class ParticipantMapping
{
    // Registration, the only writer of participants, always stores an email (Validate requires one); the column is
    // nullable only because the entity's property always was, and making it NOT NULL would rebuild the table on SQLite.
    public static ParticipantResponse AsResponse(
        this Participant p, string? code, ReferralOutcome? referral, ReferralLinks links) =>
        new(p.Id, p.ExternalId, p.Email!, p.Name, code, code is null ? null : links.For(code), p.ReferredById, referral,
            p.CreatedAt);

    public static CodeResponse AsResponse(this ReferralCode c, ReferralLinks links) =>
        new(c.Code, links.For(c.Code), c.ParticipantId, c.IsVanity, c.IsDisabled);
}
