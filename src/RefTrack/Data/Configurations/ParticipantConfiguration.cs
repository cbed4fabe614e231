using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Campaigns;
using RefTrack.Participants;

namespace RefTrack.Data.Configurations;

internal sealed class ParticipantConfiguration : IEntityTypeConfiguration<Participant>
{
    public void Configure(EntityTypeBuilder<Participant> b)
    {
        b.Property(p => p.ExternalId).HasMaxLength(200);
        b.Property(p => p.Email).HasMaxLength(320);
        b.Property(p => p.NormalizedEmail).HasMaxLength(EmailNormalizer.MaxLength);
        b.Property(p => p.Name).HasMaxLength(200);
        b.Property(p => p.AttributionReason).HasMaxLength(64);
        // Defaults let rows imported with plain SQL omit the counters (then rebuild-rollups fills them in).
        b.Property(p => p.QualifiedReferrals).HasDefaultValue(0);
        b.Property(p => p.ConvertedReferrals).HasDefaultValue(0);
        b.HasIndex(p => new { p.CampaignId, p.ExternalId }).IsUnique();
        // No index on NormalizedEmail: attribution compares the referrer's email, read with its code or click, and no
        // query looks participants up by email; an index would be one more entry to write per signup and per
        // increment of the referrer's count (PostgreSQL's increments are not heap-only: the leaderboard index holds it).
        // The leaderboard: top referrers of a campaign straight off the index.
        b.HasIndex(p => new { p.CampaignId, p.QualifiedReferrals, p.Id }).IsDescending(false, true, false);
        // The list of participants pages by id: read off this in order, not sorted out of the whole campaign.
        b.HasIndex(p => new { p.CampaignId, p.Id });
        b.HasOne<Campaign>().WithMany().HasForeignKey(p => p.CampaignId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Participant>().WithMany().HasForeignKey(p => p.ReferredById).OnDelete(DeleteBehavior.Restrict);
    }
}
