using System.Text.Json.Serialization;
using RefTrack.Infrastructure;
using RefTrack.Rewards;

namespace RefTrack.Conversions;

/// <summary>
/// Fields with a default are optional (so the OpenAPI document says): one of the participant fields is needed, and
/// <c>amount</c> for all but custom conversions (<see cref="Validate"/>). The JSON order is the one the fields had
/// before the required ones moved first: <see cref="IdempotencyFilter"/> hashes the body as serialized, and stored
/// <c>Idempotency-Key</c> hashes must still match a retry of the same body.
/// </summary>
public sealed record RecordConversionRequest(
    [property: JsonPropertyOrder(3), EnumNames(typeof(ConversionType))] string? Type,
    [property: JsonPropertyOrder(5)] string? Currency,
    [property: JsonPropertyOrder(6)] string? ExternalId,
    [property: JsonPropertyOrder(1)] string? ParticipantExternalId = null,
    [property: JsonPropertyOrder(2)] Guid? ParticipantId = null,
    [property: JsonPropertyOrder(4)] long? Amount = null,
    [property: JsonPropertyOrder(7)] DateTime? OccurredAt = null) : IIdempotentRequest
{
    /// <summary>10^12 minor units (ten billion dollars in cents), the most a reward rule pays too. Reward totals are
    /// sums of 64-bit integers (the reward rollups, the participant's totals): with rewards at most this, a currency's
    /// total reaches 2^63 only after 9.2 million of the largest. At 10^15 it took 9,200, and past that SQLite turns
    /// the sum into a floating-point number and PostgreSQL refuses every grant in that currency.</summary>
    public const long MaxAmount = 1_000_000_000_000;

    private static readonly string CustomType = Validator.JsonName(ConversionType.Custom);

    /// <summary>A conversion's and its participant's external ids, at most (counted before trimming).</summary>
    private const int MaxIdLength = 200;

    /// <summary>
    /// Hashed as stored: <c>occurredAt</c> in UTC (<see cref="OccurredAtUtc"/>). As bound, one instant had several
    /// spellings: a time sent with an offset is bound as the node's local time and serializes with the node's own
    /// offset (one body, two requests to nodes in different time zones), and one without an offset, which the API
    /// takes as UTC, serialized without the <c>Z</c> that its retry may add; either retry was a 422. (A key claimed by
    /// a version before this one with a time without an offset no longer matches its retry: a 422 until the claim
    /// expires, <see cref="IdempotencyOptions"/>.) The ids are hashed trimmed, as they are stored and matched:
    /// <c>" order-1 "</c> is <c>order-1</c>, as its replay without the key is; one the handler refuses, as sent
    /// (<see cref="CanonicalValues"/>). A custom conversion's <c>amount</c> left out is 0, as it is stored and as its
    /// replay without the key compares it: sent as 0 in the retry it was a 422 (found by review; a key a version before
    /// this claimed for a custom conversion without its amount matches its retry only as bound, byte for byte the
    /// same: <see cref="IdempotencyFilter"/>; otherwise a 422 until the claim expires).
    /// </summary>
    public IIdempotentRequest Canonical() => this with
    {
        Amount = Amount ?? (Type == CustomType ? 0 : (long?)null),
        OccurredAt = OccurredAtUtc(), // Null stays null.
        ExternalId = CanonicalValues.Id(ExternalId, MaxIdLength),
        ParticipantExternalId = CanonicalValues.Id(ParticipantExternalId, MaxIdLength),
    };

    /// <summary>The earliest <c>occurredAt</c>: older than any referral program run on this service, and it catches a
    /// client's default or zero time (0001-01-01, 1970-01-01) before it lands in the reports (or, on PostgreSQL, as
    /// -infinity).</summary>
    public static readonly DateTime EarliestOccurredAt = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>How far ahead of our clock <c>occurredAt</c> may be: the caller's clock may run ahead of ours, but an
    /// event a day ahead is a wrong time zone or a wrong date, and it would count in days that have not happened.</summary>
    public static readonly TimeSpan OccurredAtTolerance = TimeSpan.FromDays(1);

    /// <param name="now">The current time (UTC): <c>occurredAt</c> may be at most <see cref="OccurredAtTolerance"/>
    /// after it.</param>
    public Validator Validate(DateTime now, out ConversionType type) => new Validator()
        .Check(ParticipantExternalId is null != ParticipantId is null, "participantExternalId",
            "Give exactly one of participantExternalId and participantId.")
        .Check(ParticipantExternalId is null || !string.IsNullOrWhiteSpace(ParticipantExternalId), "participantExternalId",
            "Must not be empty.")
        .OptionalId(ParticipantExternalId, "participantExternalId", MaxIdLength)
        .Enum(Type, "type", out type)
        // Only a type given and known decides whether the amount is required: a missing or unknown one has its own
        // error, and an "amount: Required" beside it was wrong for a custom conversion (sent as "Custom", say).
        .Check(Amount is not null || type == ConversionType.Custom || Type != Validator.JsonName(type), "amount",
            "Required: the amount in minor units.")
        .Check(Amount is null or (>= 0 and <= MaxAmount), "amount", $"Between 0 and {MaxAmount} minor units.")
        .Currency(Currency, "currency")
        .RequiredId(ExternalId, "externalId", MaxIdLength)
        .Check(OccurredAtUtc() is not { } at || InRange(at, now), "occurredAt",
            "From 2000-01-01T00:00:00Z to one day after the current time (UTC).");

    /// <summary>
    /// <c>occurredAt</c> in UTC. A time without an offset is UTC, as every time of the API: System.Text.Json binds it
    /// as <see cref="DateTimeKind.Unspecified"/>, which <see cref="DateTime.ToUniversalTime"/> would take for the
    /// server's local time (on a server in New York, <c>23:30</c> would be stored as <c>04:30</c> the next day). A
    /// time with an offset is bound as local time and converts back exactly; one ending in <c>Z</c> is UTC already.
    /// In whole microseconds, as PostgreSQL keeps it (<see cref="MicrosecondClock"/>): the 201 answers what a GET reads.
    /// </summary>
    public DateTime? OccurredAtUtc() => OccurredAt switch
    {
        null => null,
        { Kind: DateTimeKind.Unspecified } t => MicrosecondClock.Truncate(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
        { } t => MicrosecondClock.Truncate(t.ToUniversalTime()),
    };

    private static bool InRange(DateTime occurredAt, DateTime now) =>
        occurredAt >= EarliestOccurredAt && occurredAt <= now + OccurredAtTolerance;
}

/// <param name="ReferralId">The referral the conversion counts for; null when <paramref name="UnattributedReason"/>
/// says why it counts for none.</param>
/// <param name="UnattributedReason"><c>not_referred</c> (the participant has no qualified referral) or
/// <c>before_referral</c> (it happened before the user was referred); null when it has a referral.</param>
public sealed record ConversionResponse(
    Guid Id,
    Guid ParticipantId,
    Guid? ReferralId,
    string? UnattributedReason,
    ConversionType Type,
    long Amount,
    string Currency,
    string ExternalId,
    DateTime OccurredAt,
    DateTime CreatedAt,
    IReadOnlyList<RewardResponse> Rewards);

internal static class ConversionMapping
{
    /// <summary>The rewards in one order whoever answers (the 201, a replay, a GET, the list): by rule, then id. Ids
    /// minted in the same millisecond have no order of their own, so the same purchase's two rewards came back in
    /// either order.</summary>
    public static ConversionResponse AsResponse(this Conversion c, IEnumerable<Reward> rewards) =>
        new(c.Id, c.ParticipantId, c.ReferralId, UnattributedReason(c), c.Type, c.Amount, c.Currency, c.ExternalId,
            c.OccurredAt, c.CreatedAt, rewards.OrderBy(r => r.RuleId).ThenBy(r => r.Id).Select(r => r.AsResponse()).ToList());

    // Rows from before the column have none; without a referral they could only be not_referred.
    private static string? UnattributedReason(Conversion c) =>
        c.ReferralId is null ? c.UnattributedReason ?? ConversionAttribution.NotReferred : null;
}
