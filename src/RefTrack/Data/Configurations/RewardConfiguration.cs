using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RefTrack.Campaigns;
using RefTrack.Participants;
using RefTrack.Rewards;

namespace RefTrack.Data.Configurations;

internal sealed class RewardRuleConfiguration : IEntityTypeConfiguration<RewardRule>
{
    public void Configure(EntityTypeBuilder<RewardRule> b)
    {
        b.Property(r => r.Currency).HasMaxLength(3);
        b.HasIndex(r => new { r.CampaignId, r.Trigger });
        // One active rule per terms: the same rule created twice would pay every grant twice (RewardRule.Terms).
        b.Property(r => r.Terms).HasMaxLength(RewardRule.MaxTermsLength);
        b.HasIndex(r => new { r.CampaignId, r.Terms }).IsUnique().HasFilter("\"IsActive\"");
        b.HasOne<Campaign>().WithMany().HasForeignKey(r => r.CampaignId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RewardConfiguration : IEntityTypeConfiguration<Reward>
{
    public void Configure(EntityTypeBuilder<Reward> b)
    {
        b.Property(r => r.Currency).HasMaxLength(3);
        b.Property(r => r.GrantKey).HasMaxLength(160);
        // Leads with the campaign so the index stays valid when tables are distributed by campaign (Citus).
        b.HasIndex(r => new { r.CampaignId, r.GrantKey }).IsUnique();
        // The list of rewards pages by id, so each of its indexes ends with the id: a page is read off the index in
        // order, not sorted out of every matching row (0.4 s a page on SQLite with the rewards of 200,000 referrals:
        // docs/benchmarks.md, Lists). Without a status, the list merges the four statuses' pages (RewardApi), with no
        // index of its own to write.
        b.HasIndex(r => new { r.CampaignId, r.Status, r.Id });
        b.HasIndex(r => new { r.ParticipantId, r.Status, r.Id });
        // A conversion's rewards (a replay answers with them; GET and list conversions), in id order. Only a purchase's
        // rewards name one, so the rewards of signups and milestones, the rows a signup writes most of, are left out of
        // the index rather than written to it with a null; every query of it names a conversion.
        b.HasIndex(r => new { r.CampaignId, r.ConversionId, r.Id }).HasFilter("\"ConversionId\" IS NOT NULL");
        b.HasOne<Participant>().WithMany().HasForeignKey(r => r.ParticipantId).OnDelete(DeleteBehavior.Restrict);
        // Removed again from PostgreSQL's model (PostgresAppDbContext): there its check locks the rule's row.
        b.HasOne<RewardRule>().WithMany().HasForeignKey(r => r.RuleId).OnDelete(DeleteBehavior.Restrict);
    }
}
