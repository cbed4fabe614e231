using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Participants;
using RefTrack.Referrals;

namespace RefTrack.Data.Configurations;

internal sealed class ReferralConfiguration : IEntityTypeConfiguration<Referral>
{
    public void Configure(EntityTypeBuilder<Referral> b)
    {
        b.Property(r => r.Code).HasMaxLength(32);
        b.Property(r => r.Reason).HasMaxLength(64);
        // One-time attribution lives here: a second referral for the same user cannot be inserted.
        // (A participant belongs to one campaign, so this is unique on the user; the campaign leads for Citus.)
        b.HasIndex(r => new { r.CampaignId, r.ReferredId }).IsUnique();
        b.HasIndex(r => new { r.ReferrerId, r.Status }); // A referrer's counts, recounted by rebuild-rollups.
        // No other index: every read of a user's referral joins on (campaign, referred), the unique index above, and
        // reports read rollups; each index more would be one more B-tree write per signup.
        b.HasOne<Participant>().WithMany().HasForeignKey(r => r.ReferrerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Participant>().WithMany().HasForeignKey(r => r.ReferredId).OnDelete(DeleteBehavior.Restrict);
    }
}
