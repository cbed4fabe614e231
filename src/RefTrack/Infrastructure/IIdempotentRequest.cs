namespace RefTrack.Infrastructure;

/// <summary>Marks a request body that <see cref="IdempotencyFilter"/> hashes to tell a replay from a new request.</summary>
public interface IIdempotentRequest;
