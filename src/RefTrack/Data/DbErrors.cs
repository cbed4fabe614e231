using System.Data.Common;
using Microsoft.EntityFrameworkCore;

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
                await using var tx = await db.BeginWriteAsync(ct, System.Data.IsolationLevel.Serializable);
                var result = await work();
                await tx.CommitAsync(ct);
                return result;
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
