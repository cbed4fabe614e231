namespace RefTrack.Infrastructure;

/// <summary>Marks a request body that <see cref="IdempotencyFilter"/> hashes to tell a replay from a new request.</summary>
public interface IIdempotentRequest
{
    /// <summary>The body as hashed: what it says, independent of the node that bound it (its time zone). By default
    /// the body itself.</summary>
    IIdempotentRequest Canonical() => this;
}
