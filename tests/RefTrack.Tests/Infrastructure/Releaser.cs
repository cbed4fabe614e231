namespace RefTrack.Tests.Infrastructure;

/// <summary>Runs an action when disposed: what a test holds (a lock, a gate) let go at the end of a using block.</summary>
public sealed class Releaser(Action release) : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        release();
        return ValueTask.CompletedTask;
    }
}
