using RefTrack.Infrastructure;
using RefTrack.Referrals;

namespace RefTrack.Participants;

/// <summary>Fields with a default are optional (so the OpenAPI document says).</summary>
public sealed record RegisterParticipantRequest(
    string? ExternalId, string? Email, string? Name = null, string? ReferralCode = null, string? ClickId = null)
    : IIdempotentRequest
{
    private const int MaxExternalIdLength = 200;
    private const int MaxEmailLength = 320;
    private const int MaxNameLength = 200;
    private const int MaxCodeLength = 64;

    /// <summary>The error on <c>email</c> when it is no address (<see cref="EmailNormalizer.Normalize(string?)"/>).</summary>
    internal const string NotAnAddress = "Not an email address.";

    /// <summary>
    /// Hashed for <c>Idempotency-Key</c> as registration reads it: values trimmed, a blank name, code or click id as
    /// none, the code in its stored case, a click id as one GUID; a value it refuses as sent (<see cref="CanonicalValues"/>). A retry that
    /// spells the same values otherwise is the same body.
    /// </summary>
    public IIdempotentRequest Canonical() => this with
    {
        ExternalId = CanonicalValues.Id(ExternalId, MaxExternalIdLength),
        Email = CanonicalValues.Id(Email, MaxEmailLength),
        Name = CanonicalValues.Text(Name, MaxNameLength),
        ReferralCode = CanonicalValues.OptionalId(ReferralCode, MaxCodeLength, Links.ReferralCode.Normalize),
        // Registration reads a click id as a GUID, in any of its spellings (case, braces, no hyphens).
        ClickId = CanonicalValues.OptionalId(ClickId, MaxCodeLength, id => Guid.TryParse(id, out var g) ? g.ToString() : id.Trim()),
    };

    public Validator Validate() => new Validator()
        .RequiredId(ExternalId, "externalId", MaxExternalIdLength)
        .Check(ExternalId is null || IsAddressable(ExternalId.Trim()), "externalId",
            "May not contain '/' nor be '.' or '..': it names the participant in URLs.")
        .RequiredId(Email, "email", MaxEmailLength)
        .Check(Email is null || EmailNormalizer.Normalize(Email) is not null, "email", NotAnAddress)
        .Optional(Name, "name", MaxNameLength)
        .OptionalId(ReferralCode, "referralCode", MaxCodeLength)
        .OptionalId(ClickId, "clickId", MaxCodeLength);

    /// <summary>
    /// Whether a route's <c>{idOrExternalId}</c> can carry the external id. ASP.NET Core leaves <c>%2F</c> encoded in
    /// route values (so that an escaped slash is not a path separator), and clients and servers collapse the dot
    /// segments <c>.</c> and <c>..</c> out of paths: a participant registered so could never be read back by its id.
    /// </summary>
    public static bool IsAddressable(string externalId) =>
        !externalId.Contains('/', StringComparison.Ordinal) && externalId is not ("." or "..");
}

/// <summary>The outcome of attribution: <c>qualified</c>, <c>flagged</c> or <c>rejected</c>, and why.</summary>
public sealed record ReferralOutcome(ReferralStatus Status, string Reason);

public sealed record ParticipantResponse(
    Guid Id,
    string ExternalId,
    string Email,
    string? Name,
    string? ReferralCode, // Null only for a participant imported by hand without a generated code.
    string? ReferralLink,
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
