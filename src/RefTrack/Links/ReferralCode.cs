using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>A code a participant shares. Globally unique; stored upper-case so lookups are case-insensitive.</summary>
public sealed class ReferralCode : IPagedRow
{
    public Guid Id { get; init; } = UuidV7.New();
    public required string Code { get; init; }
    public Guid CampaignId { get; init; }
    public Guid ParticipantId { get; init; }
    public bool IsVanity { get; init; }
    public bool IsDisabled { get; set; }
    public DateTime CreatedAt { get; init; }

    /// <summary>
    /// The code as stored: trimmed, ASCII letters upper-cased. ASCII only, because codes are ASCII: with ICU's casing
    /// (a build without <c>InvariantGlobalization</c>) the invariant culture's upper case maps the long s to S, which
    /// would make another spelling of a code reach it, so the match depended on a build setting. Anything outside
    /// ASCII stays as it is and so matches no code. Returns the trimmed string itself when nothing changes (the
    /// redirect's path, most of the time).
    /// </summary>
    public static string Normalize(string code)
    {
        var trimmed = code.Trim();
        return trimmed.AsSpan().ContainsAnyInRange('a', 'z')
            ? string.Create(trimmed.Length, trimmed, static (upper, s) =>
            {
                for (var i = 0; i < s.Length; i++)
                {
                    upper[i] = char.IsAsciiLetterLower(s[i]) ? (char)(s[i] - ('a' - 'A')) : s[i];
                }
            })
            : trimmed;
    }
}
