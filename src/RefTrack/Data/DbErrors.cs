using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace RefTrack.Data;

public static class DbErrors
{
    /// <summary>True when the save failed on a unique index: the signal that someone else got there first.</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteExtendedErrorCode is 2067 or 1555,
        // PostgreSQL unique_violation.
        DbException d => d.SqlState == "23505",
        _ => false,
    };
}
