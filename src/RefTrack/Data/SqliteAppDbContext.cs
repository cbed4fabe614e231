using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace RefTrack.Data;

public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options)
{
    /// <summary>One write gate per database file in this process.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Gates = new();

    /// <summary>Set on a context that keeps its connection open (<see cref="SqliteKeptContext"/>: the group commit's,
    /// the hot reads'): its compiled statements, which <see cref="RawSqlRows"/> runs raw SQL on directly.</summary>
    internal SqliteStatementCache? Statements { get; init; }

    public override Task<WriteTransaction> BeginWriteAsync(CancellationToken ct, System.Data.IsolationLevel? isolation = null) =>
        WriteTransaction.StartAsync(this, GateFor(this), isolation, ct);

    /// <summary>The write gate of the database file <paramref name="db"/> is connected to.</summary>
    /// <remarks>Keyed on the file's full path, not on the connection string: the click writer's unpooled connection
    /// ("Pooling=False" in its string) writes to the same file and must take turns on the same gate.</remarks>
    internal static SemaphoreSlim GateFor(AppDbContext db) =>
        Gates.GetOrAdd(FileOf(db.Database.GetConnectionString()), _ => new SemaphoreSlim(1, 1));

    /// <summary>One rollup rebuild at a time per database file in this process (<see cref="Reports.RollupRebuilder"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> RebuildClaims = new();

    internal static SemaphoreSlim RebuildClaimFor(AppDbContext db) =>
        RebuildClaims.GetOrAdd(FileOf(db.Database.GetConnectionString()), _ => new SemaphoreSlim(1, 1));

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
