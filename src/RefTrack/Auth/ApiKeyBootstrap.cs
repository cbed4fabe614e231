using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RefTrack.Data;

namespace RefTrack.Auth;

/// <summary>
/// First start: makes sure someone can call the API. Runs after <see cref="DatabaseStartup"/> (hosted services
/// start in registration order).
/// </summary>
internal sealed partial class ApiKeyBootstrap(
    IServiceScopeFactory scopes, IOptions<AuthOptions> options, TimeProvider clock, ILogger<ApiKeyBootstrap> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (await db.ApiKeys.AnyAsync(cancellationToken))
        {
            return;
        }

        var configured = options.Value.BootstrapApiKey;
        var secret = configured ?? ApiKeySecrets.NewSecret();
        db.ApiKeys.Add(new ApiKey
        {
            Name = "bootstrap",
            Prefix = ApiKeySecrets.DisplayPrefix(secret),
            SecretHash = ApiKeySecrets.Hash(secret),
            IsAdmin = true,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return; // Another node inserted the same configured key first.
        }

        if (configured is null)
        {
            LogGeneratedKey(secret);
        }
        else
        {
            LogConfiguredKey();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning,
        "Created the first admin API key; it is shown only this once, store it now: {Secret}")]
    private partial void LogGeneratedKey(string secret);

    [LoggerMessage(LogLevel.Information, "Created the first admin API key from RefTrack:Auth:BootstrapApiKey")]
    private partial void LogConfiguredKey();
}
