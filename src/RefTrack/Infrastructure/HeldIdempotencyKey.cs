using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>
/// The <c>Idempotency-Key</c> claim this request holds, if any (<see cref="IdempotencyFilter"/> sets it once claimed).
/// </summary>
/// <remarks>
/// <see cref="IdempotencyFilter"/> stores a request's answer after the request's own transaction has committed. For a
/// registration or a conversion that is enough: whatever happens between the two, a second run is a replay by the
/// operation's external id. A campaign has no id of the client's own, and two gaps made a second one (found by
/// review): a request still running a minute after its claim (on SQLite, its write waiting behind a rollup rebuild) was
/// overtaken by a retry that took the claim over as stale, and both ran; and a commit whose answer was lost (a
/// connection cut as it committed) freed the key, so the retry the docs recommend ran again. Such a handler stores
/// its answer with <see cref="StoreAnswerAsync{T}"/> in its own transaction, before its writes: only while the claim is
/// still this request's, and together with the writes or not at all.
/// </remarks>
public sealed class HeldIdempotencyKey(IOptions<JsonOptions> json)
{
    private string? _scope;
    private DateTime _claimedAt;

    /// <summary>Whether the handler stored its answer (<see cref="StoreAnswerAsync{T}"/>): the filter then stores
    /// nothing. Read once the handler has returned, which it does after its transaction committed; a handler that
    /// throws instead (its transaction rolled back, the answer with it) has the key released, whatever this says.</summary>
    internal bool AnswerStored { get; private set; }

    internal void Hold(string scope, DateTime claimedAt)
    {
        _scope = scope;
        _claimedAt = claimedAt;
    }

    /// <summary>
    /// Stores <paramref name="value"/> as the key's answer, in the write transaction open on <paramref name="db"/>;
    /// true when no key is held. False when the claim is no longer this request's (a retry took it over as stale and
    /// runs now, or has answered): the handler must then write nothing and answer <see cref="TakenOver"/>.
    /// On PostgreSQL the record's row stays locked until the commit, so a retry's takeover waits for it and then finds
    /// the answer.
    /// </summary>
    public async Task<bool> StoreAnswerAsync<T>(
        AppDbContext db, int statusCode, T value, string? location, CancellationToken ct)
    {
        if (_scope is not { } scope)
        {
            return true;
        }

        var claimedAt = _claimedAt;
        var body = JsonSerializer.Serialize(value, json.Value.SerializerOptions);
        var stored = await db.IdempotencyRecords
            .Where(r => r.Scope == scope && r.StatusCode == IdempotencyRecord.InProgress && r.CreatedAt == claimedAt)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.StatusCode, statusCode)
                .SetProperty(r => r.ResponseBody, body)
                .SetProperty(r => r.Location, location), ct);
        AnswerStored = stored == 1;
        return AnswerStored;
    }

    /// <summary>The answer when <see cref="StoreAnswerAsync{T}"/> found the claim taken over: another request with the
    /// key runs, as a request that finds the key held is told.</summary>
    public static ProblemHttpResult TakenOver(HttpResponse response) => IdempotencyFilter.InProgress(response);
}
