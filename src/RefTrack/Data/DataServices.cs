using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace RefTrack.Data;

public static class DataServices
{
    public static IServiceCollection AddRefTrackData(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The provider decides which context type is registered, so it is read now, not per request. Contexts are
        // pooled: building options and services per request was a measurable share of a signup's CPU time.
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider
                       ?? DatabaseProvider.Sqlite;
        if (provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextPool<AppDbContext, PostgresAppDbContext>((sp, db) =>
                db.UseNpgsql(PostgresConnectionString(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value))
                    .AddInterceptors(OneCommandGuard.Instance)
                    .ConfigureWarnings(QuietExpectedConflicts));
            services.AddScoped<ITransactionRunner, DirectTransactionRunner>();
            services.AddSingleton<IHotReads, DirectHotReads>();
        }
        else
        {
            SqliteLibrary.Configure(); // Before any connection opens.
            services.AddDbContextPool<AppDbContext, SqliteAppDbContext>((sp, db) =>
            {
                var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
                db.UseSqlite(SqliteConnectionString(options))
                    .AddInterceptors(new SqlitePragmas(options))
                    .ConfigureWarnings(QuietExpectedConflicts);
            });
            services.AddSingleton<SqliteGroupCommit>();
            services.AddSingleton<ITransactionRunner>(sp => sp.GetRequiredService<SqliteGroupCommit>());
            services.AddHostedService(sp => sp.GetRequiredService<SqliteGroupCommit>());
            services.AddSingleton<IHotReads, SqliteHotReads>();
        }

        services.AddHostedService<DatabaseStartup>();
        if (provider == DatabaseProvider.Postgres)
        {
            // After DatabaseStartup: hosted services start in order, so the schema exists by its first fold.
            services.AddSingleton<Reports.RollupFolder>();
            services.AddHostedService(sp => sp.GetRequiredService<Reports.RollupFolder>());
        }
        return services;
    }

    /// <summary>
    /// A unique-index conflict is how exactly-once works here (a replay, a concurrent retry); EF would log each one
    /// as an error. They are logged at debug; failures nobody handles still surface through the exception handler.
    /// </summary>
    private static void QuietExpectedConflicts(WarningsConfigurationBuilder warnings) =>
        warnings.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug));

    /// <summary>
    /// Three Npgsql settings differ from Npgsql's defaults unless the connection string names them:
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare=64</c>: without it PostgreSQL parses and plans every statement of every request
    /// (prepared ratio 0 in dotnet-counters' Npgsql meter), and a request may send several. 64 covers every statement
    /// RefTrack sends repeatedly. Behind a pooler that cannot keep prepared statements (PgBouncer before 1.21 in
    /// transaction mode), set <c>Max Auto Prepare=0</c>.</item>
    /// <item><c>No Reset On Close=true</c>: EF Core returns the connection to the pool after every query, and with
    /// prepared statements Npgsql resets a returned connection with seven statements of its own (<c>RESET ALL</c>,
    /// <c>pg_advisory_unlock_all()</c>, …), sent with the next use: several per signup, each planned again. RefTrack
    /// leaves no session state behind (no <c>SET</c>, temporary tables or <c>LISTEN</c>; the migration lock is
    /// released in a <c>finally</c>).</item>
    /// <item><c>Tcp Keepalive Time=30</c> (and Npgsql's interval, the same): a statement waiting on the server (the
    /// click writer waits out a rollup rebuild for up to 30 minutes) notices a server or network that went away
    /// within about five minutes, from the kernel's probes, instead of after its whole timeout. Npgsql's own <c>Keepalive</c>
    /// queries are sent only between statements, so they cannot end such a wait. Not for a Unix-domain socket
    /// (<see cref="HasUnixSocketHost"/>), which has no TCP keepalive: Npgsql fails every connection it is asked to set
    /// it on ("Operation not supported"), and a server on the same host has no network to lose.</item>
    /// </list>
    /// </summary>
    internal static string PostgresConnectionString(DatabaseOptions options)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = options.ConnectionString };
        var effective = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            effective.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            effective.NoResetOnClose = true;
        }

        if (!given.ContainsKey("Tcp Keepalive Time") && !given.ContainsKey("TcpKeepAliveTime") &&
            !HasUnixSocketHost(effective.Host))
        {
            effective.TcpKeepAliveTime = DefaultTcpKeepAliveSeconds;
        }

        return effective.ToString();
    }

    /// <summary>
    /// Whether a host of <paramref name="hosts"/> (Npgsql's comma-separated list) is a Unix-domain socket, told apart
    /// as Npgsql tells it: a rooted path (the socket's directory, <c>/var/run/postgresql</c>) or <c>@</c> and a name
    /// (Linux's abstract namespace). The keepalive applies to every connection of the data source, so one socket in the
    /// list leaves it unset for all.
    /// </summary>
    internal static bool HasUnixSocketHost(string? hosts) =>
        (hosts ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(host => host[0] == '@' || Path.IsPathRooted(host));

    internal const int DefaultMaxAutoPrepare = 64;

    internal const int DefaultTcpKeepAliveSeconds = 30;

    internal static string FullPath(DatabaseOptions options) => Path.GetFullPath(options.Path);

    /// <summary>
    /// Microsoft.Data.Sqlite retries a busy or locked statement until its command timeout (the only thing that timeout
    /// bounds), each try waiting up to SQLite's busy timeout: the busy timeout in whole seconds, at least one (0 would
    /// retry for ever). It was at least 30 s, so a write waited three times the documented 10 s (found by review).
    /// </summary>
    internal static int CommandTimeoutSeconds(DatabaseOptions options) =>
        Math.Max(1, (options.BusyTimeoutMilliseconds + 999) / 1000);

    internal static string SqliteConnectionString(DatabaseOptions options) =>
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = FullPath(options),
            DefaultTimeout = CommandTimeoutSeconds(options),
            Pooling = true,
        }.ToString();
}
