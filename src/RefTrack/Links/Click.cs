namespace RefTrack.Links;

/// <summary>One visit through a referral link. Its id is the click id handed to the browser.</summary>
public sealed class Click
{
    public Guid Id { get; init; }
    public Guid CampaignId { get; init; }
    public Guid ReferralCodeId { get; init; }

    /// <summary>The referrer (owner of the code), denormalised so reports need no join.</summary>
    public Guid ParticipantId { get; init; }

    public DateTime OccurredAt { get; init; }
    public required string IpHash { get; init; }
    public string? UserAgent { get; init; }
    public required string DeviceId { get; init; }
    public bool IsBot { get; init; }

    /// <summary>True when this visitor had already clicked this code: counted in total, not in unique.</summary>
    public bool IsRepeat { get; set; }
}

/// <summary>
/// One row per (code, visitor key) ever seen. Inserting with "ignore on conflict" tells whether a click is a
/// repeat, in the database, the same way on every node.
/// </summary>
public sealed class ClickVisitor
{
    public Guid CampaignId { get; init; }
    public Guid ReferralCodeId { get; init; }
    public required string VisitorKey { get; init; }
}
