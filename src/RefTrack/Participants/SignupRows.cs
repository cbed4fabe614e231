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
    /// <summary>Appends the INSERTs, each ending with <c>;</c>, numbering placeholders on from
    /// <paramref name="args"/>' count (<see cref="RawSqlRows.Append"/>).</summary>
    public static void Append(StringBuilder sql, List<object> args, Participant p, ReferralCode code, Referral? referral)
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
        sql.Append("""
            ;
            INSERT INTO "ReferralCodes" ("Id", "Code", "CampaignId", "ParticipantId", "IsVanity", "IsDisabled", "CreatedAt") VALUES
            """);
        RawSqlRows.Append(sql, args, first: true,
            [code.Id, code.Code, code.CampaignId, code.ParticipantId, code.IsVanity, code.IsDisabled, code.CreatedAt]);
        if (referral is not null)
        {
            sql.Append("""
                ;
                INSERT INTO "Referrals" ("Id", "CampaignId", "ReferrerId", "ReferredId", "Status", "Source", "ClickId",
                    "Code", "ClickedAt", "Reason", "CreatedAt") VALUES
                """);
            RawSqlRows.Append(sql, args, first: true,
            [
                referral.Id, referral.CampaignId, referral.ReferrerId, referral.ReferredId, referral.Status.ToString(),
                referral.Source.ToString(), referral.ClickId, referral.Code, referral.ClickedAt, referral.Reason,
                referral.CreatedAt,
            ]);
        }

        sql.Append(";\n");
    }
}
