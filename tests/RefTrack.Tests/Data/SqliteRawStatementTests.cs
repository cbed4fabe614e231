using Microsoft.Data.Sqlite;
using RefTrack.Data;

namespace RefTrack.Tests.Data;

/// <summary>
/// <see cref="SqliteRawStatement"/> formats ids, times and text itself, in a buffer it keeps from one bind to the
/// next. Each value must reach SQLite exactly as Microsoft.Data.Sqlite (and so EF Core) sends it, or EF's queries
/// would not find the rows the click writer and the group commit write.
/// </summary>
public sealed class SqliteRawStatementTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public SqliteRawStatementTests() => _connection.Open();

    public static TheoryData<DateTime> Times() =>
    [
        new DateTime(2026, 3, 1, 12, 30, 45, DateTimeKind.Utc), // no fraction: no point either
        new DateTime(2026, 3, 1, 12, 30, 45, 100, DateTimeKind.Utc), // trailing zeros of the fraction
        new DateTime(2026, 3, 1, 12, 30, 45, 123, DateTimeKind.Utc).AddTicks(4567), // every digit
        new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1), // one tick: leading zeros kept
        new DateTime(2026, 3, 1, 10, 20, 30, DateTimeKind.Unspecified).AddTicks(5_000_000),
        new DateTime(2026, 3, 1, 10, 20, 30, DateTimeKind.Local).AddTicks(10), // the offset the kind adds is not kept
        DateTime.MinValue,
        DateTime.MaxValue,
    ];

    [Theory]
    [MemberData(nameof(Times))]
    public void A_time_is_bound_as_Microsoft_Data_Sqlite_binds_it(DateTime value) =>
        Assert.Equal(ThroughDriver(value), Raw(s => s.Bind(1, value)));

    [Fact]
    public void Times_across_the_range_are_bound_as_Microsoft_Data_Sqlite_binds_them()
    {
        var random = new Random(20261207);
        for (var i = 0; i < 2_000; i++)
        {
            var value = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            // Every other value rounded to a whole second, a millisecond or a tenth of one: fractions with zeros to drop.
            value = (i % 4) switch
            {
                1 => value.AddTicks(-(value.Ticks % TimeSpan.TicksPerSecond)),
                2 => value.AddTicks(-(value.Ticks % TimeSpan.TicksPerMillisecond)),
                3 => value.AddTicks(-(value.Ticks % (TimeSpan.TicksPerSecond / 10))),
                _ => value,
            };
            Assert.Equal(ThroughDriver(value), Raw(s => s.Bind(1, value)));
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2026, 12, 7)]
    [InlineData(9999, 12, 31)]
    public void A_day_is_bound_as_Microsoft_Data_Sqlite_binds_it(int year, int month, int day)
    {
        var value = new DateOnly(year, month, day);
        Assert.Equal(ThroughDriver(value), Raw(s => s.Bind(1, value)));
    }

    [Fact]
    public void An_id_is_bound_as_EF_Core_stores_it_on_SQLite()
    {
        // Microsoft.Data.Sqlite alone binds a Guid as a blob; EF Core's SQLite mapping converts it to upper-case text.
        var value = Guid.NewGuid();
        Assert.Equal(ThroughDriver(value.ToString().ToUpperInvariant()), Raw(s => s.Bind(1, value)));
    }

    [Fact]
    public void Values_of_every_length_follow_each_other_in_the_kept_buffer()
    {
        // Longer than the buffer's first size, then shorter: what one bind left there must not reach the next.
        var id = Guid.NewGuid();
        var at = new DateTime(2026, 3, 1, 12, 30, 45, DateTimeKind.Utc);
        string[] texts = ["short", new string('x', 300) + "é", "", "ünïcödé — 日本語", new string('y', 5_000)];
        using var statement = new SqliteRawStatement(_connection, "SELECT quote(?1) || quote(?2) || quote(?3)");
        foreach (var text in texts)
        {
            statement.Bind(1, text);
            statement.Bind(2, id);
            statement.Bind(3, at);
            Assert.True(statement.Step());
            Assert.Equal(ThroughDriver(text) + ThroughDriver(id.ToString().ToUpperInvariant()) + ThroughDriver(at), statement.Column(0));
            statement.Reset();
        }
    }

    [Fact]
    public void A_value_bound_again_stays_bound_across_runs_and_a_new_one_replaces_it()
    {
        // A parameter given the value it holds is not bound again (SQLite keeps values across sqlite3_reset); every
        // run must still see exactly the values of its own binds. Each kind in turn, then kinds that share a number
        // or a text at one position: a time and an integer of its ticks, a day and its day number, an id and its text.
        var id = Guid.NewGuid();
        var other = Guid.NewGuid();
        var at = new DateTime(2026, 3, 1, 12, 30, 45, DateTimeKind.Utc);
        var day = new DateOnly(2026, 3, 1);
        object?[][] runs =
        [
            [id, "agent", 7L], [id, "agent", 7L], [other, "agent", 7L], [other, "agënt", 8L], [other, null, 8L],
            [other, null, 8L], [null, "agent", 8L], [at, at, at], [at, at.Ticks, day], [at.Ticks, at, day.DayNumber],
            [day, day.DayNumber, day], [id.ToString().ToUpperInvariant(), id, true], [id, id.ToString().ToUpperInvariant(), 1L],
            [1.5, 1.5, false], [1.5, 2L, 0L], [2.5m, "2.5", 0L], [2.5m, "2.5", DBNull.Value],
            // A value, then NULL or a real number (never remembered), then the value again: bound again each time.
            [id, "agent", 7L], [null, DBNull.Value, null], [id, "agent", 7L], [1.5, 2.5, 3.5], [id, "agent", 7L],
        ];
        using var statement = new SqliteRawStatement(_connection, "SELECT quote(?1) || ',' || quote(?2) || ',' || quote(?3)");
        foreach (var values in runs)
        {
            for (var i = 0; i < values.Length; i++)
            {
                statement.BindValue(i + 1, values[i]);
            }

            Assert.True(statement.Step());
            Assert.Equal(string.Join(",", values.Select(ThroughEfCore)), statement.Column(0));
            statement.Reset();
        }
    }

    [Fact]
    public void A_failed_bind_leaves_no_value_believed_bound()
    {
        // A text longer than SQLite's limit fails its bind, and SQLite may have emptied the parameter by then: the
        // same value bound again after a good one must reach SQLite, not be skipped as held.
        using var statement = new SqliteRawStatement(_connection, "SELECT quote(?1)");
        LimitLength(statement, 30); // SQLite's lowest
        statement.Bind(1, "short");
        Assert.Throws<SqliteException>(() => statement.Bind(1, new string('x', 31)));
        statement.Bind(1, "short");
        Assert.True(statement.Step());
        Assert.Equal("'short'", statement.Column(0));
        statement.Reset();
        Assert.Throws<SqliteException>(() => statement.Bind(2, "no such parameter"));
    }

    [Fact]
    public void A_disposed_statement_refuses_every_call()
    {
        // Its pointer is gone with it: a call must throw, as through SQLitePCLRaw's handle, not reach SQLite. The value
        // it held is forgotten too, so binding it again is refused rather than skipped.
        var statement = new SqliteRawStatement(_connection, "SELECT ?1");
        statement.Bind(1, "kept");
        statement.Dispose();
        Assert.Throws<ObjectDisposedException>(() => statement.Bind(1, "kept"));
        Assert.Throws<ObjectDisposedException>(() => statement.Bind(1, 1L));
        Assert.Throws<ObjectDisposedException>(() => statement.Step());
        Assert.Throws<ObjectDisposedException>(() => statement.Changes);
    }

    [Fact]
    public void Statements_call_the_library_behind_Microsoft_Data_Sqlite_directly()
    {
        // The bundled e_sqlite3 is the library SQLitePCLRaw calls: SqliteDirectCalls found the same one, so the click
        // writer's binds and steps skip SQLitePCLRaw's per-call marshalling. False would mean every test here ran the
        // fallback through SQLitePCLRaw, and the click writer slower.
        _ = Raw(s => s.Bind(1, 1L));
        Assert.True(SqliteDirectCalls.Direct);
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>Caps the length of a text value on the statement's connection (<c>SQLITE_LIMIT_LENGTH</c>).</summary>
    private static void LimitLength(SqliteRawStatement statement, int length) =>
        SQLitePCL.raw.sqlite3_limit(statement.Database, SQLitePCL.raw.SQLITE_LIMIT_LENGTH, length);

    /// <summary>A value as EF Core's SQLite mappings send it: ids as upper-case text, the rest as the driver does.</summary>
    private string ThroughEfCore(object? value) => value switch
    {
        null => "NULL",
        Guid id => ThroughDriver(id.ToString().ToUpperInvariant()),
        decimal number => ThroughDriver(number.ToString("0.0###########################", System.Globalization.CultureInfo.InvariantCulture)),
        _ => ThroughDriver(value),
    };

    private string Raw(Action<SqliteRawStatement> bind)
    {
        using var statement = new SqliteRawStatement(_connection, "SELECT quote(?1)");
        bind(statement);
        Assert.True(statement.Step());
        return (string)statement.Column(0);
    }

    private string ThroughDriver(object value)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT quote($value)";
        command.Parameters.AddWithValue("$value", value);
        return (string)command.ExecuteScalar()!;
    }
}
