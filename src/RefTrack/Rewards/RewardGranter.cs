using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Referrals;
using RefTrack.Reports;

namespace RefTrack.Rewards;

/// <summary>
/// Turns grants into rewards inside the caller's transaction. Each insert is <c>ON CONFLICT DO NOTHING</c> on the
/// unique (campaign, grant key): a grant that already exists (a replay, a concurrent retry on another node) is
/// simply not inserted again, and only the rewards actually created reach the rollups.
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
            var status = reward.Status.ToString();
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Rewards" ("Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "ConversionId",
                    "Amount", "Currency", "Status", "GrantKey", "CreatedAt", "UpdatedAt")
                VALUES ({reward.Id}, {reward.CampaignId}, {reward.ParticipantId}, {reward.RuleId}, {reward.ReferralId},
                    {reward.ConversionId}, {reward.Amount}, {reward.Currency}, {status}, {reward.GrantKey},
                    {reward.CreatedAt}, {reward.UpdatedAt})
                ON CONFLICT ("CampaignId", "GrantKey") DO NOTHING
                """, ct);
            if (inserted == 1)
            {
                created.Add(reward);
            }
        }

        foreach (var currency in created.GroupBy(r => r.Currency))
        {
            await RollupWriter.AddRewardsAsync(db, referral.CampaignId, currency.Key, RewardStatus.Pending,
                currency.Count(), currency.Sum(r => r.Amount), ct);
        }

        await RollupWriter.AddParticipantRewardsAsync(db, referral.CampaignId, created
            .GroupBy(r => (r.ParticipantId, r.Currency))
            .Select(g => new ParticipantRewardDelta(g.Key.ParticipantId, g.Key.Currency, RewardStatus.Pending,
                g.Count(), g.Sum(r => r.Amount))), ct);

        return created;
    }

    public Task<List<RewardRule>> ActiveRulesAsync(Guid campaignId, CancellationToken ct) =>
        db.RewardRules.AsNoTracking().Where(r => r.CampaignId == campaignId && r.IsActive).ToListAsync(ct);
}
