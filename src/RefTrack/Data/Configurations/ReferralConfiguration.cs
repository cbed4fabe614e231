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
        b.HasIndex(r => r.ReferredId).IsUnique();
        b.HasIndex(r => new { r.ReferrerId, r.Status });
        b.HasIndex(r => new { r.CampaignId, r.Status });
        b.HasOne<Participant>().WithMany().HasForeignKey(r => r.ReferrerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Participant>().WithMany().HasForeignKey(r => r.ReferredId).OnDelete(DeleteBehavior.Restrict);
    }
}
