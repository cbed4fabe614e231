using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Campaigns;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Participants;
using RefTrack.Reports;

namespace RefTrack.Rewards;

public static class RewardApi
{
    public static RouteGroupBuilder MapRewards(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapCampaignGroup("/rewards", "Rewards");
        group.MapGet("/", List);
        group.MapGet("/{rewardId:guid}", Get);
        group.MapPost("/{rewardId:guid}/approve",
            (Guid campaignId, Guid rewardId, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
                Move(campaignId, rewardId, RewardStatus.Approved, [RewardStatus.Pending], db, clock, ct))
            .ProducesProblem(StatusCodes.Status409Conflict); // invalid-transition
        group.MapPost("/{rewardId:guid}/mark-paid",
            (Guid campaignId, Guid rewardId, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
                Move(campaignId, rewardId, RewardStatus.Paid, [RewardStatus.Approved], db, clock, ct))
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{rewardId:guid}/void",
            (Guid campaignId, Guid rewardId, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
                Move(campaignId, rewardId, RewardStatus.Voided, [RewardStatus.Pending, RewardStatus.Approved], db, clock, ct))
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Ok<Page<RewardResponse>>, ValidationProblem>> List(
        Guid campaignId, Guid? participantId, [EnumNames(typeof(RewardStatus))] string? status, string? cursor,
        [PageLimit] int? limit, AppDbContext db, CancellationToken ct)
    {
        var validator = new Validator();
        var page = PageRequest.Parse(cursor, limit, validator);
        RewardStatus parsedStatus = default;
        if (status is not null)
        {
            validator.Enum(status, "status", out parsedStatus);
        }

        if (!validator.IsValid)
        {
            return Problems.Validation(validator.Errors);
        }

        RewardStatus? only = status is null ? null : parsedStatus;
        var rows = await PageQuery(db, campaignId, participantId, only, page).ToListAsync(ct);
        return TypedResults.Ok(page.ToPage(rows, r => r.AsResponse()));
    }

    /// <summary>
    /// The page's rows, read off (campaign, status, id) or (participant, status, id) in id order, so that a page costs
    /// its own rows however many rewards match (RewardConfiguration). SQLite plans without statistics (RefTrack never
    /// runs ANALYZE), so each query names only what its index leads with: an index leading with another column the
    /// query also names could win the plan and be read in id order, through every reward it holds.
    /// </summary>
    internal static IQueryable<Reward> PageQuery(
        AppDbContext db, Guid campaignId, Guid? participantId, RewardStatus? status, PageRequest page)
    {
        var rewards = db.Rewards.AsNoTracking();
        var scope = rewards.Where(r => r.CampaignId == campaignId);
        if (participantId is { } pid)
        {
            // A reward is granted in its participant's campaign, from a referral of that campaign (RewardGranter).
            var campaignOf = ParticipantQueries.CampaignOf(db, pid);
            scope = rewards.Where(r => r.ParticipantId == pid && campaignOf.FirstOrDefault() == campaignId);
        }

        if (status is { } one)
        {
            return OneStatus(db, scope, one, page);
        }

        // Every status: a page of each, merged, rather than an index on (campaign, id) and one on (participant, id)
        // that every reward granted would write to as well. The merge takes only ids, which the index holds, and reads
        // the rows of the page it keeps, not four pages of rows for one.
        var ids = Enum.GetValues<RewardStatus>()
            .Select(each => OneStatus(db, scope, each, page).Select(r => r.Id))
            .Aggregate(Queryable.Concat)
            .OrderBy(id => id).Take(page.Limit + 1);
        return rewards.Where(r => ids.Contains(r.Id)).OrderBy(r => r.Id);
    }

    /// <summary>A page of <paramref name="scope"/>'s rewards of one status, in id order, read off the index that
    /// leads with the campaign or the participant and then the status (<see cref="PageRequest.Window{T, TKey}"/>
    /// says why PostgreSQL is asked for the status as a range; <c>PostgresListPlanTests</c>).</summary>
    private static IQueryable<Reward> OneStatus(
        AppDbContext db, IQueryable<Reward> scope, RewardStatus status, PageRequest page) =>
        db is PostgresAppDbContext
            ? page.Window(scope.Where(r => r.Status >= status && r.Status <= status), r => r.Status)
            : page.Window(scope.Where(r => r.Status == status));

    private static async Task<Results<Ok<RewardResponse>, ProblemHttpResult>> Get(
        Guid campaignId, Guid rewardId, AppDbContext db, CancellationToken ct)
    {
        var reward = await db.Rewards.AsNoTracking()
            .FirstOrDefaultAsync(r => r.Id == rewardId && r.CampaignId == campaignId, ct);
        return reward is null ? Problems.NotFound("Reward") : TypedResults.Ok(reward.AsResponse());
    }

    /// <summary>
    /// One conditional UPDATE: the allowed source states are in the WHERE, so two concurrent calls cannot both
    /// move the same reward, and history is never rewritten (a paid reward is not voided; refunds will adjust).
    /// </summary>
    private static async Task<Results<Ok<RewardResponse>, ProblemHttpResult>> Move(
        Guid campaignId, Guid rewardId, RewardStatus to, RewardStatus[] from, AppDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.BeginWriteAsync(ct);
        var reward = await db.Rewards.AsNoTracking()
            .FirstOrDefaultAsync(r => r.Id == rewardId && r.CampaignId == campaignId, ct);
        if (reward is null)
        {
            return Problems.NotFound("Reward");
        }

        // The status read is in the WHERE: if another request moved the reward meanwhile, nothing is updated, and the
        // move is tried again from the status the reward has now if it is allowed from that one too (a void that lost
        // to an approval voids the approved reward, as it would have run after it; it answered 409 before). Statuses
        // only move forward (pending, approved, paid; voided), so this ends within three tries. The rollup below
        // moves exactly what the row moved.
        var status = reward.Status;
        var moved = false;
        while (!moved && from.Contains(status))
        {
            moved = await db.Rewards
                .Where(r => r.Id == rewardId && r.Status == status)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, to).SetProperty(r => r.UpdatedAt, now), ct) == 1;
            if (!moved)
            {
                status = await db.Rewards.AsNoTracking().Where(r => r.Id == rewardId).Select(r => r.Status).FirstAsync(ct);
            }
        }

        if (!moved)
        {
            return Problems.Conflict("invalid-transition",
                $"{(Name(status) is ['a' or 'e' or 'i' or 'o' or 'u', ..] ? "An" : "A")} {Name(status)} reward cannot become {Name(to)}.",
                $"Allowed from: {string.Join(", ", from.Select(Name))}.");
        }

        await new RollupBatch(campaignId)
            .Rewards(reward.Currency, status, -1, -reward.Amount)
            .Rewards(reward.Currency, to, 1, reward.Amount)
            .ParticipantRewards(
            [
                new(reward.ParticipantId, reward.Currency, status, -1, -reward.Amount),
                new(reward.ParticipantId, reward.Currency, to, 1, reward.Amount),
            ])
            .WriteAsync(db, ct);
        await tx.CommitAsync(ct);
        reward.Status = to;
        reward.UpdatedAt = now;
        return TypedResults.Ok(reward.AsResponse());
    }

    private static string Name(RewardStatus status) => Infrastructure.Validator.JsonName(status);
}
