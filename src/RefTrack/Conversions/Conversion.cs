using RefTrack.Infrastructure;

namespace RefTrack.Conversions;

public enum ConversionType
{
    Purchase,
    SubscriptionPayment,
    Custom,
}

/// <summary>Something a participant did, reported with the company's own event id (unique per campaign).</summary>
public sealed class Conversion
{
    public Guid Id { get; init; } = UuidV7.New();
    public Guid CampaignId { get; init; }
    public Guid ParticipantId { get; init; }
    public Guid? ReferralId { get; init; }
    public ConversionType Type { get; init; }
    public required string ExternalId { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    public DateTime OccurredAt { get; init; }
    public DateTime CreatedAt { get; init; }
}
