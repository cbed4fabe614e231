using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>What <see cref="IdempotencyClaims.ClaimAsync"/> found: the key is this request's now (<see cref="ClaimedAt"/>
/// set), or it belongs to another request, whose record is <see cref="Holder"/>.</summary>
internal readonly record struct IdempotencyClaim(DateTime? ClaimedAt, IdempotencyRecord? Holder);

/// <summary>
/// The database side of <c>Idempotency-Key</c>. A request claims its key before it runs by inserting its record in
/// progress (<see cref="IdempotencyRecord.InProgress"/>); the unique <c>Scope</c> index lets exactly one concurrent
/// request, on any node, have it. The holder then completes the record with its answer, or releases it.
/// Every write is a unit of <see cref="ITransactionRunner"/>: on SQLite it queues for the one writer (and shares
/// its commit) rather than racing the group commit for the file's lock; on PostgreSQL it is its own transaction.
/// A record claimed longer ago than <see cref="IdempotencyOptions.Retention"/> is forgotten: a request with its key is
/// new, and <see cref="IdempotencySweep"/> deletes such records.
/// </summary>
internal sealed class IdempotencyClaims(
    AppDbContext db, ITransactionRunner writes, TimeProvider clock, IOptions<IdempotencyOptions> options)
{
    /// <summary>
    /// How long a claim keeps its key from a retry. A process that dies mid-request leaves its claim behind; after
    /// this a retry with the same body takes it over. A minute is far beyond any live request here (the database
    /// commands time out after 30 s) and far beyond clock skew between nodes, yet short enough for a client's retry
    /// schedule. A live request that still gets overtaken is harmless: the retry has the same body, and the operation's
    /// own unique index (participant or conversion externalId) turns the second run into a replay; a campaign, which
    /// has none, stores its answer in its own transaction (<see cref="HeldIdempotencyKey"/>), so the overtaken request
    /// writes nothing.
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    /// <summary>Rounds of claiming a key that other requests keep releasing or taking over before it is answered as
    /// in progress.</summary>
    private const int Attempts = 3;

    private const string InsertSql = """
        INSERT INTO "IdempotencyRecords" ("Id", "Scope", "RequestHash", "StatusCode", "ResponseBody", "CreatedAt")
        VALUES ({0}, {1}, {2}, {3}, {4}, {5}) ON CONFLICT ("Scope") DO NOTHING
        """;

    /// <summary>Claims the key for this request, or finds who holds it. Not cancelled with the request: a claim
    /// committed just as the client goes away must still reach the code that releases it.</summary>
    public async Task<IdempotencyClaim> ClaimAsync(string scope, string hash, CancellationToken ct)
    {
        IdempotencyRecord? held = null;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var now = Now();
            object[] row = [UuidV7.New(), scope, hash, IdempotencyRecord.InProgress, "", now];
            if (await writes.RunAsync((w, c) => RawSqlRows.ExecuteAsync(w, InsertSql, row, c), CancellationToken.None) == 1)
            {
                return new IdempotencyClaim(now, null);
            }

            // The conflicting record is committed: PostgreSQL's ON CONFLICT waits for the inserting transaction, and
            // SQLite's group commit answers after its batch's commit.
            held = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == scope, ct);
            if (held is null)
            {
                continue; // Released in between: claim again.
            }

            // Past the retention the key is forgotten, whatever its record holds (an answer, another body, a claim a
            // dead process left) and whether or not a sweep has deleted it yet: this request is new. Taken over in one
            // conditional UPDATE, as a stale claim is, so that of several such requests exactly one runs.
            var expiredBefore = now - options.Value.Retention;
            if (held.CreatedAt < expiredBefore)
            {
                var renewed = await writes.RunAsync((w, c) => w.IdempotencyRecords
                    .Where(r => r.Scope == scope && r.CreatedAt < expiredBefore)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(r => r.RequestHash, hash)
                        .SetProperty(r => r.StatusCode, IdempotencyRecord.InProgress)
                        .SetProperty(r => r.ResponseBody, "")
                        .SetProperty(r => r.Location, (string?)null)
                        .SetProperty(r => r.CreatedAt, now), c), CancellationToken.None);
                if (renewed == 1)
                {
                    return new IdempotencyClaim(now, null);
                }

                continue; // Taken over or deleted by another: claim again.
            }

            var staleBefore = now - StaleAfter;
            if (held.RequestHash != hash || held.StatusCode != IdempotencyRecord.InProgress || held.CreatedAt >= staleBefore)
            {
                return new IdempotencyClaim(null, held);
            }

            // Stale: taken over in one conditional UPDATE, so that of several retries exactly one gets it; the others
            // look again and find a fresh claim (or the completed record).
            var taken = await writes.RunAsync((w, c) => w.IdempotencyRecords
                .Where(r => r.Scope == scope && r.RequestHash == hash &&
                            r.StatusCode == IdempotencyRecord.InProgress && r.CreatedAt < staleBefore)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, now), c), CancellationToken.None);
            if (taken == 1)
            {
                return new IdempotencyClaim(now, null);
            }
        }

        return new IdempotencyClaim(null, held); // Claimed and released by others all along: answered as in progress.
    }

    /// <summary>Stores the answer. Only an in-progress record is completed: if a retry took over a claim that had
    /// gone stale, whichever of the two (same body, same operation) finishes first stores its answer.</summary>
    public Task CompleteAsync(string scope, string hash, int statusCode, string body, string? location) =>
        writes.RunAsync((w, c) => w.IdempotencyRecords
            .Where(r => r.Scope == scope && r.RequestHash == hash && r.StatusCode == IdempotencyRecord.InProgress)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.StatusCode, statusCode)
                .SetProperty(r => r.ResponseBody, body)
                .SetProperty(r => r.Location, location), c), CancellationToken.None);

    /// <summary>Frees the key after an answer that is not stored, so that a retry runs. Only this request's own
    /// claim (its claim time): one taken over meanwhile belongs to the request that took it.</summary>
    public Task ReleaseAsync(string scope, DateTime claimedAt) =>
        writes.RunAsync((w, c) => w.IdempotencyRecords
            .Where(r => r.Scope == scope && r.StatusCode == IdempotencyRecord.InProgress && r.CreatedAt == claimedAt)
            .ExecuteDeleteAsync(c), CancellationToken.None);

    /// <summary>Whole milliseconds: the claim time identifies the claim, and must read back equal from every
    /// provider (PostgreSQL keeps microseconds, .NET ticks are 100 ns).</summary>
    private DateTime Now()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
    }
}
