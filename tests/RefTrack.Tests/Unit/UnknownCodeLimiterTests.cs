using Microsoft.Extensions.Options;
using RefTrack.Links;

namespace RefTrack.Tests.Unit;

public sealed class UnknownCodeLimiterTests
{
    private static UnknownCodeLimiter Limiter(int perMinute) =>
        new(Options.Create(new LinkOptions { UnknownCodeLimitPerMinute = perMinute }));

    [Fact]
    public void A_refused_client_is_refused_until_its_retry_after_and_asking_counts_nothing()
    {
        using var limiter = Limiter(2);
        Assert.False(limiter.AnyRefused());

        // Asking before any refusal neither refuses nor uses up the allowance.
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(limiter.RetryAfter("203.0.113.1"));
        }

        Assert.Null(limiter.TryMiss("203.0.113.1"));
        Assert.Null(limiter.TryMiss("203.0.113.1"));
        Assert.False(limiter.AnyRefused());

        var wait = limiter.TryMiss("203.0.113.1");
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.True(limiter.AnyRefused());

        var left = limiter.RetryAfter("203.0.113.1");
        Assert.NotNull(left);
        Assert.InRange(left.Value, TimeSpan.FromTicks(1), wait.Value);
        Assert.NotNull(limiter.TryMiss("203.0.113.1"));

        // Others keep their own allowance.
        Assert.Null(limiter.RetryAfter("198.51.100.7"));
        Assert.Null(limiter.TryMiss("198.51.100.7"));
    }
}
