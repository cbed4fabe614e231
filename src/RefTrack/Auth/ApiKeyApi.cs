using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Auth;

public static class ApiKeyApi
{
    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/api-keys").WithTags("API keys").RequireAuthorization(Caller.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/", Create).ReadsJsonBody();
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get).ProducesProblem(StatusCodes.Status404NotFound); // Where a new key's Location points.
        group.MapDelete("/{id:guid}", Revoke)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateApiKeyRequest request, ClaimsPrincipal caller, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var validator = request.Validate();
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        if (request.CampaignId is { } campaignId && !await db.Campaigns.AnyAsync(c => c.Id == campaignId, ct))
        {
            return Problems.Validation("campaignId", "No such campaign.");
        }

        var secret = ApiKeySecrets.NewSecret();
        var key = new ApiKey
        {
            Name = request.Name!.Trim(),
            Prefix = ApiKeySecrets.DisplayPrefix(secret),
            SecretHash = ApiKeySecrets.Hash(secret),
            IsAdmin = request.Admin == true,
            CampaignId = request.CampaignId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(key);
        if (await db.SaveAsActiveAdminAsync(caller, ct) is { } refused)
        {
            return refused;
        }

        return TypedResults.Created($"/api/v1/api-keys/{key.Id}",
            new CreatedApiKeyResponse(key.Id, key.Name, key.Prefix, key.CampaignId, key.IsAdmin, key.CreatedAt, secret));
    }

    private static async Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem>> List(
        string? cursor, [PageLimit] int? limit, AppDbContext db, CancellationToken ct)
    {
        var validator = new Validator();
        var page = PageRequest.Parse(cursor, limit, validator);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var query = db.ApiKeys.AsNoTracking();
        var rows = await page.Window(query).ToListAsync(ct);
        return TypedResults.Ok(page.ToPage(rows, k => k.AsResponse()));
    }

    /// <summary>One key as listed: its secret is never shown again, only its prefix.</summary>
    private static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> Get(Guid id, AppDbContext db, CancellationToken ct)
    {
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
        return key is null ? Problems.NotFound("API key") : TypedResults.Ok(key.AsResponse());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        Guid id, AppDbContext db, ApiKeyCache keys, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Read first (a key's hash never changes), so that nothing is left to read once the revocation has committed:
        // a read failing then answered 500 for a revocation that was done, and left the key in this node's cache.
        var hash = await db.ApiKeys.Where(k => k.Id == id).Select(k => k.SecretHash).FirstOrDefaultAsync(ct);
        if (hash is null)
        {
            return Problems.NotFound("API key");
        }

        // The last active admin key is never revoked, so nobody locks themselves out. Counting and revoking in one
        // statement is not enough under READ COMMITTED (two admins revoking each other both see two); a
        // serializable transaction makes concurrent revocations take turns.
        int revoked;
        try
        {
            revoked = await db.SerializableAsync(() => db.ApiKeys
                .Where(k => k.Id == id && k.RevokedAt == null &&
                            (!k.IsAdmin || db.ApiKeys.Count(o => o.IsAdmin && o.RevokedAt == null) > 1))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct), ct);
        }
        finally
        {
            // Evicted whatever the answer: a revocation committed whose answer was lost (a connection dropped as the
            // server answered, the caller gone) threw here, and its retry's 409 already-revoked left the key working
            // on this node for the cache's time (found by review). Evicting a key still active costs one read.
            keys.Evict(hash);
        }

        if (revoked == 1)
        {
            return TypedResults.NoContent();
        }

        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
        return key switch
        {
            null => Problems.NotFound("API key"),
            { RevokedAt: not null } => Problems.Conflict("already-revoked", "This API key is already revoked."),
            _ => Problems.Conflict("last-admin-key", "The last active admin key cannot be revoked.",
                "Create another admin key first."),
        };
    }
}
