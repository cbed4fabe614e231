using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Conversions;
using RefTrack.Participants;

namespace RefTrack.Data.Configurations;

internal sealed class ConversionConfiguration : IEntityTypeConfiguration<Conversion>
{
    public void Configure(EntityTypeBuilder<Conversion> b)
    {
        b.Property(c => c.ExternalId).HasMaxLength(200);
        b.Property(c => c.Currency).HasMaxLength(3);
        b.Property(c => c.UnattributedReason).HasMaxLength(32);
        // Replays of the company's event never count twice.
        b.HasIndex(c => new { c.CampaignId, c.ExternalId }).IsUnique();
        // The list of conversions, a campaign's or a participant's, pages by id: read off these in order.
        b.HasIndex(c => new { c.CampaignId, c.Id });
        b.HasIndex(c => new { c.ParticipantId, c.Id });
        b.HasOne<Participant>().WithMany().HasForeignKey(c => c.ParticipantId).OnDelete(DeleteBehavior.Restrict);
    }
}
