using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// The response headers of <see cref="IdempotencyFilter"/> in the OpenAPI document: <c>Idempotent-Replayed</c> on the
/// successful answers a retry can get again, <c>Retry-After</c> on its 409 idempotency-key-in-progress.
/// </summary>
internal static class IdempotencyResponseHeaders
{
    public static Task AddAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        // Only 2xx answers are stored, and a replay gives the stored status.
        var successes = operation.Responses?.Keys.Where(k => k.StartsWith('2')).ToList() ?? [];
        foreach (var status in successes)
        {
            ResponseHeaders.Add(operation, int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
                IdempotencyFilter.ReplayedHeader,
                "true when this is the stored answer to an earlier request with the same Idempotency-Key and body, " +
                "given again: nothing was done this time. Absent on the answer of a request that ran.",
                new OpenApiSchema { Type = JsonSchemaType.Boolean });
        }

        ResponseHeaders.RetryAfter(operation, StatusCodes.Status409Conflict,
            "With idempotency-key-in-progress only: whole seconds to wait before retrying to get the first request's answer.");
        return Task.CompletedTask;
    }
}
