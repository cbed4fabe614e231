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
}
