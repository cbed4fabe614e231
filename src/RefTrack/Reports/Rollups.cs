using RefTrack.Rewards;

namespace RefTrack.Reports;

/// <summary>
/// Per campaign and UTC day: what the funnel and the time series read, so reports never scan raw clicks,
/// participants or referrals. Each writer adds its delta in its own transaction. <see cref="Slot"/> lets a campaign's
/// day be several rows that a reader sums: on PostgreSQL each transaction's delta is a row of its own until it is
/// folded (<see cref="RollupBatch"/>), so concurrent signups do not queue on a single hot row.
/// </summary>
public sealed class CampaignDailyStats
{
    public Guid CampaignId { get; init; }
    public DateOnly Day { get; init; }
    public int Slot { get; init; }
    public long Clicks { get; init; }
    public long UniqueClicks { get; init; }
    public long BotClicks { get; init; }
    public long Participants { get; init; }

    /// <summary>Qualified referrals (referred signups).</summary>
    public long Signups { get; init; }

    /// <summary>Referrals converted that day: the referred user's first purchase of more than 0 recorded (not the
    /// earliest by <c>occurredAt</c>: one backfilled later does not move it), on the day of its <c>occurredAt</c>.</summary>
    public long ConvertedReferrals { get; init; }

    public long Conversions { get; init; }
}

/// <summary>Clicks per referrer and UTC day, maintained by the click writer.</summary>
public sealed class ParticipantDailyClicks
{
    public Guid CampaignId { get; init; }
    public Guid ParticipantId { get; init; }
    public DateOnly Day { get; init; }
    public long Clicks { get; init; }
    public long UniqueClicks { get; init; }
    public long BotClicks { get; init; }
}

/// <summary>Reward count and amount per campaign, currency and status (slotted like <see cref="CampaignDailyStats"/>).</summary>
public sealed class RewardTotals
{
    public Guid CampaignId { get; init; }
    public required string Currency { get; init; }
    public RewardStatus Status { get; init; }
    public int Slot { get; init; }
    public long Count { get; init; }
    public long Amount { get; init; }
}

/// <summary>
/// Reward count and amount per referrer or referee, currency and status: what participant stats read, so a top
/// referrer with many thousands of rewards answers from a few rows. Not slotted: its writers already queue on the
/// participant's own row (the referral counters) in the same transactions.
/// </summary>
public sealed class ParticipantRewardTotals
{
    public Guid CampaignId { get; init; }
    public Guid ParticipantId { get; init; }
    public required string Currency { get; init; }
    public RewardStatus Status { get; init; }
    public long Count { get; init; }
    public long Amount { get; init; }
}

/// <summary>What one transaction adds to a campaign's day.</summary>
public readonly record struct CampaignDelta(
    long Clicks = 0, long UniqueClicks = 0, long BotClicks = 0, long Participants = 0, long Signups = 0,
    long ConvertedReferrals = 0, long Conversions = 0);
