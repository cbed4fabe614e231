using System.Globalization;

namespace RefTrack.Bench;

/// <summary>Everything a run can be told on the command line. <c>--quick</c> is a preset the other flags override.</summary>
public sealed class BenchOptions
{
    public const string AdminKey = "rt_bench_admin_key_0123456789abcdef";

    public IReadOnlyList<string> Providers { get; set; } = ["sqlite", "postgres"];

    /// <summary>Scenario names or groups (<c>hot-link</c>, <c>reports</c> …); empty = all.</summary>
    public IReadOnlyList<string> Scenarios { get; set; } = [];

    public long Clicks { get; set; } = 10_000_000;
    public long Referrals { get; set; } = 1_000_000;
    public long Codes { get; set; } = 100_000;

    /// <summary>Seeded clicks the signup scenario attributes new users to, one per signup: the warm-up names the first
    /// half, the measured run the second, each reused only if exhausted (at 4,000 signups a second the 60 s warm-up
    /// names 240,000; with 300,000 the measured run named clicks the warm-up had, a review found).</summary>
    public long SignupClicks { get; set; } = 800_000;

    /// <summary>Referred users that the purchase scenario buys for: half of them converted already (their purchases
    /// are repeat ones, one reward), half not (each bought for once, in order: a first purchase, two rewards and the
    /// referral stamped; the warm-up takes the first half of them, the measured run the second). With a pool of
    /// 50,000 all unconverted and drawn at random, the warm-up on SQLite made nearly every first purchase, and its
    /// measured run was nearly all repeat purchases where PostgreSQL's, slower, was not (found by review).</summary>
    public long Buyers { get; set; } = 1_000_000;

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(20);
    public TimeSpan Warmup { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Warm-up of the write scenarios (signups, purchases). They run a few hundred requests a second, so
    /// their code paths reach the JIT's optimised tier later than the redirect's: with 20 s, dotnet-counters still
    /// showed the JIT compiling through the measured run.</summary>
    public TimeSpan WriteWarmup { get; set; } = TimeSpan.FromSeconds(60);
    public int Threads { get; set; } = 2;
    public int Connections { get; set; } = 50;
    public int WriteConnections { get; set; } = 32;
    public int ReportConnections { get; set; } = 2;
    public double ZipfExponent { get; set; } = 1.0;
    public string PostgresConnectionString { get; set; } =
        Environment.GetEnvironmentVariable("REFTRACK_BENCH_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres";

    public string RepoRoot { get; set; } = FindRepoRoot();
    public string? ResultsFile { get; set; }
    public bool Keep { get; set; }
    public bool Quick { get; set; }
    public int Port { get; set; } = 5180;

    /// <summary>How long to wait before a run for other processes to leave the machine quiet (shared machines).</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(120);

    public string WorkDir => Path.Combine(RepoRoot, "bench", ".work");

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.Clicks = 100_000;
            o.Referrals = 10_000;
            o.Codes = 1_000;
            o.SignupClicks = 20_000;
            o.Buyers = 5_000;
            o.Duration = TimeSpan.FromSeconds(5);
            o.Warmup = TimeSpan.FromSeconds(1);
            o.WriteWarmup = TimeSpan.FromSeconds(1);
        }

        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--quick")
            {
                continue;
            }

            if (name is "--help" or "-h")
            {
                Console.WriteLine(Usage);
                Environment.Exit(0);
            }

            if (name == "--keep")
            {
                o.Keep = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.\n{Usage}");
            }

            var value = args[++i];
            switch (name)
            {
                case "--providers": o.Providers = List(value); break;
                case "--scenarios": o.Scenarios = List(value); break;
                case "--clicks": o.Clicks = Count(value); break;
                case "--referrals": o.Referrals = Count(value); break;
                case "--codes": o.Codes = Count(value); break;
                case "--signup-clicks": o.SignupClicks = Count(value); break;
                case "--buyers": o.Buyers = Count(value); break;
                case "--duration": o.Duration = Seconds(value); break;
                case "--warmup": o.Warmup = Seconds(value); break;
                case "--write-warmup": o.WriteWarmup = Seconds(value); break;
                case "--threads": o.Threads = (int)Count(value); break;
                case "--connections": o.Connections = (int)Count(value); break;
                case "--write-connections": o.WriteConnections = (int)Count(value); break;
                case "--report-connections": o.ReportConnections = (int)Count(value); break;
                case "--zipf": o.ZipfExponent = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--postgres": o.PostgresConnectionString = value; break;
                case "--out": o.ResultsFile = Path.GetFullPath(value); break;
                case "--port": o.Port = (int)Count(value); break;
                case "--idle-wait": o.IdleWait = Seconds(value); break;
                default: throw new ArgumentException($"Unknown option {name}.\n{Usage}");
            }
        }

        if (o.Codes < 1 || o.Referrals < 0 || o.Clicks < 0 || o.Buyers < 1 || o.SignupClicks < 1)
        {
            throw new ArgumentException("--codes, --buyers and --signup-clicks must be at least 1; counts not negative.");
        }

        foreach (var p in o.Providers)
        {
            if (p is not ("sqlite" or "postgres"))
            {
                throw new ArgumentException($"Unknown provider '{p}': sqlite or postgres.");
            }
        }

        return o;
    }

    public const string Usage = """
        bench/run [options]
          --quick                   small data, 5 s runs: checks the harness itself
          --providers sqlite,postgres
          --scenarios hot-link,many-links,signups,purchases,reports   (names or groups; default all)
          --clicks 10000000         clicks already in the database for many-links and reports
          --referrals 1000000       referrals (and referred users) already in the database for reports
          --codes 100000            referral codes (referrers) the many-links traffic spreads over
          --signup-clicks 300000    seeded clicks that signups are attributed to
          --buyers 50000            referred users that purchases are recorded for
          --duration 20s --warmup 20s --write-warmup 60s   (write-warmup: signups and purchases)
          --threads 2 --connections 50 --write-connections 32 --report-connections 2
          --zipf 1.0                exponent of the code popularity distribution
          --postgres "Host=…;Username=…;Password=…"   (default $REFTRACK_BENCH_POSTGRES or the local server)
          --out FILE                results file (default bench/results/<date>-<time>.md, -quick.md with --quick)
          --idle-wait 120s          before each run, wait up to this long for other processes to go quiet
          --port 5180               RefTrack listens here, the ceiling app on the next port
          --keep                    keep the databases and logs under bench/.work
        """;

    private static List<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToList();

    private static long Count(string value) =>
        long.Parse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    /// <summary>Whole seconds ("20s" or "20"): wrk's <c>-d</c> takes no fractions (it prints its usage for "2.5s", and
    /// every scenario would fail).</summary>
    private static TimeSpan Seconds(string value) =>
        int.TryParse(value.TrimEnd('s', 'S'), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"'{value}' is not a whole number of seconds (e.g. 20s).");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RefTrack.slnx")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RefTrack.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the RefTrack repository (RefTrack.slnx not found).");
    }
}
