using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Reports;

namespace RefTrack.Participants;

/// <summary>
/// The referrer's counters, incremented in the transaction that creates the referral or its first purchase.
/// An increment is an UPDATE of one row that returns the new count: concurrent increments (on any node) queue on that
/// row, and each sees its own result, so "the 5th referral" is seen by exactly one transaction.
/// </summary>
public static class ReferralCounters
{
    /// <summary>One more qualified referral, in one command after the statements <paramref name="before"/>
    /// appends; returns the referrer's new count.</summary>
    public static async Task<int> AddQualifiedAsync(
        AppDbContext db, Guid referrerId, Action<StringBuilder, List<object>> before, CancellationToken ct)
    {
        var sql = new StringBuilder();
        var args = new List<object>();
        before(sql, args);
        sql.Append(CultureInfo.InvariantCulture, $"""
            UPDATE "Participants" SET "QualifiedReferrals" = "QualifiedReferrals" + 1 WHERE "Id" = {RawSqlRows.Placeholder(args, referrerId)}
            RETURNING "QualifiedReferrals"
            """);
        // The reader is on the first statement that returns rows: the UPDATE.
        return (await RawSqlRows.QueryAsync(db, sql.ToString(), args, r => r.GetInt32(0), ct)).Single();
    }

    /// <summary>One more converted referral: a statement for a command of raw SQL (<see cref="RollupBatch.WriteAsync(AppDbContext, Action{StringBuilder, List{object}, int}?, CancellationToken)"/>).</summary>
    public static void AppendAddConverted(StringBuilder sql, List<object> args, Guid referrerId) =>
        sql.Append(CultureInfo.InvariantCulture,
            $"UPDATE \"Participants\" SET \"ConvertedReferrals\" = \"ConvertedReferrals\" + 1 WHERE \"Id\" = {RawSqlRows.Placeholder(args, referrerId)};\n");
}
