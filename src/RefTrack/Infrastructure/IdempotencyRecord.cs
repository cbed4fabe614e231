namespace RefTrack.Infrastructure;

/// <summary>The stored outcome of a request sent with an <c>Idempotency-Key</c> header.</summary>
public sealed class IdempotencyRecord
{
    public Guid Id { get; init; } = UuidV7.New();

    /// <summary>API key id + route + key: one caller's key never collides with another's.</summary>
    public required string Scope { get; init; }

    public required string RequestHash { get; init; }
    public int StatusCode { get; init; }
    public required string ResponseBody { get; init; }
    public string? Location { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>Small per-installation values, e.g. the key that salts IP hashes (shared by all nodes).</summary>
public sealed class InstanceSetting
{
    public required string Key { get; init; }
    public required string Value { get; init; }
}
