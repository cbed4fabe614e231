using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace RefTrack.Links;

/// <summary>
/// Why a batch of clicks failed, as far as the click writer's next move goes. Transient: the database, or the way to
/// it, was unavailable, busy or short of room — the same batch may pass when tried again, so it is retried.
/// Anything else is taken as the batch's own: a row the database refuses (a constraint, a value it rejects) fails
/// again however long the writer waits, so the writer splits the batch instead to find that row
/// (<see cref="ClickWriter"/>).
/// </summary>
internal static class ClickWriteFailure
{
    // SQLite's primary result codes that say nothing about the rows written.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteNoMemory = 7;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCannotOpen = 14;
    private const int SqliteProtocol = 15;

    public static bool IsTransient(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // A statement_timeout (57014) says the server was slow, not that a row is wrong: splitting the batch
                // would only send it more statements. Npgsql does not count it transient.
                case PostgresException { SqlState: PostgresErrorCodes.QueryCanceled }:
                    return true;
                // A read-only transaction (25006): the address now leads to a hot standby (a failover not yet
                // followed, a replica named by mistake). It refuses every batch alike, as SQLite's read-only file
                // below, so it is retried rather than split into a transaction and an error line per click.
                case PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction }:
                    return true;
                // Npgsql's own verdict: a lost or refused connection, a timeout, serialization failures and deadlocks
                // (40001, 40P01), a shutting down or restarting server (57P01–57P03), a lack of resources (53, 58).
                case NpgsqlException npgsql:
                    return npgsql.IsTransient;
                // Microsoft.Data.Sqlite calls none transient, so the codes are listed here.
                case SqliteException sqlite:
                    // A read-only file (a volume remounted read-only) refuses every batch alike, and an operator can
                    // mend it: retried, not split into a transaction and an error line per click.
                    return (sqlite.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked or SqliteNoMemory or SqliteReadOnly
                        or SqliteIoError or SqliteFull or SqliteCannotOpen or SqliteProtocol;
                case TimeoutException or IOException or SocketException:
                    return true;
            }
        }

        return false;
    }
}
