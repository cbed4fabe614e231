using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Links;

namespace RefTrack.Data.Configurations;

internal sealed class CodeChangeConfiguration : IEntityTypeConfiguration<CodeChange>
{
    public void Configure(EntityTypeBuilder<CodeChange> b)
    {
        b.Property(c => c.Code).HasMaxLength(32);
        b.HasIndex(c => c.ChangedAt); // Every node reads the last few seconds of it every second.
    }
}
