namespace RefTrack.Tests.Infrastructure;

/// <summary>Waiting for something a background service does (the click writer, the checkpoint thread).</summary>
public static class Poll
{
    /// <summary>
    /// Polls <paramref name="condition"/> every 50 ms for up to <paramref name="within"/>, then asserts it with
    /// <paramref name="failure"/>; fails early with its exception if <paramref name="watched"/> (work running meanwhile)
    /// failed.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan within, string failure, Task? watched = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            if (watched is { IsFaulted: true })
            {
                await watched;
            }

            await Task.Delay(50);
        }

        Assert.True(condition(), failure);
    }

    /// <summary>The same for a condition that asks the service (a report, a count over HTTP).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, string failure)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(await condition(), failure);
    }
}
