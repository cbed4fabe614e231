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
        group.MapPost("/", Create);
        group.MapGet("/", List);
        group.MapDelete("/{ruleId:guid}", Deactivate);
        return group;
    }

    private static async Task<Results<Created<RewardRuleResponse>, ValidationProblem>> Create(
        Guid campaignId, CreateRewardRuleRequest request, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var validator = request.Validate(out var trigger, out var recipient);
        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

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
        };
        db.RewardRules.Add(rule);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/campaigns/{campaignId}/reward-rules/{rule.Id}", rule.AsResponse());
    }

    private static async Task<Ok<Page<RewardRuleResponse>>> List(Guid campaignId, AppDbContext db, CancellationToken ct)
    {
        // A campaign has a handful of rules: one page holds them all.
        var rules = await db.RewardRules.AsNoTracking()
            .Where(r => r.CampaignId == campaignId)
            .OrderBy(r => r.Id)
            .ToListAsync(ct);
        return TypedResults.Ok(new Page<RewardRuleResponse>(rules.Select(r => r.AsResponse()).ToList(), null));
    }

    /// <summary>Rules are deactivated, not deleted: rewards already granted keep pointing at them.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> Deactivate(
        Guid campaignId, Guid ruleId, AppDbContext db, CancellationToken ct)
    {
        var updated = await db.RewardRules
            .Where(r => r.Id == ruleId && r.CampaignId == campaignId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.IsActive, false), ct);
        return updated == 1 ? TypedResults.NoContent() : Problems.NotFound("Reward rule");
    }
}
