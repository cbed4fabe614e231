using System.Globalization;
using System.Text;

namespace RefTrack.Participants;

/// <summary>
/// Folds the address variants one mailbox can receive under, so that "j.doe+ref@googlemail.com" and
/// "JDoe@gmail.com" are recognised as the same person in self-referral checks, and so are "josé@bücher.example" and
/// "josé@xn--bcher-kva.example" (an internationalised domain and its ASCII form).
/// </summary>
/// <remarks>
/// No Unicode normalisation (NFC): the app runs in globalization-invariant mode, where
/// <see cref="string.Normalize(NormalizationForm)"/> returns its input unchanged, so a local part or domain typed
/// with combining accents stays apart from its precomposed form. For the same reason <see cref="IdnMapping"/> gives
/// punycode of the labels without IDNA's (UTS #46) mapping, so the part of it that turns a look-alike of an ASCII
/// domain into that domain is done here (<see cref="MapDomainVariants"/>): full-width forms ("ｇｍａｉｌ.com") and
/// the invisible characters IDNA deletes ("gm&lt;soft hyphen&gt;ail.com"), both delivered by a mailer to gmail.com.
/// </remarks>
public static class EmailNormalizer
{
    /// <summary>The column's length (<c>Participants.NormalizedEmail</c>) and the longest address accepted.</summary>
    public const int MaxLength = 320;

    /// <summary>The longest domain name DNS can carry, in its ASCII form.</summary>
    private const int MaxDomainLength = 253;

    private static readonly HashSet<string> DotInsensitiveDomains = ["gmail.com"];

    /// <summary>Null when the input is not an address: no local part, no domain, a domain with no ASCII form, or
    /// one that is no domain name (an empty or over-long label, too long a name, ASCII or not), or too long an
    /// address in that form.</summary>
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

        var local = Unquote(trimmed[..at]);
        var domain = trimmed[(at + 1)..];
        // An ASCII domain is its own ASCII form, so ASCII addresses fold as they always did (stored values included).
        if (!Ascii.IsValid(domain))
        {
            domain = MapDomainVariants(domain);
        }

        if (!Ascii.IsValid(domain))
        {
            if (ToAscii(domain) is not { } ascii)
            {
                return null;
            }

            domain = ascii;
        }

        // The root's dot of a fully qualified name ("gmail.com."): mailers deliver to the same domain. One dot only:
        // "gmail.com.." has an empty label, which IsDomainName refuses as it does "gmail..com" (docs/api.md).
        if (domain.EndsWith('.'))
        {
            domain = domain[..^1];
        }

        if (!IsDomainName(domain))
        {
            return null;
        }

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

        return local.Length == 0 || local.Length + 1 + domain.Length > MaxLength ? null : $"{local}@{domain}";
    }

    /// <summary>
    /// A stored <c>NormalizedEmail</c> in today's form. Rows written before domains were mapped to ASCII keep a
    /// Unicode domain ("josé@bücher.example"); they are folded again when read (the fold leaves its own output as it
    /// is), as SQL cannot compute punycode to migrate them. Any other ASCII value is today's form already, but for a
    /// punycode domain: one written before <see cref="MapDomainVariants"/> may be a look-alike's ("xn--mi7clahmc.com",
    /// full-width "gmail.com"), which today folds to the domain it imitates. A row written before trailing dots were
    /// dropped may end in several ("alice@gmail.com.."), which a new address may not (<see cref="Normalize"/> takes
    /// one root's dot): they are all dropped here, so the stored mailbox is still its owner's.
    /// </summary>
    public static string? Stored(string? normalizedEmail) =>
        normalizedEmail is null || (Ascii.IsValid(normalizedEmail) && !normalizedEmail.Contains("xn--", StringComparison.Ordinal)
            && !normalizedEmail.StartsWith('"') && !normalizedEmail.EndsWith('.'))
            ? normalizedEmail
            : Normalize(ToUnicodeDomain(normalizedEmail.TrimEnd('.')));

    /// <summary>
    /// A local part written as a quoted string (<c>"alice"</c>, RFC 5322) as its content, backslash escapes undone:
    /// <c>"alice"@gmail.com</c> is delivered to <c>alice@gmail.com</c>. Other local parts as they are. Content that is
    /// itself quoted is unquoted again, so that the fold leaves its own output as it is (<see cref="Stored"/>).
    /// </summary>
    private static string Unquote(string local)
    {
        if (local.Length < 2 || local[0] != '"' || local[^1] != '"')
        {
            return local;
        }

        var content = new StringBuilder(local.Length - 2);
        for (var i = 1; i < local.Length - 1; i++)
        {
            if (local[i] == '\\' && i + 1 < local.Length - 1)
            {
                i++;
            }

            content.Append(local[i]);
        }

        return Unquote(content.ToString());
    }

    /// <summary>
    /// IDNA's (UTS #46) mappings that make a look-alike of another domain: full-width ASCII (U+FF01–U+FF5E) as
    /// ASCII, and the characters it deletes (soft hyphen, zero-width spaces and joiners, word joiner, byte order mark,
    /// variation selectors, Mongolian free variation selectors) removed. IDNA's other mappings need Unicode data the
    /// invariant mode lacks; the dots that also separate labels (U+3002, U+FF0E, U+FF61) <see cref="IdnMapping"/> maps.
    /// </summary>
    private static string MapDomainVariants(string domain)
    {
        var mapped = new StringBuilder(domain.Length);
        foreach (var c in domain)
        {
            if (c is '\u00AD' or '\u034F' or (>= '\u180B' and <= '\u180F') or (>= '\u200B' and <= '\u200D') or '\u2060'
                or (>= '\uFE00' and <= '\uFE0F') or '\uFEFF')
            {
                continue;
            }

            mapped.Append(c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c);
        }

        return mapped.ToString().ToLowerInvariant();
    }

    /// <summary>The address with its domain's punycode labels in Unicode, or as it is when they do not decode.</summary>
    private static string ToUnicodeDomain(string address)
    {
        var at = address.LastIndexOf('@');
        try
        {
            return at < 0 ? address : address[..(at + 1)] + new IdnMapping().GetUnicode(address[(at + 1)..]);
        }
        catch (ArgumentException)
        {
            return address;
        }
    }

    /// <summary>
    /// Whether an ASCII domain (the root's dot dropped) has the shape DNS can carry: labels of 1 to 63 characters, at
    /// most <see cref="MaxDomainLength"/> in all. <see cref="IdnMapping"/> refuses any other for a domain with letters
    /// beyond ASCII; an ASCII domain never went through it, so <c>b@example..org</c> was an address while
    /// <c>b@bücher..example</c> was not.
    /// </summary>
    private static bool IsDomainName(string domain)
    {
        if (domain.Length is 0 or > MaxDomainLength)
        {
            return false;
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                return false;
            }
        }

        return true;
    }

    private static string? ToAscii(string domain)
    {
        try
        {
            var ascii = new IdnMapping().GetAscii(domain);
            return ascii.Length <= MaxDomainLength ? ascii : null;
        }
        catch (ArgumentException)
        {
            // An empty or over-long label ("bücher..example"): no such domain, so no such address.
            return null;
        }
    }
}
