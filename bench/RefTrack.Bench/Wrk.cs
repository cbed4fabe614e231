using System.Globalization;
using System.Text.Json;

namespace RefTrack.Bench;

/// <summary>One wrk run, as its Lua done() reported it (latencies in milliseconds).</summary>
public sealed record WrkResult(
    long Requests, double Seconds, double P50, double P95, double P99, double Max,
    long SocketErrors, long Timeouts, IReadOnlyDictionary<int, long> Statuses, IReadOnlyDictionary<string, long> Counters)
{
    public double Throughput => Seconds > 0 ? Requests / Seconds : 0;

    /// <summary>Share of the whole machine busy during the run, and the parts of it used by processes not ours and
    /// taken by the hypervisor (steal).</summary>
    public double MachineCpu { get; init; }

    public double OthersCpu { get; init; }

    public double StealCpu { get; init; }

    public long Status(params int[] codes) => codes.Sum(c => Statuses.GetValueOrDefault(c));

    /// <summary>Responses whose status is not one of <paramref name="expected"/>, plus socket errors and timeouts.</summary>
    public long Errors(IReadOnlyCollection<int> expected) =>
        SocketErrors + Timeouts + Statuses.Where(s => !expected.Contains(s.Key)).Sum(s => s.Value);

    public long Counter(string name) => Counters.GetValueOrDefault(name);

    /// <summary>Warm-up plus measured run, for row accounting (latency figures are the measured run's).</summary>
    public static WrkResult operator +(WrkResult a, WrkResult b) => a with
    {
        Requests = a.Requests + b.Requests,
        SocketErrors = a.SocketErrors + b.SocketErrors,
        Timeouts = a.Timeouts + b.Timeouts,
        Statuses = Merge(a.Statuses, b.Statuses),
        Counters = Merge(a.Counters, b.Counters),
    };

    private static Dictionary<TKey, long> Merge<TKey>(IReadOnlyDictionary<TKey, long> a, IReadOnlyDictionary<TKey, long> b)
        where TKey : notnull
    {
        var merged = a.ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, value) in b)
        {
            merged[key] = merged.GetValueOrDefault(key) + value;
        }

        return merged;
    }
}

public sealed record WrkSettings(int Threads, int Connections, TimeSpan Duration, TimeSpan Timeout);

public static class Wrk
{
    /// <summary>Writes common.lua + the scenario's script into one file (wrk takes a single script).</summary>
    public static string Script(string name, string workDir)
    {
        var lua = Path.Combine(AppContext.BaseDirectory, "lua");
        var path = Path.Combine(workDir, "lua", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, File.ReadAllText(Path.Combine(lua, "common.lua")) + "\n" + File.ReadAllText(Path.Combine(lua, name)));
        return path;
    }

    public static async Task<WrkResult> RunAsync(
        string script, Uri baseUrl, WrkSettings settings, IReadOnlyList<string> scriptArgs, string logFile)
    {
        string[] args =
        [
            "-t", settings.Threads.ToString(CultureInfo.InvariantCulture),
            "-c", settings.Connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{settings.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s",
            "--timeout", $"{settings.Timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)}s",
            "--latency",
            "-s", script,
            baseUrl.ToString().TrimEnd('/'),
            "--",
            .. scriptArgs,
        ];
        var output = await Shell.RunAsync("wrk", args, logFile: logFile);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH_JSON ", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"wrk printed no BENCH_JSON line:\n{output}");
        using var json = JsonDocument.Parse(line["BENCH_JSON ".Length..]);
        var root = json.RootElement;
        var latency = root.GetProperty("latency_us");
        var errors = root.GetProperty("errors");
        double Ms(string p) => latency.GetProperty(p).GetDouble() / 1000.0;
        return new WrkResult(
            root.GetProperty("requests").GetInt64(),
            root.GetProperty("duration_us").GetInt64() / 1e6,
            Ms("p50"), Ms("p95"), Ms("p99"), Ms("max"),
            errors.GetProperty("connect").GetInt64() + errors.GetProperty("read").GetInt64() + errors.GetProperty("write").GetInt64(),
            errors.GetProperty("timeout").GetInt64(),
            root.GetProperty("statuses").EnumerateObject()
                .ToDictionary(p => int.Parse(p.Name, CultureInfo.InvariantCulture), p => p.Value.GetInt64()),
            root.GetProperty("counters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()));
    }
}
