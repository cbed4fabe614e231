using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace RefTrack.Data;

/// <summary>
/// One compiled SQLite statement, bound by position and stepped straight through SQLite's C API (binds, steps and
/// resets by <see cref="SqliteDirectCalls"/>, the rest through SQLitePCLRaw, the layer under Microsoft.Data.Sqlite):
/// the click writer's per-row inserts, and the group commit's raw SQL
/// (<see cref="SqliteRawBatch"/>). Microsoft.Data.Sqlite looks each parameter up by name and converts each string value
/// to UTF-8 anew on every execution, and makes a data reader per execution: in <c>bench/profile sqlite hot-link</c>
/// its binding took as many samples as SQLite's own inserts. Here ids and times are formatted straight into UTF-8, in a
/// buffer the statement keeps. Values are stored as EF Core's SQLite mappings store them (ids as upper-case text,
/// times as ISO text), so EF's queries find the rows (<c>SqliteClickStatementsTests</c>,
/// <c>SqliteStatementCacheTests</c> compare the two, <c>SqliteRawStatementTests</c> each format). Errors surface as
/// <see cref="SqliteException"/>, as through Microsoft.Data.Sqlite.
/// </summary>
/// <remarks>On a connection that is open, used by one thread, and inside the caller's transaction; dispose it
/// before the connection closes.</remarks>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    /// <summary>The connection's and the statement's own pointers, for <see cref="SqliteDirectCalls"/>: valid while
    /// this statement is (a connection closed under it stays open until its statements are finalized).</summary>
    private IntPtr _dbHandle;
    private IntPtr _handle;
    private byte[] _text = new byte[64]; // Text values are formatted here; SQLite copies them as they are bound.

    /// <summary>
    /// What each parameter holds now, by its 1-based position: SQLite keeps a statement's values from one run to the
    /// next (<c>sqlite3_reset</c> leaves them), so binding a parameter the value it already holds is skipped. Rows in a
    /// batch share most of their values (the campaign in every click, the code and referrer in every click of a hot
    /// link, the click in both of its visitor keys), and a skipped id costs a comparison instead of formatting, a call
    /// into SQLite and SQLite's copy (70 ns a bind: bench/results/2026-12-07-1013-bindtext.txt, "Guid, direct").
    /// </summary>
    private readonly Bound[] _bound;

    public SqliteRawStatement(SqliteConnection connection, string sql)
        : this(Open(connection), sql, out _)
    {
    }

    /// <summary>Compiles the first statement of <paramref name="sql"/>; <paramref name="tail"/> is the text after it.
    /// <see cref="IsEmpty"/> when there was none (only whitespace or comments).</summary>
    internal SqliteRawStatement(sqlite3 db, string sql, out string tail)
    {
        _db = db;
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement, out tail);
        SqliteException.ThrowExceptionForRC(rc, _db);
        _bound = new Bound[IsEmpty ? 1 : ParameterCount + 1];
        _dbHandle = _db.DangerousGetHandle();
        _handle = IsEmpty ? IntPtr.Zero : _statement.DangerousGetHandle();
    }

    internal sqlite3 Database => _db;

    /// <summary>The rows changed by the last statement that ran on this connection.</summary>
    internal int Changes => SqliteDirectCalls.Changes(_db, _dbHandle);

    internal bool IsEmpty => _statement is null || _statement.IsInvalid;

    /// <summary>Whether the statement leaves the database unchanged (a SELECT); its changes are not counted.</summary>
    internal bool IsReadOnly => raw.sqlite3_stmt_readonly(_statement) != 0;

    internal int ParameterCount => raw.sqlite3_bind_parameter_count(_statement);

    internal int ColumnCount => raw.sqlite3_column_count(_statement);

    /// <summary>The name of a parameter (<c>@p3</c>), by its 1-based position.</summary>
    internal string? ParameterName(int index) => raw.sqlite3_bind_parameter_name(_statement, index).utf8_to_string();

    /// <summary>Upper-case, hyphenated text, as EF Core stores a <see cref="Guid"/> on SQLite.</summary>
    public void Bind(int index, Guid value)
    {
        if (Holds(index, BoundKind.Id, value, 0, null))
        {
            return;
        }

        var utf8 = Scratch(36);
        value.TryFormat(utf8, out _, "D");
        Ascii.ToUpperInPlace(utf8, out _);
        Check(SqliteDirectCalls.BindText(_statement, _handle, index, utf8));
        Remember(index, BoundKind.Id, value, 0, null);
    }

    /// <summary>
    /// As Microsoft.Data.Sqlite writes a <see cref="DateTime"/> for EF Core: <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>.
    /// Made from the round-trip format (<c>yyyy-MM-ddTHH:mm:ss.fffffff</c>, then the kind's suffix, cut off here):
    /// a custom format string is parsed anew on every call (a bind took 273 ns with it, 77 ns so, in the run of
    /// <see cref="Scratch"/>'s figures). Once a click, and for each time a group commit writes.
    /// </summary>
    public void Bind(int index, DateTime value)
    {
        // By its ticks alone: the text leaves the kind out.
        if (Holds(index, BoundKind.Time, default, value.Ticks, null))
        {
            return;
        }

        var utf8 = Scratch(33);
        value.TryFormat(utf8, out _, "O", CultureInfo.InvariantCulture);
        utf8[10] = (byte)' ';
        var length = 27;
        while (utf8[length - 1] == (byte)'0')
        {
            length--; // F: the fraction's trailing zeros are left out…
        }

        if (utf8[length - 1] == (byte)'.')
        {
            length--; // …and its point too when no digit is left.
        }

        Check(SqliteDirectCalls.BindText(_statement, _handle, index, utf8[..length]));
        Remember(index, BoundKind.Time, default, value.Ticks, null);
    }

    /// <summary><c>yyyy-MM-dd</c>, the round-trip format of a <see cref="DateOnly"/>.</summary>
    public void Bind(int index, DateOnly value)
    {
        if (Holds(index, BoundKind.Day, default, value.DayNumber, null))
        {
            return;
        }

        var utf8 = Scratch(10);
        value.TryFormat(utf8, out var written, "O", CultureInfo.InvariantCulture);
        Check(SqliteDirectCalls.BindText(_statement, _handle, index, utf8[..written]));
        Remember(index, BoundKind.Day, default, value.DayNumber, null);
    }

    /// <summary>Text, or NULL for <see langword="null"/>.</summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            BindNull(index);
            return;
        }

        if (Holds(index, BoundKind.Text, default, 0, value))
        {
            return;
        }

        var utf8 = Scratch(Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = Encoding.UTF8.GetBytes(value, utf8);
        Check(SqliteDirectCalls.BindText(_statement, _handle, index, utf8[..written]));
        Remember(index, BoundKind.Text, default, 0, value);
    }

    public void Bind(int index, long value)
    {
        if (Holds(index, BoundKind.Integer, default, value, null))
        {
            return;
        }

        Check(SqliteDirectCalls.BindInt64(_statement, _handle, index, value));
        Remember(index, BoundKind.Integer, default, value, null);
    }

    public void Bind(int index, bool value) => Bind(index, value ? 1L : 0L);

    /// <summary>A value of the types the write units pass, stored as Microsoft.Data.Sqlite stores it for EF Core
    /// (<c>SqliteStatementCacheTests</c> compares the two).</summary>
    public void BindValue(int index, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                BindNull(index);
                break;
            case string text:
                Bind(index, text);
                break;
            case Guid id:
                Bind(index, id);
                break;
            case DateTime at:
                Bind(index, at);
                break;
            case DateOnly day:
                Bind(index, day);
                break;
            case bool flag:
                Bind(index, flag);
                break;
            case int or long or short or byte:
                Bind(index, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case decimal number:
                Bind(index, number.ToString("0.0###########################", CultureInfo.InvariantCulture));
                break;
            case double real:
                Forget(index);
                Check(raw.sqlite3_bind_double(_statement, index, real));
                break;
            default:
                throw new NotSupportedException($"A value of type {value.GetType()} is not bound by {nameof(SqliteRawStatement)}.");
        }
    }

    /// <summary>Steps once: <see langword="true"/> with a row to read (<see cref="Column"/>), <see langword="false"/>
    /// when done. An error resets the statement and throws.</summary>
    internal bool Step()
    {
        var rc = SqliteDirectCalls.Step(_statement, _handle);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc != raw.SQLITE_DONE)
        {
            Reset();
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return false;
    }

    /// <summary>The current row's value of a column, as SQLite stores it: long, double, string, byte[] or DBNull.</summary>
    internal object Column(int index) => raw.sqlite3_column_type(_statement, index) switch
    {
        raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_statement, index),
        raw.SQLITE_FLOAT => raw.sqlite3_column_double(_statement, index),
        raw.SQLITE_TEXT => raw.sqlite3_column_text(_statement, index).utf8_to_string(),
        raw.SQLITE_BLOB => raw.sqlite3_column_blob(_statement, index).ToArray(),
        _ => DBNull.Value,
    };

    internal void Reset() => SqliteDirectCalls.Reset(_statement, _handle);

    /// <summary>Runs the statement with the values bound, and returns the rows it changed; it is then ready to be
    /// bound and run again.</summary>
    public int Execute()
    {
        try
        {
            return Step()
                ? throw new InvalidOperationException("The statement returned rows; Execute runs statements that return none.")
                : Changes;
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Finalizes the statement; its pointers are zeroed, so that a later call is refused, not sent to SQLite
    /// (<see cref="SqliteDirectCalls"/>).</summary>
    public void Dispose()
    {
        _handle = IntPtr.Zero;
        _dbHandle = IntPtr.Zero;
        Array.Clear(_bound);
        _statement?.Dispose();
    }

    /// <summary>The database handle of an open connection.</summary>
    internal static sqlite3 Open(SqliteConnection connection) =>
        connection.Handle ?? throw new InvalidOperationException("The connection is not open.");

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);

    private void BindNull(int index)
    {
        if (Holds(index, BoundKind.Null, default, 0, null))
        {
            return;
        }

        Check(SqliteDirectCalls.BindNull(_statement, _handle, index));
        Remember(index, BoundKind.Null, default, 0, null);
    }

    /// <summary>Whether the parameter holds this value already. An index SQLite does not know is never held: its bind
    /// goes through and fails there. Forgets what the parameter held otherwise, before the bind that replaces it: a
    /// bind that fails may have emptied it.</summary>
    private bool Holds(int index, BoundKind kind, Guid id, long number, string? text)
    {
        if ((uint)index >= (uint)_bound.Length)
        {
            return false;
        }

        ref var bound = ref _bound[index];
        if (bound.Kind == kind && bound.Id == id && bound.Number == number && string.Equals(bound.Text, text, StringComparison.Ordinal))
        {
            return true;
        }

        bound = default;
        return false;
    }

    private void Remember(int index, BoundKind kind, Guid id, long number, string? text)
    {
        if ((uint)index < (uint)_bound.Length)
        {
            _bound[index] = new Bound(kind, id, number, text);
        }
    }

    private void Forget(int index)
    {
        if ((uint)index < (uint)_bound.Length)
        {
            _bound[index] = default;
        }
    }

    private enum BoundKind : byte { None, Null, Id, Time, Day, Text, Integer }

    /// <summary>A parameter's value as it was bound: an id, a number (integer, time's ticks, day number) or a text.</summary>
    private readonly record struct Bound(BoundKind Kind, Guid Id, long Number, string? Text);

    /// <summary>
    /// The statement's own buffer for a text value's UTF-8, at least <paramref name="length"/> bytes, kept from one
    /// bind to the next: a span is bound as <c>SQLITE_TRANSIENT</c>, so SQLite has copied it before the call
    /// returns. Not stack memory: on the benchmark's Intel Xeon host an id formatted into a <c>stackalloc</c> buffer
    /// and bound took 233 ns a bind against 90 ns from this buffer, the same work otherwise (medians,
    /// <c>dotnet run -c Release --project bench/RefTrack.Bench.BindText</c>:
    /// bench/results/2026-12-07-0622-bindtext.txt); in <c>bench/profile --native sqlite hot-link</c> that stall was the
    /// click writer's hottest spot, at its id binds.
    /// </summary>
    private Span<byte> Scratch(int length)
    {
        if (_text.Length < length)
        {
            _text = new byte[Math.Max(length, _text.Length * 2)];
        }

        return _text.AsSpan(0, length);
    }
}
