using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Links;
using RefTrack.Participants;

namespace RefTrack.Data.Configurations;

internal sealed class ReferralCodeConfiguration : IEntityTypeConfiguration<ReferralCode>
{
    public void Configure(EntityTypeBuilder<ReferralCode> b)
    {
        b.Property(c => c.Code).HasMaxLength(32);
        b.HasIndex(c => c.Code).IsUnique();
        b.HasIndex(c => c.ParticipantId);
        b.HasOne<Participant>().WithMany().HasForeignKey(c => c.ParticipantId).OnDelete(DeleteBehavior.Restrict);
    }
}
