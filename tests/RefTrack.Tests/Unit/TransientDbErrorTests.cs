using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RefTrack.Data;

namespace RefTrack.Tests.Unit;

/// <summary>
/// Which failures the click writer retries (the database or the way to it was unavailable, slow or short of room)
/// and which it takes as a row refused, splitting the batch to lose only that row (<see cref="DbErrors.IsRowRefusal"/>).
/// </summary>
public sealed class TransientDbErrorTests
{
    public static TheoryData<string, bool> PostgresStates => new()
    {
        { PostgresErrorCodes.SerializationFailure, true },
        { PostgresErrorCodes.DeadlockDetected, true },
        { PostgresErrorCodes.AdminShutdown, true },
        { PostgresErrorCodes.QueryCanceled, true }, // statement_timeout: a slow server, not a bad row
        { PostgresErrorCodes.ReadOnlySqlTransaction, true }, // a standby: every batch alike, as SQLite's read-only file
        { PostgresErrorCodes.UniqueViolation, false },
        { PostgresErrorCodes.CharacterNotInRepertoire, false },
        { PostgresErrorCodes.StringDataRightTruncation, false },
    };

    [Theory]
    [MemberData(nameof(PostgresStates))]
    public void PostgreSQL_errors(string sqlState, bool transient)
    {
        var error = new PostgresException("failed", "ERROR", "ERROR", sqlState);
        Assert.Equal(transient, DbErrors.IsTransient(error));
        // As EF Core or a command wrapper hands it over.
        Assert.Equal(transient, DbErrors.IsTransient(new DbUpdateException("save failed", error)));
    }

    [Theory]
    [InlineData(5, true)] // SQLITE_BUSY
    [InlineData(6, true)] // SQLITE_LOCKED
    [InlineData(8, true)] // SQLITE_READONLY: every batch alike, until an operator mends the volume
    [InlineData(10, true)] // SQLITE_IOERR
    [InlineData(13, true)] // SQLITE_FULL
    [InlineData(1555, false)] // SQLITE_CONSTRAINT_PRIMARYKEY
    [InlineData(19, false)] // SQLITE_CONSTRAINT
    public void SQLite_errors(int code, bool transient) =>
        Assert.Equal(transient, DbErrors.IsTransient(new SqliteException("failed", code)));

    [Fact]
    public void Timeouts_and_lost_connections_are_transient()
    {
        Assert.True(DbErrors.IsTransient(new TimeoutException()));
        Assert.True(DbErrors.IsTransient(new InvalidOperationException("wrapped", new IOException("reset"))));
        Assert.False(DbErrors.IsTransient(new InvalidOperationException("a bug")));
    }

    /// <summary>Only a refused row splits a batch; a failure of the whole (a table missing, a permission, corruption, a
    /// fault of ours) is retried whole and recorded for /healthz.</summary>
    [Theory]
    [InlineData(PostgresErrorCodes.UniqueViolation, true)]
    [InlineData(PostgresErrorCodes.ForeignKeyViolation, true)]
    [InlineData(PostgresErrorCodes.CharacterNotInRepertoire, true)] // a NUL or bad UTF-8 in a value
    [InlineData(PostgresErrorCodes.StringDataRightTruncation, true)]
    [InlineData(PostgresErrorCodes.UndefinedTable, false)]
    [InlineData(PostgresErrorCodes.InsufficientPrivilege, false)]
    [InlineData(PostgresErrorCodes.DataCorrupted, false)]
    [InlineData(PostgresErrorCodes.SerializationFailure, false)]
    public void PostgreSQL_row_refusals(string sqlState, bool refusal) =>
        Assert.Equal(refusal, DbErrors.IsRowRefusal(
            new DbUpdateException("save failed", new PostgresException("failed", "ERROR", "ERROR", sqlState))));

    [Theory]
    [InlineData(19, true)] // SQLITE_CONSTRAINT
    [InlineData(1555, true)] // SQLITE_CONSTRAINT_PRIMARYKEY
    [InlineData(20, true)] // SQLITE_MISMATCH
    [InlineData(18, true)] // SQLITE_TOOBIG
    [InlineData(1, false)] // SQLITE_ERROR: no such table
    [InlineData(11, false)] // SQLITE_CORRUPT
    [InlineData(26, false)] // SQLITE_NOTADB
    [InlineData(5, false)] // SQLITE_BUSY
    public void SQLite_row_refusals(int code, bool refusal) =>
        Assert.Equal(refusal, DbErrors.IsRowRefusal(new SqliteException("failed", code)));

    [Fact]
    public void A_fault_of_ours_is_no_row_refusal() =>
        Assert.False(DbErrors.IsRowRefusal(new InvalidOperationException("The ClickRollupProgress row is missing")));
}
