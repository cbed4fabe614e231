using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Unit;

public sealed class ExpiringCacheTests
{
    private readonly TestClock _clock = new();

    [Fact]
    public void A_value_is_served_until_its_time_to_live_has_passed()
    {
        var cache = new ExpiringCache<string?>(_clock, TimeSpan.FromHours(1));
        cache.Set("a", "one", TimeSpan.FromSeconds(30));

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(cache.TryGetValue("a", out var hit));
        Assert.Equal("one", hit);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGetValue("a", out _));
    }

    [Fact]
    public void A_value_expires_by_the_time_elapsed_when_the_wall_clock_is_stepped_back()
    {
        var cache = new ExpiringCache<string?>(_clock, TimeSpan.FromHours(1));
        cache.Set("a", "one", TimeSpan.FromSeconds(30));

        _clock.StepWallClock(TimeSpan.FromHours(-1)); // NTP corrects a clock that ran an hour ahead.
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(cache.TryGetValue("a", out _));
    }

    [Fact]
    public void A_cached_null_is_a_hit_and_keys_are_case_sensitive()
    {
        var cache = new ExpiringCache<string?>(_clock, TimeSpan.FromHours(1));
        cache.Set("MISSING", null, TimeSpan.FromSeconds(5));

        Assert.True(cache.TryGetValue("MISSING", out var value));
        Assert.Null(value);
        Assert.False(cache.TryGetValue("missing", out _));
    }

    [Fact]
    public void Set_replaces_and_restarts_the_time_to_live_and_Remove_forgets()
    {
        var cache = new ExpiringCache<string?>(_clock, TimeSpan.FromHours(1));
        cache.Set("a", "old", TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(8));
        cache.Set("a", "new", TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(8));

        Assert.True(cache.TryGetValue("a", out var value));
        Assert.Equal("new", value);

        cache.Remove("a");
        Assert.False(cache.TryGetValue("a", out _));
    }

    [Fact]
    public void A_sweep_drops_expired_entries_and_keeps_live_ones()
    {
        var cache = new ExpiringCache<string?>(_clock, TimeSpan.FromHours(1));
        cache.Set("short", "s", TimeSpan.FromSeconds(5));
        cache.Set("long", "l", TimeSpan.FromSeconds(60));
        _clock.Advance(TimeSpan.FromSeconds(10));

        cache.Sweep();

        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGetValue("long", out _));
    }

    [Fact]
    public void Lookups_start_a_sweep_once_it_is_due()
    {
        var cache = new ExpiringCache<string?>(_clock, TimeSpan.FromSeconds(5));
        cache.Set("a", "1", TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(4));
        cache.TryGetValue("b", out _); // not due yet (5 s after the cache was made)
        Assert.Equal(1, cache.Count);

        _clock.Advance(TimeSpan.FromSeconds(2));
        cache.TryGetValue("b", out _); // due: sweeps "a" on the thread pool

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (cache.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(0, cache.Count);
    }
}
