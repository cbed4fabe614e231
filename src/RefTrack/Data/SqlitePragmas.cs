using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace RefTrack.Data;

/// <summary>
/// Applies the per-connection SQLite settings on every open. WAL mode itself is persistent in the file and is set
/// once at start (<see cref="DatabaseStartup"/>).
/// </summary>
internal sealed class SqlitePragmas(DatabaseOptions options) : DbConnectionInterceptor
{
    private readonly string _sql =
        $"PRAGMA busy_timeout = {options.BusyTimeoutMilliseconds}; " +
        $"PRAGMA synchronous = {options.Synchronous.ToString().ToUpperInvariant()}; " +
        "PRAGMA foreign_keys = ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _sql;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(
        DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
