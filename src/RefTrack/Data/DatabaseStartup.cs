using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace RefTrack.Data;

/// <summary>
/// Prepares the database before the server takes requests: on SQLite creates the folder and switches to WAL;
/// applies migrations (EF Core takes a database lock for that, so nodes starting together apply them once).
/// Hosted services start before Kestrel, so no request sees an unmigrated schema.
/// </summary>
internal sealed partial class DatabaseStartup(
    IServiceScopeFactory scopes, IOptions<DatabaseOptions> options, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            var path = DataServices.FullPath(settings);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Persistent in the file; readers never block the writer and the writer never blocks readers.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);
            LogSqlite(path, settings.Synchronous);
        }
        else
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(settings.ConnectionString);
            LogPostgres(builder.Host, builder.Port, builder.Database, builder.MaxPoolSize);
        }

        if (settings.MigrateOnStart)
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        else if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
        {
            LogPendingMigrations();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "SQLite database at {Path} (WAL, synchronous={Synchronous})")]
    private partial void LogSqlite(string path, SqliteSynchronous synchronous);

    [LoggerMessage(LogLevel.Information, "PostgreSQL database {Database} on {Host}:{Port} (pool up to {MaxPoolSize})")]
    private partial void LogPostgres(string? host, int port, string? database, int maxPoolSize);

    [LoggerMessage(LogLevel.Warning,
        "The database has pending migrations and RefTrack:Database:MigrateOnStart is false; apply them (docs/operations.md)")]
    private partial void LogPendingMigrations();
}
