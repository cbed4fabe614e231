using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace RefTrack.Data;

/// <summary>
/// Applies the per-connection SQLite settings once per physical connection. Microsoft.Data.Sqlite pools physical
/// connections and a pragma outlives a return to the pool, so a reopened pooled connection (every EF query opens one)
/// skips the extra statement. WAL mode itself is persistent in the file and is set once at start
/// (<see cref="DatabaseStartup"/>).
/// </summary>
internal sealed class SqlitePragmas(DatabaseOptions options) : DbConnectionInterceptor
{
    /// <summary>Physical connections (their native handles) already configured; entries go with the handle.</summary>
    private static readonly ConditionalWeakTable<object, object> Configured = new();

    private readonly string _sql =
        $"PRAGMA busy_timeout = {options.BusyTimeoutMilliseconds}; " +
        $"PRAGMA synchronous = {options.Synchronous.ToString().ToUpperInvariant()}; " +
        "PRAGMA foreign_keys = ON; " +
        $"PRAGMA cache_size = -{options.SqliteCacheKiB};"; // Negative: KiB rather than pages.

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (FirstOpen(connection))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _sql;
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(
        DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (FirstOpen(connection))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = _sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static bool FirstOpen(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || Configured.TryAdd(handle, handle);
}
