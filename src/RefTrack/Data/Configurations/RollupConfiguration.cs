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
    public void Configure(EntityTypeBuilder<ParticipantDailyClicks> b)
    {
        // Day before referrer: the click writer only ever changes today's rows, and keyed so they lie side by side,
        // a batch's referrers share pages instead of each dirtying the page of its own past days (docs/benchmarks-log.md).
        b.HasKey(s => new { s.CampaignId, s.Day, s.ParticipantId });
        // The participant report sums a referrer's days. The counts are not in it, so adding to a row already there
        // leaves the index alone: it is written once per referrer and day.
        b.HasIndex(s => new { s.CampaignId, s.ParticipantId });
    }
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
