using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Auth;

/// <summary>An active key as authentication needs it.</summary>
internal sealed record ActiveApiKey(Guid Id, byte[] SecretHash, bool IsAdmin, Guid? CampaignId);

/// <summary>
/// Active keys by secret hash, per node, for <c>RefTrack:Auth:KeyCacheSeconds</c>: every API call was one more query
/// (a tenth of a signup's CPU on SQLite, bench/profile sqlite signups). Revoking a key evicts it on the node that
/// revoked it at once; other nodes stop accepting it within the cache time. Unknown keys are not cached, so a key
/// created on another node works at once and guesses cannot fill the cache.
/// </summary>
internal sealed class ApiKeyCache(IMemoryCache cache, IOptions<AuthOptions> options, TimeProvider clock)
{
    /// <summary>Evictions so far: a read that overlapped one may have seen the key before its revocation committed.</summary>
    private readonly CacheEvictions _evictions = new(clock);

    public Task<ActiveApiKey?> FindAsync(AppDbContext db, byte[] hash, CancellationToken ct) =>
        FindAsync(hash, () => db.ApiKeys.AsNoTracking()
            .Where(k => k.SecretHash == hash && k.RevokedAt == null)
            .Select(k => new ActiveApiKey(k.Id, k.SecretHash, k.IsAdmin, k.CampaignId))
            .FirstOrDefaultAsync(ct));

    /// <param name="read">The database's answer: the key if it is active.</param>
    internal async Task<ActiveApiKey?> FindAsync(byte[] hash, Func<Task<ActiveApiKey?>> read)
    {
        var entry = CacheKey(hash);
        if (cache.TryGetValue(entry, out ActiveApiKey? key))
        {
            return key;
        }

        var evictions = _evictions.Take();
        key = await read();
        if (key is not null && options.Value.KeyCacheSeconds > 0)
        {
            // Not kept if a key was revoked while the read ran (CacheEvictions), or this node would accept the key
            // for the whole cache time after the revocation answered; kept for the cache time from the read's start.
            _evictions.TryStore(evictions, TimeSpan.FromSeconds(options.Value.KeyCacheSeconds),
                left => cache.Set(entry, key, left));
        }

        return key;
    }

    public void Evict(byte[] hash)
    {
        _evictions.Evict(() => cache.Remove(CacheKey(hash)));
    }

    private static (Type, string) CacheKey(byte[] hash) => (typeof(ActiveApiKey), Convert.ToBase64String(hash));
}
