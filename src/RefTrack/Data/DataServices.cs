using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace RefTrack.Data;

public static class DataServices
{
    public static IServiceCollection AddRefTrackData(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddDbContext<AppDbContext, SqliteAppDbContext>((sp, db) =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            db.UseSqlite(SqliteConnectionString(options))
                .AddInterceptors(new SqlitePragmas(options));
        });

        services.AddHostedService<DatabaseStartup>();
        return services;
    }

    internal static string FullPath(DatabaseOptions options) => Path.GetFullPath(options.Path);

    internal static string SqliteConnectionString(DatabaseOptions options) =>
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = FullPath(options),
            // Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout; keep it at least the busy timeout.
            DefaultTimeout = Math.Max(30, options.BusyTimeoutMilliseconds / 1000),
            Pooling = true,
        }.ToString();
}
