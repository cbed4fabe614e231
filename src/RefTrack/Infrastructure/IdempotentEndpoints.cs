namespace RefTrack.Infrastructure;

public static class IdempotentEndpoints
{
    /// <summary>
    /// Runs the endpoint under <see cref="IdempotencyFilter"/>, and says so in the OpenAPI document: the optional
    /// header, the filter's own answers (409 idempotency-key-in-progress, 422 idempotency-key-reused) and its response
    /// headers (Idempotent-Replayed, Retry-After).
    /// </summary>
    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder endpoint) => endpoint
        .AddEndpointFilter<IdempotencyFilter>()
        .AddOpenApiOperationTransformer(IdempotencyKeyHeader.AddAsync)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .AddOpenApiOperationTransformer(IdempotencyResponseHeaders.AddAsync);
}
