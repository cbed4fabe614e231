using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Rewards;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

public sealed class RewardRuleTermsMigrationTestsSqlite() : RewardRuleTermsMigrationTests(Provider.Sqlite);

public sealed class RewardRuleTermsMigrationTestsPostgres() : RewardRuleTermsMigrationTests(Provider.Postgres);

/// <summary>
/// Migration <c>RewardRuleTerms</c> on rules made before it: each rule's terms are the text the service writes for a
/// new rule (so a rule created again afterwards meets the old one in the unique index), and of active rules that
/// repeat each other the oldest takes them and the others keep paying, outside the index, so the index can be built.
/// </summary>
public abstract class RewardRuleTermsMigrationTests(Provider provider)
{
    [Fact]
    public async Task Existing_rules_get_the_services_terms_and_repeated_active_ones_still_migrate()
    {
        using var database = TestDatabase.Create(provider);
        await using var db = MigrationSteps.Context(provider, database);
        await MigrationSteps.MigrateToBeforeAsync(db, "RewardRuleTerms");

        var campaign = new Campaign { Name = "Spring", DestinationUrl = "https://shop.example", CreatedAt = DateTime.UtcNow };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        var ids = Enumerable.Range(1, 5).Select(i => Guid.Parse($"019a0000-0000-7000-8000-00000000000{i}")).ToArray();
        await Insert(ids[0], "Signup", 500, null, false, null, active: true);
        await Insert(ids[1], "Signup", 500, null, false, null, active: true); // Repeats the first.
        await Insert(ids[2], "Signup", 500, null, false, null, active: false); // Repeats it too, deactivated.
        await Insert(ids[3], "Purchase", null, 2000, true, 10, active: true);
        await Insert(ids[4], "Purchase", null, 2000, true, 10, active: true); // Repeats the fourth.

        await MigrationSteps.MigrateAsync(db);

        var terms = await db.RewardRules.AsNoTracking().OrderBy(r => r.Id).Select(r => r.Terms).ToListAsync();
        var signup = RewardRule.TermsOf(RewardTrigger.Signup, RewardRecipient.Referrer, 500, null, "USD", false, null, null);
        var purchase = RewardRule.TermsOf(RewardTrigger.Purchase, RewardRecipient.Referrer, null, 2000, "USD", true, 10, null);
        Assert.Equal([signup, null, signup, purchase, null], terms);

        // The index holds from here on: the first rule's terms again, active, are refused.
        db.RewardRules.Add(new RewardRule
        {
            CampaignId = campaign.Id, Trigger = RewardTrigger.Signup, Recipient = RewardRecipient.Referrer, Amount = 500,
            Currency = "USD", Terms = signup, CreatedAt = DateTime.UtcNow,
        });
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.True(DbErrors.IsUniqueViolation(refused), refused.ToString());

        Task Insert(Guid id, string trigger, long? amount, int? percent, bool firstPurchaseOnly, int? minReferrals, bool active) =>
            db.Database.ExecuteSqlAsync($"""
                INSERT INTO "RewardRules" ("Id", "CampaignId", "Trigger", "Recipient", "Amount", "PercentBasisPoints",
                    "Currency", "FirstPurchaseOnly", "MinReferrals", "ReferralCount", "IsActive", "CreatedAt")
                VALUES ({id}, {campaign.Id}, {trigger}, 'Referrer', {amount}, {percent}, 'USD', {firstPurchaseOnly},
                    {minReferrals}, NULL, {active}, {DateTime.UtcNow})
                """);
    }
}
