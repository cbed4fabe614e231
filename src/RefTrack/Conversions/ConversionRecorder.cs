using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Participants;
using RefTrack.Referrals;
using RefTrack.Reports;
using RefTrack.Rewards;

namespace RefTrack.Conversions;

public enum RecordOutcome
{
    Created,
    Replayed,
    UnknownParticipant,
    ConflictingReplay,
}

public sealed record RecordResult(RecordOutcome Outcome, Conversion? Conversion = null, IReadOnlyList<Reward>? Rewards = null);

/// <summary>
/// Stores a conversion once and grants its rewards in the same transaction. The unique (campaign, externalId)
/// index decides replays: the insert of a replay fails, nothing else in its transaction happens, and the stored
/// conversion is returned instead.
/// </summary>
public sealed class ConversionRecorder(
    AppDbContext db, ITransactionRunner writes, RewardGranter granter, TimeProvider clock)
{
    public async Task<RecordResult> RecordAsync(
        Guid campaignId, RecordConversionRequest request, ConversionType type, CancellationToken ct)
    {
        var participant = await db.Participants.AsNoTracking()
            .Where(p => p.CampaignId == campaignId &&
                        (request.ParticipantId != null ? p.Id == request.ParticipantId : p.ExternalId == request.ParticipantExternalId))
            .Select(p => new { p.Id })
            .FirstOrDefaultAsync(ct);
        if (participant is null)
        {
            return new RecordResult(RecordOutcome.UnknownParticipant);
        }

        var externalId = request.ExternalId!.Trim();
        try
        {
            return await writes.RunAsync(
                (writeDb, wct) => InsertAsync(writeDb, campaignId, participant.Id, externalId, request, type, wct), ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return await ReplayAsync(campaignId, participant.Id, externalId, request, type, ct);
        }
    }

    /// <summary>The write unit: the conversion, the referral's first purchase, the rewards and the rollups.</summary>
    private async Task<RecordResult> InsertAsync(
        AppDbContext writeDb, Guid campaignId, Guid participantId, string externalId, RecordConversionRequest request,
        ConversionType type, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var referral = await writeDb.Referrals.AsNoTracking()
            .FirstOrDefaultAsync(r => r.CampaignId == campaignId && r.ReferredId == participantId && r.Status == ReferralStatus.Qualified, ct);
        var conversion = new Conversion
        {
            CampaignId = campaignId,
            ParticipantId = participantId,
            ReferralId = referral?.Id,
            Type = type,
            ExternalId = externalId,
            Amount = request.Amount ?? 0,
            Currency = request.Currency!,
            OccurredAt = request.OccurredAt?.ToUniversalTime() ?? now,
            CreatedAt = now,
        };
        writeDb.Conversions.Add(conversion);
        await writeDb.SaveChangesAsync(ct); // A unique violation here is a replay: see the caller.

        IReadOnlyList<Reward> rewards = [];
        var isFirstPurchase = false;
        var rollups = new RollupBatch(campaignId);
        if (referral is not null && type is ConversionType.Purchase or ConversionType.SubscriptionPayment)
        {
            // Exactly one purchase stamps the referral: concurrent first purchases (on any node) queue on the row and
            // all but one find ConvertedAt already set.
            isFirstPurchase = await writeDb.Referrals
                .Where(r => r.Id == referral.Id && r.ConvertedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ConvertedAt, conversion.OccurredAt), ct) == 1;
            // The referrer's qualified count picks the tier; a purchase does not change it, so it is read, not locked.
            var referrals = await ReferralCounters.QualifiedAsync(writeDb, referral.ReferrerId, ct);
            var rules = await granter.ActiveRulesAsync(writeDb, campaignId, ct);
            var grants = RewardRules.ForPurchase(
                rules, referral.Id, conversion.Id, conversion.Amount, conversion.Currency, referrals, isFirstPurchase);
            rewards = await granter.GrantAsync(writeDb, referral, conversion.Id, grants, rollups, ct);
            if (isFirstPurchase)
            {
                // Every purchase of the referrer's referred users updates this one row, so its lock is taken as late
                // as the lock order allows: after the grants, before the rollups (a signup takes the counter, then
                // the referrer's reward rollup row; the same order here keeps the two from deadlocking).
                await ReferralCounters.AddConvertedAsync(writeDb, referral.ReferrerId, ct);
            }
        }

        await rollups.Campaign(conversion.OccurredAt, new CampaignDelta(Conversions: 1, ConvertedReferrals: isFirstPurchase ? 1 : 0))
            .WriteAsync(writeDb, ct);
        return new RecordResult(RecordOutcome.Created, conversion, rewards);
    }

    /// <summary>The same event again: the stored conversion if it matches, a conflict if the content differs.</summary>
    private async Task<RecordResult> ReplayAsync(
        Guid campaignId, Guid participantId, string externalId, RecordConversionRequest request, ConversionType type,
        CancellationToken ct)
    {
        var stored = await db.Conversions.AsNoTracking()
            .FirstAsync(c => c.CampaignId == campaignId && c.ExternalId == externalId, ct);
        var same = stored.ParticipantId == participantId && stored.Type == type &&
                   stored.Amount == (request.Amount ?? 0) && stored.Currency == request.Currency;
        if (!same)
        {
            return new RecordResult(RecordOutcome.ConflictingReplay, stored);
        }

        var rewards = await db.Rewards.AsNoTracking()
            .Where(r => r.CampaignId == campaignId && r.ConversionId == stored.Id).OrderBy(r => r.Id).ToListAsync(ct);
        return new RecordResult(RecordOutcome.Replayed, stored, rewards);
    }
}
