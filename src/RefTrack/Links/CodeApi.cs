using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Participants;

namespace RefTrack.Links;

/// <summary>Codes of a campaign: look one up, disable it (its link answers 404), enable it again.</summary>
public static class CodeApi
{
    public static RouteGroupBuilder MapCodes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapCampaignGroup("/codes", "Links");
        group.MapGet("/{code}", Get);
        group.MapPost("/{code}/disable",
            (Guid campaignId, string code, AppDbContext db, CodeResolver resolver, ReferralLinks links, TimeProvider clock,
                ILogger<CodeChangeFeed> logger, CancellationToken ct) =>
                SetDisabled(campaignId, code, true, db, resolver, links, clock, logger, ct));
        group.MapPost("/{code}/enable",
            (Guid campaignId, string code, AppDbContext db, CodeResolver resolver, ReferralLinks links, TimeProvider clock,
                ILogger<CodeChangeFeed> logger, CancellationToken ct) =>
                SetDisabled(campaignId, code, false, db, resolver, links, clock, logger, ct));
        return group;
    }

    private static async Task<Results<Ok<CodeResponse>, ProblemHttpResult>> Get(
        Guid campaignId, string code, AppDbContext db, ReferralLinks links, CancellationToken ct)
    {
        var normalized = ReferralCode.Normalize(code);
        var row = await db.ReferralCodes.AsNoTracking()
            .FirstOrDefaultAsync(c => c.Code == normalized && c.CampaignId == campaignId, ct);
        return row is null ? Problems.NotFound("Referral code") : TypedResults.Ok(row.AsResponse(links));
    }

    private static async Task<Results<Ok<CodeResponse>, ProblemHttpResult>> SetDisabled(
        Guid campaignId, string code, bool disabled, AppDbContext db, CodeResolver resolver, ReferralLinks links,
        TimeProvider clock, ILogger<CodeChangeFeed> logger, CancellationToken ct)
    {
        var normalized = ReferralCode.Normalize(code);
        long stamped;
        await using (var tx = await db.BeginWriteAsync(ct))
        {
            var updated = await db.ReferralCodes
                .Where(c => c.Code == normalized && c.CampaignId == campaignId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.IsDisabled, disabled), ct);
            if (updated == 0)
            {
                return Problems.NotFound("Referral code");
            }

            // With the change itself: other nodes drop the code from their caches once this commits.
            stamped = System.Diagnostics.Stopwatch.GetTimestamp(); // Real time: how long the commit took.
            db.CodeChanges.Add(new CodeChange { Code = normalized, ChangedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(ct);
            // Not on the request's token: a commit under way goes through whether or not its caller waits, and this
            // request must go on to what follows it (a late commit is when a client or proxy gives up).
            await tx.CommitAsync(CancellationToken.None);
        }

        resolver.Forget(normalized);
        await CodeChangeFeed.StampAgainIfLateAsync(db, normalized, stamped, clock, logger);
        var row = await db.ReferralCodes.AsNoTracking().FirstAsync(c => c.Code == normalized, ct);
        return TypedResults.Ok(row.AsResponse(links));
    }
}
