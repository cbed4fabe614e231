using System.Text;

namespace RefTrack.Participants;

/// <summary>
/// Characters beyond ASCII that IDNA (UTS #46) maps to ASCII letters, digits, hyphens or dots: superscripts ("ª", "²"),
/// modifier letters ("ʰ", "ᵍ"), letterlike symbols ("ℊ", the Kelvin sign), Roman numerals, enclosed ("ⓖ", "🄰") and
/// squared ("㎃") letters, ligatures ("ﬁ"), dot leaders ("․"), the mathematical alphanumerics ("𝐠"), and the like. A
/// mailer delivers "alice@ⓖmail.com" or "alice@g㎃il.com" to gmail.com; in invariant mode <see
/// cref="System.Globalization.IdnMapping"/> maps none of them, and such a domain folded to a punycode domain of its
/// own, past the self-referral check (found by review). IDNA2008 refuses them all, so no domain is registered with
/// them, and an address whose domain has one is refused. The full-width forms (U+FF01–U+FF5E), which are folded
/// instead (<see cref="EmailNormalizer"/>), and "ß", a letter of real domains ("straße.de"), are left out.
/// </summary>
/// <remarks>
/// Generated from Python 3.11's Unicode data (14.0: letters later versions added, such as Unicode 16's outlined Latin
/// letters, are not in it; regenerate with a newer Python to add them), each code point whose NFKC case fold is ASCII
/// letters, digits, "-" and "." only:
/// <code>
/// python3 -c 'import unicodedata as u, re
/// n = lambda c: u.normalize("NFKC", u.normalize("NFKC", c).casefold())
/// print([hex(p) for p in range(0x80, 0x110000) if not 0xD800 &lt;= p &lt;= 0xDFFF and p not in (0xDF, 0x1E9E)
///        and not 0xFF01 &lt;= p &lt;= 0xFF5E and re.fullmatch("[a-z0-9.-]+", n(chr(p)))])'
/// </code>
/// listed as ranges.
/// </remarks>
internal static class DomainLookAlikes
{
    /// <summary>First and last code point of each range, in order.</summary>
    private static readonly int[] Ranges =
    [
        0xAA, 0xAA, 0xB2, 0xB3, 0xB9, 0xBA, 0x132, 0x133, 0x17F, 0x17F, 0x1C7, 0x1CC, 0x1F1, 0x1F3, 0x2B0, 0x2B0,
        0x2B2, 0x2B3, 0x2B7, 0x2B8, 0x2E1, 0x2E3, 0x1D2C, 0x1D2C, 0x1D2E, 0x1D2E, 0x1D30, 0x1D31, 0x1D33, 0x1D3A,
        0x1D3C, 0x1D3C, 0x1D3E, 0x1D43, 0x1D47, 0x1D49, 0x1D4D, 0x1D4D, 0x1D4F, 0x1D50, 0x1D52, 0x1D52, 0x1D56, 0x1D58,
        0x1D5B, 0x1D5B, 0x1D62, 0x1D65, 0x1D9C, 0x1D9C, 0x1DA0, 0x1DA0, 0x1DBB, 0x1DBB, 0x2024, 0x2026, 0x2070, 0x2071,
        0x2074, 0x2079, 0x207F, 0x2089, 0x2090, 0x2093, 0x2095, 0x209C, 0x20A8, 0x20A8, 0x2102, 0x2102, 0x210A, 0x210E,
        0x2110, 0x2113, 0x2115, 0x2116, 0x2119, 0x211D, 0x2120, 0x2122, 0x2124, 0x2124, 0x2128, 0x2128, 0x212A, 0x212A,
        0x212C, 0x212D, 0x212F, 0x2131, 0x2133, 0x2134, 0x2139, 0x2139, 0x213B, 0x213B, 0x2145, 0x2149, 0x2160, 0x217F,
        0x2460, 0x2473, 0x2488, 0x249B, 0x24B6, 0x24EA, 0x2C7C, 0x2C7D, 0x3250, 0x325F, 0x32B1, 0x32BF, 0x32CC, 0x32CF,
        0x3371, 0x337A, 0x3380, 0x3381, 0x3383, 0x338B, 0x338E, 0x3394, 0x3396, 0x339A, 0x339C, 0x33A6, 0x33A9, 0x33AD,
        0x33B0, 0x33B1, 0x33B3, 0x33B5, 0x33B7, 0x33BB, 0x33BD, 0x33BF, 0x33C2, 0x33C5, 0x33C7, 0x33DD, 0x33FF, 0x33FF,
        0xA7F2, 0xA7F4, 0xFB00, 0xFB06, 0xFE19, 0xFE19, 0xFE30, 0xFE30, 0xFE52, 0xFE52, 0xFE63, 0xFE63,
        0x107A5, 0x107A5, 0x1D400, 0x1D454, 0x1D456, 0x1D49C, 0x1D49E, 0x1D49F, 0x1D4A2, 0x1D4A2, 0x1D4A5, 0x1D4A6,
        0x1D4A9, 0x1D4AC, 0x1D4AE, 0x1D4B9, 0x1D4BB, 0x1D4BB, 0x1D4BD, 0x1D4C3, 0x1D4C5, 0x1D505, 0x1D507, 0x1D50A,
        0x1D50D, 0x1D514, 0x1D516, 0x1D51C, 0x1D51E, 0x1D539, 0x1D53B, 0x1D53E, 0x1D540, 0x1D544, 0x1D546, 0x1D546,
        0x1D54A, 0x1D550, 0x1D552, 0x1D6A3, 0x1D7CE, 0x1D7FF, 0x1F100, 0x1F100, 0x1F12B, 0x1F12E, 0x1F130, 0x1F14F,
        0x1F16A, 0x1F16C, 0x1F190, 0x1F190, 0x1FBF0, 0x1FBF9
    ];

    public static bool In(string domain)
    {
        foreach (var rune in domain.EnumerateRunes())
        {
            if (rune.Value >= 0x80 && IsLookAlike(rune.Value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLookAlike(int codePoint)
    {
        // The last range whose first code point is at most this one (binary search over the pairs' starts).
        int low = 0, high = Ranges.Length / 2 - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (Ranges[2 * mid] > codePoint)
            {
                high = mid - 1;
            }
            else if (Ranges[2 * mid + 1] < codePoint)
            {
                low = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
