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
        // Attribution follows a device's clicks within a campaign. Device ids are minted time-ordered (UUIDv7), so a
        // new visitor's clicks land at the end of this index, not at a random page of it. Reports read rollups, not
        // this table, so it carries no other index: each one costs every click a B-tree insert.
        b.HasIndex(c => new { c.CampaignId, c.DeviceId, c.OccurredAt });
    }
}

internal sealed class ClickVisitorConfiguration : IEntityTypeConfiguration<ClickVisitor>
{
    public void Configure(EntityTypeBuilder<ClickVisitor> b)
    {
        // Key first, code second: a device key ("d:" + a time-ordered device id) of a new visitor is inserted next to
        // the previous new visitor's, at the end of the index, instead of at a random page picked by the code.
        b.HasKey(v => new { v.CampaignId, v.VisitorKey, v.ReferralCodeId });
        b.Property(v => v.VisitorKey).HasMaxLength(64);
    }
}
