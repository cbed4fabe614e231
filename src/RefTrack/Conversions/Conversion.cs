using RefTrack.Infrastructure;

namespace RefTrack.Conversions;

public enum ConversionType
{
    Purchase,
    SubscriptionPayment,
    Custom,
}

/// <summary>Something a participant did, reported with the company's own event id (unique per campaign).</summary>
public sealed class Conversion : IPagedRow
{
    public Guid Id { get; init; } = UuidV7.New();
    public Guid CampaignId { get; init; }
    public Guid ParticipantId { get; init; }
    /// <summary>The participant's referral when the conversion is its; null when <see cref="UnattributedReason"/>
    /// says why not.</summary>
    public Guid? ReferralId { get; init; }

    /// <summary>Why the conversion is no referral's (<see cref="ConversionAttribution"/>); null when it is. Rows
    /// recorded before the column existed have null here and no referral: they were <c>not_referred</c>.</summary>
    public string? UnattributedReason { get; init; }
    public ConversionType Type { get; init; }
    public required string ExternalId { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    public DateTime OccurredAt { get; init; }
    public DateTime CreatedAt { get; init; }
}
