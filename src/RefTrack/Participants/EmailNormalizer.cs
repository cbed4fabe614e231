namespace RefTrack.Participants;

/// <summary>
/// Folds the address variants one mailbox can receive under, so that "j.doe+ref@googlemail.com" and
/// "JDoe@gmail.com" are recognised as the same person in self-referral checks.
/// </summary>
public static class EmailNormalizer
{
    private static readonly HashSet<string> DotInsensitiveDomains = ["gmail.com"];

    /// <summary>Null when the input is not an address (no local part or no domain).</summary>
    public static string? Normalize(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return null;
        }

        var trimmed = email.Trim().ToLowerInvariant();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1)
        {
            return null;
        }

        var local = trimmed[..at];
        var domain = trimmed[(at + 1)..];
        if (domain == "googlemail.com")
        {
            domain = "gmail.com";
        }

        // Sub-addressing ("+tag") is delivered to the base mailbox by Gmail, Outlook, iCloud, Fastmail and most others.
        var plus = local.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0)
        {
            local = local[..plus];
        }

        if (DotInsensitiveDomains.Contains(domain))
        {
            local = local.Replace(".", "", StringComparison.Ordinal);
        }

        return local.Length == 0 ? null : $"{local}@{domain}";
    }
}
