using System.ComponentModel.DataAnnotations;

namespace RefTrack.Rewards;

/// <summary>Bound from <c>RefTrack:Rewards</c>.</summary>
public sealed class RewardOptions
{
    public const string Section = "RefTrack:Rewards";

    /// <summary>How long a node reuses a campaign's active reward rules without asking the database; a rule created
    /// or deactivated on another node applies there within this time (at once on the node that made the change;
    /// 0: ask every time).</summary>
    [Range(0, 60, ErrorMessage = "RefTrack:Rewards:RuleCacheSeconds must be between {1} and {2}.")]
    public int RuleCacheSeconds { get; set; } = 1;
}
