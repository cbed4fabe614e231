using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// Writes that repeat a stored one: a registration of a user registered already (an integrator may register its users
/// at every login) and a purchase sent again (a webhook retried). Each answers 200 with what is stored and changes
/// nothing. Both write without reading first, so on PostgreSQL the write itself must do nothing rather than fail on
/// the unique index: a failed statement is an ERROR, with the statement, in the server's log, every time.
/// </summary>
public sealed class RepeatedWriteTestsSqlite() : RepeatedWriteTests(Provider.Sqlite);

public sealed class RepeatedWriteTestsPostgres() : RepeatedWriteTests(Provider.Postgres);

public abstract class RepeatedWriteTests(Provider provider)
{
    [Fact]
    public async Task A_returning_user_gets_the_stored_participant_and_nothing_is_counted_again_and_no_statement_fails()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        // Unique to this test: FailedCommands also hears the commands of the tests running beside it.
        var referrerId = $"referrer-{Guid.NewGuid():N}";
        var friendId = $"friend-{Guid.NewGuid():N}";
        var referrer = await client.Register(campaignId, referrerId);
        var friend = await client.Register(campaignId, friendId, referralCode: referrer.Str("referralCode"));

        using var referrerFailures = new FailedCommands(referrerId);
        using var friendFailures = new FailedCommands(friendId);
        var referrerAgain = await client.Register(campaignId, referrerId, expected: HttpStatusCode.OK);
        var friendAgain = await client.Register(campaignId, friendId, referralCode: referrer.Str("referralCode"),
            expected: HttpStatusCode.OK);

        Assert.Equal(referrer.Str("id"), referrerAgain.Str("id"));
        Assert.Equal(referrer.Str("referralCode"), referrerAgain.Str("referralCode"));
        Assert.Equal(friend.Str("id"), friendAgain.Str("id"));
        Assert.Equal(friend.Str("referralCode"), friendAgain.Str("referralCode"));
        Assert.Equal("qualified", friendAgain["referral"]!.Str("status"));
        Assert.Equal(2, (await client.Participants(campaignId)).Count);
        Assert.Equal(["1000 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, referrer.Str("id"))));
        Assert.Equal(["500 USD pending"], FlowHelpers.Describe(await client.Rewards(campaignId, friend.Str("id"))));
        Assert.Equal(1, (await client.ParticipantStats(campaignId, referrerId)).Int("referrals"));
        var stats = await client.CampaignStats(campaignId);
        Assert.Equal(2, stats.Int("participants"));
        Assert.Equal(1, stats.Int("referrals"));
        if (provider == Provider.Postgres)
        {
            // SQLite's registration fails on the index and is undone to its savepoint, on the group commit's own
            // connection, outside EF Core's diagnostics: nothing reaches a log.
            Assert.Empty(referrerFailures.Commands);
            Assert.Empty(friendFailures.Commands);
        }
    }

    [Fact]
    public async Task A_purchase_sent_again_gets_the_stored_one_and_no_statement_fails()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var referrer = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: referrer.Str("referralCode"));
        var orderId = $"order-{Guid.NewGuid():N}";
        var first = await client.Purchase(campaignId, "user-b", 10000, orderId);
        var rewards = FlowHelpers.Describe(await client.Rewards(campaignId));

        using var failures = new FailedCommands(orderId);
        var again = await client.Purchase(campaignId, "user-b", 10000, orderId, expected: HttpStatusCode.OK);

        Assert.Equal(first.Str("id"), again.Str("id"));
        Assert.Single(await client.Conversions(campaignId));
        Assert.Equal(rewards, FlowHelpers.Describe(await client.Rewards(campaignId)));
        Assert.Equal(1, (await client.CampaignStats(campaignId)).Int("conversions"));
        if (provider == Provider.Postgres)
        {
            // SQLite's group commit runs its statements on its own connection, outside EF Core's diagnostics.
            Assert.Empty(failures.Commands);
        }
    }

    /// <summary>Commands EF Core reports failed (its <c>CommandError</c> diagnostic event) with
    /// <paramref name="value"/> among their parameters: tests run in parallel in this process, and their commands are
    /// reported here too.</summary>
    private sealed class FailedCommands : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly string _value;
        private readonly IDisposable _all;
        private readonly ConcurrentBag<IDisposable> _subscriptions = [];

        public FailedCommands(string value)
        {
            _value = value;
            _all = DiagnosticListener.AllListeners.Subscribe(this);
        }

        public ConcurrentBag<string> Commands { get; } = [];

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
            {
                _subscriptions.Add(listener.Subscribe(this, name => name == RelationalEventId.CommandError.Name));
            }
        }

        public void OnNext(KeyValuePair<string, object?> e)
        {
            if (e.Key == RelationalEventId.CommandError.Name && e.Value is CommandErrorEventData data &&
                data.Command.Parameters.Cast<DbParameter>().Any(p => _value.Equals(p.Value)))
            {
                Commands.Add($"{data.Exception.Message}: {data.Command.CommandText}");
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            _all.Dispose();
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }
        }
    }
}
