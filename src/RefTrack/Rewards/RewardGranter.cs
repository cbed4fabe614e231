using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Referrals;

namespace RefTrack.Rewards;

/// <summary>
/// Turns grants into rewards inside the caller's transaction. Each insert relies on the unique grant key: a grant
/// that already exists (a replay, a concurrent retry on another node) fails on the index and is skipped. EF Core
/// wraps each SaveChanges in a savepoint, so the skipped insert does not abort the surrounding transaction.
/// </summary>
public sealed class RewardGranter(AppDbContext db, TimeProvider clock)
{
    public async Task<IReadOnlyList<Reward>> GrantAsync(
        Referral referral, Guid? conversionId, IReadOnlyList<Grant> grants, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<Reward> created = [];
        foreach (var grant in grants)
        {
            var reward = new Reward
            {
                CampaignId = referral.CampaignId,
                ParticipantId = grant.Recipient == RewardRecipient.Referrer ? referral.ReferrerId : referral.ReferredId,
                RuleId = grant.RuleId,
                ReferralId = referral.Id,
                ConversionId = conversionId,
                Amount = grant.Amount,
                Currency = grant.Currency,
                Status = RewardStatus.Pending,
                GrantKey = grant.GrantKey,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Rewards.Add(reward);
            try
            {
                await db.SaveChangesAsync(ct);
                created.Add(reward);
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
            {
                db.Entry(reward).State = EntityState.Detached;
            }
        }

        return created;
    }

    public Task<List<RewardRule>> ActiveRulesAsync(Guid campaignId, CancellationToken ct) =>
        db.RewardRules.AsNoTracking().Where(r => r.CampaignId == campaignId && r.IsActive).ToListAsync(ct);

    public Task<int> QualifiedReferralsAsync(Guid referrerId, CancellationToken ct) =>
        db.Referrals.CountAsync(r => r.ReferrerId == referrerId && r.Status == ReferralStatus.Qualified, ct);
}
