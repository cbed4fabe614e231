using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Participants;

/// <summary>
/// The referrer's counters, incremented in the transaction that creates the referral or its first purchase.
/// An increment is an UPDATE of one row: concurrent increments (on any node) queue on that row, and each reads
/// back its own result, so "the 5th referral" is seen by exactly one transaction.
/// </summary>
public static class ReferralCounters
{
    public static async Task<int> AddQualifiedAsync(AppDbContext db, Guid referrerId, CancellationToken ct)
    {
        await db.Participants.Where(p => p.Id == referrerId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.QualifiedReferrals, p => p.QualifiedReferrals + 1), ct);
        return await db.Participants.Where(p => p.Id == referrerId).Select(p => p.QualifiedReferrals).FirstAsync(ct);
    }

    public static Task AddConvertedAsync(AppDbContext db, Guid referrerId, CancellationToken ct) =>
        db.Participants.Where(p => p.Id == referrerId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ConvertedReferrals, p => p.ConvertedReferrals + 1), ct);

    public static Task<int> QualifiedAsync(AppDbContext db, Guid referrerId, CancellationToken ct) =>
        db.Participants.Where(p => p.Id == referrerId).Select(p => p.QualifiedReferrals).FirstAsync(ct);
}
