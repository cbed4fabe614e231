using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Auth;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>
/// <c>Idempotency-Key</c>: the first successful (2xx) answer for a key is stored; a retry with the same key and the
/// same body gets that answer again (with <c>Idempotent-Replayed: true</c>), the same key with a different body
/// gets 422. Keys are scoped to the API key and the path. Two requests racing with one key both run; the
/// operation's own unique constraints (externalId) keep them exactly-once, and the first stored answer wins.
/// </summary>
internal sealed class IdempotencyFilter(AppDbContext db, TimeProvider clock, IOptions<JsonOptions> json) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? key = http.Request.Headers[Header];
        if (string.IsNullOrEmpty(key))
        {
            return await next(context);
        }

        if (key.Length > 200)
        {
            return Problems.Validation(Header, "At most 200 characters.");
        }

        // The key is stored and looked up as text, and PostgreSQL refuses NUL in text: a 400 here, not a 500 there.
        if (Validator.HasControlCharacters(key))
        {
            return Problems.Validation(Header, "Must not contain control characters (U+0000–U+001F, U+007F–U+009F).");
        }

        var body = context.Arguments.OfType<IIdempotentRequest>().FirstOrDefault();
        var hash = Convert.ToHexStringLower(SHA256.HashData(
            JsonSerializer.SerializeToUtf8Bytes(body, body?.GetType() ?? typeof(object), json.Value.SerializerOptions)));
        var scope = $"{http.User.KeyId():N}|{http.Request.Method} {http.Request.Path}|{key}";

        var stored = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == scope, http.RequestAborted);
        if (stored is not null)
        {
            return stored.RequestHash == hash
                ? Replay(http, stored)
                : Problems.Unprocessable("idempotency-key-reused",
                    "This Idempotency-Key was used with a different request body.",
                    "Use a new key for a new request.");
        }

        var result = await next(context);
        // Handlers return Results<…> unions; the answer to store is the result inside.
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } status and IValueHttpResult value)
        {
            // Created<T> carries its Location as a property; it is only written to the response later.
            var location = inner.GetType().GetProperty("Location")?.GetValue(inner) as string;
            await StoreAsync(scope, hash, status.StatusCode!.Value, value.Value, location, http);
        }

        return result;
    }

    private async Task StoreAsync(
        string scope, string hash, int statusCode, object? value, string? location, HttpContext http)
    {
        db.ChangeTracker.Clear();
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            Scope = scope,
            RequestHash = hash,
            StatusCode = statusCode,
            ResponseBody = JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), json.Value.SerializerOptions),
            Location = location,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        try
        {
            await db.SaveChangesAsync(http.RequestAborted);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear(); // A concurrent request with the same key stored its answer first.
        }
    }

    private static IResult Replay(HttpContext http, IdempotencyRecord stored)
    {
        http.Response.Headers["Idempotent-Replayed"] = "true";
        if (stored.Location is not null)
        {
            http.Response.Headers.Location = stored.Location;
        }

        return Results.Content(stored.ResponseBody, "application/json", Encoding.UTF8, stored.StatusCode);
    }
}
