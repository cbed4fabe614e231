using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RefTrack.Auth;

namespace RefTrack.Tests.Unit;

public sealed class ApiKeyCacheTests
{
    private static readonly byte[] Hash = [1, 2, 3];
    private static readonly ActiveApiKey Key = new(Guid.NewGuid(), Hash, IsAdmin: false, CampaignId: null);
    private readonly ApiKeyCache _cache =
        new(new MemoryCache(new MemoryCacheOptions()), Options.Create(new AuthOptions { KeyCacheSeconds = 60 }));
    private int _reads;

    private Task<ActiveApiKey?> Read(ActiveApiKey? answer, Action? meanwhile = null)
    {
        _reads++;
        meanwhile?.Invoke();
        return Task.FromResult(answer);
    }

    [Fact]
    public async Task An_active_key_is_read_once_then_served_from_the_cache()
    {
        Assert.Same(Key, await _cache.FindAsync(Hash, () => Read(Key)));
        Assert.Same(Key, await _cache.FindAsync(Hash, () => Read(null)));
        Assert.Equal(1, _reads);
    }

    /// <summary>A request's read that began before a revocation committed can still see the key active; the
    /// revocation's eviction came before that read's answer reached the cache. The revoking node must not keep it.</summary>
    [Fact]
    public async Task A_read_overlapping_a_revocation_does_not_leave_the_key_cached()
    {
        Assert.Same(Key, await _cache.FindAsync(Hash, () => Read(Key, meanwhile: () => _cache.Evict(Hash))));

        Assert.Null(await _cache.FindAsync(Hash, () => Read(null)));
        Assert.Equal(2, _reads);
    }

    [Fact]
    public async Task A_revoked_key_is_evicted_at_once()
    {
        await _cache.FindAsync(Hash, () => Read(Key));
        _cache.Evict(Hash);

        Assert.Null(await _cache.FindAsync(Hash, () => Read(null)));
        Assert.Equal(2, _reads);
    }
}
