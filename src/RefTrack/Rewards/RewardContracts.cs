namespace RefTrack.Rewards;

public sealed record RewardResponse(
    Guid Id,
    Guid ParticipantId,
    Guid RuleId,
    Guid ReferralId,
    Guid? ConversionId,
    long Amount,
    string Currency,
    RewardStatus Status,
    DateTime CreatedAt,
    DateTime UpdatedAt);

internal static class RewardMapping
{
    public static RewardResponse AsResponse(this Reward r) =>
        new(r.Id, r.ParticipantId, r.RuleId, r.ReferralId, r.ConversionId, r.Amount, r.Currency, r.Status,
            r.CreatedAt, r.UpdatedAt);
}
