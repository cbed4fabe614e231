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
        var configured = options.Value.BootstrapApiKey;
        var secret = configured ?? ApiKeySecrets.NewSecret();
        bool created;
        try
        {
            // Serializable: nodes starting together on an empty database each see no key, and without a key of their
            // own configured each would insert a different one (the secret's unique hash cannot tell them apart). The
            // database lets one insert; the others retry, see its key and create none.
            created = await db.SerializableAsync(async () =>
            {
                if (await db.ApiKeys.AnyAsync(cancellationToken))
                {
                    return false;
                }

                db.ApiKeys.Add(new ApiKey
                {
                    Name = "bootstrap",
                    Prefix = ApiKeySecrets.DisplayPrefix(secret),
                    SecretHash = ApiKeySecrets.Hash(secret),
                    IsAdmin = true,
                    CreatedAt = clock.GetUtcNow().UtcDateTime,
                });
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return; // Another node inserted the same configured key first.
        }

        if (!created)
        {
            return;
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
