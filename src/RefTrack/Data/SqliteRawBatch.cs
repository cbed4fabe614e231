using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RefTrack.Data;

/// <summary>
/// A raw SQL text of one or more statements, its parameters named <c>@p0</c>, <c>@p1</c>… (the n-th value of the
/// arguments), compiled once on one connection and run through SQLite's C API (<see cref="SqliteRawStatement"/>):
/// the group commit's write units' SQL (<see cref="SqliteStatementCache.ExecuteRaw"/>). Each statement binds only the
/// values it names, by position, worked out when it was compiled; Microsoft.Data.Sqlite looked every parameter up by
/// name in every statement on every execution (in <c>bench/profile sqlite signups</c>, its binding was about a
/// quarter of the samples under its <c>SqliteDataReader.NextResult</c>, SQLite's own work most of the rest).
/// </summary>
internal sealed class SqliteRawBatch : IDisposable
{
    private readonly List<(SqliteRawStatement Statement, int[] Args)> _statements = [];

    public SqliteRawBatch(SqliteConnection connection, string sql)
    {
        var db = SqliteRawStatement.Open(connection);
        try
        {
            for (var rest = sql; !string.IsNullOrWhiteSpace(rest);)
            {
                var statement = new SqliteRawStatement(db, rest, out rest);
                if (statement.IsEmpty) // Only comments or ';' were left: SQLite skips them before a statement.
                {
                    statement.Dispose();
                    continue;
                }

                _statements.Add((statement, ArgumentsOf(statement)));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Whether the statements were compiled on <paramref name="connection"/>'s current database handle.</summary>
    public bool BelongsTo(SqliteConnection connection) =>
        _statements.Count == 0 || ReferenceEquals(_statements[0].Statement.Database, connection.Handle);

    /// <summary>Runs every statement in order with <paramref name="args"/> and returns the rows they produced and the
    /// rows they changed. Every statement is reset afterwards, so none holds a read snapshot open.</summary>
    public RawRowsReader Execute(IReadOnlyList<object> args)
    {
        var rows = new List<object[]>();
        var changed = 0;
        try
        {
            foreach (var (statement, map) in _statements)
            {
                for (var i = 0; i < map.Length; i++)
                {
                    statement.BindValue(i + 1, args[map[i]]);
                }

                while (statement.Step())
                {
                    var row = new object[statement.ColumnCount];
                    for (var c = 0; c < row.Length; c++)
                    {
                        row[c] = statement.Column(c);
                    }

                    rows.Add(row);
                }

                if (!statement.IsReadOnly)
                {
                    changed += statement.Changes;
                }
            }
        }
        finally
        {
            _statements.ForEach(s => s.Statement.Reset());
        }

        return new RawRowsReader(rows, changed);
    }

    public void Dispose() => _statements.ForEach(s => s.Statement.Dispose());

    /// <summary>For each parameter position of the statement, the index of the argument it names (<c>@p7</c>: 7).</summary>
    private static int[] ArgumentsOf(SqliteRawStatement statement)
    {
        var map = new int[statement.ParameterCount];
        for (var i = 0; i < map.Length; i++)
        {
            var name = statement.ParameterName(i + 1);
            map[i] = name is ['@', 'p', .. var number]
                ? int.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"Parameter '{name}' is not of the form @pN.");
        }

        return map;
    }
}
