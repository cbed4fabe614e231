using System.Globalization;
using System.Text;

namespace RefTrack.Bench;

/// <summary>One scenario on one provider: RefTrack's run, its ceiling's runs just before and just after it, the
/// database checks.</summary>
public sealed record ScenarioResult(
    string Provider,
    Scenario Scenario,
    WrkResult? Measured = null,
    Verification? Check = null,
    WrkResult? Ceiling = null,
    Verification? CeilingCheck = null,
    long PeakRssKb = 0,
    string? NotImplemented = null,
    string? Failure = null,
    TimeSpan? Alone = null,
    WrkResult? CeilingAfter = null,
    Verification? CeilingAfterCheck = null,
    WrkResult? Warmup = null)
{
    /// <summary>The ceiling's rate while RefTrack ran, as well as two runs bracketing it tell: their mean. The
    /// machine's speed drifts over minutes (a ceiling ran anywhere from 33,733 to 41,151 req/s within half an hour on
    /// one machine, docs/benchmarks-log.md), so one ceiling run before the scenario could be off by a fifth. The
    /// harness measures the run after whenever it measured the one before.</summary>
    public double? CeilingRate => Ceiling is { } before && CeilingAfter is { } after &&
                                  Scenario.Rate(before) is > 0 and var b && Scenario.Rate(after) is > 0 and var a
        ? (b + a) / 2
        : null;

    /// <summary>RefTrack's rate against the ceiling's, each as <see cref="Scenario.Rate"/> counts it: for the write
    /// scenarios new rows a second, not requests (a duplicate signup or a replayed purchase is answered 200 without a
    /// write, while the ceiling writes a row for every request).</summary>
    public double? ShareOfCeiling => Measured is not null && CeilingRate is { } c ? Scenario.Rate(Measured) / c : null;

    /// <summary>Each missed target with how far off it is; empty = every target met.</summary>
    public IReadOnlyList<string> Misses()
    {
        if (Failure is not null)
        {
            return [$"failed: {Failure}"];
        }

        if (Measured is null)
        {
            return [];
        }

        List<string> misses = [];
        // The errors column is the measured run's; an error in the warm-up is a miss all the same.
        if (Warmup is { } warm && warm.Errors(Scenario.Expected) is > 0 and var warmErrors)
        {
            misses.Add($"{warmErrors} errors in the warm-up ({ErrorDetail(warm, Scenario.Expected)})");
        }

        if (Measured.Requests == 0)
        {
            return [$"no request completed within {Measured.Seconds:0} s" +
                    (Alone is { } one ? $"; one request alone took {one.TotalMilliseconds:N0} ms (×{one.TotalMilliseconds / (Scenario.Targets.MaxP95Ms ?? Scenario.Targets.MaxP99Ms ?? 1):N0} the target)" : ""),
                    .. misses];
        }

        // A ratio against a ceiling run that failed is no measurement: its rate is not the machine's.
        foreach (var (which, run, check) in new[] { ("before", Ceiling, CeilingCheck), ("after", CeilingAfter, CeilingAfterCheck) })
        {
            if (run is not null && run.Errors(Scenario.ExpectedFrom(ceiling: true)) is > 0 and var ceilingErrors)
            {
                misses.Add($"ceiling {which}: {ceilingErrors} errors ({ErrorDetail(run, Scenario.ExpectedFrom(ceiling: true))}), ratio not valid");
            }

            if (check is { Pass: false })
            {
                misses.Add($"ceiling {which}: database check failed, ratio not valid");
            }
        }

        var t = Scenario.Targets;
        if (t.MinShareOfCeiling is { } min && ShareOfCeiling is { } share && share < min)
        {
            misses.Add($"{Report.Percent(share, min)} of ceiling < {min * 100:0}% ({(share - min) * 100:0.0} pts)");
        }

        if (t.MaxP99Ms is { } p99 && Measured.P99 > p99)
        {
            misses.Add($"p99 {Measured.P99:0.0} ms > {p99:0.#} ms (+{Measured.P99 - p99:0.0} ms, ×{Measured.P99 / p99:0.0})");
        }

        if (t.MaxP95Ms is { } p95 && Measured.P95 > p95)
        {
            misses.Add($"p95 {Measured.P95:0.0} ms > {p95:0.#} ms (+{Measured.P95 - p95:0.0} ms, ×{Measured.P95 / p95:0.0})");
        }

        var errors = Measured.Errors(Scenario.Expected);
        if (errors > 0)
        {
            misses.Add($"{errors} errors ({ErrorDetail(Measured, Scenario.Expected)})");
        }

        if (Check is { Pass: false })
        {
            misses.Add("database check failed");
        }

        return misses;
    }

    public static string ErrorDetail(WrkResult r, IReadOnlyCollection<int> expected) => string.Join(", ", new[]
    {
        r.SocketErrors > 0 ? $"{r.SocketErrors} socket" : null,
        r.Timeouts > 0 ? $"{r.Timeouts} timeouts" : null,
    }.Concat(r.Statuses.Where(s => !expected.Contains(s.Key)).OrderBy(s => s.Key).Select(s => $"{s.Value}×{s.Key}")).OfType<string>());
}

public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Table(IReadOnlyList<ScenarioResult> results, IReadOnlyList<string> providers)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| database | scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors | persisted / acked | vs ceiling | target | verdict |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|");
        foreach (var provider in providers)
        {
            foreach (var r in results.Where(r => r.Provider == provider))
            {
                var s = r.Scenario;
                if (r.NotImplemented is not null)
                {
                    sb.AppendLine(Row(provider, s.Title, "—", "—", "—", "—", "—", "—", "—", "—", s.Targets.Describe(), $"not implemented ({r.NotImplemented})"));
                    continue;
                }

                if (r.Ceiling is { } c)
                {
                    sb.AppendLine(CeilingRow(r, "before", c, r.CeilingCheck));
                }

                if (r.Measured is not { } m)
                {
                    sb.AppendLine(Row(provider, s.Title, "—", "—", "—", "—", "—", "—", "—", "—", s.Targets.Describe(), Verdict(r)));
                    continue;
                }

                if (m.Requests == 0)
                {
                    sb.AppendLine(Row(provider, s.Title, "0", "0", "—", "—", "—", N(m.Errors(s.Expected)), Rows(r.Check), "—",
                        s.Targets.Describe(), Verdict(r)));
                    continue;
                }

                sb.AppendLine(Row(provider, s.Title, N(m.Requests), N(m.Throughput), Ms(m.P50), Ms(m.P95), Ms(m.P99),
                    N(m.Errors(s.Expected)), Rows(r.Check), r.ShareOfCeiling is { } share ? VsCeiling(s, m, share) : "—",
                    s.Targets.Describe(), Verdict(r)));
                if (r.CeilingAfter is { } after)
                {
                    sb.AppendLine(CeilingRow(r, "after", after, r.CeilingAfterCheck));
                }
            }

            var memory = results.Where(r => r.Provider == provider && r.Scenario.MemoryTarget && r.PeakRssKb > 0).ToList();
            // A scenario that failed, or whose process had gone before its peak was read (a crash, killed for memory),
            // has no reading: the verdict cannot pass on the others alone (found by review).
            var unread = results.Where(r => r.Provider == provider && r.Scenario.MemoryTarget && r.NotImplemented is null &&
                                            r.PeakRssKb <= 0).Select(r => r.Scenario.Name).ToList();
            if (memory.Count > 0)
            {
                var peak = memory.Max(r => r.PeakRssKb) / 1024.0;
                var each = string.Join(", ", memory.Select(r => $"{r.Scenario.Name} {r.PeakRssKb / 1024.0:0}"));
                var verdict = peak > Scenarios.MemoryTargetMb
                    ? $"MISS: {peak:0} MB > {Scenarios.MemoryTargetMb:0} MB (+{peak - Scenarios.MemoryTargetMb:0} MB)"
                    : unread.Count > 0 ? $"INCOMPLETE: no reading for {string.Join(", ", unread)}"
                    : "PASS";
                sb.AppendLine(Row(provider, $"6. memory: peak RSS (VmHWM) of RefTrack, {peak:0} MB ({each})", "—", "—", "—", "—", "—", "—", "—", "—",
                    $"≤ {Scenarios.MemoryTargetMb:0} MB", verdict));
            }
            else if (unread.Count > 0)
            {
                // Not one reading: the row says so rather than going missing (found by review).
                sb.AppendLine(Row(provider, "6. memory: peak RSS (VmHWM) of RefTrack", "—", "—", "—", "—", "—", "—", "—", "—",
                    $"≤ {Scenarios.MemoryTargetMb:0} MB", $"INCOMPLETE: no reading for {string.Join(", ", unread)}"));
            }
        }

        return sb.ToString();
    }

    public static string Checks(IReadOnlyList<ScenarioResult> results)
    {
        var sb = new StringBuilder();
        foreach (var r in results)
        {
            if (r.Check is { } check)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {r.Provider} {r.Scenario.Name}: {(check.Pass ? "ok" : "FAILED")}: {check.Notes}");
            }

            if (r.Failure is not null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {r.Provider} {r.Scenario.Name}: run failed: {r.Failure}");
            }
        }

        return sb.ToString();
    }

    /// <summary>For a write scenario the rate compared is new rows a second, which the req/s column does not show.</summary>
    private static string VsCeiling(Scenario s, WrkResult measured, double share) =>
        Percent(share, s.Targets.MinShareOfCeiling) + (s.Ceiling == CeilingKind.Write ? $" ({N(s.Rate(measured))} new rows/s)" : "");

    /// <summary>A share in whole percent, or with a decimal where whole percent would round a miss up to its target
    /// (69.7% against 70% would read "70% &lt; 70%").</summary>
    public static string Percent(double share, double? target) =>
        (share * 100).ToString(target is { } t && share < t && Math.Round(share * 100) >= t * 100 ? "0.0" : "0", Inv) + "%";

    /// <summary>A ceiling run's row; its "vs ceiling" is its rate against the ceiling the scenario is measured by
    /// (the two runs' mean), so the two rows show how far the machine drifted.</summary>
    private static string CeilingRow(ScenarioResult r, string which, WrkResult c, Verification? check)
    {
        var s = r.Scenario;
        var label = s.Ceiling == CeilingKind.Redirect ? "bare Kestrel 302 + Set-Cookie" : "raw 1-row write transaction";
        var share = r.CeilingRate is { } rate ? (s.Rate(c) / rate * 100).ToString("0", Inv) + "%" : "—";
        return Row(r.Provider, $"↳ ceiling {which}: {label}", N(c.Requests), N(c.Throughput), Ms(c.P50), Ms(c.P95), Ms(c.P99),
            N(c.Errors(s.ExpectedFrom(ceiling: true))), Rows(check), share, "", "");
    }

    private static string Verdict(ScenarioResult r)
    {
        var misses = r.Misses();
        var verdict = misses.Count == 0 ? "PASS" : "MISS: " + string.Join("; ", misses);
        var runs = new[] { r.Measured, r.Ceiling, r.CeilingAfter };
        var others = runs.Max(w => w?.OthersCpu ?? 0);
        var steal = runs.Max(w => w?.StealCpu ?? 0);
        var flags = new List<string>();
        if (others > 10)
        {
            flags.Add($"other processes used {others:0}% of the machine");
        }

        if (steal > 10)
        {
            flags.Add($"the hypervisor stole {steal:0}% of the machine");
        }

        return flags.Count > 0 ? $"{verdict} (⚠ {string.Join("; ", flags)})" : verdict;
    }

    /// <summary>Persisted / acknowledged, and the share: rounded down, and a loss always shown ("99.99%" or "−1"),
    /// never rounded up to a "100%" it is not.</summary>
    private static string Rows(Verification? v) => v is { Persisted: { } p, Acked: { } a }
        ? $"{N(p)} / {N(a)}{(a > 0 ? $" ({Share(p, a)})" : "")}"
        : "—";

    private static string Share(long persisted, long acked)
    {
        if (persisted >= acked)
        {
            return "100%";
        }

        var percent = Math.Floor(persisted * 10000.0 / acked) / 100;
        return percent >= 99.99 ? $"−{N(acked - persisted)}" : percent.ToString("0.##", Inv) + "%";
    }

    private static string N(double value) => value.ToString(value is > 0 and < 10 && value % 1 != 0 ? "N1" : "N0", Inv);

    private static string Ms(double value) => value.ToString(value < 10 ? "0.00" : "0.0", Inv);

    private static string Row(params string[] cells) => "| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |";
}
