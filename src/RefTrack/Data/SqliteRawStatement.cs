using System.Buffers.Text;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace RefTrack.Data;

/// <summary>
/// One compiled SQLite statement, bound by position and stepped straight through SQLite's C API (SQLitePCLRaw, the
/// layer under Microsoft.Data.Sqlite), for the click writer's per-row inserts. Microsoft.Data.Sqlite looks each
/// parameter up by name and converts each string value to UTF-8 anew on every execution, and makes a data reader per
/// execution: in <c>bench/profile sqlite hot-link</c> its binding took as many samples as SQLite's own inserts. Here
/// ids and times are formatted straight into UTF-8 on the stack, in EF Core's SQLite formats
/// (<see cref="SqliteFormats"/>). Errors surface as <see cref="SqliteException"/>, as through Microsoft.Data.Sqlite.
/// </summary>
/// <remarks>On a connection that is open, used by one thread, and inside the caller's transaction; dispose it
/// before the connection closes.</remarks>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Upper-case, hyphenated text, as <see cref="SqliteFormats.Text(Guid)"/>.</summary>
    public void Bind(int index, Guid value)
    {
        Span<byte> utf8 = stackalloc byte[36];
        value.TryFormat(utf8, out _, "D");
        Ascii.ToUpperInPlace(utf8, out _);
        Check(raw.sqlite3_bind_text(_statement, index, utf8));
    }

    /// <summary>As <see cref="SqliteFormats.Text(DateTime)"/>: <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>.</summary>
    public void Bind(int index, DateTime value)
    {
        Span<byte> utf8 = stackalloc byte[32];
        value.TryFormat(utf8, out var written, "yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);
        Check(raw.sqlite3_bind_text(_statement, index, utf8[..written]));
    }

    public void Bind(int index, DateOnly value)
    {
        Span<byte> utf8 = stackalloc byte[10];
        value.TryFormat(utf8, out var written, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Check(raw.sqlite3_bind_text(_statement, index, utf8[..written]));
    }

    /// <summary>Text, or NULL for <see langword="null"/>.</summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var utf8 = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var written = Encoding.UTF8.GetBytes(value, utf8);
        Check(raw.sqlite3_bind_text(_statement, index, utf8[..written]));
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, bool value) => Bind(index, value ? 1L : 0L);

    /// <summary>Runs the statement with the values bound, and returns the rows it changed; it is then ready to be
    /// bound and run again.</summary>
    public int Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_ROW ? raw.SQLITE_MISUSE : rc, _db);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);
}
