using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>What the redirect needs to know about a code.</summary>
public sealed record ResolvedCode(
    Guid CodeId, string Code, Guid CampaignId, Guid ParticipantId, string DestinationUrl, bool IsDisabled,
    int AttributionWindowDays)
{
    private const string ClickPlaceholder = "RTCLICKPLACEHOLDER";

    /// <summary>The campaign's destination with <c>ref</c> and <c>rt_click</c> added, cut where the click id goes
    /// (built once per cached code, not per redirect).</summary>
    private (string Before, string After) Location { get; } = SplitLocation(DestinationUrl, Code);

    public string LocationFor(string clickId) => string.Concat(Location.Before, clickId, Location.After);

    private static (string, string) SplitLocation(string destination, string code)
    {
        var url = QueryHelpers.AddQueryString(destination, new Dictionary<string, string?>
        {
            [RedirectApi.CodeParameter] = code,
            [RedirectApi.ClickParameter] = ClickPlaceholder,
        });
        var at = url.LastIndexOf(ClickPlaceholder, StringComparison.Ordinal);
        return (url[..at], url[(at + ClickPlaceholder.Length)..]);
    }
}

/// <summary>
/// Code lookups for the redirect path, cached per node for <see cref="LinkOptions.CodeCacheSeconds"/>. Unknown codes
/// are cached too (briefly), so guessing does not turn into database load.
/// </summary>
public sealed class CodeResolver(IMemoryCache cache, IServiceScopeFactory scopes, IOptions<LinkOptions> options)
{
    private static readonly TimeSpan MissTtl = TimeSpan.FromSeconds(5);

    public async ValueTask<ResolvedCode?> ResolveAsync(string code, CancellationToken ct)
    {
        var key = CacheKey(ReferralCode.Normalize(code));
        if (cache.TryGetValue(key, out ResolvedCode? hit))
        {
            return hit;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var normalized = ReferralCode.Normalize(code);
        var resolved = await db.ReferralCodes.AsNoTracking()
            .Where(c => c.Code == normalized)
            .Join(db.Campaigns, c => c.CampaignId, k => k.Id, (c, k) => new ResolvedCode(
                c.Id, c.Code, c.CampaignId, c.ParticipantId, k.DestinationUrl, c.IsDisabled, k.AttributionWindowDays))
            .FirstOrDefaultAsync(ct);

        var ttl = resolved is null ? MissTtl : TimeSpan.FromSeconds(options.Value.CodeCacheSeconds);
        if (ttl > TimeSpan.Zero)
        {
            cache.Set(key, resolved, ttl);
        }

        return resolved;
    }

    /// <summary>Called after a code changes on this node, so this node never serves a stale answer.</summary>
    public void Forget(string code) => cache.Remove(CacheKey(ReferralCode.Normalize(code)));

    private static string CacheKey(string normalizedCode) => "code:" + normalizedCode;
}
