using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace RefTrack.Data;

public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options)
{
    /// <summary>Per database file in this process: its write gate, and its claim for one rollup rebuild at a time
    /// (<see cref="Reports.RollupRebuilder"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, FileLocks> Files = new();

    private sealed class FileLocks
    {
        public SemaphoreSlim WriteGate { get; } = new(1, 1);

        public SemaphoreSlim RebuildClaim { get; } = new(1, 1);
    }

    /// <summary>Set on a context that keeps its connection open (<see cref="SqliteKeptContext"/>: the group commit's,
    /// the hot reads'): its compiled statements, which <see cref="RawSqlRows"/> runs raw SQL on directly.</summary>
    internal SqliteStatementCache? Statements { get; init; }

    public override Task<WriteTransaction> BeginWriteAsync(CancellationToken ct, System.Data.IsolationLevel? isolation = null) =>
        WriteTransaction.StartAsync(this, GateFor(this), isolation, ct);

    /// <summary>The write gate of the database file <paramref name="db"/> is connected to.</summary>
    /// <remarks>Keyed on the file's full path, not on the connection string: the click writer's unpooled connection
    /// ("Pooling=False" in its string) writes to the same file and must take turns on the same gate.</remarks>
    internal static SemaphoreSlim GateFor(AppDbContext db) => LocksOf(db).WriteGate;

    /// <summary>The rollup rebuild's claim on the database file <paramref name="db"/> is connected to.</summary>
    internal static SemaphoreSlim RebuildClaimFor(AppDbContext db) => LocksOf(db).RebuildClaim;

    private static FileLocks LocksOf(AppDbContext db) =>
        Files.GetOrAdd(FileOf(db.Database.GetConnectionString()), _ => new FileLocks());

    private static string FileOf(string? connectionString)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        var source = builder.DataSource;
        return builder.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory || source.Length == 0 || source == ":memory:"
               || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            ? source // In memory (shared-cache names included), or a URI: named as it is.
            : Path.GetFullPath(source);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite keeps DateTime as ISO text without a kind; every time we write is UTC, so read it back as UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v,
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
