using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>Loads the shared click-hash key before the first redirect (after migrations: registration order).</summary>
internal sealed class LinkStartup(IServiceScopeFactory scopes, ClickHasher hasher) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await hasher.InitialiseAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
