using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace RefTrack.Links;

/// <summary>Referral codes: random, short, and free of characters people confuse when reading them aloud.</summary>
public static partial class CodeGenerator
{
    /// <summary>Digits and upper-case letters without 0/O, 1/I/L: 31 symbols, about 39.6 bits for 8 characters.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public const int Length = 8;

    public static string NewCode() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>Vanity codes: 3–32 letters, digits, '-' or '_', compared case-insensitively.</summary>
    public static bool IsValidVanity(string code) => VanityPattern().IsMatch(code);

    [GeneratedRegex(@"^[A-Za-z0-9_-]{3,32}\z")]
    private static partial Regex VanityPattern();
}
