using System.Buffers;
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

    /// <summary>What an unquoted local part is made of (RFC 5322's dot-atom), besides characters beyond ASCII (RFC 6532),
    /// once lower-cased as it is before the check.</summary>
    private static readonly SearchValues<char> AtomCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~.");

    /// <summary>What a domain's labels are made of in ASCII form: letters, digits and hyphens.</summary>
    private static readonly SearchValues<char> LabelCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>Null when the input is not an address: no local part, an unquoted one with a character no address has
    /// there (a space, <c>&lt;</c>, <c>(</c>, <c>,</c>, <c>@</c>…), no domain, a domain with no ASCII form or with a
    /// character IDNA maps to ASCII (<see cref="DomainLookAlikes"/>: "ⓖmail.com"), or one that is no domain name (an
    /// empty or over-long label, a character other than a letter, digit or hyphen, too long a name, ASCII or not), or
    /// too long an address in that form.</summary>
    /// <remarks>
    /// Mail software reads "Alice &lt;a.lice@gmail.com&gt;", "a.lice @gmail.com" and "alice(x)@gmail.com" as Alice's
    /// mailbox; taken as addresses of their own, they folded to something else ("alice &lt;alice@gmail.com&gt;") and got
    /// past the self-referral check (found by review).
    /// </remarks>
    public static string? Normalize(string? email) => Normalize(email, strict: true);

    /// <param name="strict">Whether the local part's characters and the domain's look-alikes are checked: not for a
    /// value stored already, which was checked when it was written (a quoted local part is stored unquoted:
    /// <c>"j doe"@…</c> as <c>j doe@…</c>), and is compared as it is rather than not at all.</param>
    private static string? Normalize(string? email, bool strict)
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

        var written = trimmed[..at];
        if (strict && !IsQuoted(written) && !IsAtomText(written))
        {
            return null;
        }

        var local = Unquote(written);
        var domain = trimmed[(at + 1)..];
        // An ASCII domain is its own ASCII form, so ASCII addresses fold as they always did (stored values included).
        if (!Ascii.IsValid(domain))
        {
            if (strict && DomainLookAlikes.In(domain))
            {
                return null;
            }

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
            : Normalize(ToUnicodeDomain(normalizedEmail.TrimEnd('.')), strict: false);

    /// <summary>Whether a local part is one quoted string: <c>"alice"."x"</c> (an obsolete form mailers rewrite to
    /// <c>alice.x</c>) is not, and unquoted it folded to <c>alice""x</c>.</summary>
    private static bool IsQuoted(string local)
    {
        if (local.Length < 2 || local[0] != '"' || local[^1] != '"')
        {
            return false;
        }

        for (var i = 1; i < local.Length - 1; i++)
        {
            if (local[i] == '\\')
            {
                i++; // Escapes the next character: escaping the last quote leaves the string unclosed.
                if (i == local.Length - 1)
                {
                    return false;
                }
            }
            else if (local[i] == '"')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether every ASCII character of an unquoted local part is one a dot-atom has; those beyond ASCII are
    /// allowed (RFC 6532).</summary>
    private static bool IsAtomText(string local)
    {
        foreach (var c in local)
        {
            if (c < 0x80 && !AtomCharacters.Contains(c))
            {
                return false;
            }
        }

        return true;
    }

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
    /// Whether an ASCII domain (the root's dot dropped) has the shape DNS can carry: labels of 1 to 63 letters, digits
    /// and hyphens (so no address literal, "[192.0.2.1]"), at most <see cref="MaxDomainLength"/> in all. <see cref="IdnMapping"/> refuses any other for a domain with letters
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
            if (label.Length is 0 or > 63 || label.AsSpan().ContainsAnyExcept(LabelCharacters))
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
