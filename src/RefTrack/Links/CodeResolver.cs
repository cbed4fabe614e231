using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>
/// What the redirect needs to know about a code. Kept small: a node caches one per code clicked in the last
/// <see cref="LinkOptions.CodeCacheSeconds"/>, which under a wide campaign is tens of thousands; the campaign's part
/// is one shared <see cref="CampaignTarget"/>.
/// </summary>
public sealed record ResolvedCode(Guid CodeId, string Code, Guid ParticipantId, bool IsDisabled, CampaignTarget Target)
{
    public Guid CampaignId => Target.CampaignId;

    public int AttributionWindowDays => Target.AttributionWindowDays;

    public string LocationFor(string clickId) => Target.LocationFor(Code, clickId);
}

/// <summary>
/// Code lookups for the redirect path, cached per node for <see cref="LinkOptions.CodeCacheSeconds"/>. Unknown codes
/// are cached too (briefly), so guessing does not turn into database load.
/// </summary>
/// <remarks>
/// The cache is this resolver's own, keyed by the normalized code itself: no key string is built per redirect, and
/// the key is the same string the entry's <see cref="ResolvedCode.Code"/> holds.
/// </remarks>
public sealed class CodeResolver(
    IServiceScopeFactory scopes, IHotReads reads, IOptions<LinkOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan MissTtl = TimeSpan.FromSeconds(5);

    /// <summary>Compiled once per resolver (a compiled query is bound to the first model it runs with, and tests run
    /// SQLite and PostgreSQL apps in one process): a miss skips EF Core's per-query expression work.</summary>
    private readonly Func<AppDbContext, string, CancellationToken, Task<CodeRow?>> _lookup =
        EF.CompileAsyncQuery((AppDbContext db, string code, CancellationToken _) => db.ReferralCodes.AsNoTracking()
            .Where(c => c.Code == code)
            .Join(db.Campaigns, c => c.CampaignId, k => k.Id, (c, k) => new CodeRow(
                c.Id, c.CampaignId, c.ParticipantId, c.IsDisabled, k.DestinationUrl, k.AttributionWindowDays))
            .FirstOrDefault());

    private readonly ExpiringCache<ResolvedCode?> _codes = new(clock, sweepInterval: MissTtl);

    /// <summary>One target per campaign seen by this node.</summary>
    private readonly ConcurrentDictionary<Guid, CampaignTarget> _targets = new();

    public async ValueTask<ResolvedCode?> ResolveAsync(string code, CancellationToken ct)
    {
        var normalized = ReferralCode.Normalize(code);
        if (_codes.TryGetValue(normalized, out ResolvedCode? hit))
        {
            return hit;
        }

        var row = await reads.RunAsync(scopes, db => _lookup(db, normalized, ct));

        // The stored code equals the normalized one (codes are stored normalized), so the key string serves as both.
        var resolved = row is null ? null : new ResolvedCode(row.Id, normalized, row.ParticipantId, row.IsDisabled,
            TargetFor(row.CampaignId, row.DestinationUrl, row.AttributionWindowDays));
        var ttl = resolved is null ? MissTtl : TimeSpan.FromSeconds(options.Value.CodeCacheSeconds);
        if (ttl > TimeSpan.Zero)
        {
            _codes.Set(normalized, resolved, ttl);
        }

        return resolved;
    }

    /// <summary>Called after a code changes on this node, so this node never serves a stale answer.</summary>
    public void Forget(string code) => _codes.Remove(ReferralCode.Normalize(code));

    /// <summary>Campaigns cannot change after creation (the API only creates them), so the first target built for one
    /// stays right.</summary>
    private CampaignTarget TargetFor(Guid campaignId, string destinationUrl, int attributionWindowDays) =>
        _targets.TryGetValue(campaignId, out var known)
            ? known
            : _targets.GetOrAdd(campaignId, new CampaignTarget(campaignId, destinationUrl, attributionWindowDays));

    private sealed record CodeRow(
        Guid Id, Guid CampaignId, Guid ParticipantId, bool IsDisabled, string DestinationUrl, int AttributionWindowDays);
}
