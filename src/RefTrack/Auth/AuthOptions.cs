using System.ComponentModel.DataAnnotations;

namespace RefTrack.Auth;

/// <summary>Bound from <c>RefTrack:Auth</c>.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "RefTrack:Auth";

    private const int MinDistinctCharacters = 10;

    /// <summary>
    /// Becomes the first admin key when the database has no key yet. Without it, one is generated and logged once.
    /// Generate it (<c>openssl rand -base64 32</c>): keys are stored as one SHA-256 (<see cref="ApiKeySecrets"/>),
    /// which is safe for 256 random bits but lets a copy of the database be searched quickly for a hand-picked key.
    /// </summary>
    [MinLength(24, ErrorMessage = "RefTrack:Auth:BootstrapApiKey must be at least 24 characters.")]
    public string? BootstrapApiKey { get; set; }

    /// <summary>How long a node trusts an active key without asking the database; a key revoked on another node is
    /// refused here within this time (0: ask every time).</summary>
    [Range(0, 3600, ErrorMessage = "RefTrack:Auth:KeyCacheSeconds must be between {1} and {2}.")]
    public int KeyCacheSeconds { get; set; } = 10;

    /// <summary>
    /// Refuses a bootstrap key that is obviously weak or cannot be sent. Only visible ASCII: the key travels in an
    /// <c>Authorization</c> header, which clients send and Kestrel accepts as ASCII only, and whose value is trimmed
    /// (a space, tab or line break read from a file would make a key nobody can use). At least
    /// <see cref="MinDistinctCharacters"/> different characters and not a shorter string repeated: such keys
    /// (<c>aaaa…</c>, <c>changeme-changeme-…</c>, <c>1234567890123…</c>) are what a search tries first. These rules
    /// cannot tell a random key from a memorable one; the documentation asks for a generated key.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var key = BootstrapApiKey;
        if (key is null)
        {
            yield break;
        }

        if (!key.All(c => c is > ' ' and < '\u007f'))
        {
            yield return Refused(key, "may hold only visible ASCII characters: no spaces, tabs, line breaks, control or non-ASCII characters");
        }
        else if (key.Distinct().Count() < MinDistinctCharacters)
        {
            yield return Refused(key, $"needs at least {MinDistinctCharacters} different characters");
        }
        else if (IsRepetition(key))
        {
            yield return Refused(key, "must not be a shorter string repeated");
        }
    }

    /// <summary>True when the key is its own prefix repeated (the last repetition may be cut short).</summary>
    private static bool IsRepetition(string key)
    {
        for (var period = 1; period <= key.Length / 2; period++)
        {
            if (key.AsSpan(period).SequenceEqual(key.AsSpan(0, key.Length - period)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The key is not echoed: it is a secret, and the message goes to the log.</summary>
    private static ValidationResult Refused(string key, string rule) => new(
        $"RefTrack:Auth:BootstrapApiKey {rule} ({key.Length} characters given); generate one, e.g. with `openssl rand -base64 32`.",
        [nameof(BootstrapApiKey)]);
}
