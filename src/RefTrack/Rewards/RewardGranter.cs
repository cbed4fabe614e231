using System.Text;
using RefTrack.Conversions;
using RefTrack.Data;
using RefTrack.Participants;
using RefTrack.Referrals;
using RefTrack.Reports;

namespace RefTrack.Rewards;

/// <summary>
/// Turns grants into rewards inside the caller's transaction, in one <c>INSERT … ON CONFLICT DO NOTHING</c> on the
/// unique (campaign, grant key): a grant that already exists (a replay, a concurrent retry on another node) is
/// simply not inserted again, and only the rewards actually created reach the rollups.
/// </summary>
public sealed class RewardGranter(TimeProvider clock)
{
    /// <summary>Grants in <paramref name="writeDb"/>'s transaction (a write unit's context, see
    /// <see cref="ITransactionRunner"/>).</summary>
    public async Task<IReadOnlyList<Reward>> GrantAsync(
        AppDbContext writeDb, Referral referral, Guid? conversionId, IReadOnlyList<Grant> grants, RollupBatch rollups, CancellationToken ct)
    {
        if (grants.Count == 0)
        {
            return [];
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var rewards = grants.Select(grant => NewReward(referral, conversionId, grant, now)).ToList();

        // One statement for all grants; RETURNING names the ones actually inserted.
        var sql = new StringBuilder("""
            INSERT INTO "Rewards" ("Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "ConversionId",
                "Amount", "Currency", "Status", "GrantKey", "CreatedAt", "UpdatedAt") VALUES
            """);
        var args = new List<object>();
        foreach (var r in rewards)
        {
            RawSqlRows.Append(sql, args, first: args.Count == 0,
            [
                r.Id, r.CampaignId, r.ParticipantId, r.RuleId, r.ReferralId, r.ConversionId, r.Amount, r.Currency,
                r.Status.ToString(), r.GrantKey, r.CreatedAt, r.UpdatedAt,
            ]);
        }

        sql.Append(""" ON CONFLICT ("CampaignId", "GrantKey") DO NOTHING RETURNING "GrantKey" """);
        var inserted = (await RawSqlRows.QueryAsync(writeDb, sql.ToString(), args, r => r.GetString(0), ct))
            .ToHashSet(StringComparer.Ordinal);
        var created = rewards.Where(r => inserted.Contains(r.GrantKey)).ToList();
        AddToRollups(created, rollups);
        return created;
    }

    /// <summary>
    /// A referred user's purchase: stamps the referral's first purchase (<c>UPDATE … WHERE ConvertedAt IS NULL</c>:
    /// concurrent first purchases, on any node, queue on the row and all but one find it set) and grants what the
    /// purchase earns, first-purchase rules only if it was the first. On PostgreSQL both are one statement. Only for a
    /// conversion that is the referral's: one from before the referral never gets here
    /// (<see cref="ConversionAttribution"/>), so neither the stamp nor the grants compare times.
    /// </summary>
    public async Task<(bool IsFirstPurchase, IReadOnlyList<Reward> Rewards)> GrantForPurchaseAsync(
        AppDbContext writeDb, Referral referral, Conversion conversion, IReadOnlyList<RewardRule> rules,
        int referrerQualifiedReferrals, RollupBatch rollups, CancellationToken ct)
    {
        var candidates = RewardRules.ForPurchaseEitherWay(
            rules, referral.Id, conversion.Id, conversion.Amount, conversion.Currency, referrerQualifiedReferrals);
        if (writeDb is PostgresAppDbContext && candidates.Count > 0)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var rewards = candidates.Select(c => (Reward: NewReward(referral, conversion.Id, c.Grant, now), c.FirstPurchaseOnly)).ToList();
            var (isFirst, insertedIds) = await PostgresGrantStatements.PurchaseAsync(writeDb, referral, conversion, rewards, ct);
            var created = rewards.Select(r => r.Reward).Where(r => insertedIds.Contains(r.Id)).ToList();
            AddToRollups(created, rollups);
            return (isFirst, created);
        }

        var isFirstPurchase = await RawSqlRows.ExecuteAsync(writeDb,
            """UPDATE "Referrals" SET "ConvertedAt" = {0} WHERE "Id" = {1} AND "ConvertedAt" IS NULL""",
            [conversion.OccurredAt, referral.Id], ct) == 1;
        var grants = candidates.Where(c => isFirstPurchase || !c.FirstPurchaseOnly).Select(c => c.Grant).ToList();
        return (isFirstPurchase, await GrantAsync(writeDb, referral, conversion.Id, grants, rollups, ct));
    }

    private static void AddToRollups(IEnumerable<Reward> created, RollupBatch rollups)
    {
        foreach (var r in created) // The batch sums them per rollup row.
        {
            rollups.Rewards(r.Currency, RewardStatus.Pending, 1, r.Amount)
                .ParticipantRewards([new(r.ParticipantId, r.Currency, RewardStatus.Pending, 1, r.Amount)]);
        }
    }

    /// <summary>
    /// SQLite: the last step of a signup's write unit: one more qualified referral for the referrer, the signup rewards
    /// that its new count earns (<see cref="RewardRules.ForSignupByCount"/>), and the unit's rollups, after the
    /// statements <paramref name="before"/> appends (the unit's own rows) with the count. SQLite has one writer, so the
    /// steps run one after the other. PostgreSQL writes the whole signup as one statement instead
    /// (<see cref="Participants.PostgresSignupStatement"/>, with <see cref="SignupCandidates"/>): every signup of a
    /// referrer updates that referrer's row, which is held for that statement and the commit, not across round trips.
    /// </summary>
    public async Task CountReferralAndGrantAsync(
        AppDbContext writeDb, Referral referral, IReadOnlyList<CountedGrant> grants, RollupBatch rollups,
        Action<StringBuilder, List<object>> before, CancellationToken ct)
    {
        var count = await ReferralCounters.AddQualifiedAsync(writeDb, referral.ReferrerId, before, ct);
        await GrantAsync(writeDb, referral, null, grants.Where(g => g.Covers(count)).Select(g => g.Grant).ToList(), rollups, ct);
        await rollups.WriteAsync(writeDb, ct);
    }

    /// <summary>PostgreSQL: the rewards a signup's referral may earn, each with the range of the referrer's new count
    /// it applies to; the statement picks the range its count reaches.</summary>
    public IReadOnlyList<(Reward Reward, int From, int To)> SignupCandidates(Referral referral, IReadOnlyList<CountedGrant> grants)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return grants.Select(g => (NewReward(referral, null, g.Grant, now), g.FromCount, g.ToCount)).ToList();
    }

    private static Reward NewReward(Referral referral, Guid? conversionId, Grant grant, DateTime now) => new()
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
}
