namespace RefTrack.Infrastructure;

public static class IdempotentEndpoints
{
    /// <summary>
    /// Runs the endpoint under <see cref="IdempotencyFilter"/>, and says so in the OpenAPI document: the optional
    /// header, the filter's own answers (409 idempotency-key-in-progress, 422 idempotency-key-reused) and its response
    /// headers (Idempotent-Replayed, Retry-After). Marked with <see cref="IdempotentEndpoint"/>.
    /// </summary>
    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder endpoint) => endpoint
        .AddEndpointFilter<IdempotencyFilter>()
        .WithMetadata(IdempotentEndpoint.Instance)
        .AddOpenApiOperationTransformer(IdempotencyKeyHeader.AddAsync)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .AddOpenApiOperationTransformer(IdempotencyResponseHeaders.AddAsync);
}

/// <summary>Metadata of an endpoint run under <see cref="IdempotencyFilter"/>: endpoint filters do not show in an
/// endpoint's metadata, and a test checks every such endpoint's longest scope
/// (<see cref="IdempotencyScope.LongestFor"/>).</summary>
internal sealed class IdempotentEndpoint
{
    public static readonly IdempotentEndpoint Instance = new();

    private IdempotentEndpoint()
    {
    }
}
