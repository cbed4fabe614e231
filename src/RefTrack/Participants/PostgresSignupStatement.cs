using System.Text;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Referrals;
using RefTrack.Reports;
using RefTrack.Rewards;

namespace RefTrack.Participants;

/// <summary>
/// PostgreSQL: a signup's whole write as one statement of data-modifying <c>WITH</c> queries, the unit's one command
/// (<see cref="ITransactionRunner.RunOneCommandAsync{T}"/>): the participant, its code and referral
/// (<see cref="SignupRows.AppendWith"/>), the referrer's count with the rewards it earns
/// (<see cref="PostgresGrantStatements.AppendSignup"/>) and the rollups (<see cref="RollupBatch.AppendWith"/>).
/// </summary>
/// <remarks>
/// The participant is inserted <c>ON CONFLICT</c> on (campaign, external id) <c>DO NOTHING</c>, and every other query
/// writes only if that one wrote its row: it reads the row's id, or tests <see cref="Written"/>, which runs before it
/// takes any row lock (the referrer's count: a registration of the same user that waits for the first to commit holds
/// no referrer meanwhile). So a registration of a user registered already (an integrator may register its users at
/// every login; a retried request) writes nothing and fails nothing, and the caller reads the stored participant.
/// Before, its insert failed on the unique index: a rolled-back transaction, a dead row and an ERROR with the statement
/// in the server's log, each time. A condition on each statement of the several this statement replaces cost every
/// new signup more (docs/benchmarks-log.md, 12-04 22:33); here it is one statement, planned once per connection.
/// Foreign keys are checked at the end of the statement, so the code and the referral may name the participant
/// inserted in it.
/// </remarks>
internal static class PostgresSignupStatement
{
    /// <summary>True only if the participant's insert wrote its row.</summary>
    private const string Written = "EXISTS (SELECT FROM new_participant)";

    /// <summary>Runs the statement; false when the user was registered already and nothing was written.</summary>
    /// <param name="candidates">For a qualified referral, the rewards its referrer's new count may earn, each with the
    /// counts it applies to; null without one (nothing counted).</param>
    public static async Task<bool> WriteAsync(
        AppDbContext db, Participant participant, ReferralCode code, Referral? referral,
        IReadOnlyList<(Reward Reward, int From, int To)>? candidates, RollupBatch rollups, CancellationToken ct)
    {
        var slot = RollupBatch.DeltaSlot(db);
        var sql = new StringBuilder();
        var args = new List<object>();
        SignupRows.AppendWith(sql, args, participant, code, referral);
        if (referral is not null && candidates is not null)
        {
            PostgresGrantStatements.AppendSignup(sql, args, slot, referral, candidates, Written);
        }

        rollups.AppendWith(sql, args, slot, Written);
        sql.Append("\nSELECT COUNT(*)::int FROM new_participant");
        var written = await RawSqlRows.QueryAsync(db, sql.ToString(), args, r => r.GetInt32(0), ct);
        return written[0] == 1;
    }
}
