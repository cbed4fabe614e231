using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Rewards;

namespace RefTrack.Tests.Unit;

public sealed class ActiveRuleCacheTests
{
    private static readonly Guid Campaign = Guid.NewGuid();
    private static readonly IReadOnlyList<RewardRule> Rules = [new RewardRule { CampaignId = Campaign, Currency = "USD", Amount = 1000 }];
    private static readonly IReadOnlyList<RewardRule> NoRules = [];
    private readonly ActiveRuleCache _cache = new(
        new MemoryCache(new MemoryCacheOptions()), new NoReads(), Options.Create(new RewardOptions { RuleCacheSeconds = 60 }));
    private int _reads;

    private Task<IReadOnlyList<RewardRule>> Read(IReadOnlyList<RewardRule> answer, Action? meanwhile = null)
    {
        _reads++;
        meanwhile?.Invoke();
        return Task.FromResult(answer);
    }

    [Fact]
    public async Task The_rules_are_read_once_then_served_from_the_cache()
    {
        Assert.Same(Rules, await _cache.GetAsync(Campaign, () => Read(Rules)));
        Assert.Same(Rules, await _cache.GetAsync(Campaign, () => Read(NoRules)));
        Assert.Equal(1, _reads);
    }

    /// <summary>A request's read that began before a rule's deactivation committed can still see the rule active; the
    /// deactivation's eviction came before that read's answer reached the cache. The node that deactivated it must not
    /// keep granting by it once the deactivation has answered.</summary>
    [Fact]
    public async Task A_read_overlapping_a_rule_change_does_not_leave_the_old_rules_cached()
    {
        Assert.Same(Rules, await _cache.GetAsync(Campaign, () => Read(Rules, meanwhile: () => _cache.Evict(Campaign))));

        Assert.Same(NoRules, await _cache.GetAsync(Campaign, () => Read(NoRules)));
        Assert.Equal(2, _reads);
    }

    [Fact]
    public async Task A_rule_change_evicts_at_once()
    {
        await _cache.GetAsync(Campaign, () => Read(Rules));
        _cache.Evict(Campaign);

        Assert.Same(NoRules, await _cache.GetAsync(Campaign, () => Read(NoRules)));
        Assert.Equal(2, _reads);
    }

    /// <summary>The tests hand the cache its reads; the database is never asked.</summary>
    private sealed class NoReads : IHotReads
    {
        public Task<T> RunAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query) => throw new NotSupportedException();

        public Task<T> RunAsync<T>(IServiceScopeFactory scopes, Func<AppDbContext, Task<T>> query) => throw new NotSupportedException();
    }
}
