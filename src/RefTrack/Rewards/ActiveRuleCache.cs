using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Rewards;

/// <summary>
/// A campaign's active reward rules, per node, for <c>RefTrack:Rewards:RuleCacheSeconds</c>: every attributed signup
/// and every referred purchase needs them, and reading them was 6% of the server's CPU samples in <c>bench/profile
/// sqlite signups</c>. Creating or deactivating a rule evicts the campaign's entry at once on the node that made the
/// change; other nodes apply the change within the cache time.
/// </summary>
/// <remarks>
/// The rules are read before the write's transaction (they are not locked), so a change racing a signup could always
/// go either way for that signup; the cache stretches that window from the request's own time to at most the cache
/// time, a second by default. A read already running when a rule changes on this node is not kept (as
/// <see cref="Auth.ApiKeyCache"/> does), so once the change has answered, this node's next request reads it. The
/// lists are shared between requests and never changed.
/// </remarks>
public sealed class ActiveRuleCache(
    IMemoryCache cache, IHotReads reads, IOptions<RewardOptions> options, TimeProvider clock)
{
    /// <summary>Compiled once per cache, a singleton: see <see cref="Participants.SignupQueries"/> for why not
    /// static.</summary>
    private readonly Func<AppDbContext, Guid, IAsyncEnumerable<RewardRule>> _activeRules =
        EF.CompileAsyncQuery((AppDbContext db, Guid campaignId) =>
            db.RewardRules.AsNoTracking().Where(r => r.CampaignId == campaignId && r.IsActive));

    /// <summary>Evictions so far: a read that overlapped one may have seen the rules before the change committed.</summary>
    private readonly CacheEvictions _evictions = new(clock);

    public Task<IReadOnlyList<RewardRule>> GetAsync(AppDbContext db, Guid campaignId, CancellationToken ct) =>
        GetAsync(campaignId, async () => await reads.RunAsync(db, r => _activeRules(r, campaignId).ToListAsync(ct).AsTask()));

    /// <param name="read">The database's answer: the campaign's active rules.</param>
    internal async Task<IReadOnlyList<RewardRule>> GetAsync(Guid campaignId, Func<Task<IReadOnlyList<RewardRule>>> read)
    {
        var key = CacheKey(campaignId);
        if (cache.TryGetValue(key, out IReadOnlyList<RewardRule>? rules))
        {
            return rules!;
        }

        var evictions = _evictions.Take();
        rules = await read();
        if (options.Value.RuleCacheSeconds > 0)
        {
            // Not kept if a rule changed while the read ran (CacheEvictions), or this node would grant by a
            // deactivated rule (or miss a new one) for the cache time after the change answered; kept for the cache
            // time from the read's start.
            _evictions.TryStore(evictions, TimeSpan.FromSeconds(options.Value.RuleCacheSeconds),
                left => cache.Set(key, rules, left));
        }

        return rules;
    }

    /// <summary>Called after a rule of the campaign changes on this node, once it has committed.</summary>
    public void Evict(Guid campaignId) => _evictions.Evict(() => cache.Remove(CacheKey(campaignId)));

    private static (Type, Guid) CacheKey(Guid campaignId) => (typeof(RewardRule), campaignId);
}
