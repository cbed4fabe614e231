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

    public Validator Required(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Add(field, "Required.");
        }

        return Check(value.Length <= maxLength, field, $"At most {maxLength} characters.");
    }

    public Validator Optional(string? value, string field, int maxLength) =>
        Check(value is null || value.Length <= maxLength, field, $"At most {maxLength} characters.");

    public Validator Currency(string? value, string field) =>
        Check(value is { Length: 3 } && value.All(char.IsAsciiLetterUpper), field,
            "An ISO 4217 code in upper case, e.g. USD.");

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

    public static string JsonName<T>(T value) where T : struct, Enum
    {
        var name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static string Names<T>() where T : struct, Enum =>
        string.Join(", ", System.Enum.GetValues<T>().Select(JsonName));
}
