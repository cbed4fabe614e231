using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace RefTrack.Data;

public static class DbErrors
{
    /// <summary>True when a write failed on a unique index: the signal that someone else got there first. Takes what
    /// SaveChanges throws (the driver's error inside a <see cref="DbUpdateException"/>) or what raw SQL throws (the
    /// driver's error itself).</summary>
    public static bool IsUniqueViolation(Exception exception) =>
        (exception is DbUpdateException ? exception.InnerException : exception) switch
    {
        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteExtendedErrorCode is 2067 or 1555,
        // PostgreSQL unique_violation.
        DbException d => d.SqlState == "23505",
        _ => false,
    };

    // SQLite's primary result codes that say nothing about the rows written.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteNoMemory = 7;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCannotOpen = 14;
    private const int SqliteProtocol = 15;

    // SQLite's primary result codes that refuse a row's values.
    private const int SqliteTooBig = 18;
    private const int SqliteConstraint = 19;
    private const int SqliteMismatch = 20;

    /// <summary>
    /// The database refused a row's values: a constraint (unique, foreign key, not null, check) or a value its column
    /// cannot hold (PostgreSQL's classes 22 and 23; SQLite's constraint, type mismatch and too big), or a text the
    /// driver could not encode. The click writer splits such a batch to lose only the refused click. Anything else
    /// that is not transient (a table missing, a permission refused, a corrupt file, a fault of ours) fails every
    /// row alike: split, a batch lost its clicks one by one, each logged as refused, and /healthz stayed healthy.
    /// </summary>
    public static bool IsRowRefusal(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("22", StringComparison.Ordinal)
                           || pg.SqlState.StartsWith("23", StringComparison.Ordinal);
                case SqliteException sqlite:
                    return (sqlite.SqliteErrorCode & 0xFF) is SqliteConstraint or SqliteMismatch or SqliteTooBig;
                case System.Text.EncoderFallbackException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The database, or the way to it, was unavailable, busy or short of room: the same work may pass when tried again.
    /// The click writer retries such a batch, and any other failure but a row refused (<see cref="IsRowRefusal"/>).
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // A statement_timeout (57014) says the server was slow, not that a row is wrong: splitting a batch
                // would only send it more statements. Npgsql does not count it transient.
                case PostgresException { SqlState: PostgresErrorCodes.QueryCanceled }:
                    return true;
                // A read-only transaction (25006): the address now leads to a hot standby (a failover not yet
                // followed, a replica named by mistake). It refuses every write alike, as SQLite's read-only file
                // below, so a click batch is retried rather than split into a transaction and an error line per click.
                case PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction }:
                    return true;
                // Npgsql's own verdict: a lost or refused connection, a timeout, serialization failures and deadlocks
                // (40001, 40P01), a shutting down or restarting server (57P01–57P03), a lack of resources (53, 58).
                case NpgsqlException npgsql:
                    return npgsql.IsTransient;
                // Microsoft.Data.Sqlite calls none transient, so the codes are listed here.
                case SqliteException sqlite:
                    // A read-only file (a volume remounted read-only) refuses every write alike, and an operator can
                    // mend it: a click batch is retried, not split into a transaction and an error line per click.
                    return (sqlite.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked or SqliteNoMemory or SqliteReadOnly
                        or SqliteIoError or SqliteFull or SqliteCannotOpen or SqliteProtocol;
                case TimeoutException or IOException or SocketException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>PostgreSQL gave up on a serializable transaction (40001) or a deadlock (40P01): retry it. The driver's
    /// error may come wrapped twice: SaveChanges puts it in a <see cref="DbUpdateException"/>, which Npgsql's execution
    /// strategy puts in an <see cref="InvalidOperationException"/> when it deems it transient.</summary>
    public static bool IsSerializationFailure(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException d)
            {
                return d.SqlState is "40001" or "40P01";
            }
        }

        return false;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a serializable transaction, retrying when the database aborts it for a
    /// conflicting concurrent transaction. For the rare invariant that no unique index can express.
    /// On SQLite a serializable transaction is BEGIN IMMEDIATE: writers simply queue.
    /// </summary>
    public static async Task<T> SerializableAsync<T>(this AppDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.InWriteAsync(work, ct, System.Data.IsolationLevel.Serializable);
            }
            catch (Exception e) when (attempt < 10 && IsSerializationFailure(e))
            {
                db.ChangeTracker.Clear();
                // A random pause, longer each time: retried at once, transactions that conflicted run side by side
                // again and can keep aborting each other (five concurrent revocations once ran out of attempts on a
                // busy machine and answered 500).
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), ct);
            }
        }
    }
}
