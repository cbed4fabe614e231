using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Participants;
using RefTrack.Referrals;
using RefTrack.Rewards;

namespace RefTrack.Conversions;

/// <summary>The participant a conversion is for, its qualified referral (if any) and its referrer's qualified
/// count.</summary>
public sealed record Buyer(Guid Id, Referral? Referral, int ReferrerQualifiedReferrals);

/// <summary>
/// The read before a conversion's write, as compiled queries (one per way of naming the participant, so each keeps
/// its index): see <see cref="SignupQueries"/> for why compiled, and why one instance per app.
/// </summary>
public sealed class PurchaseQueries
{
    // A compiled query must be one expression (EF Core cannot translate a call to a helper that composes it), hence
    // the joins written out twice. The referrer's count picks the tier: a purchase does not change it, so it is read,
    // not locked.
    public Func<AppDbContext, Guid, Guid, CancellationToken, Task<Buyer?>> BuyerById { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, Guid id, CancellationToken _) =>
            (from p in db.Participants.AsNoTracking().Where(p => p.CampaignId == campaignId && p.Id == id)
             join r in db.Referrals.Where(r => r.Status == ReferralStatus.Qualified)
                 on new { p.CampaignId, ReferredId = p.Id } equals new { r.CampaignId, r.ReferredId } into referrals
             from r in referrals.DefaultIfEmpty()
             join referrer in db.Participants on r.ReferrerId equals referrer.Id into referrers
             from referrer in referrers.DefaultIfEmpty()
             select new Buyer(p.Id, r, referrer != null ? referrer.QualifiedReferrals : 0))
            .FirstOrDefault());

    public Func<AppDbContext, Guid, string, CancellationToken, Task<Buyer?>> BuyerByExternalId { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, string externalId, CancellationToken _) =>
            (from p in db.Participants.AsNoTracking().Where(p => p.CampaignId == campaignId && p.ExternalId == externalId)
             join r in db.Referrals.Where(r => r.Status == ReferralStatus.Qualified)
                 on new { p.CampaignId, ReferredId = p.Id } equals new { r.CampaignId, r.ReferredId } into referrals
             from r in referrals.DefaultIfEmpty()
             join referrer in db.Participants on r.ReferrerId equals referrer.Id into referrers
             from referrer in referrers.DefaultIfEmpty()
             select new Buyer(p.Id, r, referrer != null ? referrer.QualifiedReferrals : 0))
            .FirstOrDefault());

    // A replay's reads: the stored conversion, then its rewards (the rewards' read serves GET …/conversions/{id} too).
    // A replay is one purchase in five in the benchmark, and uncompiled, on a pooled connection, each read paid for
    // EF Core walking its expression and SQLite compiling it.
    public Func<AppDbContext, Guid, string, CancellationToken, Task<Conversion?>> Stored { get; } =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId, string externalId, CancellationToken _) =>
            db.Conversions.AsNoTracking().FirstOrDefault(c => c.CampaignId == campaignId && c.ExternalId == externalId));

    public Func<AppDbContext, Guid, Guid, IAsyncEnumerable<Reward>> StoredRewards { get; } =
        EF.CompileAsyncQuery<AppDbContext, Guid, Guid, Reward>((db, campaignId, conversionId) =>
            db.Rewards.AsNoTracking().Where(r => r.CampaignId == campaignId && r.ConversionId == conversionId).OrderBy(r => r.Id));
}
