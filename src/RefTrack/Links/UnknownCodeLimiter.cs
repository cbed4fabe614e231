using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace RefTrack.Links;

/// <summary>
/// Counts only misses: a client guessing codes is slowed down, while a valid link always redirects, however
/// often it is clicked. Per node and in memory: it is a brake on guessing, not an exact quota.
/// </summary>
public sealed class UnknownCodeLimiter(IOptions<LinkOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.UnknownCodeLimitPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>Null when the miss is allowed; otherwise how long the client should wait.</summary>
    public TimeSpan? TryMiss(string client)
    {
        using var lease = _limiter.AttemptAcquire(client);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
    }

    public void Dispose() => _limiter.Dispose();
}
