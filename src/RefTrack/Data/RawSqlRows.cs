using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace RefTrack.Data;

/// <summary>
/// Raw SQL with only <c>{n}</c> placeholders in the text (multi-row <c>VALUES</c> lists built by
/// <see cref="Append"/>), every value a parameter, so values are stored exactly as EF stores them; run by
/// <see cref="QueryAsync"/> and <see cref="ExecuteAsync"/>: through EF Core's command layer, or, on a SQLite context
/// that keeps its connection (the group commit's writer), straight on its compiled statements
/// (<see cref="SqliteStatementCache.ExecuteRaw"/>).
/// </summary>
internal static class RawSqlRows
{
    /// <summary>Appends <c> ({n}, {n+1}, …)</c>, or <c>, (…)</c> after the first row, and adds the values to
    /// <paramref name="args"/> (whose count numbers the placeholders).</summary>
    public static void Append(StringBuilder sql, List<object> args, bool first, IReadOnlyList<object?> values)
    {
        sql.Append(first ? " (" : ", (");
        AppendList(sql, args, values);
        sql.Append(')');
    }

    /// <summary>Appends <c>{n}, {n+1}, …</c> (a select list, or the inside of a row) and adds the values to
    /// <paramref name="args"/>.</summary>
    public static void AppendList(StringBuilder sql, List<object> args, IReadOnlyList<object?> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            sql.Append(i == 0 ? "{" : ", {").Append(args.Count.ToString(CultureInfo.InvariantCulture)).Append('}');
            args.Add(values[i]!); // EF turns a null into a NULL parameter.
        }
    }

    /// <summary>
    /// Runs raw SQL with <c>{n}</c> placeholders and reads its rows. Through EF Core's command layer, parameters are
    /// typed as <c>ExecuteSqlRaw</c> types them and interceptors and logging apply; on a kept SQLite context (the
    /// group commit's writer) it runs on the context's compiled statements instead. Unlike <c>SqlQueryRaw</c> it skips
    /// EF Core's query pipeline (expression tree, query cache, materializer), which for the few-row statements of a
    /// write unit cost more than the database's own work, on SQLite inside the one writer's serialized section.
    /// </summary>
    public static async Task<List<T>> QueryAsync<T>(
        AppDbContext db, string sql, IReadOnlyList<object> args, Func<DbDataReader, T> read, CancellationToken ct)
    {
        if (db is SqliteAppDbContext { Statements: { } statements })
        {
            using var direct = ExecuteDirect(db, statements, sql, args);
            var found = new List<T>();
            while (direct.Read())
            {
                found.Add(read(direct));
            }

            return found;
        }

        var facade = db.Database;
        var command = facade.GetService<IRawSqlCommandBuilder>().Build(sql, args, db.Model);
        await using var reader = await command.RelationalCommand.ExecuteReaderAsync(new RelationalCommandParameterObject(
            facade.GetService<IRelationalConnection>(), command.ParameterValues, readerColumns: null, db,
            facade.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.FromSqlQuery), ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader.DbDataReader));
        }

        return rows;
    }

    /// <summary>Runs raw SQL with <c>{n}</c> placeholders and returns the rows it changed: <c>ExecuteSqlRaw</c>, or
    /// on a kept SQLite context its compiled statements.</summary>
    public static Task<int> ExecuteAsync(AppDbContext db, string sql, IReadOnlyList<object> args, CancellationToken ct)
    {
        if (db is SqliteAppDbContext { Statements: { } statements })
        {
            using var direct = ExecuteDirect(db, statements, sql, args);
            return Task.FromResult(direct.RecordsAffected);
        }

        return db.Database.ExecuteSqlRawAsync(sql, args, ct);
    }

    /// <summary>On a kept context's connection, in its current transaction (savepoints are on the same one).</summary>
    private static RawRowsReader ExecuteDirect(
        AppDbContext db, SqliteStatementCache statements, string sql, IReadOnlyList<object> args) =>
        statements.ExecuteRaw((SqliteConnection)db.Database.GetDbConnection(), sql, args);

    /// <summary>Adds <paramref name="value"/> to <paramref name="args"/> and returns its placeholder, <c>{n}</c>.</summary>
    public static string Placeholder(List<object> args, object value)
    {
        args.Add(value);
        return "{" + (args.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }
}
