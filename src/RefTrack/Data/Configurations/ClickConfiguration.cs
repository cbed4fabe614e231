using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Links;

namespace RefTrack.Data.Configurations;

internal sealed class ClickConfiguration : IEntityTypeConfiguration<Click>
{
    public void Configure(EntityTypeBuilder<Click> b)
    {
        // The click id is minted by the redirect before the row is written (the writer batches).
        b.Property(c => c.Id).ValueGeneratedNever();
        b.Property(c => c.IpHash).HasMaxLength(64);
        b.Property(c => c.UserAgent).HasMaxLength(512);
        b.Property(c => c.DeviceId).HasMaxLength(64);
        // Attribution follows a device's clicks within a campaign; reports count clicks per referrer.
        b.HasIndex(c => new { c.CampaignId, c.DeviceId, c.OccurredAt });
        b.HasIndex(c => new { c.ParticipantId, c.IsRepeat });
    }
}

internal sealed class ClickVisitorConfiguration : IEntityTypeConfiguration<ClickVisitor>
{
    public void Configure(EntityTypeBuilder<ClickVisitor> b)
    {
        b.HasKey(v => new { v.CampaignId, v.ReferralCodeId, v.VisitorKey });
        b.Property(v => v.VisitorKey).HasMaxLength(64);
    }
}
