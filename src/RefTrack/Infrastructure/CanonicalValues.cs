namespace RefTrack.Infrastructure;

/// <summary>
/// Request values as <see cref="IIdempotentRequest.Canonical"/> hashes them: a value the handler accepts as the handler
/// reads it (trimmed, a blank optional one as none), and a value it refuses as sent. The key is claimed before the
/// handler validates, so a retry whose padding hides a refused value ("order-1\n", a tab for a code, one character
/// over the limit: lengths count before trimming) would otherwise hash as the accepted request before it and get that
/// request's answer replayed instead of its own 400.
/// </summary>
internal static class CanonicalValues
{
    /// <summary>An identifier (<see cref="Validator.RequiredId"/>): trimmed, unless it is over
    /// <paramref name="maxLength"/> or holds a control character, which the handler refuses.</summary>
    public static string? Id(string? value, int maxLength) => KeptAsSent(value, maxLength) ? value : value!.Trim();

    /// <summary>An optional identifier (<see cref="Validator.OptionalId"/>): as <see cref="Id"/>, blank as none, and
    /// read by <paramref name="read"/> (given the value untrimmed) when the handler reads it further.</summary>
    public static string? OptionalId(string? value, int maxLength, Func<string, string>? read = null) =>
        KeptAsSent(value, maxLength) ? value
        : string.IsNullOrWhiteSpace(value) ? null
        : read is null ? value.Trim()
        : read(value);

    private static bool KeptAsSent(string? value, int maxLength) =>
        value is null || value.Length > maxLength || Validator.HasControlCharacters(value);

    /// <summary>Free text (<see cref="Validator.Required(string?, string, int)"/>,
    /// <see cref="Validator.Optional(string?, string, int)"/>): trimmed, blank as none, unless it is over
    /// <paramref name="maxLength"/> or holds NUL, which the handler refuses.</summary>
    public static string? Text(string? value, int maxLength) =>
        value is null || value.Length > maxLength || value.Contains('\0', StringComparison.Ordinal) ? value
        : string.IsNullOrWhiteSpace(value) ? null
        : value.Trim();
}
