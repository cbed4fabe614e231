using System.Text;
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
/// index decides replays: the insert of a replay writes nothing (<c>ON CONFLICT DO NOTHING</c>), nothing else in its
/// transaction happens, and the stored conversion is returned instead.
/// </summary>
public sealed class ConversionRecorder(
    AppDbContext db, ITransactionRunner writes, IHotReads reads, RewardGranter granter, ActiveRuleCache activeRules,
    PurchaseQueries queries, TimeProvider clock)
{
    public async Task<RecordResult> RecordAsync(
        Guid campaignId, RecordConversionRequest request, ConversionType type, CancellationToken ct)
    {
        // The buyer, its qualified referral and the referrer's qualified count in one query before the transaction, as
        // are the rules. Registration stores externalId trimmed, so the name given here is trimmed the same way.
        var buyer = request.ParticipantId is { } participantId
            ? await reads.RunAsync(db, r => queries.BuyerById(r, campaignId, participantId, ct))
            : await reads.RunAsync(db, r => queries.BuyerByExternalId(r, campaignId, request.ParticipantExternalId!.Trim(), ct));
        if (buyer is null)
        {
            // An event stored already has its participant, and one unknown here is another: a conflicting replay
            // (409, the stored id), not a participant to go and register, after which the retry would be a 409 anyway.
            // A read on this refusal's path only; nothing is written either way.
            var stored = await reads.RunAsync(db, r => queries.Stored(r, campaignId, request.ExternalId!.Trim(), ct));
            return stored is null
                ? new RecordResult(RecordOutcome.UnknownParticipant)
                : new RecordResult(RecordOutcome.ConflictingReplay, stored);
        }

        // Decided here, not in the write: a referral's times never change once it is recorded.
        var (referral, unattributed) = ConversionAttribution.Decide(buyer.Referral, request.OccurredAtUtc());
        // A payment of 0 (a free trial's first invoice, a fully discounted order) is the referral's but earns nothing
        // and is not its first purchase: as one, it used up the first-purchase rewards before the first paid invoice,
        // and a fixed reward per purchase paid out for it.
        var rewarded = referral is not null && type is ConversionType.Purchase or ConversionType.SubscriptionPayment
                       && request.Amount > 0;
        var rules = rewarded ? await activeRules.GetAsync(db, campaignId, ct) : [];
        var externalId = request.ExternalId!.Trim(); // Stored and matched trimmed: " o1 " replays "o1".
        return await writes.RunAsync(
                   (writeDb, wct) => InsertAsync(writeDb, campaignId, buyer, referral, unattributed, rewarded ? rules : null,
                       externalId, request, type, wct), ct)
               ?? await ReplayAsync(campaignId, buyer.Id, externalId, request, type, ct);
    }

    /// <summary>The write unit: the conversion, the referral's first purchase, the rewards and the rollups; null, with
    /// nothing written, when the event is stored already (a replay).</summary>
    /// <param name="referral">The buyer's referral if this conversion is its (<see cref="ConversionAttribution"/>),
    /// otherwise null and <paramref name="unattributedReason"/> says why.</param>
    /// <param name="rules">The campaign's active rules when this conversion can earn rewards, otherwise null.</param>
    private async Task<RecordResult?> InsertAsync(
        AppDbContext writeDb, Guid campaignId, Buyer buyer, Referral? referral, string? unattributedReason,
        IReadOnlyList<RewardRule>? rules, string externalId, RecordConversionRequest request, ConversionType type,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var conversion = new Conversion
        {
            CampaignId = campaignId,
            ParticipantId = buyer.Id,
            ReferralId = referral?.Id,
            UnattributedReason = unattributedReason,
            Type = type,
            ExternalId = externalId,
            Amount = request.Amount ?? 0,
            Currency = request.Currency!,
            OccurredAt = request.OccurredAtUtc() ?? now,
            CreatedAt = now,
        };
        if (await InsertRowAsync(writeDb, conversion, ct) == 0)
        {
            // A replay. It used to fail on the index instead: an exception here, a rolled-back transaction, and on
            // PostgreSQL an ERROR with the statement in the server's log for every webhook retried.
            return null;
        }

        IReadOnlyList<Reward> rewards = [];
        var isFirstPurchase = false;
        var rollups = new RollupBatch(campaignId);
        if (referral is not null && rules is not null)
        {
            (isFirstPurchase, rewards) = await granter.GrantForPurchaseAsync(
                writeDb, referral, conversion, rules, buyer.ReferrerQualifiedReferrals, rollups, ct);
        }

        // Every first purchase of a referrer's referred users updates the referrer's row, so it is taken as late as
        // the lock order allows: in the last command, just before the rollups (a signup takes the counter, then the
        // referrer's reward rollup row; the same order here keeps the two from deadlocking), and held until the
        // commit, not across round trips.
        var convertedReferrer = isFirstPurchase ? referral!.ReferrerId : (Guid?)null;
        await rollups.Campaign(conversion.OccurredAt, new CampaignDelta(Conversions: 1, ConvertedReferrals: isFirstPurchase ? 1 : 0))
            .WriteAsync(writeDb, (sql, args, _) =>
            {
                if (convertedReferrer is { } referrerId)
                {
                    ReferralCounters.AppendAddConverted(sql, args, referrerId);
                }
            }, ct);
        return new RecordResult(RecordOutcome.Created, conversion, rewards);
    }

    /// <summary>The conversion row as one raw SQL statement (enums by name, as EF Core stores them): SaveChanges
    /// attaches the entity and generates its SQL on every call, on SQLite inside the group commit's serialized
    /// section. Returns 0 when the event is stored already: the insert of a concurrent one waits for the other's
    /// commit (PostgreSQL) or comes after it (SQLite's one writer), so the caller reads a committed row.</summary>
    private static Task<int> InsertRowAsync(AppDbContext writeDb, Conversion c, CancellationToken ct)
    {
        var sql = new StringBuilder("""
            INSERT INTO "Conversions" ("Id", "CampaignId", "ParticipantId", "ReferralId", "UnattributedReason", "Type",
                "ExternalId", "Amount", "Currency", "OccurredAt", "CreatedAt") VALUES
            """);
        var args = new List<object>();
        RawSqlRows.Append(sql, args, first: true,
        [
            c.Id, c.CampaignId, c.ParticipantId, c.ReferralId, c.UnattributedReason, c.Type.ToString(), c.ExternalId,
            c.Amount, c.Currency, c.OccurredAt, c.CreatedAt,
        ]);
        sql.Append(""" ON CONFLICT ("CampaignId", "ExternalId") DO NOTHING""");
        return RawSqlRows.ExecuteAsync(writeDb, sql.ToString(), args, ct);
    }

    /// <summary>The same event again: the stored conversion if it matches, a conflict if the content differs.</summary>
    private async Task<RecordResult> ReplayAsync(
        Guid campaignId, Guid participantId, string externalId, RecordConversionRequest request, ConversionType type,
        CancellationToken ct)
    {
        // The conflict means a committed row: PostgreSQL's insert waited for the other transaction's commit, and SQLite's
        // group commit answers its units after their batch's commit.
        var stored = await reads.RunAsync(db, r => queries.Stored(r, campaignId, externalId, ct))
            ?? throw new InvalidOperationException($"Conversion '{externalId}' was a duplicate but is not stored.");
        // Not occurredAt: a client that stamps its retries when it sends them is still sending the same event.
        var same = stored.ParticipantId == participantId && stored.Type == type &&
                   stored.Amount == (request.Amount ?? 0) && stored.Currency == request.Currency;
        if (!same)
        {
            return new RecordResult(RecordOutcome.ConflictingReplay, stored);
        }

        var rewards = await reads.RunAsync(db,
            r => queries.StoredRewards(r, campaignId, stored.Id).ToListAsync(ct).AsTask());
        return new RecordResult(RecordOutcome.Replayed, stored, rewards);
    }
}
