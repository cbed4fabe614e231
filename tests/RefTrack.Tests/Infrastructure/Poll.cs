namespace RefTrack.Tests.Infrastructure;

/// <summary>Waiting for something a background service does (the click writer, the checkpoint thread).</summary>
public static class Poll
{
    /// <summary>
    /// Polls <paramref name="condition"/> every 50 ms for up to <paramref name="within"/>, then asserts its last answer
    /// with <paramref name="failure"/>; fails early with its exception if <paramref name="watched"/> (work running
    /// meanwhile) failed. The answer is not asked for again: a condition that acts (a write, a checkpoint) could
    /// answer differently a second time, and did (<c>SqliteLogSizeTests</c> failed in CI after its condition was met).
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan within, string failure, Task? watched = null)
    {
        var deadline = DateTime.UtcNow + within;
        bool met;
        while (!(met = condition()) && DateTime.UtcNow < deadline)
        {
            if (watched is { IsFaulted: true })
            {
                await watched;
            }

            await Task.Delay(50);
        }

        Assert.True(met, failure);
    }

    /// <summary>The same for a condition that asks the service (a report, a count over HTTP).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, string failure)
    {
        var deadline = DateTime.UtcNow + within;
        bool met;
        while (!(met = await condition()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(met, failure);
    }
}
