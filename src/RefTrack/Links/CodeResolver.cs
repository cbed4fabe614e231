using System.Collections.Concurrent;
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

    /// <summary>The code as the <c>ref</c> value: the API's codes ([A-Z0-9_-]) as they are, a code written by hand with
    /// other characters escaped. Unescaped, "A&amp;B" split the query and "A#B" pushed <c>rt_click</c> into the
    /// fragment, and a letter beyond ASCII made Kestrel refuse the header: a 500 for a click already queued (found by
    /// review). Once per lookup, not per redirect.</summary>
    private string InQuery { get; } = Uri.EscapeDataString(Code);

    public string LocationFor(string clickId) => Target.LocationFor(InQuery, clickId);

    public string LocationWithoutClick() => Target.LocationWithoutClick(InQuery);
}

/// <summary>
/// Code lookups for the redirect path, cached per node for <see cref="LinkOptions.CodeCacheSeconds"/>. Unknown codes
/// are cached too (briefly), so the same unknown code clicked again costs no read; but every code not yet seen does,
/// and guessing is all new codes: the redirect spares the database an address that <see cref="UnknownCodeLimiter"/>
/// has already refused.
/// </summary>
/// <remarks>
/// The cache is this resolver's own, keyed by the normalized code itself: no key string is built per redirect, and
/// the key is the same string the entry's <see cref="ResolvedCode.Code"/> holds.
/// </remarks>
public sealed class CodeResolver(
    IServiceScopeFactory scopes, IHotReads reads, IOptions<LinkOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan MissTtl = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A miss's read: the code's row and its campaign's, as raw SQL (<see cref="RawSqlRows"/>), which on SQLite runs on
    /// the hot-read context's compiled statement and on PostgreSQL skips EF Core's query pipeline. As a compiled LINQ
    /// query it cost a many-links run 4.6% of its CPU samples, half of them EF Core's own work (a delegate built per
    /// execution among it), not the database's (docs/benchmarks-log.md).
    /// </summary>
    private const string LookupSql = """
        SELECT c."Id", c."CampaignId", c."ParticipantId", c."IsDisabled", k."DestinationUrl", k."AttributionWindowDays"
        FROM "ReferralCodes" AS c
        INNER JOIN "Campaigns" AS k ON c."CampaignId" = k."Id"
        WHERE c."Code" = {0}
        LIMIT 1
        """;

    private readonly ExpiringCache<ResolvedCode?> _codes = new(clock, sweepInterval: MissTtl);

    /// <summary>Codes forgotten so far: a read that overlapped one may have seen the code before its change.</summary>
    private readonly CacheEvictions _forgets = new(clock);

    /// <summary>One target per campaign seen by this node.</summary>
    private readonly ConcurrentDictionary<Guid, CampaignTarget> _targets = new();

    /// <summary>
    /// The cached answer for a code (<see cref="ReferralCode.Normalize"/>d), without touching the database: true with
    /// the code, or with null for a code recently found unknown; false when this node has not looked it up lately.
    /// </summary>
    public bool TryGetCached(string normalized, out ResolvedCode? resolved) =>
        _codes.TryGetValue(normalized, out resolved);

    /// <summary>The code and its campaign from the database, the answer (found or not) cached. Call after
    /// <see cref="TryGetCached"/> missed: the redirect decides in between whether the lookup is worth a read.</summary>
    public async ValueTask<ResolvedCode?> LookupAsync(string normalized, CancellationToken ct)
    {
        var forgets = _forgets.Take();
        var row = await reads.RunAsync(scopes, db => LookupAsync(db, normalized, ct));

        // The stored code equals the normalized one (codes are stored normalized), so the key string serves as both.
        var resolved = row is null ? null : new ResolvedCode(row.Id, normalized, row.ParticipantId, row.IsDisabled,
            TargetFor(row.CampaignId, row.DestinationUrl, row.AttributionWindowDays));
        var ttl = resolved is null ? MissTtl : TimeSpan.FromSeconds(options.Value.CodeCacheSeconds);
        if (ttl > TimeSpan.Zero)
        {
            // Not kept if a code changed while the read ran (CacheEvictions): the change holds at once on this node.
            // Kept for the cache time from the read's start, so a slow read does not stretch the bounds
            // docs/operations.md gives (found by review).
            _forgets.TryStore(forgets, ttl, left => _codes.Set(normalized, resolved, left));
        }

        return resolved;
    }

    private static async Task<CodeRow?> LookupAsync(AppDbContext db, string code, CancellationToken ct)
    {
        var rows = await RawSqlRows.QueryAsync(db, LookupSql, [code], r => new CodeRow(
            r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetBoolean(3), r.GetString(4), r.GetInt32(5)), ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Called after a code changes on this node, so this node never serves a stale answer.</summary>
    public void Forget(string code)
    {
        _forgets.Evict(() => _codes.Remove(ReferralCode.Normalize(code)));
    }

    /// <summary>The campaign's target, shared by its codes while the row reads the same. The API never changes a
    /// campaign, but operations.md has operators mend rows by hand: a destination corrected in SQL was kept by every
    /// node until it restarted (found by review). A changed row makes a new target, which each code takes when it is
    /// looked up again, within the code cache's time.</summary>
    private CampaignTarget TargetFor(Guid campaignId, string destinationUrl, int attributionWindowDays)
    {
        if (_targets.TryGetValue(campaignId, out var known) && known.IsFor(destinationUrl, attributionWindowDays))
        {
            return known;
        }

        var target = new CampaignTarget(campaignId, destinationUrl, attributionWindowDays);
        _targets[campaignId] = target;
        return target;
    }

    private sealed record CodeRow(
        Guid Id, Guid CampaignId, Guid ParticipantId, bool IsDisabled, string DestinationUrl, int AttributionWindowDays);
}
