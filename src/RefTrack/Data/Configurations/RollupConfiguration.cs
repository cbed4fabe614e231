using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Reports;

namespace RefTrack.Data.Configurations;

internal sealed class CampaignDailyStatsConfiguration : IEntityTypeConfiguration<CampaignDailyStats>
{
    public void Configure(EntityTypeBuilder<CampaignDailyStats> b) => b.HasKey(s => new { s.CampaignId, s.Day, s.Slot });
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
