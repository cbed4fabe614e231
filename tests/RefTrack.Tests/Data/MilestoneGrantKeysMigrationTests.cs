using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Participants;
using RefTrack.Referrals;
using RefTrack.Rewards;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

public sealed class MilestoneGrantKeysMigrationTestsSqlite() : MilestoneGrantKeysMigrationTests(Provider.Sqlite);

public sealed class MilestoneGrantKeysMigrationTestsPostgres() : MilestoneGrantKeysMigrationTests(Provider.Postgres);

/// <summary>
/// Migration <c>MilestoneGrantKeys</c> on rewards granted before it: a milestone paid under the per-rule key takes the
/// key the service grants it under now, so that the referrer is not paid it again with their next referral; a
/// referrer paid one milestone twice keeps both rewards; other rewards keep their keys; and it goes back down.
/// </summary>
public abstract class MilestoneGrantKeysMigrationTests(Provider provider)
{
    [Fact]
    public async Task Milestone_rewards_take_the_key_the_service_grants_them_under_now()
    {
        using var database = TestDatabase.Create(provider);
        await using var db = MigrationSteps.Context(provider, database);
        var before = await MigrationSteps.MigrateToBeforeAsync(db, "MilestoneGrantKeys");

        var now = DateTime.UtcNow;
        var campaign = new Campaign { Name = "Spring", DestinationUrl = "https://shop.example", CreatedAt = now };
        var alice = new Participant { CampaignId = campaign.Id, ExternalId = "alice", CreatedAt = now };
        var bob = new Participant { CampaignId = campaign.Id, ExternalId = "bob", CreatedAt = now };
        var friend = new Participant { CampaignId = campaign.Id, ExternalId = "friend", ReferredById = alice.Id, CreatedAt = now };
        var referral = new Referral
        {
            CampaignId = campaign.Id, ReferrerId = alice.Id, ReferredId = friend.Id, Status = ReferralStatus.Qualified,
            Source = ReferralSource.Code, Code = "ALICE", Reason = "code", CreatedAt = now,
        };
        RewardRule Milestone(int count, long amount, string currency = "USD") => new()
        {
            CampaignId = campaign.Id, Trigger = RewardTrigger.Milestone, Recipient = RewardRecipient.Referrer,
            Amount = amount, Currency = currency, ReferralCount = count, CreatedAt = now,
        };
        var five = Milestone(5, 5000);
        var fiveReplaced = Milestone(5, 6000);
        var fiveInEuros = Milestone(5, 4000, "EUR");
        var signup = new RewardRule
        {
            CampaignId = campaign.Id, Trigger = RewardTrigger.Signup, Recipient = RewardRecipient.Referrer, Amount = 500,
            Currency = "USD", CreatedAt = now,
        };
        Reward Paid(RewardRule rule, Participant to, string key) => new()
        {
            CampaignId = campaign.Id, ParticipantId = to.Id, RuleId = rule.Id, ReferralId = referral.Id,
            Amount = rule.Amount!.Value, Currency = rule.Currency, Status = RewardStatus.Pending, GrantKey = key,
            CreatedAt = now, UpdatedAt = now,
        };
        string OldKey(RewardRule rule, Participant to) => $"{rule.Id:N}:{to.Id:N}:milestone";
        var rewards = new[]
        {
            Paid(five, alice, OldKey(five, alice)),
            Paid(fiveReplaced, alice, OldKey(fiveReplaced, alice)), // The fault: paid again under the new rule.
            Paid(fiveInEuros, alice, OldKey(fiveInEuros, alice)),
            Paid(five, bob, OldKey(five, bob)),
            Paid(signup, alice, $"{signup.Id:N}:{referral.Id:N}:signup"),
        };
        db.AddRange(campaign, alice, bob, friend, referral, five, fiveReplaced, fiveInEuros, signup);
        db.AddRange(rewards.Cast<object>());
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        await MigrationSteps.MigrateAsync(db);

        Assert.Equal(
            [
                RewardRules.MilestoneKey(5, "USD", alice.Id),
                OldKey(fiveReplaced, alice),
                RewardRules.MilestoneKey(5, "EUR", alice.Id),
                RewardRules.MilestoneKey(5, "USD", bob.Id),
                rewards[4].GrantKey,
            ],
            await KeysAsync());

        // And what the service grants now meets the migrated key: Alice's next referral pays her no second milestone.
        var next = RewardRules.ForSignup([five, fiveReplaced, fiveInEuros], alice.Id, Guid.NewGuid(), 6);
        var keys = await KeysAsync();
        Assert.Equal(2, next.Count);
        Assert.All(next, g => Assert.Contains(g.GrantKey, keys));

        await MigrationSteps.MigrateAsync(db, before);
        Assert.Equal(rewards.Select(r => r.GrantKey), await KeysAsync());

        async Task<List<string>> KeysAsync()
        {
            var byId = await db.Rewards.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.GrantKey);
            return rewards.Select(r => byId[r.Id]).ToList();
        }
    }
}
