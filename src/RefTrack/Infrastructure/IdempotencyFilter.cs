using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace RefTrack.Infrastructure;

/// <summary>
/// <c>Idempotency-Key</c>: a request claims its key before it runs (<see cref="IdempotencyClaims"/>), so of requests
/// overlapping with one key, on any node, exactly one runs. Its first successful (2xx) answer is stored; a retry with
/// the same key and the same body gets that answer again (with <c>Idempotent-Replayed: true</c>), or 409
/// <c>idempotency-key-in-progress</c> while the first still runs; the same key with a different body gets 422. Any
/// other answer frees the key for a retry. Keys are scoped to the API key, the endpoint and its route values (the
/// campaign), however the URL writes them: <see cref="IdempotencyScope"/>.
/// </summary>
internal sealed partial class IdempotencyFilter(
    IdempotencyClaims claims, HeldIdempotencyKey held, IOptions<JsonOptions> json, ILogger<IdempotencyFilter> logger)
    : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    /// <summary>Set to <c>true</c> on a stored answer given again.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxKeyLength = 200;

    /// <summary>Seconds a client waits before retrying a key in progress: requests here take milliseconds.</summary>
    private const string RetryAfterSeconds = "1";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var keys = http.Request.Headers[Header];
        if (keys.Count > 1)
        {
            // Read as one value, two header lines were joined with a comma: a key the client never sent, so its retry
            // (with either line, or the lines in another order) would run the request again.
            return Problems.Validation(Header, "Send one Idempotency-Key.");
        }

        string? key = keys;
        if (string.IsNullOrEmpty(key))
        {
            return await next(context);
        }

        if (key.Length > MaxKeyLength)
        {
            return Problems.Validation(Header, $"At most {MaxKeyLength} characters.");
        }

        // The key is stored and looked up as text, and PostgreSQL refuses NUL in text: a 400 here, not a 500 there.
        if (Validator.HasControlCharacters(key))
        {
            return Problems.Validation(Header, "Must not contain control characters (U+0000–U+001F, U+007F–U+009F).");
        }

        var request = context.Arguments.OfType<IIdempotentRequest>().FirstOrDefault();
        var hash = Hash(request?.Canonical());
        var scope = IdempotencyScope.For(http, key);

        var claim = await claims.ClaimAsync(scope, hash, http.RequestAborted);
        if (claim.ClaimedAt is not { } claimedAt)
        {
            // A key claimed by a version that hashed bodies as bound (before cc3574f, or an old node in a rolling
            // upgrade) matches its retry sent byte for byte the same, too.
            var same = claim.Holder is { } holder && (holder.RequestHash == hash || holder.RequestHash == Hash(request));
            return Refuse(http, claim.Holder, same);
        }

        held.Hold(scope, claimedAt);
        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await TryReleaseAsync(scope, claimedAt); // Never in place of the request's own failure.
            throw;
        }

        if (held.AnswerStored)
        {
            return result; // Stored by the handler, committed with its writes (HeldIdempotencyKey).
        }

        // Handlers return Results<…> unions; the answer to store is the result inside.
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } status and IValueHttpResult value)
        {
            // Created<T> carries its Location as a property; it is only written to the response later.
            var location = inner.GetType().GetProperty("Location")?.GetValue(inner) as string;
            var stored = JsonSerializer.Serialize(value.Value, value.Value?.GetType() ?? typeof(object), json.Value.SerializerOptions);
            try
            {
                await claims.CompleteAsync(scope, hash, status.StatusCode!.Value, stored, location);
            }
            catch (Exception e)
            {
                // The request's own writes are committed: answer them, not a 500 for work that was done. A retry with
                // the key runs the request again once the claim is released (or stale): a registration or a
                // conversion is exactly once by its external id anyway (a campaign stores its answer itself and
                // never comes here: HeldIdempotencyKey).
                LogNotStored(e, key);
                await TryReleaseAsync(scope, claimedAt);
            }
        }
        else
        {
            await TryReleaseAsync(scope, claimedAt);
        }

        return result;
    }

    /// <summary>
    /// Frees the key for a retry. A release that fails (the database still down, typically) is logged and left: the
    /// claim then holds the key until it is stale (<see cref="IdempotencyClaims"/>, a minute), and the request's own
    /// answer or failure is what its client gets.
    /// </summary>
    private async Task TryReleaseAsync(string scope, DateTime claimedAt)
    {
        try
        {
            await claims.ReleaseAsync(scope, claimedAt);
        }
        catch (Exception e)
        {
            LogNotReleased(e);
        }
    }

    [LoggerMessage(LogLevel.Warning, "The answer to a request with Idempotency-Key {Key} was not stored; a retry with the key runs it again")]
    private partial void LogNotStored(Exception e, string key);

    [LoggerMessage(LogLevel.Warning, "An Idempotency-Key was not released; it is held until its claim is stale")]
    private partial void LogNotReleased(Exception e);

    /// <summary>The answer to a request whose key another request holds.</summary>
    private string Hash(IIdempotentRequest? body) => Convert.ToHexStringLower(SHA256.HashData(
        JsonSerializer.SerializeToUtf8Bytes(body, body?.GetType() ?? typeof(object), json.Value.SerializerOptions)));

    /// <param name="sameBody">Whether the holder's body is this request's.</param>
    private static IResult Refuse(HttpContext http, IdempotencyRecord? holder, bool sameBody)
    {
        if (holder is not null && !sameBody)
        {
            return Problems.Unprocessable("idempotency-key-reused",
                "This Idempotency-Key was used with a different request body.",
                "Use a new key for a new request.");
        }

        if (holder is not null && holder.StatusCode != IdempotencyRecord.InProgress)
        {
            return Replay(http, holder);
        }

        return InProgress(http.Response);
    }

    /// <summary>409: another request with the key runs.</summary>
    internal static ProblemHttpResult InProgress(HttpResponse response)
    {
        response.Headers.RetryAfter = RetryAfterSeconds;
        return Problems.Conflict("idempotency-key-in-progress",
            "A request with this Idempotency-Key is still being processed.",
            "Retry after the time in Retry-After to get its answer.");
    }

    private static IResult Replay(HttpContext http, IdempotencyRecord stored)
    {
        http.Response.Headers[ReplayedHeader] = "true";
        if (stored.Location is not null)
        {
            http.Response.Headers.Location = stored.Location;
        }

        return Results.Content(stored.ResponseBody, "application/json", Encoding.UTF8, stored.StatusCode);
    }
}
