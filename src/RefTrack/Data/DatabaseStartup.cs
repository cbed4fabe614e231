using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace RefTrack.Data;

/// <summary>
/// Prepares the database before the server takes requests: creates the folder, switches SQLite to WAL and applies
/// migrations. Hosted services start before Kestrel, so no request sees an unmigrated schema.
/// </summary>
internal sealed partial class DatabaseStartup(
    IServiceScopeFactory scopes, IOptions<DatabaseOptions> options, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = DataServices.FullPath(options.Value);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        // Persistent in the file; readers never block the writer and the writer never blocks readers.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);

        if (options.Value.MigrateOnStart)
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        LogDatabase(path, options.Value.Synchronous);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "SQLite database at {Path} (WAL, synchronous={Synchronous})")]
    private partial void LogDatabase(string path, SqliteSynchronous synchronous);
}
