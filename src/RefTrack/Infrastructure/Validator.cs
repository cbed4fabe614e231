namespace RefTrack.Infrastructure;

/// <summary>Collects field errors by their JSON names; requests validate themselves with it.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool IsValid => _errors.Count == 0;

    public Validator Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    public Validator Check(bool ok, string field, string message) => ok ? this : Add(field, message);

    /// <summary>Free text (names): present, not blank, at most <paramref name="maxLength"/>, no NUL.</summary>
    public Validator Required(string? value, string field, int maxLength) =>
        Required(value, field, maxLength, identifier: false);

    public Validator Optional(string? value, string field, int maxLength) =>
        Optional(value, field, maxLength, identifier: false);

    /// <summary>An identifier (external ids, emails, codes, URLs): as <see cref="Required(string?, string, int)"/>, and no
    /// control character at all.</summary>
    public Validator RequiredId(string? value, string field, int maxLength) =>
        Required(value, field, maxLength, identifier: true);

    public Validator OptionalId(string? value, string field, int maxLength) =>
        Optional(value, field, maxLength, identifier: true);

    /// <summary>Control characters (U+0000–U+001F, U+007F–U+009F): never part of an identifier anyone typed or
    /// generated; a tab or newline in one is a bug in the caller, and one that would make two ids look alike.</summary>
    public static bool HasControlCharacters(string value) =>
        value.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || value.AsSpan().ContainsAnyInRange('\u007f', '\u009f');

    /// <summary>Three upper-case letters. ISO 4217's list is not checked: a program paying in points names them as
    /// a currency of its own (docs/api.md).</summary>
    public Validator Currency(string? value, string field) =>
        Check(value is { Length: 3 } && value.All(char.IsAsciiLetterUpper), field,
            "Three upper-case letters: an ISO 4217 code such as USD, or a unit of your own such as PTS.");

    /// <summary>Parses a camelCase enum name; the message lists the accepted values.</summary>
    public Validator Enum<T>(string? value, string field, out T parsed, T? fallback = null)
        where T : struct, Enum
    {
        parsed = fallback ?? default;
        if (value is null)
        {
            return fallback is null ? Add(field, $"Required. One of: {Names<T>()}.") : this;
        }

        // Names only: Enum.TryParse would also accept "1" or "Purchase,Custom".
        foreach (var candidate in System.Enum.GetValues<T>())
        {
            if (string.Equals(JsonName(candidate), value, StringComparison.Ordinal))
            {
                parsed = candidate;
                return this;
            }
        }

        return Add(field, $"Must be one of: {Names<T>()}.");
    }

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public static string JsonName<T>(T value) where T : struct, Enum => JsonName(value.ToString());

    /// <summary>An enum member's name as the API writes it (camelCase).</summary>
    public static string JsonName(string enumName) => char.ToLowerInvariant(enumName[0]) + enumName[1..];

    private static string Names<T>() where T : struct, Enum =>
        string.Join(", ", System.Enum.GetValues<T>().Select(JsonName));

    private Validator Required(string? value, string field, int maxLength, bool identifier)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Add(field, "Required.");
        }

        return Check(value.Length <= maxLength, field, $"At most {maxLength} characters.")
            .Characters(value, field, identifier);
    }

    private Validator Optional(string? value, string field, int maxLength, bool identifier) => value is null
        ? this
        : Check(value.Length <= maxLength, field, $"At most {maxLength} characters.").Characters(value, field, identifier);

    // PostgreSQL refuses NUL in text (SQLite stores it), so without this one provider answered 201 and the other 500.
    private Validator Characters(string value, string field, bool identifier) => identifier
        ? Check(!HasControlCharacters(value), field, "Must not contain control characters (U+0000–U+001F, U+007F–U+009F).")
        : Check(!value.Contains('\0', StringComparison.Ordinal), field, "Must not contain the NUL character (U+0000).");
}
