using System.Globalization;

namespace RefTrack.Bench;

/// <summary>
/// Where the CPU went during a measured run. The load generator shares the cores with the server by design; anything
/// else (another build, another service) skews the numbers and is reported as "others". Kinds go by process name
/// (wrk, postgres, RefTrack*) or by descent from the harness; kernel threads are left out.
/// </summary>
public sealed record CpuUse(double MachineBusy, double Others, IReadOnlyDictionary<string, double> PerCoreByKind)
{
    public string Describe() =>
        string.Join(", ", new[] { "server", "wrk", "postgres", "harness", "others" }
            .Where(PerCoreByKind.ContainsKey).Select(k => $"{k} {PerCoreByKind[k]:0}%")) + " of one core";
}

/// <summary>Samples /proc before and after a run.</summary>
public sealed class CpuSampler
{
    private readonly Dictionary<int, (long Ticks, int Parent, string Name, long Children)> _processes;
    private readonly long _machineTotal;
    private readonly long _machineBusy;

    private CpuSampler()
    {
        _processes = ReadProcesses();
        (_machineBusy, _machineTotal) = ReadMachine();
    }

    public static CpuSampler Start() => new();

    /// <summary>Since <see cref="Start"/>: the machine's busy share and the part used by processes not ours (all
    /// cores = 100%), and per process kind (server, wrk, postgres, others) in % of one core.</summary>
    public CpuUse Stop()
    {
        var now = ReadProcesses();
        var (busy, total) = ReadMachine();
        var elapsed = total - _machineTotal;
        if (elapsed <= 0)
        {
            return new CpuUse(0, 0, new Dictionary<string, double>());
        }

        var self = Environment.ProcessId;
        string Kind(int pid)
        {
            var kind = now[pid].Name switch
            {
                "wrk" => "wrk",
                var n when n.StartsWith("postgres", StringComparison.Ordinal) => "postgres",
                var n when n.StartsWith("RefTrack", StringComparison.Ordinal) => "server",
                _ => null,
            };
            for (var hops = 0; kind is null && hops < 32 && now.TryGetValue(pid, out var p); hops++)
            {
                if (pid == self)
                {
                    kind = "harness";
                }

                pid = p.Parent;
            }

            return kind ?? "others";
        }

        var byKind = new Dictionary<string, long>();
        foreach (var (pid, p) in now)
        {
            // Kernel threads (children of kthreadd, pid 2) do the block I/O and networking of every process, ours too.
            if (pid == 2 || p.Parent == 2)
            {
                continue;
            }

            var used = p.Ticks - (_processes.TryGetValue(pid, out var before) && before.Name == p.Name ? before.Ticks : 0);
            var kind = Kind(pid);
            byKind[kind] = byKind.GetValueOrDefault(kind) + Math.Max(0, used);
        }

        // wrk has exited by now: its time is in the harness's reaped-children counters.
        if (now.TryGetValue(self, out var harness) && _processes.TryGetValue(self, out var harnessBefore))
        {
            byKind["wrk"] = byKind.GetValueOrDefault("wrk") + harness.Children - harnessBefore.Children;
        }

        var cores = Environment.ProcessorCount;
        return new CpuUse(
            100.0 * (busy - _machineBusy) / elapsed,
            100.0 * byKind.GetValueOrDefault("others") / elapsed,
            byKind.ToDictionary(kv => kv.Key, kv => 100.0 * kv.Value * cores / elapsed));
    }

    private static (long Busy, long Total) ReadMachine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum(); // user … steal (guest time is already inside user)
        return (total - fields[3] - fields[4], total);
    }

    private static Dictionary<int, (long Ticks, int Parent, string Name, long Children)> ReadProcesses()
    {
        var result = new Dictionary<int, (long Ticks, int Parent, string Name, long Children)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var name = stat[(open + 1)..close];
                var rest = stat[(close + 2)..].Split(' ');
                // rest[0] = state (field 3), rest[1] = ppid (4), rest[11..14] = utime, stime, cutime, cstime (14–17)
                long Field(int i) => long.Parse(rest[i], CultureInfo.InvariantCulture);
                result[pid] = (Field(11) + Field(12), int.Parse(rest[1], CultureInfo.InvariantCulture), name, Field(13) + Field(14));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return result;
    }
}
