namespace RefTrack.Infrastructure;

/// <summary>The stored outcome of a request sent with an <c>Idempotency-Key</c> header, or, while that request runs,
/// its claim on the key (<see cref="InProgress"/>): see <see cref="IdempotencyClaims"/>.</summary>
public sealed class IdempotencyRecord
{
    /// <summary>The <see cref="StatusCode"/> of a claim whose request has not answered yet (no HTTP status is 0).</summary>
    public const int InProgress = 0;

    public Guid Id { get; init; } = UuidV7.New();

    /// <summary>API key id + route + key: one caller's key never collides with another's.</summary>
    public required string Scope { get; init; }

    public required string RequestHash { get; init; }
    public int StatusCode { get; init; }

    /// <summary>Empty while <see cref="InProgress"/>.</summary>
    public required string ResponseBody { get; init; }

    public string? Location { get; init; }

    /// <summary>When the key was claimed (or taken over from a stale claim or an expired record): its age for
    /// <see cref="IdempotencyOptions.Retention"/>.</summary>
    public DateTime CreatedAt { get; init; }
}

/// <summary>Small per-installation values, e.g. the key that salts IP hashes (shared by all nodes).</summary>
public sealed class InstanceSetting
{
    public required string Key { get; init; }
    public required string Value { get; init; }
}
