using RefTrack.Infrastructure;

namespace RefTrack.Auth;

/// <summary>How systems call the API. Only a SHA-256 hash of the secret is stored; the secret is shown once.</summary>
public sealed class ApiKey : IPagedRow
{
    public Guid Id { get; init; } = UuidV7.New();
    public required string Name { get; init; }

    /// <summary>The first characters of the secret, so a person can tell keys apart in a list.</summary>
    public required string Prefix { get; init; }

    public required byte[] SecretHash { get; init; }

    /// <summary>Admins manage keys and campaigns; only all-campaign keys can be admins.</summary>
    public bool IsAdmin { get; init; }

    /// <summary>When set, the key sees this campaign only; other campaigns answer 404.</summary>
    public Guid? CampaignId { get; init; }

    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; set; }
}
