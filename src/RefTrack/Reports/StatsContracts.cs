using RefTrack.Rewards;

namespace RefTrack.Reports;

/// <summary><c>total</c>: every recorded click; <c>unique</c>: first clicks per visitor and code, bots excluded.</summary>
public sealed record ClickCounts(long Total, long Unique, long Bots);

/// <summary>Counts are <c>long</c> as the rollups store them: a campaign's rewards, conversions or signups summed past
/// 2³¹ (years of subscription payments) wrapped negative as an <c>int</c>, or failed the report.</summary>
public sealed record RewardTotal(string Currency, RewardStatus Status, long Count, long Amount);

public sealed record ParticipantStats(
    Guid ParticipantId,
    string ExternalId,
    ClickCounts Clicks,
    int Referrals,
    int ConvertedReferrals,
    double ConversionRate,
    IReadOnlyList<RewardTotal> Rewards);

/// <summary>clicks (unique clicks: a visitor new to the code clicked, so one person who follows two codes counts twice) →
/// signups (qualified referrals) → conversions (referrals that purchased).</summary>
public sealed record Funnel(long Clicks, long Signups, long Conversions, double SignupRate, double ConversionRate);

public sealed record TopReferrer(Guid ParticipantId, string ExternalId, int Referrals, int ConvertedReferrals);

public sealed record CampaignStats(
    Guid CampaignId,
    ClickCounts Clicks,
    long Participants,
    long Referrals,
    long ConvertedReferrals,
    double ConversionRate,
    long Conversions,
    Funnel Funnel,
    IReadOnlyList<RewardTotal> Rewards,
    IReadOnlyList<TopReferrer> TopReferrers);

public sealed record DayStats(DateOnly Day, long Clicks, long UniqueClicks, long Signups, long Conversions);

/// <summary>One entry per UTC day from <c>from</c> to <c>to</c>, days without activity included as zeros.</summary>
public sealed record TimeSeries(Guid CampaignId, DateOnly From, DateOnly To, IReadOnlyList<DayStats> Days);

public sealed record LeaderboardEntry(int Rank, Guid ParticipantId, string ExternalId, int Referrals, int ConvertedReferrals);

public sealed record Leaderboard(Guid CampaignId, IReadOnlyList<LeaderboardEntry> Data);
