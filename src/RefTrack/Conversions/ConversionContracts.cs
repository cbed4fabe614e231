using RefTrack.Infrastructure;
using RefTrack.Rewards;

namespace RefTrack.Conversions;

public sealed record RecordConversionRequest(
    string? ParticipantExternalId,
    Guid? ParticipantId,
    string? Type,
    long? Amount,
    string? Currency,
    string? ExternalId,
    DateTime? OccurredAt) : IIdempotentRequest
{
    public const long MaxAmount = 1_000_000_000_000_000;

    public Validator Validate(out ConversionType type) => new Validator()
        .Check(ParticipantExternalId is null != ParticipantId is null, "participantExternalId",
            "Give exactly one of participantExternalId and participantId.")
        .Optional(ParticipantExternalId, "participantExternalId", 200)
        .Enum(Type, "type", out type)
        .Check(Amount is not null || type == ConversionType.Custom, "amount", "Required: the amount in minor units.")
        .Check(Amount is null or (>= 0 and <= MaxAmount), "amount", $"Between 0 and {MaxAmount} minor units.")
        .Currency(Currency, "currency")
        .Required(ExternalId, "externalId", 200);
}

public sealed record ConversionResponse(
    Guid Id,
    Guid ParticipantId,
    Guid? ReferralId,
    ConversionType Type,
    long Amount,
    string Currency,
    string ExternalId,
    DateTime OccurredAt,
    DateTime CreatedAt,
    IReadOnlyList<RewardResponse> Rewards);

internal static class ConversionMapping
{
    public static ConversionResponse AsResponse(this Conversion c, IEnumerable<Reward> rewards) =>
        new(c.Id, c.ParticipantId, c.ReferralId, c.Type, c.Amount, c.Currency, c.ExternalId, c.OccurredAt,
            c.CreatedAt, rewards.Select(r => r.AsResponse()).ToList());
}
