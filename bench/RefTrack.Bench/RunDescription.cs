using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace RefTrack.Bench;

/// <summary>What a results file records about a run besides its table: the code measured and the machine.</summary>
internal static class RunDescription
{
    /// <summary>DOTNET_ variables of the SDK and its tools, not of the runtime under test.</summary>
    private static readonly string[] SdkOnly =
        ["DOTNET_CLI", "DOTNET_ROOT", "DOTNET_NOLOGO", "DOTNET_GENERATE_ASPNET_CERTIFICATE", "DOTNET_SKIP_", "DOTNET_INSTALL", "DOTNET_HOST_PATH"];

    /// <summary>What was measured: the commit (and whether src/ or bench/ differed from it), and the runtime's, glibc's
    /// malloc's and RefTrack's settings given through the environment, which reach RefTrack and the ceiling app alike
    /// (<c>MALLOC_ARENA_MAX</c>, for one, changes the service's memory: docs/operations.md, Memory).</summary>
    public static async Task<string> CodeAsync(BenchOptions o)
    {
        var commit = (await Shell.RunAsync("git", ["rev-parse", "--short", "HEAD"], o.RepoRoot, check: false)).Trim();
        var changed = (await Shell.RunAsync("git", ["status", "--porcelain", "--", "src", "bench/RefTrack.Bench",
            "bench/RefTrack.Bench.Ceiling"], o.RepoRoot, check: false)).Trim().Length > 0;
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("RefTrack__", StringComparison.Ordinal)
                        || k.StartsWith("MALLOC_", StringComparison.Ordinal) || k == "GLIBC_TUNABLES")
            .Where(k => !SdkOnly.Any(prefix => k.StartsWith(prefix, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .Select(k => $"`{k}={Environment.GetEnvironmentVariable(k)}`")
            .ToList();
        return $"Code: commit `{(commit.Length > 0 ? commit : "unknown")}`{(changed ? " with uncommitted changes in src/ or bench/" : "")}; " +
               $"environment: {(environment.Count > 0 ? string.Join(", ", environment) : "none set")}" +
               (o.Providers.Contains("postgres") ? $"; PostgreSQL: {Server(o.PostgresConnectionString)}." : ".");
    }

    /// <summary>The connection string RefTrack and the ceiling app were given, its password left out: whether a run
    /// went over TCP or through a Unix socket (<c>--postgres</c>, <c>REFTRACK_BENCH_POSTGRES</c>) changes its rates
    /// (docs/benchmarks-log.md, 12-06 12:56).</summary>
    private static string Server(string connectionString) =>
        $"`{new NpgsqlConnectionStringBuilder(connectionString) { Password = null }}`";

    public static async Task<string> MachineAsync(BenchOptions o)
    {
        static string Read(string path, string prefix) =>
            File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? "" : "";

        var cpu = Read("/proc/cpuinfo", "model name").Split(':').Last().Trim();
        var memKb = long.Parse(new string(Read("/proc/meminfo", "MemTotal").Where(char.IsDigit).ToArray()), CultureInfo.InvariantCulture);
        var os = Read("/etc/os-release", "PRETTY_NAME").Split('=').Last().Trim('"');
        var debian = File.Exists("/etc/debian_version") ? (await File.ReadAllTextAsync("/etc/debian_version")).Trim() : "";
        var kernel = (await Shell.RunAsync("uname", ["-r"])).Trim();
        var sdk = (await Shell.RunAsync("dotnet", ["--version"], o.RepoRoot)).Trim();
        var wrk = (await Shell.RunAsync("wrk", ["-v"], check: false)).Split('\n')[0].Trim();
        string postgres = "";
        if (o.Providers.Contains("postgres"))
        {
            var db = (PostgresBenchDatabase)BenchDatabase.Create("postgres", "probe", o);
            await db.ResetAsync();
            postgres = (await new Npgsql.NpgsqlDataSourceBuilder(
                new Npgsql.NpgsqlConnectionStringBuilder(o.PostgresConnectionString) { Database = "postgres" }.ToString()).Build()
                // The server settings a write scenario's rate can depend on: buffers, commit durability, checkpoints.
                .CreateCommand("SELECT split_part(version(), ' on ', 1)" +
                    string.Concat(new[] { "shared_buffers", "synchronous_commit", "max_wal_size", "checkpoint_timeout" }
                        .Select(s => $" || ', {s} ' || current_setting('{s}')")))
                .ExecuteScalarAsync())?.ToString() ?? "";
            await db.DropAsync();
        }

        await using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        await sqlite.OpenAsync();
        await using var version = sqlite.CreateCommand();
        version.CommandText = "SELECT sqlite_version()";
        var sqliteVersion = (await version.ExecuteScalarAsync())?.ToString();
        return $"Machine: {Environment.ProcessorCount} cores ({cpu}), {memKb / 1024.0 / 1024.0:0.0} GiB memory, {os} (debian {debian}), " +
               $"kernel {kernel}; .NET SDK {sdk}, runtime {RuntimeInformation.FrameworkDescription}; {wrk}; " +
               $"SQLite {sqliteVersion}{(postgres.Length > 0 ? "; " + postgres : "")}; load generator on the same machine, over loopback; " +
               // What bench/guest-memory did to the machine's memory before the run (set by bench/run and bench/profile).
               $"guest memory: {Environment.GetEnvironmentVariable("REFTRACK_BENCH_MEMORY") ?? "as it was (not started by bench/run)"}.";
    }
}
