using RefTrack.Infrastructure;

namespace RefTrack.Campaigns;

public enum AttributionModel
{
    FirstClick,
    LastClick,
}

/// <summary>One referral program. The destination is stored here and never taken from a request: no open redirect.</summary>
public sealed class Campaign : IPagedRow
{
    public Guid Id { get; init; } = UuidV7.New();
    public required string Name { get; set; }
    public required string DestinationUrl { get; set; }
    public int AttributionWindowDays { get; set; } = 30;
    public AttributionModel AttributionModel { get; set; } = AttributionModel.FirstClick;
    public DateTime CreatedAt { get; init; }
}
