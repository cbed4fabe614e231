using System.Globalization;
using System.Text;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Referrals;

namespace RefTrack.Participants;

/// <summary>
/// A signup's new rows (the participant, its code and, when there is one, its referral) as statements of raw SQL for
/// the write unit's next command, every value a parameter, in EF Core's column formats (enums by name). EF Core's
/// SaveChanges attached, sorted and generated SQL for these three rows on every signup: about a third of SQLite's
/// group-commit thread per signup in <c>bench/profile sqlite signups</c>. The counters (<c>QualifiedReferrals</c>,
/// <c>ConvertedReferrals</c>) and <c>ConvertedAt</c> are left to their column defaults (0, NULL), as a new row has
/// them.
/// </summary>
internal static class SignupRows
{
    /// <summary>
    /// PostgreSQL: a condition, for each statement after the participant's insert, that holds only if that insert
    /// wrote the row (<see cref="Append"/> with it inserts the participant <c>ON CONFLICT DO NOTHING</c>). A returning
    /// user's signup then writes nothing and fails nothing: the command changes no row, and the caller reads the stored
    /// participant. Without it the insert failed on the unique (campaign, external id) index, which cost a transaction
    /// id and a dead row and wrote an ERROR with the statement to the server's log on every registration of a known
    /// user (an integrator may register its users at every login). SQLite keeps the failing insert: its unit is undone
    /// to a savepoint, nothing is logged, and its counter's <c>RETURNING</c> must return a row.
    /// </summary>
    public static Func<List<object>, string> Inserted(Guid participantId) => args =>
        $"EXISTS (SELECT 1 FROM \"Participants\" WHERE \"Id\" = {RawSqlRows.Placeholder(args, participantId)})";

    /// <summary>Appends the INSERTs, each ending with <c>;</c>, numbering placeholders on from
    /// <paramref name="args"/>' count (<see cref="RawSqlRows.Append"/>); with <paramref name="onlyIfInserted"/>
    /// (<see cref="Inserted"/>), a participant already registered makes them write nothing.</summary>
    public static void Append(StringBuilder sql, List<object> args, Participant p, ReferralCode code, Referral? referral,
        Func<List<object>, string>? onlyIfInserted)
    {
        sql.Append("""
            INSERT INTO "Participants" ("Id", "CampaignId", "ExternalId", "Email", "NormalizedEmail", "Name",
                "ReferredById", "AttributionStatus", "AttributionReason", "CreatedAt") VALUES
            """);
        RawSqlRows.Append(sql, args, first: true,
        [
            p.Id, p.CampaignId, p.ExternalId, p.Email, p.NormalizedEmail, p.Name, p.ReferredById,
            p.AttributionStatus?.ToString(), p.AttributionReason, p.CreatedAt,
        ]);
        if (onlyIfInserted is not null)
        {
            // Only this index's conflict: a code that collides still fails the command, and the caller retries.
            sql.Append(""" ON CONFLICT ("CampaignId", "ExternalId") DO NOTHING""");
        }

        sql.Append("""
            ;
            INSERT INTO "ReferralCodes" ("Id", "Code", "CampaignId", "ParticipantId", "IsVanity", "IsDisabled", "CreatedAt")
            """);
        Row(sql, args, onlyIfInserted,
            [code.Id, code.Code, code.CampaignId, code.ParticipantId, code.IsVanity, code.IsDisabled, code.CreatedAt]);
        if (referral is not null)
        {
            sql.Append("""
                ;
                INSERT INTO "Referrals" ("Id", "CampaignId", "ReferrerId", "ReferredId", "Status", "Source", "ClickId",
                    "Code", "ClickedAt", "Reason", "CreatedAt")
                """);
            Row(sql, args, onlyIfInserted,
            [
                referral.Id, referral.CampaignId, referral.ReferrerId, referral.ReferredId, referral.Status.ToString(),
                referral.Source.ToString(), referral.ClickId, referral.Code, referral.ClickedAt, referral.Reason,
                referral.CreatedAt,
            ]);
        }

        sql.Append(";\n");
    }

    /// <summary><c> VALUES (…)</c>, or <c> SELECT … WHERE condition</c>: PostgreSQL types an untyped parameter (a
    /// NULL) of an INSERT's select list by its column, as it does in VALUES.</summary>
    private static void Row(StringBuilder sql, List<object> args, Func<List<object>, string>? onlyIf, object?[] values)
    {
        if (onlyIf is null)
        {
            sql.Append(" VALUES");
            RawSqlRows.Append(sql, args, first: true, values);
            return;
        }

        sql.Append(" SELECT ");
        RawSqlRows.AppendList(sql, args, values);
        sql.Append(CultureInfo.InvariantCulture, $" WHERE {onlyIf(args)}");
    }
}
