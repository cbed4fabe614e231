using System.Globalization;

namespace RefTrack.Bench;

public enum CeilingKind
{
    /// <summary>No ceiling: the target is a latency.</summary>
    None,

    /// <summary>A bare Kestrel endpoint answering 302 with a Set-Cookie.</summary>
    Redirect,

    /// <summary>One-row write transactions on the same database at the same durability.</summary>
    Write,
}

/// <summary>What a scenario must reach; null = not a target of this scenario.</summary>
public sealed record Targets(double? MinShareOfCeiling = null, double? MaxP99Ms = null, double? MaxP95Ms = null)
{
    public string Describe() => string.Join(", ", new[]
    {
        MinShareOfCeiling is { } s ? $"≥{s * 100:0}% of ceiling" : null,
        MaxP99Ms is { } p99 ? $"p99 ≤ {p99:0.#} ms" : null,
        MaxP95Ms is { } p95 ? $"p95 ≤ {p95:0.#} ms" : null,
    }.OfType<string>());
}

/// <summary>The database after a run: rows persisted against requests acknowledged, and the scenario's own checks.</summary>
public sealed record Verification(long? Persisted, long? Acked, bool Pass, string Notes);

/// <summary>What a scenario's script arguments and checks can see.</summary>
public sealed class RunContext(BenchOptions options, BenchDatabase db, CampaignSetup setup, Dataset dataset, WrkSettings settings)
{
    public BenchOptions Options { get; } = options;
    public BenchDatabase Db { get; } = db;
    public CampaignSetup Setup { get; } = setup;
    public Dataset Dataset { get; } = dataset;
    public WrkSettings Settings { get; } = settings;
    public Dictionary<string, long> Before { get; } = [];

    /// <summary>wrk runs against RefTrack (warm-up and measured): each stop can cut off one request per connection.</summary>
    public int Runs { get; set; } = 1;

    /// <summary>Warm-up plus measured run of RefTrack: every request it acknowledged.</summary>
    public WrkResult? Total { get; set; }

    /// <summary>What RefTrack's click writer said as it stopped: clicks written since start, lost, and redirects that
    /// waited for room in its queue (null: it said nothing, which fails the click check).</summary>
    public (long Written, long Lost, long QueueFullWaits)? ClickWriterTotals { get; set; }

    public string CampaignPath => $"/api/v1/campaigns/{Setup.CampaignId}";

    public Task<long> CountAsync(string table) => Db.ScalarAsync($"SELECT COUNT(*) FROM \"{table}\"");

    /// <summary>The codes file many-links draws from: referrer codes in popularity order (rank 1 first).</summary>
    public string CodesFile()
    {
        var path = Path.Combine(Options.WorkDir, "lua", $"codes-{Dataset.Referrers}.txt");
        if (!File.Exists(path))
        {
            File.WriteAllLines(path, Enumerable.Range(0, (int)Dataset.Referrers).Select(r => Seeding.ReferrerCode(r)));
        }

        return path;
    }
}

/// <summary>How a scenario's script is called: for RefTrack or for its ceiling, in the warm-up or the measured run.</summary>
public sealed record ScriptCall(RunContext Context, bool Ceiling, bool Warmup)
{
    public string Tag => Warmup ? "w" : "m";
}

/// <param name="Name">What <c>--scenarios</c> selects (as does <paramref name="Group"/>).</param>
/// <param name="Dataset">What the database holds before the run (seeded by <see cref="Seeding"/>).</param>
/// <param name="Script">The wrk Lua script under lua/ (common.lua is prepended).</param>
/// <param name="Args">The script's arguments.</param>
/// <param name="Expected">Status codes that are answers, not errors.</param>
/// <param name="Before">Runs after RefTrack started, before the load (e.g. row counts).</param>
/// <param name="Verify">Runs after RefTrack stopped (SIGTERM, drained): reads the database.</param>
/// <param name="Sample">One representative GET: probed first when <paramref name="Probe"/> (a 404 reports "not
/// implemented"), and timed alone after a run in which too few requests completed to have percentiles.</param>
/// <param name="Probe">The endpoint may not exist yet.</param>
/// <param name="AfterWarmup">Reads the database between RefTrack's warm-up and its measured run (into
/// <see cref="RunContext.Before"/>), for what the measured run alone did.</param>
/// <param name="MemoryTarget">Counts towards the peak-RSS target (scenario 6).</param>
/// <param name="OnlyByName">Not one of the issue's scenarios: runs only when <c>--scenarios</c> names it.</param>
public sealed record Scenario(
    string Name,
    string Group,
    string Title,
    Func<BenchOptions, Dataset> Dataset,
    string Script,
    CeilingKind Ceiling,
    Func<BenchOptions, int> Connections,
    Func<ScriptCall, IReadOnlyList<string>> Args,
    int[] Expected,
    Targets Targets,
    Func<RunContext, Task>? Before = null,
    Func<RunContext, Task<Verification>>? Verify = null,
    Func<RunContext, Task>? AfterWarmup = null,
    Func<RunContext, string>? Sample = null,
    bool Probe = false,
    bool MemoryTarget = false,
    TimeSpan? Timeout = null,
    bool OnlyByName = false)
{
    /// <summary>The answers of RefTrack's runs, or of its ceiling's: the write ceiling inserts whatever it is sent, so
    /// it answers a duplicate 201 too.</summary>
    public IReadOnlyCollection<int> ExpectedFrom(bool ceiling) => ceiling && Ceiling == CeilingKind.Write ? [201] : Expected;

    /// <summary>The rate a run is compared with its ceiling by. Redirects: 302s a second. Writes: new rows a second
    /// (201s): RefTrack answers a duplicate signup or a replayed purchase 200 without writing, so its requests a second
    /// would count work the ceiling does (a row for every request) and RefTrack does not; both sides count the rows
    /// they wrote.</summary>
    public double Rate(WrkResult run) => Ceiling switch
    {
        CeilingKind.Write => run.Seconds > 0 ? run.Status(201) / run.Seconds : 0,
        // Redirects: 302s a second, so that fast 404s, 429s or 503s do not raise the rate (found by review; they
        // also fail the run through its errors).
        CeilingKind.Redirect => run.Seconds > 0 ? run.Status(302) / run.Seconds : 0,
        _ => run.Throughput,
    };
}

/// <summary>
/// Every scenario, in the order they run. Adding one is one entry here (plus a Lua script if no existing one fits):
/// e.g. a report endpoint is <see cref="Report"/> with its path.
/// </summary>
public static class Scenarios
{
    public const double MemoryTargetMb = 250;

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("hot-link", "hot-link", "1. hot link: GET /r/{code}, one code",
            Dataset: _ => Bench.Dataset.HotLink(),
            Script: "hot-link.lua",
            Ceiling: CeilingKind.Redirect,
            Connections: o => o.Connections,
            Args: call => ["/r/" + Seeding.ReferrerCode(0)],
            Expected: [302],
            Targets: new(MinShareOfCeiling: 0.70, MaxP99Ms: 10),
            Before: async ctx => ctx.Before["clicks"] = await ctx.CountAsync("Clicks"),
            Verify: ClicksPersistedAsync,
            MemoryTarget: true),

        new("many-links", "many-links", "2. many links: Zipf over codes, big database",
            Dataset: Bench.Dataset.Large,
            Script: "many-links.lua",
            Ceiling: CeilingKind.Redirect,
            Connections: o => o.Connections,
            Args: call => ["/r/", call.Context.CodesFile(), call.Context.Options.ZipfExponent.ToString(CultureInfo.InvariantCulture)],
            Expected: [302],
            Targets: new(MinShareOfCeiling: 0.60, MaxP99Ms: 15),
            Before: async ctx => ctx.Before["clicks"] = await ctx.CountAsync("Clicks"),
            Verify: ClicksPersistedAsync,
            MemoryTarget: true),

        new("signups", "signups", "3. signups with attribution, 10% sent twice",
            Dataset: Bench.Dataset.Signups,
            Script: "signups.lua",
            Ceiling: CeilingKind.Write,
            Connections: o => o.WriteConnections,
            Args: call =>
            [
                call.Ceiling ? "/write" : call.Context.CampaignPath + "/participants",
                BenchOptions.AdminKey,
                call.Tag,
                call.Context.Settings.Threads.ToString(CultureInfo.InvariantCulture),
                ((int)Seeding.Kind.Click).ToString("X8", CultureInfo.InvariantCulture),
                (call.Warmup ? 0 : call.Context.Dataset.Clicks / 2).ToString(CultureInfo.InvariantCulture),
                call.Context.Dataset.Clicks.ToString(CultureInfo.InvariantCulture),
                "10",
            ],
            Expected: [200, 201],
            Targets: new(MinShareOfCeiling: 0.60),
            Before: async ctx =>
            {
                ctx.Before["participants"] = await ctx.CountAsync("Participants");
                ctx.Before["referrals"] = await ctx.CountAsync("Referrals");
            },
            Verify: SignupsAsync,
            MemoryTarget: true),

        new("purchases", "purchases", "4. purchases with reward rules, 20% replays",
            Dataset: Bench.Dataset.Purchases,
            Script: "purchases.lua",
            Ceiling: CeilingKind.Write,
            Connections: o => o.WriteConnections,
            Args: call =>
            [
                call.Ceiling ? "/write" : call.Context.CampaignPath + "/conversions",
                BenchOptions.AdminKey,
                call.Tag,
                call.Context.Dataset.Referred.ToString(CultureInfo.InvariantCulture),
                "20",
                call.Context.Settings.Threads.ToString(CultureInfo.InvariantCulture),
                // The first purchases' buyers: the warm-up's from the first, the measured run's from the second half.
                (call.Warmup ? 0 : call.Context.Dataset.Referred / 4).ToString(CultureInfo.InvariantCulture),
            ],
            Expected: [200, 201],
            Targets: new(MinShareOfCeiling: 0.60),
            Before: async ctx =>
            {
                ctx.Before["conversions"] = await ctx.CountAsync("Conversions");
                ctx.Before["rewards"] = await ctx.CountAsync("Rewards");
                ctx.Before["converted"] = await ConvertedReferralsAsync(ctx);
                ctx.Before["everyPurchase"] = await EveryPurchaseRewardsAsync(ctx);
            },
            Verify: PurchasesAsync,
            AfterWarmup: async ctx =>
            {
                ctx.Before["measuredConversions"] = await ctx.CountAsync("Conversions");
                ctx.Before["measuredConverted"] = await ConvertedReferralsAsync(ctx);
            },
            MemoryTarget: true),

        // Not a target: what a registration of a user already registered costs (an integrator may register its users
        // at every login). Each is answered 200 and writes nothing; on PostgreSQL the check counts the transactions
        // the database rolled back meanwhile, each a statement that failed (and an ERROR in its log).
        new("returning-signups", "returning", "signups of users already registered, with a referral code",
            Dataset: Bench.Dataset.Purchases,
            Script: "returning.lua",
            Ceiling: CeilingKind.None,
            Connections: o => o.WriteConnections,
            Args: call =>
            [
                call.Context.CampaignPath + "/participants",
                BenchOptions.AdminKey,
                call.Context.Dataset.Referred.ToString(CultureInfo.InvariantCulture),
                Seeding.ReferrerCode(0),
            ],
            Expected: [200],
            Targets: new(),
            Before: async ctx =>
            {
                ctx.Before["participants"] = await ctx.CountAsync("Participants");
                ctx.Before["referrals"] = await ctx.CountAsync("Referrals");
                ctx.Before["rewards"] = await ctx.CountAsync("Rewards");
                ctx.Before["rollbacks"] = await RollbacksAsync(ctx) ?? 0;
            },
            Verify: ReturningSignupsAsync,
            OnlyByName: true),

        Report("report-participant-stats", "5. report: participant stats",
            ctx => ctx.CampaignPath + "/participants/", suffix: "/stats", perReferrer: true),
        Report("report-campaign-funnel", "5. report: campaign funnel", ctx => ctx.CampaignPath + "/stats"),
        Report("report-time-series", "5. report: 30-day time series",
            ctx => ctx.CampaignPath + "/stats/timeseries?days=30", probe: true),
        Report("report-leaderboard", "5. report: top-100 leaderboard",
            ctx => ctx.CampaignPath + "/leaderboard?limit=100", probe: true, maxP95Ms: 10),

        // Not among the issue's targets: the admin lists a dashboard pages through, on the same database (at full
        // scale 1,100,000 participants, 300,000 conversions, 2,620,774 rewards), each page of 50 held to the reports'
        // 5 ms.
        Report("list-participants", "lists: participants, a page", ctx => ctx.CampaignPath + "/participants?limit=50",
            group: "lists"),
        Report("list-conversions", "lists: conversions, a page", ctx => ctx.CampaignPath + "/conversions?limit=50",
            group: "lists"),
        Report("list-rewards", "lists: rewards, a page", ctx => ctx.CampaignPath + "/rewards?limit=50", group: "lists"),
        Report("list-rewards-pending", "lists: pending rewards, a page",
            ctx => ctx.CampaignPath + "/rewards?status=pending&limit=50", group: "lists"),
    ];

    /// <summary>A report endpoint on the big database; <paramref name="probe"/> = may not exist yet.</summary>
    public static Scenario Report(string name, string title, Func<RunContext, string> path, string suffix = "",
        bool perReferrer = false, bool probe = false, double maxP95Ms = 5, string group = "reports") =>
        new(name, group, title,
            Dataset: Bench.Dataset.Large,
            Script: "get.lua",
            Ceiling: CeilingKind.None,
            Connections: o => o.ReportConnections,
            Args: call =>
            [
                path(call.Context), BenchOptions.AdminKey, suffix,
                (perReferrer ? call.Context.Dataset.Referrers : 0).ToString(CultureInfo.InvariantCulture),
            ],
            Expected: [200],
            Targets: new(MaxP95Ms: maxP95Ms),
            Sample: ctx => perReferrer ? path(ctx) + Seeding.ReferrerExternalId(0) + suffix : path(ctx),
            Probe: probe,
            Timeout: TimeSpan.FromSeconds(60));

    public static IReadOnlyList<Scenario> Select(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return All.Where(s => !s.OnlyByName).ToList();
        }

        var unknown = names.Where(n => !All.Any(s => s.Name == n || s.Group == n)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"Unknown scenario(s) {string.Join(", ", unknown)}; known: {string.Join(", ", All.Select(s => s.Name).Concat(All.Select(s => s.Group)).Distinct())}");
        }

        return All.Where(s => names.Contains(s.Name) || names.Contains(s.Group)).ToList();
    }

    /// <summary>
    /// Every acknowledged click (a 302) is a row once RefTrack has stopped and drained its queue. wrk stops with up to
    /// one request per connection in flight, whose click may be written though its 302 was never read, so rows against
    /// 302s alone had a slack that could hide as many lost clicks (found by review). RefTrack's click writer says as it
    /// stops how many clicks it wrote and lost: every click it accepted, the acknowledged ones among them. The check is
    /// exact: lost 0, rows == written (no click written twice or not at all), and 302s ≤ written ≤ 302s + the requests
    /// wrk can leave unread (a 302 for a click never handed to the writer would make written fall short).
    /// </summary>
    private static async Task<Verification> ClicksPersistedAsync(RunContext ctx)
    {
        var persisted = await ctx.CountAsync("Clicks") - ctx.Before["clicks"];
        var acked = ctx.Total!.Status(302);
        var unread = ctx.Settings.Connections * ctx.Runs;
        if (ctx.ClickWriterTotals is not var (written, lost, queueFullWaits))
        {
            return new Verification(persisted, acked, false, "RefTrack's click writer did not report its totals as it stopped");
        }

        var problems = new List<string>();
        if (lost != 0)
        {
            problems.Add($"the click writer lost {lost} clicks");
        }

        if (persisted != written)
        {
            problems.Add($"{persisted} rows against {written} clicks the writer committed");
        }

        if (written < acked)
        {
            problems.Add($"{acked - written} acknowledged clicks never written");
        }
        else if (written > acked + unread)
        {
            problems.Add($"{written - acked} clicks written beyond the 302s read, more than the {unread} requests wrk can leave unread");
        }

        var notes = (problems.Count > 0
            ? string.Join("; ", problems)
            : $"every acknowledged click is a row: the writer committed {written} and lost none, all in the database" +
              (written > acked ? $" (+{written - acked} whose 302 wrk did not read before it stopped)" : ""))
            // Not a failure, but the reason for a tail: a redirect waits for room only when the writer is a queue behind.
            + $"; {queueFullWaits} redirects waited for room in the click queue (warm-up and measured run)";
        return new Verification(persisted, acked, problems.Count == 0, notes);
    }

    /// <summary>No user attributed twice, no user registered twice, every externalId sent became one participant.</summary>
    private static async Task<Verification> SignupsAsync(RunContext ctx)
    {
        var created = await ctx.CountAsync("Participants") - ctx.Before["participants"];
        var referrals = await ctx.CountAsync("Referrals") - ctx.Before["referrals"];
        var doubleReferrals = await ctx.Db.ScalarAsync(
            """SELECT COUNT(*) FROM (SELECT "ReferredId" FROM "Referrals" GROUP BY "ReferredId" HAVING COUNT(*) > 1) x""");
        var doubleParticipants = await ctx.Db.ScalarAsync(
            """SELECT COUNT(*) FROM (SELECT "ExternalId" FROM "Participants" GROUP BY "CampaignId", "ExternalId" HAVING COUNT(*) > 1) x""");
        var total = ctx.Total!;
        var acked = total.Status(201);
        var distinctSent = total.Counter("sent_distinct");
        var unanswered = distinctSent - created;
        var notes =
            $"{created} new participants for {distinctSent} distinct externalIds sent" +
            (unanswered > 0 ? $" ({unanswered} cut off by wrk's stop, never answered)" : "") +
            $"; {total.Counter("sent_dupes")} sent twice ({total.Status(200)} answered 200 existing); " +
            $"{referrals} referrals; users with >1 referral: {doubleReferrals}; duplicate participants: {doubleParticipants}";
        // A 200 answers only a registration sent twice: a new user answered 200 without being written would
        // otherwise hide among the requests wrk cuts off.
        var pass = doubleReferrals == 0 && doubleParticipants == 0 && created >= acked && created <= distinctSent &&
                   unanswered <= ctx.Settings.Connections * ctx.Runs && referrals == created &&
                   total.Status(200) <= total.Counter("sent_dupes");
        return new Verification(created, acked, pass, notes);
    }

    /// <summary>PostgreSQL: the transactions rolled back in the scenario's database so far (a statement that failed
    /// rolls its transaction back); null on SQLite, which has no such count. Read after RefTrack stopped, its backends'
    /// statistics are in: a backend reports its counts at the latest when it exits.</summary>
    private static async Task<long?> RollbacksAsync(RunContext ctx) => ctx.Db.Provider == "postgres"
        ? await ctx.Db.ScalarAsync("SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        : null;

    /// <summary>Every registration answered 200 with nothing written: no participant, referral or reward added.</summary>
    private static async Task<Verification> ReturningSignupsAsync(RunContext ctx)
    {
        var participants = await ctx.CountAsync("Participants") - ctx.Before["participants"];
        var referrals = await ctx.CountAsync("Referrals") - ctx.Before["referrals"];
        var rewards = await ctx.CountAsync("Rewards") - ctx.Before["rewards"];
        var total = ctx.Total!;
        var answered = total.Status(200);
        var rollbacks = await RollbacksAsync(ctx) is { } after
            ? $"; {after - ctx.Before["rollbacks"]} transactions rolled back by PostgreSQL"
            : "";
        var notes = $"{answered} answered 200 of {total.Counter("sent")} sent; added: {participants} participants, " +
                    $"{referrals} referrals, {rewards} rewards" + rollbacks;
        return new Verification(null, null, participants == 0 && referrals == 0 && rewards == 0, notes);
    }

    /// <summary>No reward twice: per grant key, per conversion and rule, per referral for first-purchase rules.</summary>
    private static async Task<Verification> PurchasesAsync(RunContext ctx)
    {
        var db = ctx.Db;
        var created = await ctx.CountAsync("Conversions") - ctx.Before["conversions"];
        var rewards = await ctx.CountAsync("Rewards") - ctx.Before["rewards"];
        var doubleConversions = await db.ScalarAsync(
            """SELECT COUNT(*) FROM (SELECT 1 FROM "Conversions" GROUP BY "CampaignId", "ExternalId" HAVING COUNT(*) > 1) x""");
        var doubleGrantKeys = await db.ScalarAsync(
            """SELECT COUNT(*) FROM (SELECT 1 FROM "Rewards" GROUP BY "CampaignId", "GrantKey" HAVING COUNT(*) > 1) x""");
        var doublePerConversion = await db.ScalarAsync(
            """SELECT COUNT(*) FROM (SELECT 1 FROM "Rewards" WHERE "ConversionId" IS NOT NULL GROUP BY "ConversionId", "RuleId" HAVING COUNT(*) > 1) x""");
        var doubleFirstPurchase = await db.ScalarAsync(
            """
            SELECT COUNT(*) FROM (SELECT 1 FROM "Rewards" r JOIN "RewardRules" k ON k."Id" = r."RuleId"
            WHERE k."FirstPurchaseOnly" = TRUE GROUP BY r."ReferralId" HAVING COUNT(*) > 1) x
            """);
        // Every buyer is a referred user with a qualified referral: each new purchase earns the 5% rule exactly once
        // (the seeded purchases of the converted half have theirs already).
        var everyPurchaseRewards = await EveryPurchaseRewardsAsync(ctx) - ctx.Before["everyPurchase"];
        // How many were their referral's first purchase (two rewards, the referral stamped) rather than a repeat one
        // (one reward), in all and in the measured run: half of the new events by construction (BenchOptions.Buyers),
        // less where the first-purchase buyers ran out and were bought for again.
        var converted = await ConvertedReferralsAsync(ctx);
        var firstPurchases = converted - ctx.Before["converted"];
        var measured = ctx.Before.TryGetValue("measuredConversions", out var atMeasured)
            ? $" (measured run: {await ctx.CountAsync("Conversions") - atMeasured} new conversions, " +
              $"{converted - ctx.Before["measuredConverted"]} of them first purchases)"
            : "";
        var total = ctx.Total!;
        var acked = total.Status(201);
        var distinctSent = total.Counter("sent_distinct");
        var unanswered = distinctSent - created;
        var notes =
            $"{created} new conversions ({firstPurchases} of them their referral's first purchase){measured} for " +
            $"{distinctSent} distinct events sent" +
            (unanswered > 0 ? $" ({unanswered} cut off by wrk's stop, never answered)" : "") +
            $"; {total.Counter("sent_replays")} replays ({total.Status(200)} answered 200 replayed); {rewards} rewards; " +
            $"double rewards per grant key: {doubleGrantKeys}, per conversion and rule: {doublePerConversion}, " +
            $"first-purchase per referral: {doubleFirstPurchase}; duplicate conversions: {doubleConversions}; " +
            $"5% rewards {everyPurchaseRewards} for {created} purchases";
        var pass = doubleConversions == 0 && doubleGrantKeys == 0 && doublePerConversion == 0 && doubleFirstPurchase == 0 &&
                   created >= acked && created <= distinctSent && unanswered <= ctx.Settings.Connections * ctx.Runs &&
                   everyPurchaseRewards == created && total.Status(200) <= total.Counter("sent_replays");
        return new Verification(created, acked, pass, notes);
    }

    private static Task<long> EveryPurchaseRewardsAsync(RunContext ctx) =>
        ctx.Db.ScalarAsync($"""SELECT COUNT(*) FROM "Rewards" WHERE "RuleId" = {ctx.Db.Id(ctx.Setup.EveryPurchaseRule)}""");

    private static Task<long> ConvertedReferralsAsync(RunContext ctx) =>
        ctx.Db.ScalarAsync("""SELECT COUNT(*) FROM "Referrals" WHERE "ConvertedAt" IS NOT NULL""");
}
