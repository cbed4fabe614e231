using System.ComponentModel.DataAnnotations;

namespace RefTrack.Auth;

/// <summary>Bound from <c>RefTrack:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "RefTrack:Auth";

    /// <summary>
    /// Becomes the first admin key when the database has no key yet. Without it, one is generated and logged once.
    /// </summary>
    [MinLength(24, ErrorMessage = "RefTrack:Auth:BootstrapApiKey must be at least 24 characters.")]
    public string? BootstrapApiKey { get; set; }

    /// <summary>How long a node trusts an active key without asking the database; a key revoked on another node is
    /// refused here within this time (0: ask every time).</summary>
    [Range(0, 3600)]
    public int KeyCacheSeconds { get; set; } = 10;
}
