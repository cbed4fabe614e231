using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Reports;

namespace RefTrack.Data.Configurations;

internal static class RollupConfiguration
{
    /// <summary>The rows <see cref="RollupFolder"/> looks for: a partial index keeps the fold from scanning the
    /// folded rows (every campaign, every day) once a second.</summary>
    public const string DeltaRows = "\"Slot\" >= 16";
}

internal sealed class CampaignDailyStatsConfiguration : IEntityTypeConfiguration<CampaignDailyStats>
{
    public void Configure(EntityTypeBuilder<CampaignDailyStats> b)
    {
        b.HasKey(s => new { s.CampaignId, s.Day, s.Slot });
        b.HasIndex(s => s.Slot).HasFilter(RollupConfiguration.DeltaRows).HasDatabaseName("IX_CampaignDailyStats_Deltas");
    }
}

internal sealed class ParticipantDailyClicksConfiguration : IEntityTypeConfiguration<ParticipantDailyClicks>
{
    public void Configure(EntityTypeBuilder<ParticipantDailyClicks> b) =>
        b.HasKey(s => new { s.CampaignId, s.ParticipantId, s.Day });
}

internal sealed class RewardTotalsConfiguration : IEntityTypeConfiguration<RewardTotals>
{
    public void Configure(EntityTypeBuilder<RewardTotals> b)
    {
        b.HasKey(t => new { t.CampaignId, t.Currency, t.Status, t.Slot });
        b.HasIndex(t => t.Slot).HasFilter(RollupConfiguration.DeltaRows).HasDatabaseName("IX_RewardTotals_Deltas");
        b.Property(t => t.Currency).HasMaxLength(3);
    }
}

internal sealed class ParticipantRewardTotalsConfiguration : IEntityTypeConfiguration<ParticipantRewardTotals>
{
    public void Configure(EntityTypeBuilder<ParticipantRewardTotals> b)
    {
        b.HasKey(t => new { t.CampaignId, t.ParticipantId, t.Currency, t.Status });
        b.Property(t => t.Currency).HasMaxLength(3);
    }
}
