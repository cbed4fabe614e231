using System.Collections;
using System.Data.Common;
using System.Globalization;

namespace RefTrack.Data;

/// <summary>
/// The rows of a <see cref="SqliteRawBatch"/>, already read, as a forward-only <see cref="DbDataReader"/> for
/// <see cref="RawSqlRows"/>' row readers. Values are as SQLite stores them (long, double, string, byte[], DBNull);
/// the typed getters convert them as Microsoft.Data.Sqlite's reader does.
/// </summary>
internal sealed class RawRowsReader(List<object[]> rows, int recordsAffected) : DbDataReader
{
    private int _row = -1;

    public override int RecordsAffected => recordsAffected;

    public override bool HasRows => rows.Count > 0;

    public override bool IsClosed => false;

    public override int Depth => 0;

    public override int FieldCount => rows.Count > 0 ? rows[0].Length : 0;

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => throw new NotSupportedException("Columns are read by position.");

    public override bool Read() => ++_row < rows.Count;

    public override bool NextResult() => false;

    public override object GetValue(int ordinal) => rows[_row][ordinal];

    public override bool IsDBNull(int ordinal) => GetValue(ordinal) is DBNull;

    public override string GetString(int ordinal) => (string)GetValue(ordinal);

    public override long GetInt64(int ordinal) => (long)GetValue(ordinal);

    public override int GetInt32(int ordinal) => checked((int)GetInt64(ordinal));

    public override short GetInt16(int ordinal) => checked((short)GetInt64(ordinal));

    public override byte GetByte(int ordinal) => checked((byte)GetInt64(ordinal));

    public override bool GetBoolean(int ordinal) => GetInt64(ordinal) != 0;

    public override double GetDouble(int ordinal) => Convert.ToDouble(GetValue(ordinal), CultureInfo.InvariantCulture);

    public override float GetFloat(int ordinal) => (float)GetDouble(ordinal);

    public override decimal GetDecimal(int ordinal) => Convert.ToDecimal(GetValue(ordinal), CultureInfo.InvariantCulture);

    public override Guid GetGuid(int ordinal) => Guid.Parse(GetString(ordinal));

    public override DateTime GetDateTime(int ordinal) => DateTime.Parse(GetString(ordinal), CultureInfo.InvariantCulture);

    public override char GetChar(int ordinal) => GetString(ordinal)[0];

    public override int GetValues(object[] values)
    {
        var count = Math.Min(values.Length, FieldCount);
        Array.Copy(rows[_row], values, count);
        return count;
    }

    public override Type GetFieldType(int ordinal) => GetValue(ordinal).GetType();

    public override string GetDataTypeName(int ordinal) => GetFieldType(ordinal).Name;

    public override string GetName(int ordinal) => throw new NotSupportedException("Columns are read by position.");

    public override int GetOrdinal(string name) => throw new NotSupportedException("Columns are read by position.");

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) =>
        throw new NotSupportedException();

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) =>
        throw new NotSupportedException();

    public override IEnumerator GetEnumerator() => new DbEnumerator(this);
}
