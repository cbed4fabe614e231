using System.Diagnostics;
using System.Globalization;

namespace RefTrack.Bench;

/// <summary>Runs the scenarios the options select on each provider, next to their ceilings, and writes the results
/// file (Program.cs has the outline).</summary>
internal sealed class Harness(BenchOptions o)
{
    private readonly List<string> _notes = [];
    private readonly Dictionary<string, (BenchDatabase Db, CampaignSetup Setup)> _shared = [];
    private readonly HashSet<string> _needRollups = [];
    private string RefTrackBin => Path.Combine(o.WorkDir, "bin", "reftrack");
    private string CeilingBin => Path.Combine(o.WorkDir, "bin", "ceiling");
    private string Logs => Path.Combine(o.WorkDir, "logs");
    private Uri RefTrackUrl => new($"http://127.0.0.1:{o.Port}");
    private Uri CeilingUrl => new($"http://127.0.0.1:{o.Port + 1}");

    public async Task<int> RunAsync()
    {
        var started = DateTime.UtcNow;
        var total = Stopwatch.StartNew();
        var scenarios = Scenarios.Select(o.Scenarios);
        if (!Shell.OnPath("wrk"))
        {
            await Console.Error.WriteLineAsync("wrk is not installed: run bench/run (it installs it) or apt-get install -y wrk.");
            return 2;
        }

        Directory.CreateDirectory(o.WorkDir);
        if (Directory.Exists(Logs))
        {
            Directory.Delete(Logs, recursive: true);
        }

        var machine = await RunDescription.MachineAsync(o);
        var code = await RunDescription.CodeAsync(o);
        Log(machine);
        await BuildAsync();

        List<ScenarioResult> results = [];
        foreach (var provider in o.Providers)
        {
            foreach (var scenario in scenarios)
            {
                Log($"── {provider} / {scenario.Name}");

                ScenarioResult result;
                try
                {
                    result = await RunScenarioAsync(provider, scenario);
                }
                catch (Exception e)
                {
                    Log($"   FAILED: {e}");
                    result = new ScenarioResult(provider, scenario, Failure: e.Message.Split('\n')[0]);
                }

                results.Add(result);
                Log($"   {Summary(result)}");
            }

            foreach (var (db, _) in _shared.Values)
            {
                if (!o.Keep)
                {
                    await db.DropAsync();
                }
            }

            _shared.Clear();
        }

        var settings =
            $"wrk {o.Threads} threads, {o.Duration.TotalSeconds:0.#} s measured after {o.Warmup.TotalSeconds:0.#} s warm-up ({o.WriteWarmup.TotalSeconds:0.#} s for writes); " +
            $"connections: redirects {o.Connections}, writes {o.WriteConnections}, reports {o.ReportConnections}; " +
            $"scale: {o.Clicks:N0} clicks, {o.Referrals:N0} referrals, {o.Codes:N0} codes (Zipf s={o.ZipfExponent}), " +
            $"{o.SignupClicks:N0} signup clicks, {o.Buyers:N0} buyers{(o.Quick ? " (--quick)" : "")}";
        var table = Report.Table(results, o.Providers);
        var document =
            $"# RefTrack benchmark {started:yyyy-MM-dd HH:mm} UTC\n\n" +
            $"Command: `bench/run {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}`\n\n{code}\n\n" +
            $"{machine}\n\n{settings}\n\n{table}\nChecks (database after each run; RefTrack stopped with SIGTERM first):\n\n" +
            $"{Report.Checks(results)}\nNotes:\n\n{string.Join('\n', _notes.Select(n => "- " + n))}\n\n" +
            $"Total time {total.Elapsed.TotalMinutes:0.0} min.\n";

        var file = o.ResultsFile ?? Path.Combine(o.RepoRoot, "bench", "results", $"{started:yyyy-MM-dd-HHmm}{(o.Quick ? "-quick" : "")}.md");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, document);
        Console.WriteLine();
        Console.WriteLine(table);
        Console.WriteLine(Report.Checks(results));
        Console.WriteLine($"Results: {file}  (total {total.Elapsed.TotalMinutes:0.0} min)");
        return results.Any(r => r.Failure is not null) ? 1 : 0;
    }

    private async Task<ScenarioResult> RunScenarioAsync(string provider, Scenario scenario)
    {
        var dataset = scenario.Dataset(o);
        var (db, setup) = await PrepareAsync(provider, dataset);
        var settings = new WrkSettings(o.Threads, scenario.Connections(o), o.Duration, scenario.Timeout ?? TimeSpan.FromSeconds(10));
        var ctx = new RunContext(o, db, setup, dataset, settings);
        var script = Wrk.Script(scenario.Script, o.WorkDir);
        var tag = $"{provider}-{scenario.Name}";

        WrkResult? ceiling = null;
        Verification? ceilingCheck = null;
        if (scenario.Ceiling != CeilingKind.None)
        {
            (ceiling, ceilingCheck) = await RunCeilingAsync(provider, scenario, ctx, script, tag, "");
            Log($"   ceiling {ceiling.Throughput:N0} req/s, p50 {ceiling.P50:0.00} ms, p99 {ceiling.P99:0.00} ms");
        }

        await using var service = await StartRefTrackAsync(db, tag);
        using var api = new RefTrackApi(RefTrackUrl);
        if (_needRollups.Remove($"{provider}/{dataset.Name}"))
        {
            var rollups = await api.RebuildRollupsAsync();
            var settle = Stopwatch.StartNew();
            var settled = await db.AfterRollupsAsync() is { } done ? $"; {done} in {settle.Elapsed.TotalSeconds:F1} s" : "";
            Note($"{provider} {dataset.Name} dataset: {rollups}{settled}");
        }

        if (scenario is { Probe: true, Sample: { } probe })
        {
            var (status, _) = await api.GetAsync(probe(ctx));
            if (status is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.MethodNotAllowed)
            {
                await service.StopAsync(TimeSpan.FromMinutes(2));
                return new ScenarioResult(provider, scenario, NotImplemented: $"GET {probe(ctx).Replace(setup.CampaignId.ToString(), "{id}", StringComparison.Ordinal)} → {(int)status}");
            }
        }

        if (scenario.Before is { } before)
        {
            await before(ctx);
        }

        var (warm, measured) = await LoadAsync(script, RefTrackUrl, service.Pid, settings, scenario, ctx, ceiling: false, $"{tag}");
        ctx.Total = warm is null ? measured : warm + measured;
        ctx.Runs = warm is null ? 1 : 2;
        TimeSpan? alone = null;
        if (measured.Requests < 20 && scenario.Sample is { } sample)
        {
            // Too few answers for percentiles: time one request on its own (after wrk's last ones have finished).
            await WaitIdleAsync(tag);
            var (status, one) = await api.GetAsync(sample(ctx));
            alone = one;
            Note($"{provider} {scenario.Name}: only {measured.Requests} requests completed in {measured.Seconds:0} s; one request alone then took {one.TotalSeconds:0.0} s ({(int)status})");
        }

        var (exit, took) = await service.StopAsync(TimeSpan.FromMinutes(5));
        var peak = service.PeakRssKb();
        Note($"{provider} {scenario.Name}: RefTrack stopped (SIGTERM) in {took.TotalSeconds:0.0} s, exit code {exit}, peak RSS {peak / 1024.0:0} MB");
        if (exit != 0)
        {
            Note($"{provider} {scenario.Name}: RefTrack exit code {exit}; log: {service.LogFile}");
        }

        ctx.ClickWriterTotals = ClickWriterTotals(service.LogFile);
        var check = scenario.Verify is { } verify ? await verify(ctx) : null;
        if (exit != 0)
        {
            // A stop that failed (the drain threw, say) fails the scenario, whatever its counts say, and one without a
            // database check too (found by review).
            check = check is null
                ? new Verification(null, null, false, $"RefTrack exited with code {exit}")
                : check with { Pass = false, Notes = $"RefTrack exited with code {exit}; {check.Notes}" };
        }
        if (!dataset.Reusable && !o.Keep)
        {
            await db.DropAsync();
        }

        // The ceiling again, now that RefTrack has stopped: the scenario is measured against the two runs' mean.
        WrkResult? ceilingAfter = null;
        Verification? ceilingAfterCheck = null;
        if (ceiling is not null)
        {
            (ceilingAfter, ceilingAfterCheck) = await RunCeilingAsync(provider, scenario, ctx, script, tag, "-after");
            Log($"   ceiling after {ceilingAfter.Throughput:N0} req/s, p50 {ceilingAfter.P50:0.00} ms, p99 {ceilingAfter.P99:0.00} ms");
        }

        return new ScenarioResult(provider, scenario, measured, check, ceiling, ceilingCheck, peak, Alone: alone,
            CeilingAfter: ceilingAfter, CeilingAfterCheck: ceilingAfterCheck, Warmup: warm);
    }

    /// <summary>The ceiling app with the same script and wrk settings; for writes, its own fresh database.
    /// <paramref name="which"/> tells the run before RefTrack's ("") from the one after it ("-after") in logs and notes.</summary>
    private async Task<(WrkResult, Verification?)> RunCeilingAsync(string provider, Scenario scenario, RunContext ctx, string script, string tag,
        string which)
    {
        BenchDatabase? db = null;
        IReadOnlyList<string> arguments = ["--Ceiling:Provider=none"];
        if (scenario.Ceiling == CeilingKind.Write)
        {
            db = BenchDatabase.Create(provider, "ceiling", o);
            await db.ResetAsync();
            arguments = db.CeilingArguments();
        }

        var executable = Path.Combine(CeilingBin, "RefTrack.Bench.Ceiling");
        WrkResult measured;
        WrkResult total;
        await using (var ceiling = await ServiceProcess.StartAsync("ceiling", executable, CeilingBin,
                         [.. arguments, "--urls", CeilingUrl.ToString()], new Dictionary<string, string>(),
                         Path.Combine(Logs, $"{tag}-ceiling{which}.log"), new Uri(CeilingUrl, "/healthz")))
        {
            var (warm, run) = await LoadAsync(script, CeilingUrl, ceiling.Pid, ctx.Settings, scenario, ctx, ceiling: true, $"{tag}-ceiling{which}");
            measured = run;
            total = warm is null ? measured : warm + measured;
            await ceiling.StopAsync(TimeSpan.FromMinutes(1));
        }

        Verification? check = null;
        if (db is not null)
        {
            var rows = await db.ScalarAsync("""SELECT COUNT(*) FROM "Writes" """);
            var acked = total.Status(201);
            check = new Verification(rows, acked, rows >= acked, $"{rows} rows for {acked} acknowledged writes");
            if (!o.Keep)
            {
                await db.DropAsync();
            }
        }

        return (measured, check);
    }

    /// <summary>A database with the campaign (through the API) and the dataset's raw rows (through SQL).</summary>
    private async Task<(BenchDatabase, CampaignSetup)> PrepareAsync(string provider, Dataset dataset)
    {
        var key = $"{provider}/{dataset.Name}";
        if (dataset.Reusable && _shared.TryGetValue(key, out var shared))
        {
            return shared;
        }

        var db = BenchDatabase.Create(provider, dataset.Name, o);
        await db.ResetAsync();
        CampaignSetup setup;
        await using (var service = await StartRefTrackAsync(db, $"{provider}-{dataset.Name}-setup"))
        {
            using var api = new RefTrackApi(RefTrackUrl);
            setup = await api.CreateCampaignAsync();
            await service.StopAsync(TimeSpan.FromMinutes(2));
        }

        var watch = Stopwatch.StartNew();
        Log($"   seeding {dataset.Name} ({db.Describe()})");
        var rows = await Seeding.SeedAsync(db, dataset, setup, o.ZipfExponent, Log);
        if (rows > 0)
        {
            _needRollups.Add(key);
            Note($"{provider} {dataset.Name} dataset: {rows:N0} rows seeded in {watch.Elapsed.TotalSeconds:0} s " +
                 $"({dataset.Referrers:N0} referrers, {dataset.Referred:N0} referred, {dataset.Clicks:N0} clicks)");
        }

        if (dataset.Reusable)
        {
            _shared[key] = (db, setup);
        }

        return (db, setup);
    }

    /// <summary>The click writer's last words (RefTrack's <c>LogStopped</c>): clicks written since start, lost, and
    /// redirects that waited for room in its queue.</summary>
    private static (long Written, long Lost, long QueueFullWaits)? ClickWriterTotals(string logFile)
    {
        var stopped = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(logFile),
            @"The click writer stopped: (\d+) clicks written since start, (\d+) lost; (\d+) redirects waited for room");
        return stopped.Count == 1
            ? (Number(stopped[0].Groups[1].Value), Number(stopped[0].Groups[2].Value), Number(stopped[0].Groups[3].Value))
            : null;

        static long Number(string digits) => long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task<ServiceProcess> StartRefTrackAsync(BenchDatabase db, string tag)
    {
        var environment = new Dictionary<string, string>(db.RefTrackEnvironment())
        {
            ["RefTrack__Auth__BootstrapApiKey"] = BenchOptions.AdminKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Each line of its log with the local time, as the harness's own lines have it: a warning (a full click
            // queue, a failed batch) can then be placed in the warm-up, the measured run or between them. The options
            // apply only with the formatter named (dotnet/runtime#76556).
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        };
        return ServiceProcess.StartAsync("RefTrack", Path.Combine(RefTrackBin, "RefTrack"), RefTrackBin,
            ["--urls", RefTrackUrl.ToString()], environment, Path.Combine(Logs, $"{tag}-reftrack.log"),
            new Uri(RefTrackUrl, "/healthz"));
    }

    private async Task BuildAsync()
    {
        var watch = Stopwatch.StartNew();
        Log("building RefTrack and the ceiling app (Release)…");
        var buildLog = Path.Combine(Logs, "build.log");
        await Shell.RunAsync("dotnet", ["publish", Path.Combine(o.RepoRoot, "src", "RefTrack"), "-c", "Release", "-o", RefTrackBin, "-nologo"],
            o.RepoRoot, buildLog);
        await Shell.RunAsync("dotnet", ["publish", Path.Combine(o.RepoRoot, "bench", "RefTrack.Bench.Ceiling"), "-c", "Release", "-o", CeilingBin, "-nologo"],
            o.RepoRoot, buildLog);
        Log($"built in {watch.Elapsed.TotalSeconds:0} s");
    }

    private static string Summary(ScenarioResult r) =>
        r.NotImplemented is not null ? $"not implemented: {r.NotImplemented}"
        : r.Measured is null ? $"failed: {r.Failure}"
        : $"{r.Measured.Throughput:N0} req/s, p50 {r.Measured.P50:0.00} ms, p95 {r.Measured.P95:0.00} ms, p99 {r.Measured.P99:0.00} ms" +
          (r.ShareOfCeiling is { } s ? $", {s * 100:0}% of ceiling" : "") +
          (r.Check is { } c ? $"; {(c.Persisted is null ? "" : $"rows {c.Persisted}/{c.Acked} ")}{(c.Pass ? "ok" : "FAILED")}" : "") +
          $"; peak RSS {r.PeakRssKb / 1024.0:0} MB; {(r.Misses().Count == 0 ? "PASS" : "MISS")}";

    /// <summary>Waits for a quiet machine, warms up, then the measured run (with the CPU others used meanwhile).
    /// <paramref name="serverPid"/> is the server under load, whose CPU is the notes' "server".</summary>
    private async Task<(WrkResult? Warm, WrkResult Measured)> LoadAsync(
        string script, Uri url, int serverPid, WrkSettings settings, Scenario scenario, RunContext ctx, bool ceiling, string tag)
    {
        var wrkLog = Path.Combine(Logs, $"{tag}-wrk.log");
        // The previous run's dirty pages written out first, so that no run pays for another's writeback: a write
        // ceiling measured right after RefTrack's run otherwise syncs behind RefTrack's log and database pages.
        await Shell.RunAsync("sync", []);
        await WaitIdleAsync(tag);
        WrkResult? warm = null;
        var warmup = scenario.Ceiling == CeilingKind.Write ? o.WriteWarmup : o.Warmup;
        if (warmup > TimeSpan.Zero)
        {
            warm = await Wrk.RunAsync(script, url, settings with { Duration = warmup }, scenario.Args(new ScriptCall(ctx, ceiling, true)), wrkLog);
            // The table's errors column is the measured run's; errors here would otherwise go unseen (RefTrack's
            // verdict also counts them: ScenarioResult.Misses).
            var expected = scenario.ExpectedFrom(ceiling);
            if (warm.Errors(expected) is > 0 and var errors)
            {
                Note($"{tag}: {errors} errors in the warm-up ({ScenarioResult.ErrorDetail(warm, expected)})");
            }

            if (!ceiling && scenario.AfterWarmup is { } afterWarmup)
            {
                await afterWarmup(ctx);
            }
        }

        var sampler = CpuSampler.Start(serverPid);
        var measured = await Wrk.RunAsync(script, url, settings, scenario.Args(new ScriptCall(ctx, ceiling, false)), wrkLog);
        var cpu = sampler.Stop();
        Note($"{tag}: CPU during the measured run: {cpu.Describe()} (machine {cpu.MachineBusy:0}% busy" +
             (cpu.Others > 5 ? $", other processes {cpu.Others:0}% of it" : "") +
             (cpu.Steal > 5 ? $", stolen by the hypervisor {cpu.Steal:0}% of it" : "") + ")");
        return (warm, measured with { MachineCpu = cpu.MachineBusy, OthersCpu = cpu.Others, StealCpu = cpu.Steal });
    }

    /// <summary>On a shared machine, waits (up to --idle-wait) until others (other processes, the hypervisor's steal)
    /// use under 15% of it.</summary>
    private async Task WaitIdleAsync(string tag)
    {
        var deadline = DateTime.UtcNow + o.IdleWait;
        var busy = await BusyPercentAsync();
        var waited = false;
        while (busy > 15 && DateTime.UtcNow < deadline)
        {
            if (!waited)
            {
                Log($"   machine {busy:0}% busy (other processes or steal); waiting up to {o.IdleWait.TotalSeconds:0} s for it to calm down");
            }

            waited = true;
            await Task.Delay(4000);
            busy = await BusyPercentAsync();
        }

        if (busy > 15)
        {
            Note($"{tag}: started with the machine {busy:0}% busy (other processes or steal) after waiting {o.IdleWait.TotalSeconds:0} s");
        }
    }

    /// <summary>CPU busy share of the whole machine over one second (nothing of the harness runs meanwhile).</summary>
    private static async Task<double> BusyPercentAsync()
    {
        static (long Busy, long Total) Sample()
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            return (fields.Sum() - idle, fields.Sum());
        }

        var a = Sample();
        await Task.Delay(1000);
        var b = Sample();
        return b.Total == a.Total ? 0 : 100.0 * (b.Busy - a.Busy) / (b.Total - a.Total);
    }

    private void Note(string note) => _notes.Add(note);

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
