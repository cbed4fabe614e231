using System.Globalization;
using System.Text;

namespace RefTrack.Data;

/// <summary>
/// Multi-row <c>VALUES</c> lists for EF Core's raw SQL (<c>ExecuteSqlRaw</c>, <c>SqlQueryRaw</c>): only <c>{n}</c>
/// placeholders go into the text, every value becomes a parameter, so values are stored exactly as EF stores them.
/// </summary>
internal static class RawSqlRows
{
    /// <summary>Appends <c> ({n}, {n+1}, …)</c>, or <c>, (…)</c> after the first row, and adds the values to
    /// <paramref name="args"/> (whose count numbers the placeholders).</summary>
    public static void Append(StringBuilder sql, List<object> args, bool first, IReadOnlyList<object?> values)
    {
        sql.Append(first ? " (" : ", (");
        for (var i = 0; i < values.Count; i++)
        {
            sql.Append(i == 0 ? "{" : ", {").Append(args.Count.ToString(CultureInfo.InvariantCulture)).Append('}');
            args.Add(values[i]!); // EF turns a null into a NULL parameter.
        }

        sql.Append(')');
    }

    /// <summary>Adds <paramref name="value"/> to <paramref name="args"/> and returns its placeholder, <c>{n}</c>.</summary>
    public static string Placeholder(List<object> args, object value)
    {
        args.Add(value);
        return "{" + (args.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }
}
