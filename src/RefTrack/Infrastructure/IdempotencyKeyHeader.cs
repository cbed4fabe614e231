using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// Declares the optional <c>Idempotency-Key</c> request header on an operation. <see cref="IdempotencyFilter"/> reads
/// the header from the request itself, so no handler parameter shows it to the OpenAPI document; without this, a
/// generated client has no way to send it.
/// </summary>
internal static class IdempotencyKeyHeader
{
    public static Task AddAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyFilter.Header,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Makes a retry safe: the first successful answer is stored, and a retry with the same key " +
                          "and body gets it again (Idempotent-Replayed: true). 409 idempotency-key-in-progress while " +
                          "the first request runs; 422 idempotency-key-reused for the same key with another body. " +
                          "Remembered for 24 hours by default (the operator's RefTrack:Idempotency:RetentionHours): after that a " +
                          "request with the key runs as new. " +
                          $"Scoped to the API key, the endpoint and the campaign. At most {IdempotencyFilter.MaxKeyLength} characters, no control characters.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyFilter.MaxKeyLength },
        });
        return Task.CompletedTask;
    }
}
