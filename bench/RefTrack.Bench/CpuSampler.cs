using System.Globalization;

namespace RefTrack.Bench;

/// <summary>
/// Where the CPU went during a measured run. The load generator shares the cores with the server by design; anything
/// else (another build, another service, a test host) skews the numbers and is reported as "others".
/// </summary>
/// <remarks>
/// Kinds: "server" is the process the harness started (by pid) and its descendants; "wrk" the harness's children
/// reaped during the run (wrk is the only one it runs then); "harness" the harness itself; "postgres" every process
/// named postgres*, since RefTrack (or the ceiling app) is the local PostgreSQL's only client during a run; "kernel"
/// kernel threads and interrupt time, which do the networking and block I/O of every process (the interrupt time is
/// also inside the time of the process it interrupted, so the kinds add up to more than the machine's busy time);
/// "steal" the time the hypervisor gave this virtual machine's cores to another guest while they had work
/// (/proc/stat's steal: on a shared VM, a neighbour's load). "others" is what is left of the machine's busy time
/// (/proc/stat) after those, so it includes processes that started and ended within the run.
/// </remarks>
public sealed record CpuUse(double MachineBusy, double Others, double Steal, IReadOnlyDictionary<string, double> PerCoreByKind)
{
    public string Describe() =>
        string.Join(", ", new[] { "server", "wrk", "postgres", "harness", "kernel", "steal", "others" }
            .Where(PerCoreByKind.ContainsKey).Select(k => $"{k} {PerCoreByKind[k]:0}%")) + " of one core";
}

/// <summary>Samples /proc before and after a run.</summary>
public sealed class CpuSampler
{
    private readonly int _serverPid;
    private readonly Dictionary<int, ProcessTicks> _processes;
    private readonly MachineTicks _machine;

    private CpuSampler(int serverPid)
    {
        _serverPid = serverPid;
        _processes = ReadProcesses();
        _machine = ReadMachine();
    }

    /// <param name="serverPid">The server under load (RefTrack or the ceiling app), started by this harness.</param>
    public static CpuSampler Start(int serverPid) => new(serverPid);

    /// <summary>Since <see cref="Start"/>: the machine's busy share, the parts used by processes not ours and taken by
    /// the hypervisor (all cores = 100%), and per kind (server, wrk, postgres, harness, kernel, steal, others) in % of
    /// one core.</summary>
    public CpuUse Stop()
    {
        var now = ReadProcesses();
        var machine = ReadMachine();
        var elapsed = machine.Total - _machine.Total;
        if (elapsed <= 0)
        {
            return new CpuUse(0, 0, 0, new Dictionary<string, double>());
        }

        var self = Environment.ProcessId;
        string? Kind(int pid)
        {
            if (pid == 2 || now[pid].Parent == 2)
            {
                return "kernel"; // kthreadd and its children
            }

            if (now[pid].Name.StartsWith("postgres", StringComparison.Ordinal))
            {
                return "postgres";
            }

            for (var (at, hops) = (pid, 0); hops < 64 && now.TryGetValue(at, out var p); hops++)
            {
                if (at == _serverPid)
                {
                    return "server";
                }

                if (at == self)
                {
                    return "harness";
                }

                at = p.Parent;
            }

            return null;
        }

        // A child reaped during the run adds its whole life's time to its parent's children's time, the part before
        // the run too (a postgres process that had run long before closing during a ceiling run once showed postgres
        // at 569% of a core; presumably the harness's pooled connection, which had loaded the big dataset): that part
        // is known from the first sample, so it is taken off. Off the nearest ancestor still running: a child whose
        // parent ended too reached that ancestor's children's time with its parent's.
        bool Running(int pid, ProcessTicks at) => now.TryGetValue(pid, out var still) && still.Started == at.Started;
        int? Heir(int pid)
        {
            for (var hops = 0; hops < 64 && _processes.TryGetValue(pid, out var p); hops++, pid = p.Parent)
            {
                if (Running(pid, p))
                {
                    return pid;
                }
            }

            return null;
        }

        var beforeRun = new Dictionary<int, long>();
        foreach (var (pid, b) in _processes)
        {
            if (!Running(pid, b) && Heir(b.Parent) is { } heir)
            {
                beforeRun[heir] = beforeRun.GetValueOrDefault(heir) + b.Ticks + b.Children;
            }
        }

        var byKind = new Dictionary<string, long>();
        void Add(string kind, long ticks) => byKind[kind] = byKind.GetValueOrDefault(kind) + Math.Max(0, ticks);
        foreach (var (pid, p) in now)
        {
            if (Kind(pid) is not { } kind)
            {
                continue;
            }

            // A pid seen before with another start time was reused: all of the new process's time is within the run.
            // (Not the name: a kernel worker renames itself for each work queue it serves, a process when it execs.)
            var before = _processes.TryGetValue(pid, out var b) && b.Started == p.Started ? b : default;
            Add(kind, p.Ticks - before.Ticks);
            // Children reaped during the run count with their parent's kind (a postgres backend that closed), except
            // the harness's: those are wrk's run, which has exited by now.
            // Only a process running since the first sample is anyone's heir, so a reused pid finds nothing here.
            Add(pid == self ? "wrk" : kind, p.Children - before.Children - beforeRun.GetValueOrDefault(pid));
        }

        var interrupts = machine.Interrupts - _machine.Interrupts;
        byKind["kernel"] = byKind.GetValueOrDefault("kernel") + interrupts;
        byKind["steal"] = machine.Steal - _machine.Steal;
        var busy = machine.Busy - _machine.Busy;
        // Whatever the known kinds do not account for: running processes not ours, and those that came and went. The
        // interrupts are inside the processes' time already (a kernel without CONFIG_IRQ_TIME_ACCOUNTING, as the
        // benchmark VM's, charges each tick to the task it interrupted), so they are not taken off twice: that hid up
        // to half a core of others under the redirects' loopback. (Interrupts on an idle core, charged to no process,
        // now count as others.)
        byKind["others"] = Math.Max(0, busy - (byKind.Values.Sum() - interrupts));

        var cores = Environment.ProcessorCount;
        return new CpuUse(
            100.0 * busy / elapsed,
            100.0 * byKind["others"] / elapsed,
            100.0 * byKind["steal"] / elapsed,
            byKind.ToDictionary(kv => kv.Key, kv => 100.0 * kv.Value * cores / elapsed));
    }

    private readonly record struct ProcessTicks(long Ticks, int Parent, string Name, long Children, long Started);

    /// <summary>All cores' clock ticks: in total, busy (neither idle nor waiting for I/O), and of those, handling
    /// interrupts (hard and soft: the loopback's packets are mostly softirq time) and stolen by the hypervisor.</summary>
    private readonly record struct MachineTicks(long Total, long Busy, long Interrupts, long Steal);

    private static MachineTicks ReadMachine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already inside user)
        var total = fields.Take(8).Sum();
        return new MachineTicks(total, total - fields[3] - fields[4], fields[5] + fields[6], fields[7]);
    }

    private static Dictionary<int, ProcessTicks> ReadProcesses()
    {
        var result = new Dictionary<int, ProcessTicks>();
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
                // rest[0] = state (field 3), rest[1] = ppid (4), rest[11..14] = utime, stime, cutime, cstime (14–17),
                // rest[19] = start time (22)
                long Field(int i) => long.Parse(rest[i], CultureInfo.InvariantCulture);
                result[pid] = new ProcessTicks(
                    Field(11) + Field(12), int.Parse(rest[1], CultureInfo.InvariantCulture), name, Field(13) + Field(14), Field(19));
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
