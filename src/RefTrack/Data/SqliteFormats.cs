using System.Globalization;

namespace RefTrack.Data;

/// <summary>
/// Values as EF Core's SQLite mappings store them, for statements that bind values without EF Core (the click
/// writer's, <see cref="SqliteStatementCache.ExecuteRaw"/>): rows written there must be found by EF's queries.
/// </summary>
internal static class SqliteFormats
{
    /// <summary>Upper-case text, hyphenated.</summary>
    public static string Text(Guid id) => id.ToString("D").ToUpperInvariant();

    /// <summary>ISO text, as Microsoft.Data.Sqlite writes a <see cref="DateTime"/> for EF.</summary>
    public static string Text(DateTime at) => at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
