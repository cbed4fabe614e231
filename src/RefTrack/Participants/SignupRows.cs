using System.Text;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Referrals;

namespace RefTrack.Participants;

/// <summary>
/// A signup's new rows (the participant, its code and, when there is one, its referral) as raw SQL for the write
/// unit's command, every value a parameter, in EF Core's column formats (enums by name). EF Core's SaveChanges
/// attached, sorted and generated SQL for these three rows on every signup: about a third of SQLite's group-commit
/// thread per signup in <c>bench/profile sqlite signups</c>. The counters (<c>QualifiedReferrals</c>,
/// <c>ConvertedReferrals</c>) and <c>ConvertedAt</c> are left to their column defaults (0, NULL), as a new row has
/// them.
/// </summary>
internal static class SignupRows
{
    private const string ParticipantColumns = """
        "Id", "CampaignId", "ExternalId", "Email", "NormalizedEmail", "Name",
            "ReferredById", "AttributionStatus", "AttributionReason", "CreatedAt"
        """;

    private const string CodeColumns = """
        "Id", "Code", "CampaignId", "ParticipantId", "IsVanity", "IsDisabled", "CreatedAt"
        """;

    private const string ReferralColumns = """
        "Id", "CampaignId", "ReferrerId", "ReferredId", "Status", "Source", "ClickId",
            "Code", "ClickedAt", "Reason", "CreatedAt"
        """;

    /// <summary>SQLite: the INSERTs, each ending with <c>;</c>, numbering placeholders on from
    /// <paramref name="args"/>' count (<see cref="RawSqlRows.Append"/>). A user registered already fails the
    /// participant's insert on the unique (campaign, external id) index; the group commit undoes the unit to its
    /// savepoint, and nothing reaches a log.</summary>
    public static void Append(StringBuilder sql, List<object> args, Participant p, ReferralCode code, Referral? referral)
    {
        sql.Append($"INSERT INTO \"Participants\" ({ParticipantColumns}) VALUES");
        RawSqlRows.Append(sql, args, first: true, Values(p));
        sql.Append($";\nINSERT INTO \"ReferralCodes\" ({CodeColumns}) VALUES");
        RawSqlRows.Append(sql, args, first: true, Values(code));
        if (referral is not null)
        {
            sql.Append($";\nINSERT INTO \"Referrals\" ({ReferralColumns}) VALUES");
            RawSqlRows.Append(sql, args, first: true, Values(referral));
        }

        sql.Append(";\n");
    }

    /// <summary>
    /// PostgreSQL: the same rows as the first queries of a <c>WITH</c> (<see cref="PostgresSignupStatement"/>):
    /// <c>new_participant</c> inserts the participant <c>ON CONFLICT</c> on (campaign, external id) <c>DO NOTHING</c>
    /// and returns its id if it wrote it; the code and the referral are inserted <c>FROM new_participant</c>, so a user
    /// registered already writes neither. A code that collides still fails the statement (only the external id's
    /// conflict is the arbiter), and the caller retries with another.
    /// </summary>
    public static void AppendWith(StringBuilder sql, List<object> args, Participant p, ReferralCode code, Referral? referral)
    {
        sql.Append($"WITH new_participant AS (\n    INSERT INTO \"Participants\" ({ParticipantColumns}) VALUES");
        RawSqlRows.Append(sql, args, first: true, Values(p));
        sql.Append("""
             ON CONFLICT ("CampaignId", "ExternalId") DO NOTHING RETURNING "Id"),
            """).Append('\n');
        // An INSERT's select list types an untyped parameter (a NULL) by its column, as VALUES does.
        sql.Append($"new_code AS (INSERT INTO \"ReferralCodes\" ({CodeColumns}) SELECT ");
        RawSqlRows.AppendList(sql, args, Values(code));
        sql.Append(" FROM new_participant)");
        if (referral is not null)
        {
            sql.Append($",\nnew_referral AS (INSERT INTO \"Referrals\" ({ReferralColumns}) SELECT ");
            RawSqlRows.AppendList(sql, args, Values(referral));
            sql.Append(" FROM new_participant)");
        }
    }

    private static object?[] Values(Participant p) =>
    [
        p.Id, p.CampaignId, p.ExternalId, p.Email, p.NormalizedEmail, p.Name, p.ReferredById,
        p.AttributionStatus?.ToString(), p.AttributionReason, p.CreatedAt,
    ];

    private static object?[] Values(ReferralCode c) =>
        [c.Id, c.Code, c.CampaignId, c.ParticipantId, c.IsVanity, c.IsDisabled, c.CreatedAt];

    private static object?[] Values(Referral r) =>
    [
        r.Id, r.CampaignId, r.ReferrerId, r.ReferredId, r.Status.ToString(), r.Source.ToString(), r.ClickId, r.Code,
        r.ClickedAt, r.Reason, r.CreatedAt,
    ];
}
