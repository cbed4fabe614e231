using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace RefTrack.Bench;

/// <summary>Column types the seeder writes; each provider maps them the way RefTrack's EF model stores them.</summary>
public enum ColumnType
{
    Uuid,
    Text,
    Int,
    Long,
    Bool,
    Time,
}

public sealed record Column(string Name, ColumnType Type);

/// <summary>One table's seed rows: <see cref="Fill"/> writes row <c>n</c> (0 ≤ n &lt; Count) into the values array.</summary>
public sealed record SeedTable(string Name, Column[] Columns, long Count, Action<long, object?[]> Fill);

/// <summary>
/// One database of one provider, named after its dataset (<c>reftrack_bench_large</c>, <c>sqlite-large.db</c>).
/// Provisioning, bulk loading and the verification queries go through here; SQL text is shared by both providers
/// (quoted identifiers, TRUE/FALSE), ids are compared through <see cref="Id"/>.
/// </summary>
public abstract class BenchDatabase(string name)
{
    public string Name { get; } = name;

    public abstract string Provider { get; }

    /// <summary>Environment for RefTrack to use this database.</summary>
    public abstract IReadOnlyDictionary<string, string> RefTrackEnvironment();

    /// <summary>Command-line settings for the ceiling app to use this database.</summary>
    public abstract IReadOnlyList<string> CeilingArguments();

    public abstract Task ResetAsync();

    public abstract Task DropAsync();

    public abstract Task<long> ScalarAsync(string sql);

    public abstract Task BulkInsertAsync(SeedTable table);

    /// <summary>
    /// Drops the table's secondary indexes (not its primary key) and returns a function that recreates them from
    /// the definitions RefTrack's migrations made: building an index once, sorted, beats growing it row by row.
    /// </summary>
    public abstract Task<Func<Task>> DropSecondaryIndexesAsync(string table);

    /// <summary>After seeding: what an operator (or autovacuum) would have done by the time such data exists.</summary>
    public abstract Task AfterSeedAsync();

    /// <summary>
    /// After RefTrack rebuilt the rollups from the seeded rows (the first scenario on a dataset, once RefTrack is up):
    /// the rebuild deletes and rewrites every rollup row and updates every participant's counters, which leaves the
    /// same work behind as the seeding did. Returns what it did, for the results' notes (null: nothing).
    /// </summary>
    public abstract Task<string?> AfterRollupsAsync();

    /// <summary>An id as a SQL literal comparable with this provider's id columns.</summary>
    public abstract string Id(Guid id);

    public abstract string Describe();

    public static BenchDatabase Create(string provider, string name, BenchOptions options) => provider switch
    {
        "sqlite" => new SqliteBenchDatabase(name, Path.Combine(options.WorkDir, "data", $"sqlite-{name}.db")),
        "postgres" => new PostgresBenchDatabase(name, options.PostgresConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };
}

public sealed class SqliteBenchDatabase(string name, string path) : BenchDatabase(name)
{
    private const int RowsPerTransaction = 250_000;

    public override string Provider => "sqlite";

    public string Path { get; } = path;

    public override IReadOnlyDictionary<string, string> RefTrackEnvironment() => new Dictionary<string, string>
    {
        ["RefTrack__Database__Provider"] = "Sqlite",
        ["RefTrack__Database__Path"] = Path,
        // RefTrack's default, spelled out: the write ceiling uses the same.
        ["RefTrack__Database__Synchronous"] = "Full",
    };

    public override IReadOnlyList<string> CeilingArguments() => ["--Ceiling:Provider=sqlite", $"--Ceiling:Path={Path}"];

    public override Task ResetAsync()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }

        return Task.CompletedTask;
    }

    public override Task DropAsync() => ResetAsync();

    public override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
    }

    public override async Task<Func<Task>> DropSecondaryIndexesAsync(string table)
    {
        List<(string Name, string Sql)> indexes = [];
        await using (var connection = Open())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $t AND sql IS NOT NULL";
            command.Parameters.AddWithValue("$t", table);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            await ScalarAsync($"DROP INDEX \"{name}\"");
        }

        return async () =>
        {
            await using var connection = Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA cache_size = -2097152; PRAGMA temp_store = MEMORY; " +
                                  string.Join(' ', indexes.Select(i => i.Sql + ";"));
            await command.ExecuteNonQueryAsync();
        };
    }

    /// <summary>Prepared INSERTs, committed every <see cref="RowsPerTransaction"/> rows.</summary>
    public override async Task BulkInsertAsync(SeedTable table)
    {
        await using var connection = Open();
        await using (var pragma = connection.CreateCommand())
        {
            // RefTrack is stopped while the harness seeds: no journal at all for the load (WAL is back in AfterSeed,
            // and RefTrack sets it again when it starts), no fsync, a large page cache.
            pragma.CommandText = "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2097152; PRAGMA temp_store = MEMORY;";
            await pragma.ExecuteNonQueryAsync();
        }

        await using var command = connection.CreateCommand();
        var columns = string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""));
        var parameters = string.Join(", ", table.Columns.Select((_, i) => $"$p{i}"));
        command.CommandText = $"INSERT INTO \"{table.Name}\" ({columns}) VALUES ({parameters});";
        var sqliteParameters = table.Columns.Select((_, i) => command.Parameters.Add($"$p{i}", SqliteType.Text)).ToArray();
        for (var i = 0; i < table.Columns.Length; i++)
        {
            sqliteParameters[i].SqliteType = table.Columns[i].Type is ColumnType.Int or ColumnType.Long or ColumnType.Bool
                ? SqliteType.Integer
                : SqliteType.Text;
        }

        var values = new object?[table.Columns.Length];
        SqliteTransaction? transaction = null;
        try
        {
            for (long n = 0; n < table.Count; n++)
            {
                if (n % RowsPerTransaction == 0)
                {
                    if (transaction is not null)
                    {
                        await transaction.CommitAsync();
                        await transaction.DisposeAsync();
                    }

                    transaction = connection.BeginTransaction();
                    command.Transaction = transaction;
                    if (n == 0)
                    {
                        command.Prepare();
                    }
                }

                table.Fill(n, values);
                for (var i = 0; i < values.Length; i++)
                {
                    sqliteParameters[i].Value = ToSqlite(table.Columns[i].Type, values[i]);
                }

                command.ExecuteNonQuery();
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync();
            }
        }
        finally
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
        }
    }

    public override async Task AfterSeedAsync()
    {
        // No ANALYZE: RefTrack never runs it, so a real SQLite deployment has no statistics either.
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        await command.ExecuteNonQueryAsync();
    }

    // Nothing: SQLite has no background maintenance for the run to race.
    public override Task<string?> AfterRollupsAsync() => Task.FromResult<string?>(null);

    public override string Id(Guid id) => $"'{id.ToString("D").ToUpperInvariant()}'";

    public override string Describe() => $"SQLite file {Path}";

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path, Pooling = false, DefaultTimeout = 600,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 60000;";
        command.ExecuteNonQuery();
        return connection;
    }

    private static object ToSqlite(ColumnType type, object? value) => value switch
    {
        null => DBNull.Value,
        Guid g => g.ToString("D").ToUpperInvariant(), // How EF Core stores a Guid in SQLite.
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
        bool b => b ? 1L : 0L,
        _ when type == ColumnType.Text => value.ToString()!,
        _ => value,
    };
}

public sealed class PostgresBenchDatabase : BenchDatabase
{
    private readonly string _server;
    private readonly string _connectionString;

    public PostgresBenchDatabase(string name, string server) : base(name)
    {
        _server = server;
        DatabaseName = $"reftrack_bench_{name.Replace('-', '_')}";
        _connectionString = new NpgsqlConnectionStringBuilder(server) { Database = DatabaseName, CommandTimeout = 0 }.ToString();
    }

    public override string Provider => "postgres";

    public string DatabaseName { get; }

    public override IReadOnlyDictionary<string, string> RefTrackEnvironment() => new Dictionary<string, string>
    {
        ["RefTrack__Database__Provider"] = "Postgres",
        ["RefTrack__Database__ConnectionString"] = new NpgsqlConnectionStringBuilder(_server) { Database = DatabaseName }.ToString(),
    };

    public override IReadOnlyList<string> CeilingArguments() =>
        ["--Ceiling:Provider=postgres", $"--Ceiling:ConnectionString={RefTrackEnvironment()["RefTrack__Database__ConnectionString"]}"];

    public override async Task ResetAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
        await AdminAsync($"CREATE DATABASE \"{DatabaseName}\"");
    }

    public override async Task DropAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
    }

    public override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
    }

    /// <summary>Binary COPY. Foreign-key triggers are off for this session only: the rows are consistent by construction.</summary>
    public override async Task BulkInsertAsync(SeedTable table)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using (var role = new NpgsqlCommand("SET session_replication_role = replica", connection))
        {
            await role.ExecuteNonQueryAsync();
        }

        var columns = string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""));
        var values = new object?[table.Columns.Length];
        // Synchronous writes in the loop: tens of millions of fields, no awaits worth their cost.
        using var importer = connection.BeginBinaryImport($"COPY \"{table.Name}\" ({columns}) FROM STDIN (FORMAT BINARY)");
        for (long n = 0; n < table.Count; n++)
        {
            table.Fill(n, values);
            importer.StartRow();
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is null)
                {
                    importer.WriteNull();
                }
                else
                {
                    Write(importer, table.Columns[i].Type, values[i]!);
                }
            }
        }

        importer.Complete();
    }

    public override async Task<Func<Task>> DropSecondaryIndexesAsync(string table)
    {
        List<(string Name, string Sql)> indexes = [];
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 " +
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)", connection);
            command.Parameters.AddWithValue(table);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            await ScalarAsync($"DROP INDEX \"{name}\"");
        }

        return async () =>
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SET maintenance_work_mem = '1GB'; " + string.Join(' ', indexes.Select(i => i.Sql + ";")), connection);
            await command.ExecuteNonQueryAsync();
        };
    }

    // Autovacuum would analyze tables that grew this much; do it now so the run does not race it.
    public override Task AfterSeedAsync() => VacuumAnalyzeAsync();

    // The rebuild leaves a dead row for every participant and millions of new rollup rows: autovacuum started on
    // them during the measured run of many links (seen in pg_stat_activity), taking its CPU. Done before the load
    // instead, with RefTrack running: VACUUM takes no lock that RefTrack's statements wait for.
    public override async Task<string?> AfterRollupsAsync()
    {
        await VacuumAnalyzeAsync();
        return "VACUUM ANALYZE";
    }

    private async Task VacuumAnalyzeAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("VACUUM ANALYZE", connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    public override string Id(Guid id) => $"'{id:D}'::uuid";

    public override string Describe() => $"PostgreSQL database {DatabaseName}";

    private static void Write(NpgsqlBinaryImporter importer, ColumnType type, object value)
    {
        switch (type)
        {
            case ColumnType.Uuid: importer.Write((Guid)value, NpgsqlDbType.Uuid); break;
            case ColumnType.Text: importer.Write(value.ToString()!, NpgsqlDbType.Text); break;
            case ColumnType.Int: importer.Write(Convert.ToInt32(value, CultureInfo.InvariantCulture), NpgsqlDbType.Integer); break;
            case ColumnType.Long: importer.Write(Convert.ToInt64(value, CultureInfo.InvariantCulture), NpgsqlDbType.Bigint); break;
            case ColumnType.Bool: importer.Write((bool)value, NpgsqlDbType.Boolean); break;
            case ColumnType.Time: importer.Write(DateTime.SpecifyKind((DateTime)value, DateTimeKind.Utc), NpgsqlDbType.TimestampTz); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    private async Task AdminAsync(string sql)
    {
        var admin = new NpgsqlConnectionStringBuilder(_server) { Database = "postgres", Pooling = false }.ToString();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
