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

    /// <summary>
    /// The longest SQLite's log file (<c>-wal</c>) is left on disk once the log starts again from its beginning: the
    /// first commit after that trims it to this size. Without it SQLite keeps the file at its longest run until the
    /// last connection closes, and one large transaction sets that: a rollup rebuild of the benchmark's many-links
    /// database (about 3.4 million clicks) wrote 32,820 pages of log in one commit and left a 135 MB file, where its
    /// many links ran the log to about 5,000 pages, 20 MB (<c>bench/profile.d/wal_watch.py</c>; docs/benchmarks-log.md,
    /// Tried and measured, 12-06 07:45). Above the group commit's own checkpoint at
    /// <see cref="SqliteGroupCommit.CheckpointPages"/> pages (39 MiB) and a batch past it, so that the usual log is
    /// not trimmed and grown again.
    /// </summary>
    internal const long LogSizeLimitBytes = 64L * 1024 * 1024;

    private readonly string _sql =
        $"PRAGMA journal_size_limit = {LogSizeLimitBytes}; " +
        $"PRAGMA busy_timeout = {options.BusyTimeoutMilliseconds}; " +
        $"PRAGMA synchronous = {options.Synchronous.ToString().ToUpperInvariant()}; " +
        "PRAGMA foreign_keys = ON; " +
        $"PRAGMA cache_size = -{options.SqliteCacheKiB};"; // Negative: KiB rather than pages.

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (Unconfigured(connection, out var handle))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _sql;
            command.ExecuteNonQuery();
            MarkConfigured(handle);
        }
    }

    public override async Task ConnectionOpenedAsync(
        DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Unconfigured(connection, out var handle))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = _sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            MarkConfigured(handle);
        }
    }

    /// <summary>Whether the physical connection still needs its pragmas. Marked only once they have run: marked
    /// before, a batch that failed (its request cancelled, SQLite busy recovering the log) left the connection in the
    /// pool without its busy timeout, synchronous level or cache size for good (found by review). A physical connection
    /// serves one caller at a time, so the check and the mark need no lock.</summary>
    private static bool Unconfigured(DbConnection connection, out object? handle)
    {
        handle = connection is SqliteConnection { Handle: { } h } ? h : null;
        return handle is null || !Configured.TryGetValue(handle, out _);
    }

    private static void MarkConfigured(object? handle)
    {
        if (handle is not null)
        {
            Configured.AddOrUpdate(handle, handle);
        }
    }
}
