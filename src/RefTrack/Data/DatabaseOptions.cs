using System.ComponentModel.DataAnnotations;

namespace RefTrack.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public enum SqliteSynchronous
{
    Normal,
    Full,
}

/// <summary>Bound from <c>RefTrack:Database</c>.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "RefTrack:Database";

    /// <summary><c>sqlite</c> (default, embedded, one node) or <c>postgres</c> (production, several nodes).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Npgsql connection string; required for <c>postgres</c>, e.g.
    /// <c>Host=db;Database=reftrack;Username=reftrack;Password=…;Maximum Pool Size=50</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite file; relative paths are resolved against the working directory.</summary>
    [Required(ErrorMessage = "RefTrack:Database:Path is required.")]
    public string Path { get; set; } = System.IO.Path.Combine("data", "reftrack.db");

    /// <summary>Apply pending migrations when the service starts.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// SQLite <c>synchronous</c> in WAL mode. <c>Full</c> (default) fsyncs every commit: an acknowledged signup or
    /// conversion survives a power loss. <c>Normal</c> is faster but may lose the last commits on power loss
    /// (never on a process crash).
    /// </summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>How long a writer waits for SQLite's write lock before failing.</summary>
    [Range(0, 600_000, ErrorMessage = "RefTrack:Database:BusyTimeoutMilliseconds must be between {1} and {2}.")]
    public int BusyTimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>
    /// SQLite's page cache per pooled connection (<c>PRAGMA cache_size</c>), in KiB; the default is SQLite's own.
    /// Every connection keeps its own copy of the pages it read, on top of the operating system's file cache, and a
    /// node under load holds about ten. Smaller saves memory and costs signups their cached pages: at 512 KiB the
    /// benchmark's SQLite signups ran about a sixth slower (docs/benchmarks-log.md).
    /// </summary>
    [Range(64, 1_048_576, ErrorMessage = "RefTrack:Database:SqliteCacheKiB must be between {1} and {2}.")]
    public int SqliteCacheKiB { get; set; } = 2000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Configuration binds any number to an enum: "2" would run on SQLite while start-up took it for PostgreSQL.
        if (!Enum.IsDefined(Provider))
        {
            yield return new ValidationResult(
                $"RefTrack:Database:Provider must be sqlite or postgres; got '{Provider}'.", [nameof(Provider)]);
        }

        // A PostgreSQL connection string with the provider left at its default is a deployment that meant PostgreSQL:
        // run on SQLite instead, each node would keep its own file and its own referrals.
        if (Provider == DatabaseProvider.Sqlite && !string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                "RefTrack:Database:ConnectionString is set but RefTrack:Database:Provider is sqlite (the default): set the provider to postgres, or remove the connection string.",
                [nameof(ConnectionString)]);
        }

        if (!Enum.IsDefined(Synchronous))
        {
            yield return new ValidationResult(
                $"RefTrack:Database:Synchronous must be one of {string.Join(", ", Enum.GetNames<SqliteSynchronous>())}; got '{Synchronous}'.",
                [nameof(Synchronous)]);
        }

        if (Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                "RefTrack:Database:ConnectionString is required when RefTrack:Database:Provider is postgres.",
                [nameof(ConnectionString)]);
        }
    }
}
