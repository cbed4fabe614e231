using System.Data;
using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace RefTrack.Data;

/// <summary>
/// Keeps SQLite's compiled statements across EF Core commands on one connection that stays open
/// (<see cref="SqliteKeptContext"/>: the group commit's, the hot reads'). Microsoft.Data.Sqlite compiles a command's
/// SQL again for every new command object (dotnet/efcore#14044), and EF Core creates one per execution: in
/// <c>bench/profile sqlite signups</c>, compiling was about a third of the group commit thread's samples. Here each
/// distinct SQL text gets one <see cref="SqliteCommand"/>, kept with its compiled statements; EF's command runs
/// through it with EF's own parameter objects (names, values and types exactly as EF bound them), and EF reads the
/// result as usual, so errors (a unique violation wrapped in <c>DbUpdateException</c>), logging and the results are
/// EF's.
/// </summary>
/// <remarks>
/// For one context used by one thread at a time, whose connection stays open: compiled statements belong to their
/// connection and are freed when it closes. The texts are few (a write unit's statements, multi-row VALUES lists
/// differing only by their row count; the hot reads' compiled queries), so the cache is bounded by count and simply
/// starts over when full.
/// </remarks>
internal sealed partial class SqliteStatementCache : DbCommandInterceptor, IDisposable
{
    private const int MaxCommands = 128;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteRawBatch> _raw = new(StringComparer.Ordinal);

    /// <summary>Texts compiled so far, including ones compiled again after the cache started over.</summary>
    public int Compiled { get; private set; }

    public override InterceptionResult<DbDataReader> ReaderExecuting(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        InterceptionResult<DbDataReader>.SuppressWithResult(Execute(command));

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult<DbDataReader>.SuppressWithResult(Execute(command)));

    public override InterceptionResult<int> NonQueryExecuting(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
        InterceptionResult<int>.SuppressWithResult(ExecuteNonQuery(command));

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult<int>.SuppressWithResult(ExecuteNonQuery(command)));

    public override InterceptionResult<object> ScalarExecuting(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        InterceptionResult<object>.SuppressWithResult(ExecuteScalar(command));

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult<object>.SuppressWithResult(ExecuteScalar(command)));

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        foreach (var batch in _raw.Values)
        {
            batch.Dispose();
        }

        _raw.Clear();
    }

    /// <summary>
    /// Runs raw SQL with <c>{n}</c> placeholders (<see cref="RawSqlRows"/>) straight through SQLite's C API
    /// (<see cref="SqliteRawBatch"/>), without EF Core or Microsoft.Data.Sqlite's commands: EF Core's command building
    /// (parsing the placeholders, a parameter object per value through the type mappings, a new command per
    /// execution) and then Microsoft.Data.Sqlite's binding by name were the largest parts of the writer thread's
    /// samples outside SQLite in <c>bench/profile sqlite signups</c>. Each text is compiled once; an execution binds
    /// the values by position, converted as EF Core's SQLite mappings store them, runs in the connection's current
    /// transaction, and returns the rows already read.
    /// </summary>
    public RawRowsReader ExecuteRaw(SqliteConnection connection, string sql, IReadOnlyList<object> args)
    {
        if (!_raw.TryGetValue(sql, out var batch) || !batch.BelongsTo(connection))
        {
            if (_raw.Remove(sql, out var stale))
            {
                stale.Dispose();
            }
            else if (_commands.Count + _raw.Count >= MaxCommands)
            {
                Dispose();
            }

            batch = new SqliteRawBatch(connection, RawPlaceholder().Replace(sql, "@p$1"));
            _raw[sql] = batch;
            Compiled++;
        }

        return batch.Execute(args);
    }

    [GeneratedRegex(@"\{(\d+)\}")]
    private static partial Regex RawPlaceholder();

    private int ExecuteNonQuery(DbCommand command)
    {
        using var reader = Execute(command);
        reader.Close(); // Steps through every statement; RecordsAffected is then their total, as ExecuteNonQuery's.
        return reader.RecordsAffected;
    }

    private object ExecuteScalar(DbCommand command)
    {
        using var reader = Execute(command);
        return reader.Read() ? reader.GetValue(0) : null!;
    }

    private SqliteDataReader Execute(DbCommand command)
    {
        var source = (SqliteCommand)command;
        var cached = For(source);
        cached.Transaction = source.Transaction;
        cached.CommandTimeout = source.CommandTimeout;
        // Bound by name as the reader reaches each statement: EF's parameters stay until the next execution.
        cached.Parameters.Clear();
        foreach (SqliteParameter parameter in source.Parameters)
        {
            cached.Parameters.Add(parameter);
        }

        return cached.ExecuteReader(CommandBehavior.Default);
    }

    private SqliteCommand For(SqliteCommand source) =>
        _commands.TryGetValue(source.CommandText, out var cached) && cached.Connection == source.Connection
            ? cached
            : Compile(source.CommandText, source.CommandText, source.Connection!);

    /// <summary>A new compiled command for <paramref name="key"/> (EF's SQL text, or the raw text it came from),
    /// replacing one compiled on another connection (the context reopened after a failure).</summary>
    private SqliteCommand Compile(string key, string text, SqliteConnection connection)
    {
        if (_commands.Remove(key, out var stale))
        {
            stale.Dispose();
        }
        else if (_commands.Count + _raw.Count >= MaxCommands)
        {
            Dispose();
        }

        var command = new SqliteCommand(text, connection);
        _commands[key] = command;
        Compiled++;
        return command;
    }
}
