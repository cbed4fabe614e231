using System.Runtime.ExceptionServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Links;
using RefTrack.Referrals;
using RefTrack.Reports;
using RefTrack.Rewards;

namespace RefTrack.Participants;

public sealed record Registration(Participant Participant, string? Code, ReferralOutcome? Referral, bool Created);

/// <summary>
/// Registers a participant and, in the same transaction, its referral code, its referral (one-time attribution)
/// and the signup rewards. The unique index on (campaign, externalId) decides between concurrent registrations:
/// the loser returns the winner's participant and attributes nothing.
/// </summary>
public sealed class ParticipantRegistration(
    AppDbContext db, ITransactionRunner writes, IHotReads reads, ClickWriter clickWriter, RewardGranter granter,
    ActiveRuleCache activeRules, SignupQueries queries, TimeProvider clock)
{
    private const int CodeAttempts = 5;
    private const int ClickWaits = 20;
    private static readonly TimeSpan ClickWaitInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RecentClick = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ClickFlushLimit = TimeSpan.FromSeconds(2);

    public async Task<Registration> RegisterAsync(Campaign campaign, RegisterParticipantRequest request, CancellationToken ct)
    {
        var externalId = request.ExternalId!.Trim();
        // No read for an existing participant first: most registrations are of new users, for whom it found nothing
        // at the cost of a round trip (on PostgreSQL signups ran 18–34% faster without it in two alternated pairs:
        // docs/benchmarks-log.md, 12-04 20:05). A returning user's write writes nothing on PostgreSQL
        // (PostgresSignupStatement) and fails on the unique (campaign, external id) index on SQLite; either way the
        // participant stored is returned below, as for a concurrent registration that committed first.
        var participantId = UuidV7.New();
        var email = EmailNormalizer.Normalize(request.Email);
        var decision = Attribution.Decide(await GatherEvidenceAsync(campaign, participantId, externalId, email, request, ct));
        var rules = decision.Outcome == AttributionOutcome.Attributed
            ? await activeRules.GetAsync(db, campaign.Id, ct)
            : [];

        for (var attempt = 1; ; attempt++)
        {
            var code = CodeGenerator.NewCode();
            ExceptionDispatchInfo? violation = null;
            try
            {
                // On PostgreSQL the unit is one statement (its rows, the referrer's count, rewards and rollups), so it
                // runs in the server's implicit transaction, without BEGIN and COMMIT round trips.
                var created = await writes.RunOneCommandAsync(
                    (writeDb, wct) => InsertAsync(writeDb, campaign, participantId, externalId, email, request, decision,
                        rules, code, wct),
                    ct);
                if (created is not null)
                {
                    return created;
                }
            }
            catch (Exception e) when (DbErrors.IsUniqueViolation(e))
            {
                // SQLite: the user is registered already (or by a concurrent registration that committed first);
                // either database: the code collided (retried below).
                violation = ExceptionDispatchInfo.Capture(e);
            }

            // A user registered before, or concurrently by a registration that committed first: that participant.
            if (await FindAsync(campaign.Id, externalId, ct) is { } stored)
            {
                return stored;
            }

            if (attempt == CodeAttempts)
            {
                violation?.Throw();
                throw new InvalidOperationException($"Participant '{externalId}' was registered but is not stored.");
            }
        }
    }

    /// <summary>The write unit: the participant, its code, its referral, the signup rewards and the rollups; on
    /// PostgreSQL in one statement, its last act (<see cref="ITransactionRunner.RunOneCommandAsync{T}"/>), which
    /// writes nothing when the user is registered already: then null (SQLite's insert fails instead).</summary>
    private async Task<Registration?> InsertAsync(
        AppDbContext writeDb, Campaign campaign, Guid participantId, string externalId, string? email,
        RegisterParticipantRequest request, AttributionDecision decision, IReadOnlyList<RewardRule> rules, string code,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var participant = new Participant
        {
            Id = participantId,
            CampaignId = campaign.Id,
            ExternalId = externalId,
            Email = request.Email!.Trim(),
            NormalizedEmail = email,
            Name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(), // blank: no name, as omitted
            ReferredById = decision.Outcome == AttributionOutcome.Attributed ? decision.ReferrerId : null,
            AttributionStatus = decision.Outcome switch
            {
                AttributionOutcome.Attributed => ReferralStatus.Qualified,
                AttributionOutcome.Rejected => ReferralStatus.Rejected,
                _ => null,
            },
            AttributionReason = decision.Reason,
            CreatedAt = now,
        };
        var codeRow = new ReferralCode { Code = code, CampaignId = campaign.Id, ParticipantId = participantId, CreatedAt = now };
        var referral = NewReferral(campaign, participant, decision, now);
        var outcome = decision.Outcome switch
        {
            AttributionOutcome.None => null,
            AttributionOutcome.Attributed => new ReferralOutcome(ReferralStatus.Qualified, decision.Reason!),
            _ => new ReferralOutcome(ReferralStatus.Rejected, decision.Reason!),
        };
        var rollups = new RollupBatch(campaign.Id).Campaign(now, new CampaignDelta(
            Participants: 1, Signups: outcome?.Status == ReferralStatus.Qualified ? 1 : 0));
        var registration = new Registration(participant, code, outcome, Created: true);
        var grants = referral?.Status == ReferralStatus.Qualified
            ? RewardRules.ForSignupByCount(rules, referral.ReferrerId, referral.Id)
            : null;
        if (writeDb is PostgresAppDbContext)
        {
            var candidates = grants is null ? null : granter.SignupCandidates(referral!, grants);
            var written = await PostgresSignupStatement.WriteAsync(writeDb, participant, codeRow, referral, candidates,
                rollups, ct);
            return written ? registration : null;
        }

        // The rows are the first statements of the unit's next command rather than a command of their own: one EF
        // command less in SQLite's serialized writer. A unique violation: see the caller.
        void AppendRows(StringBuilder sql, List<object> args) => SignupRows.Append(sql, args, participant, codeRow, referral);
        if (grants is not null)
        {
            // The referrer's count, the rewards it earns and the rollups.
            await granter.CountReferralAndGrantAsync(writeDb, referral!, grants, rollups, AppendRows, ct);
        }
        else
        {
            await rollups.WriteAsync(writeDb, (sql, args, _) => AppendRows(sql, args), ct);
        }

        return registration;
    }

    /// <summary>The referral to record with the participant: qualified or rejected, when a referrer is known (a
    /// refusal without one records nothing but the participant's own attribution status).</summary>
    private static Referral? NewReferral(Campaign campaign, Participant participant, AttributionDecision decision, DateTime now)
    {
        if (decision.Outcome == AttributionOutcome.None || decision.ReferrerId is not { } referrerId)
        {
            return null;
        }

        return new Referral
        {
            CampaignId = campaign.Id,
            ReferrerId = referrerId,
            ReferredId = participant.Id,
            Status = decision.Outcome == AttributionOutcome.Attributed ? ReferralStatus.Qualified : ReferralStatus.Rejected,
            Source = decision.Source,
            ClickId = decision.ClickId,
            Code = decision.Code!,
            ClickedAt = decision.ClickedAt,
            Reason = decision.Reason!,
            CreatedAt = now,
        };
    }

    private async Task<AttributionInput> GatherEvidenceAsync(
        Campaign campaign, Guid participantId, string externalId, string? email, RegisterParticipantRequest request,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var clickIdGiven = !string.IsNullOrWhiteSpace(request.ClickId);
        ClickEvidence? click = null;
        List<ClickEvidence> sameDevice = [];
        if (clickIdGiven && Guid.TryParse(request.ClickId, out var clickId))
        {
            // Clicks are written in batches: the one named, or a later one from the same device, may still be
            // queued on this node. Returns at once when nothing is queued. At most ClickFlushLimit: the writer may be
            // held up for minutes (a rollup rebuild holding the rollups on PostgreSQL or the write gate on SQLite, a
            // database that does not answer, retried), and a signup waited for it without a limit, never reaching its
            // own statement's timeout and 503 (found by review). Past the limit the signup reads what is committed,
            // as it does for a click queued on another node.
            await clickWriter.FlushAsync(ClickFlushLimit, ct);
            var found = await ClickWithDeviceAsync(clickId, campaign, now, ct);
            // Or it was answered a moment ago by another node and is still in that node's queue: a click id minted
            // in the last few seconds is worth a short wait before it is called unknown for good.
            for (var wait = 0; found.Count == 0 && wait < ClickWaits && ClickIds.IsRecent(clickId, now, RecentClick); wait++)
            {
                // Unless the user is already registered: nothing is read for that before the write (see the caller),
                // but a returning user is not kept waiting for a click it will not be attributed to.
                if (wait == 0 && await FindAsync(campaign.Id, externalId, ct) is not null)
                {
                    break;
                }

                await Task.Delay(ClickWaitInterval, ct); // Wall time: it waits for another process, not for our clock.
                found = await ClickWithDeviceAsync(clickId, campaign, now, ct);
            }

            click = found.Find(c => c.ClickId == clickId);
            sameDevice = found; // The named click among them is harmless: attribution takes each click once.
        }

        var codeGiven = !string.IsNullOrWhiteSpace(request.ReferralCode);
        CodeEvidence? code = null;
        if (codeGiven)
        {
            var normalized = ReferralCode.Normalize(request.ReferralCode!);
            code = await reads.RunAsync(db, r => queries.Code(r, normalized, ct));
        }

        return new AttributionInput(campaign.Id, campaign.AttributionWindowDays, campaign.AttributionModel, now,
            participantId, email, clickIdGiven, click, sameDevice, codeGiven, code);
    }

    /// <summary>The named click and its device's clicks in the window <see cref="Attribution"/> applies (the device's
    /// earliest or latest ones, as the campaign's model needs: see <see cref="SignupQueries.ClickWithDevice"/>).</summary>
    private Task<List<ClickEvidence>> ClickWithDeviceAsync(Guid clickId, Campaign campaign, DateTime now, CancellationToken ct)
    {
        var query = queries.ClickWithDevice(campaign.AttributionModel);
        var since = Attribution.WindowStart(now, campaign.AttributionWindowDays);
        var until = now + ClickIds.MaxClockSkew;
        return reads.RunAsync(db, r => query(r, clickId, campaign.Id, since, until).ToListAsync(ct).AsTask());
    }

    /// <summary>The participant by external id, as a registration that created nothing.</summary>
    public async Task<Registration?> FindAsync(Guid campaignId, string externalId, CancellationToken ct)
    {
        var row = await reads.RunAsync(db, r => queries.Participant(r, campaignId, externalId, ct));
        return row is null ? null : new Registration(row.Participant, row.Code, row.Referral, Created: false);
    }
}
