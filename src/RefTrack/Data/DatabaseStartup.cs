using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace RefTrack.Data;

/// <summary>
/// Prepares the database before the server takes requests: on SQLite creates the folder and switches to WAL, on
/// PostgreSQL creates the database if it is missing (<see cref="PostgresDatabaseCreation"/>); applies migrations once
/// however many nodes start together (see <see cref="MigrateAsync"/>). Hosted services start before Kestrel, so no
/// request sees an unmigrated schema.
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
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Its own message ("The file '…' already exists") named neither the database nor the setting.
                throw new InvalidOperationException(
                    $"Cannot create the folder of the SQLite database at {path} (RefTrack:Database:Path): {e.Message}", e);
            }

            try
            {
                // Persistent in the file; readers never block the writer and the writer never blocks readers.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                // SQLite's own message ("unable to open database file") names neither the file nor the setting.
                throw new InvalidOperationException(
                    $"Cannot open the SQLite database at {path} (RefTrack:Database:Path): {e.Message}", e);
            }

            LogSqlite(path, settings.Synchronous, SqliteLibrary.MultiThreaded ? "multi-thread" : "serialized");
        }
        else
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(settings.ConnectionString);
            LogPostgres(builder.Host, builder.Port, builder.Database, builder.MaxPoolSize);
            var created = await PostgresDatabaseCreation.CreateIfMissingAsync(
                db, builder, settings.MigrateOnStart, cancellationToken);
            if (created)
            {
                LogCreatedPostgres(builder.Database, builder.Host, builder.Port);
            }
        }

        if (settings.MigrateOnStart)
        {
            await MigrateAsync(db, settings, cancellationToken);
        }
        else if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList() is { Count: > 0 } pending)
        {
            // A node on a schema it does not know would fail on its first query, or worse write half a feature;
            // it refuses to start, and nodes already running on the old schema go on serving.
            throw new InvalidOperationException(
                $"The database schema is behind this version of RefTrack: {pending.Count} pending migration(s) " +
                $"({string.Join(", ", pending)}) and RefTrack:Database:MigrateOnStart is false. Apply them first " +
                "(docs/operations.md, \"Migrations\") or start with MigrateOnStart=true.");
        }
    }

    /// <summary>The advisory lock every node takes around migrations (any fixed number unique to RefTrack).</summary>
    internal const long MigrationLockKey = 7210473185;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// On PostgreSQL, under a session advisory lock held for the whole run: EF Core's own lock lasts one migration's
    /// transaction, so two nodes starting together could each plan the same later migration (seen with a second
    /// migration: "relation already exists"). The second node waits, then finds nothing pending. Neither the wait nor the
    /// migrations have a time limit: under the connection's <c>Command Timeout</c> (30 s by default) a node starting
    /// while another migrated gave up after 30 s, and a migration building an index on a large table was cancelled,
    /// rolled back and tried again, and cancelled again, at every start (found by review).
    /// </summary>
    private async Task MigrateAsync(AppDbContext db, DatabaseOptions settings, CancellationToken ct)
    {
        if (settings.Provider != DatabaseProvider.Postgres)
        {
            await MigrateSqliteAsync(db, DataServices.FullPath(settings), ct);
            return;
        }

        // The service's TCP keepalive, so that a wait with no time limit still ends when the server or the network goes
        // away without a word (a failover); unpooled, so that closing it ends the session and any lock it still holds.
        var lockConnection = new Npgsql.NpgsqlConnectionStringBuilder(DataServices.PostgresConnectionString(settings))
        {
            Pooling = false,
        };
        await using var connection = new Npgsql.NpgsqlConnection(lockConnection.ToString());
        await connection.OpenAsync(ct);
        if (!await AdvisoryAsync(connection, "pg_try_advisory_lock", timeoutSeconds: 0, ct))
        {
            LogWaitingForPostgresMigrationLock();
            await AdvisoryAsync(connection, "pg_advisory_lock", timeoutSeconds: 0, ct);
        }

        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(0); // None: an index build on a large table takes as long as it takes.
        try
        {
            await db.Database.MigrateAsync(ct);
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
            // False when this session did not hold it: behind a pooler in transaction mode the lock and its unlock may
            // reach different server sessions, and the lock stays held there, for every later start to wait on.
            if (!await AdvisoryAsync(connection, "pg_advisory_unlock", timeoutSeconds: 30, CancellationToken.None))
            {
                LogMigrationLockNotReleased();
            }
        }
    }

    /// <summary>
    /// On SQLite, under <see cref="SqliteMigrationLock"/> (nodes on one file starting together migrate one at a time):
    /// first deletes the row a process killed while migrating left in EF Core's lock table, which EF would otherwise
    /// wait for forever; then migrates only when something is pending, so a start with nothing to apply does not take
    /// EF's lock at all.
    /// </summary>
    private async Task MigrateSqliteAsync(AppDbContext db, string path, CancellationToken ct)
    {
        await using var held = await SqliteMigrationLock.AcquireAsync(
            path, () => LogWaitingForMigrationLock(SqliteMigrationLock.PathFor(path)), ct);

        var lockTables = await db.Database.SqlQueryRaw<int>(
            $"SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '{EfMigrationLockTable}'")
            .SingleAsync(ct);
        if (lockTables > 0
            && await db.Database.ExecuteSqlRawAsync($"DELETE FROM \"{EfMigrationLockTable}\"", ct) is > 0 and var removed)
        {
            LogStaleMigrationLock(removed, EfMigrationLockTable, path);
        }

        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any())
        {
            await db.Database.MigrateAsync(ct);
        }
    }

    /// <summary>EF Core's SQLite migration lock: one committed row while a process migrates.</summary>
    private const string EfMigrationLockTable = "__EFMigrationsLock";

    /// <summary>Calls an advisory lock function on the migration lock's key (<c>pg_advisory_lock</c> waits for another
    /// node's migrations: a timeout of 0 is none); true when it answers true or nothing (<c>pg_advisory_lock</c>'s void).
    /// </summary>
    private static async Task<bool> AdvisoryAsync(
        Npgsql.NpgsqlConnection connection, string function, int timeoutSeconds, CancellationToken ct)
    {
        await using var command = new Npgsql.NpgsqlCommand($"SELECT {function}($1)", connection)
        {
            CommandTimeout = timeoutSeconds,
        };
        command.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = MigrationLockKey });
        return await command.ExecuteScalarAsync(ct) is not false;
    }

    [LoggerMessage(LogLevel.Information, "SQLite database at {Path} (WAL, synchronous={Synchronous}, {ThreadingMode} mode)")]
    private partial void LogSqlite(string path, SqliteSynchronous synchronous, string threadingMode);

    [LoggerMessage(LogLevel.Warning,
        "Removed {Count} stale row(s) from {Table} in {Path}: a process stopped while migrating left EF Core's migration lock")]
    private partial void LogStaleMigrationLock(int count, string table, string path);

    [LoggerMessage(LogLevel.Information, "Another process holds {LockFile}; waiting for its migrations")]
    private partial void LogWaitingForMigrationLock(string lockFile);

    [LoggerMessage(LogLevel.Warning, "Another node holds the migration lock; waiting for its migrations, with no time limit")]
    private partial void LogWaitingForPostgresMigrationLock();

    [LoggerMessage(LogLevel.Error,
        "The migration lock was not held by this session when released: a pooler in transaction mode between RefTrack and PostgreSQL may keep it held on another session, and later starts wait for it; migrate over a direct or session-mode connection")]
    private partial void LogMigrationLockNotReleased();

    [LoggerMessage(LogLevel.Information, "PostgreSQL database {Database} on {Host}:{Port} (pool up to {MaxPoolSize})")]
    private partial void LogPostgres(string? host, int port, string? database, int maxPoolSize);

    [LoggerMessage(LogLevel.Information, "Created PostgreSQL database {Database} on {Host}:{Port}: it did not exist")]
    private partial void LogCreatedPostgres(string? database, string? host, int port);
}
