using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Rewards;

public static class RewardRuleApi
{
    public static RouteGroupBuilder MapRewardRules(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapCampaignGroup("/reward-rules", "Reward rules");
        group.MapPost("/", Create).ReadsJsonBody();
        group.MapGet("/", List);
        group.MapGet("/{ruleId:guid}", Get); // Where a new rule's Location points.
        group.MapDelete("/{ruleId:guid}", Deactivate);
        return group;
    }

    /// <summary>
    /// 201 with the new rule; 200 with the campaign's active rule of the same terms when there is one (a retry, a
    /// double submit), as a registration of a known user answers with that user. Two such rules would add up and pay
    /// every grant twice; the unique index on the terms decides, not a read first, so two nodes creating it at once
    /// also end with one.
    /// </summary>
    private static async Task<Results<Created<RewardRuleResponse>, Ok<RewardRuleResponse>, ValidationProblem>> Create(
        Guid campaignId, CreateRewardRuleRequest request, AppDbContext db, ActiveRuleCache activeRules, TimeProvider clock,
        CancellationToken ct)
    {
        var validator = request.Validate(out var trigger, out var recipient);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var terms = RewardRule.TermsOf(trigger, recipient, request.Amount, request.PercentBasisPoints, request.Currency!,
            request.FirstPurchaseOnly == true, request.MinReferrals, request.ReferralCount);
        for (var attempt = 1; ; attempt++)
        {
            var rule = new RewardRule
            {
                CampaignId = campaignId,
                Trigger = trigger,
                Recipient = recipient,
                Amount = request.Amount,
                PercentBasisPoints = request.PercentBasisPoints,
                Currency = request.Currency!,
                FirstPurchaseOnly = request.FirstPurchaseOnly == true,
                MinReferrals = request.MinReferrals,
                ReferralCount = request.ReferralCount,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
                Terms = terms,
            };
            db.RewardRules.Add(rule);
            try
            {
                await db.SaveInWriteAsync(ct);
                return TypedResults.Created($"/api/v1/campaigns/{campaignId}/reward-rules/{rule.Id}", rule.AsResponse());
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
            {
                db.ChangeTracker.Clear();
                var existing = await db.RewardRules.AsNoTracking()
                    .FirstOrDefaultAsync(r => r.CampaignId == campaignId && r.Terms == terms && r.IsActive, ct);
                if (existing is not null)
                {
                    return TypedResults.Ok(existing.AsResponse());
                }

                // Deactivated since the insert was refused: the terms are free again. Any other index's refusal
                // (there is none today) fails as it is.
                if (attempt == 3)
                {
                    throw;
                }
            }
            finally
            {
                // Evicted whatever the answer: a create committed whose answer was lost threw here, and its retry's
                // 200 with that rule left this node granting without it for the cache time (found by review).
                activeRules.Evict(campaignId);
            }
        }
    }

    private static async Task<Results<Ok<Page<RewardRuleResponse>>, ValidationProblem>> List(
        Guid campaignId, string? cursor, [PageLimit] int? limit, AppDbContext db, CancellationToken ct)
    {
        var validator = new Validator();
        var page = PageRequest.Parse(cursor, limit, validator);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        var query = db.RewardRules.AsNoTracking().Where(r => r.CampaignId == campaignId);
        var rows = await page.Window(query).ToListAsync(ct);
        return TypedResults.Ok(page.ToPage(rows, r => r.AsResponse()));
    }

    private static async Task<Results<Ok<RewardRuleResponse>, ProblemHttpResult>> Get(
        Guid campaignId, Guid ruleId, AppDbContext db, CancellationToken ct)
    {
        var rule = await db.RewardRules.AsNoTracking()
            .FirstOrDefaultAsync(r => r.Id == ruleId && r.CampaignId == campaignId, ct);
        return rule is null ? Problems.NotFound("Reward rule") : TypedResults.Ok(rule.AsResponse());
    }

    /// <summary>Rules are deactivated, not deleted: rewards already granted keep pointing at them.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> Deactivate(
        Guid campaignId, Guid ruleId, AppDbContext db, ActiveRuleCache activeRules, CancellationToken ct)
    {
        var updated = await db.InWriteAsync(() => db.RewardRules
            .Where(r => r.Id == ruleId && r.CampaignId == campaignId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.IsActive, false), ct), ct);
        activeRules.Evict(campaignId);
        return updated == 1 ? TypedResults.NoContent() : Problems.NotFound("Reward rule");
    }
}
