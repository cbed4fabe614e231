using RefTrack.Infrastructure;
using RefTrack.Referrals;

namespace RefTrack.Participants;

public sealed record RegisterParticipantRequest(
    string? ExternalId, string? Email, string? Name, string? ReferralCode, string? ClickId) : IIdempotentRequest
{
    public Validator Validate() => new Validator()
        .RequiredId(ExternalId, "externalId", 200)
        .RequiredId(Email, "email", 320)
        .Check(Email is null || EmailNormalizer.Normalize(Email) is not null, "email", "Not an email address.")
        .Optional(Name, "name", 200)
        .OptionalId(ReferralCode, "referralCode", 64)
        .OptionalId(ClickId, "clickId", 64);
}

/// <summary>The outcome of attribution: <c>qualified</c>, <c>flagged</c> or <c>rejected</c>, and why.</summary>
public sealed record ReferralOutcome(ReferralStatus Status, string Reason);

public sealed record ParticipantResponse(
    Guid Id,
    string ExternalId,
    string? Email,
    string? Name,
    string ReferralCode,
    string ReferralLink,
    Guid? ReferredBy,
    ReferralOutcome? Referral,
    DateTime CreatedAt);

public sealed record AddCodeRequest(string? Code)
{
    public Validator Validate() => new Validator()
        .RequiredId(Code, "code", 32)
        .Check(Code is null || Links.CodeGenerator.IsValidVanity(Code.Trim()), "code",
            "3–32 letters, digits, '-' or '_'.");
}

public sealed record CodeResponse(string Code, string Link, Guid ParticipantId, bool Vanity, bool Disabled);
