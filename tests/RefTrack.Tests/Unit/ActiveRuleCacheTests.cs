using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Rewards;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Unit;

public sealed class ActiveRuleCacheTests
{
    private static readonly Guid Campaign = Guid.NewGuid();
    private static readonly IReadOnlyList<RewardRule> Rules = [new RewardRule { CampaignId = Campaign, Currency = "USD", Amount = 1000 }];
    private static readonly IReadOnlyList<RewardRule> NoRules = [];
    private readonly TestClock _clock = new();
    private readonly ActiveRuleCache _cache;
    private int _reads;

    public ActiveRuleCacheTests() =>
        // The node's memory cache, on the clock the service gives it (AuthServices).
        _cache = new ActiveRuleCache(new MemoryCache(new MemoryCacheOptions { Clock = new ElapsedTimeClock(_clock) }),
            new NoReads(), Options.Create(new RewardOptions { RuleCacheSeconds = 60 }), _clock);

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

    /// <summary>The same overlap, with another request on the node asking between the overlapping read storing its
    /// answer and taking it out again: that request was served the old rules after the change had answered (found by
    /// review). The overlapping read must not store its answer at all.</summary>
    [Fact]
    public async Task No_request_is_served_the_old_rules_after_the_change_answered()
    {
        IReadOnlyList<RewardRule>? servedMeanwhile = null;
        ActiveRuleCache cache = null!; // The request in between asks the cache made below.
        var observing = new StoreObservingCache(new MemoryCache(new MemoryCacheOptions()),
            afterStore: () => servedMeanwhile = cache.GetAsync(Campaign, () => Read(NoRules)).GetAwaiter().GetResult());
        cache = new ActiveRuleCache(observing, new NoReads(), Options.Create(new RewardOptions { RuleCacheSeconds = 60 }),
            TimeProvider.System);

        Assert.Same(Rules, await cache.GetAsync(Campaign, () => Read(Rules, meanwhile: () => cache.Evict(Campaign))));

        Assert.Null(servedMeanwhile); // The overlapping read's answer was never stored, so nobody was served it.
        Assert.Same(NoRules, await cache.GetAsync(Campaign, () => Read(NoRules)));
    }

    /// <summary>Another node's change is not evicted here: a read whose snapshot came before it keeps it for the cache
    /// time, counted from the read's start. Counted from its answer, a slow read stretched that bound (found by
    /// review).</summary>
    [Fact]
    public async Task The_cache_time_counts_from_the_reads_start()
    {
        await _cache.GetAsync(Campaign, () => Read(Rules, meanwhile: () => _clock.Advance(TimeSpan.FromSeconds(40))));
        _clock.Advance(TimeSpan.FromSeconds(21));

        // Expired, 61 s after the read began; and a read longer than the cache time is not kept at all.
        Assert.Same(NoRules, await _cache.GetAsync(Campaign, () => Read(NoRules, meanwhile: () => _clock.Advance(TimeSpan.FromSeconds(61)))));
        Assert.Same(Rules, await _cache.GetAsync(Campaign, () => Read(Rules)));
        Assert.Equal(3, _reads);
    }

    [Fact]
    public async Task A_rule_change_evicts_at_once()
    {
        await _cache.GetAsync(Campaign, () => Read(Rules));
        _cache.Evict(Campaign);

        Assert.Same(NoRules, await _cache.GetAsync(Campaign, () => Read(NoRules)));
        Assert.Equal(2, _reads);
    }

    /// <summary>A memory cache that runs <c>afterStore</c> once, right after the first entry it stores is in.</summary>
    private sealed class StoreObservingCache(IMemoryCache inner, Action afterStore) : IMemoryCache
    {
        private Action? _afterStore = afterStore;

        public ICacheEntry CreateEntry(object key) => new Entry(inner.CreateEntry(key), this);

        public void Remove(object key) => inner.Remove(key);

        public bool TryGetValue(object key, out object? value) => inner.TryGetValue(key, out value);

        public void Dispose() => inner.Dispose();

        private sealed class Entry(ICacheEntry inner, StoreObservingCache cache) : ICacheEntry
        {
            public object Key => inner.Key;

            public object? Value { get => inner.Value; set => inner.Value = value; }

            public DateTimeOffset? AbsoluteExpiration { get => inner.AbsoluteExpiration; set => inner.AbsoluteExpiration = value; }

            public TimeSpan? AbsoluteExpirationRelativeToNow
            {
                get => inner.AbsoluteExpirationRelativeToNow;
                set => inner.AbsoluteExpirationRelativeToNow = value;
            }

            public TimeSpan? SlidingExpiration { get => inner.SlidingExpiration; set => inner.SlidingExpiration = value; }

            public IList<Microsoft.Extensions.Primitives.IChangeToken> ExpirationTokens => inner.ExpirationTokens;

            public IList<PostEvictionCallbackRegistration> PostEvictionCallbacks => inner.PostEvictionCallbacks;

            public CacheItemPriority Priority { get => inner.Priority; set => inner.Priority = value; }

            public long? Size { get => inner.Size; set => inner.Size = value; }

            public void Dispose()
            {
                inner.Dispose(); // The entry is in the cache from here.
                Interlocked.Exchange(ref cache._afterStore, null)?.Invoke();
            }
        }
    }

    /// <summary>The tests hand the cache its reads; the database is never asked.</summary>
    private sealed class NoReads : IHotReads
    {
        public Task<T> RunAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query) => throw new NotSupportedException();

        public Task<T> RunAsync<T>(IServiceScopeFactory scopes, Func<AppDbContext, Task<T>> query) => throw new NotSupportedException();

        public Task<T> RunInSnapshotAsync<T>(AppDbContext db, Func<AppDbContext, Task<T>> query) => throw new NotSupportedException();
    }
}
