using System.Diagnostics;

namespace RefTrack.Bench;

/// <summary>
/// What a scenario needs in the database before it starts. Rows are generated deterministically (the same ids,
/// codes and external ids on both providers), so the wrk scripts can name them without asking the database.
/// </summary>
/// <param name="Referrers">Participants with a referral code (<c>r0000000</c>, code <c>REF0000000</c>): the codes clicked.</param>
/// <param name="Referred">Participants referred by them (<c>p0000000</c>), each with a qualified referral and signup rewards.</param>
/// <param name="Clicks">Clicks on the referrers' codes, Zipf-distributed over the codes like the traffic.</param>
/// <param name="ClickSpan">How far back the clicks go (signups need them inside the 30-day attribution window).</param>
/// <param name="ConvertedShare">Share of referred users who already purchased (a conversion and its rewards each).</param>
/// <param name="Reusable">Seeded once per provider and shared by the scenarios naming it.</param>
public sealed record Dataset(
    string Name, long Referrers, long Referred, long Clicks, TimeSpan ClickSpan, double ConvertedShare, bool Reusable)
{
    public static Dataset HotLink() => new("hot-link", 1, 0, 0, TimeSpan.FromDays(1), 0, Reusable: false);

    public static Dataset Signups(BenchOptions o) =>
        new("signups", Math.Min(o.Codes, 1_000), 0, o.SignupClicks, TimeSpan.FromHours(1), 0, Reusable: false);

    /// <summary>Half the buyers converted already (<c>m % 10 &lt; 5</c>), half not: purchases.lua sends half its new
    /// purchases as repeat ones of the first, half as first ones of the second.</summary>
    public static Dataset Purchases(BenchOptions o) =>
        new("purchases", Math.Min(o.Codes, 1_000), o.Buyers, 0, TimeSpan.FromDays(1), 0.5, Reusable: false);

    /// <summary>The "database that already holds 10 million clicks and 1 million referrals".</summary>
    public static Dataset Large(BenchOptions o) =>
        new("large", o.Codes, o.Referrals, o.Clicks, TimeSpan.FromDays(60), 0.3, Reusable: true);

    public long RowEstimate => Referrers * 2 + Referred * 5 + Clicks * 2;
}

/// <summary>The campaign and reward rules a dataset is seeded for (created through the API, so RefTrack owns them).</summary>
public sealed record CampaignSetup(
    Guid CampaignId, Guid SignupRule, Guid RefereeRule, Guid FirstPurchaseRule, Guid FirstPurchaseTierRule,
    Guid EveryPurchaseRule, Guid MilestoneRule)
{
    public const int FirstPurchasePercent = 2000;
    public const int FirstPurchaseTierPercent = 3000;
    public const int FirstPurchaseTierMinReferrals = 10;
    public const int EveryPurchasePercent = 500;
    public const long SignupAmount = 1000;
    public const long RefereeAmount = 500;
    public const long MilestoneAmount = 5000;
    public const int MilestoneReferrals = 5;
}

/// <summary>
/// The one place that writes raw rows. Each table is a <see cref="SeedTable"/>: columns (RefTrack's names) and a
/// function of the row number. A new table (e.g. a rollup) is one more entry in <see cref="Tables"/>; rollups that
/// RefTrack can rebuild itself are recomputed by <c>POST /api/v1/maintenance/rebuild-rollups</c> after seeding.
/// </summary>
public static class Seeding
{
    public const string BrowserAgent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    private const string BotAgent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    /// <summary>The first 8 hex digits of every seeded id say what it is (seeded ids sort before RefTrack's v7 ids).</summary>
    public enum Kind
    {
        Referrer = 0x0B000001,
        Referred = 0x0B000002,
        Click = 0x0B000003,
        ReferrerCode = 0x0B000004,
        ReferredCode = 0x0B000005,
        Referral = 0x0B000006,
        Conversion = 0x0B000007,
        SignupReward = 0x0B000008,
        RefereeReward = 0x0B000009,
        PurchaseReward = 0x0B00000A,
        EveryPurchaseReward = 0x0B00000B,
        MilestoneReward = 0x0B00000C,
    }

    /// <summary><c>{kind:X8}-0000-7000-8000-{n:X12}</c> (the wrk scripts build click ids the same way).</summary>
    public static Guid Id(Kind kind, long n) => new(
        (int)kind, 0, 0x7000, 0x80, 0x00,
        (byte)(n >> 40), (byte)(n >> 32), (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n);

    public static string ReferrerExternalId(long r) => $"r{r:D7}";

    public static string ReferredExternalId(long m) => $"p{m:D7}";

    /// <summary>Ten characters with a 0 or 1: never collides with RefTrack's 8-character generated codes.</summary>
    public static string ReferrerCode(long r) => $"REF{r:D7}";

    public static string ReferredCode(long m) => $"PRT{m:D7}";

    /// <summary>Seeds every table of the dataset; returns the rows written.</summary>
    public static async Task<long> SeedAsync(BenchDatabase db, Dataset dataset, CampaignSetup setup, double zipfExponent, Action<string> log)
    {
        long rows = 0;
        var tables = Tables(dataset, setup, new Zipf(dataset.Referrers, zipfExponent), DateTime.UtcNow).Where(t => t.Count > 0).ToList();
        foreach (var group in tables.GroupBy(t => t.Name))
        {
            var watch = Stopwatch.StartNew();
            var recreate = await db.DropSecondaryIndexesAsync(group.Key);
            foreach (var table in group)
            {
                await db.BulkInsertAsync(table);
                rows += table.Count;
            }

            var loaded = watch.Elapsed;
            await recreate();
            log($"  {group.Key,-14} {group.Sum(t => t.Count),12:N0} rows in {loaded.TotalSeconds,6:F1} s, indexes in {(watch.Elapsed - loaded).TotalSeconds,5:F1} s");
        }

        await db.AfterSeedAsync();
        return rows;
    }

    public static IEnumerable<SeedTable> Tables(Dataset d, CampaignSetup s, Zipf zipf, DateTime now)
    {
        var campaign = s.CampaignId;
        var start = now - d.ClickSpan;
        var referralSpan = TimeSpan.FromDays(60);
        long ClickRank(long c) => zipf.Rank(Uniform(c, 1));
        long ReferrerOf(long m) => zipf.Rank(Uniform(m, 2));
        bool Converted(long m) => m % 10 < (long)Math.Round(d.ConvertedShare * 10);
        long ConvertedCount() => d.Referred / 10 * (long)Math.Round(d.ConvertedShare * 10) + Math.Min(d.Referred % 10, (long)Math.Round(d.ConvertedShare * 10));
        long ConvertedIndex(long k) => k / Math.Max(1, (long)Math.Round(d.ConvertedShare * 10)) * 10 + k % Math.Max(1, (long)Math.Round(d.ConvertedShare * 10));
        DateTime ReferralTime(long m) => now - referralSpan + TimeSpan.FromTicks((long)(referralSpan.Ticks * ((double)m / Math.Max(1, d.Referred))));
        DateTime ClickTime(long c) => start + TimeSpan.FromTicks((long)(d.ClickSpan.Ticks * ((double)c / Math.Max(1, d.Clicks))));
        long DeviceOf(long c) => c % 4 == 3 ? c - 1 : c; // every fourth click repeats the visitor before it
        string Device(long c) => $"{Mix((ulong)DeviceOf(c)):x16}{DeviceOf(c):x16}";

        // Qualified referrals per referrer decide tiers and milestones, as RefTrack would have.
        var referralsPerReferrer = new int[d.Referrers];
        var firstReferral = new long[d.Referrers];
        for (long m = d.Referred - 1; m >= 0; m--)
        {
            referralsPerReferrer[ReferrerOf(m)]++;
            firstReferral[ReferrerOf(m)] = m;
        }

        var milestoneReferrers = Enumerable.Range(0, (int)d.Referrers)
            .Where(r => referralsPerReferrer[r] >= CampaignSetup.MilestoneReferrals).ToArray();

        var participantColumns = new Column[]
        {
            new("Id", ColumnType.Uuid), new("CampaignId", ColumnType.Uuid), new("ExternalId", ColumnType.Text),
            new("Email", ColumnType.Text), new("NormalizedEmail", ColumnType.Text), new("Name", ColumnType.Text),
            new("ReferredById", ColumnType.Uuid), new("AttributionStatus", ColumnType.Text),
            new("AttributionReason", ColumnType.Text), new("CreatedAt", ColumnType.Time),
        };
        yield return new SeedTable("Participants", participantColumns, d.Referrers, (r, v) =>
        {
            var external = ReferrerExternalId(r);
            Set(v, Id(Kind.Referrer, r), campaign, external, external + "@example.com", external + "@example.com", null,
                null, null, null, now - referralSpan - TimeSpan.FromDays(1) + TimeSpan.FromSeconds(r % 86_400));
        });
        yield return new SeedTable("Participants", participantColumns, d.Referred, (m, v) =>
        {
            var external = ReferredExternalId(m);
            Set(v, Id(Kind.Referred, m), campaign, external, external + "@example.com", external + "@example.com", null,
                Id(Kind.Referrer, ReferrerOf(m)), "Qualified", d.Clicks > 0 ? "first_click" : "referral_code", ReferralTime(m));
        });

        var codeColumns = new Column[]
        {
            new("Id", ColumnType.Uuid), new("Code", ColumnType.Text), new("CampaignId", ColumnType.Uuid),
            new("ParticipantId", ColumnType.Uuid), new("IsVanity", ColumnType.Bool), new("IsDisabled", ColumnType.Bool),
            new("CreatedAt", ColumnType.Time),
        };
        yield return new SeedTable("ReferralCodes", codeColumns, d.Referrers, (r, v) =>
            Set(v, Id(Kind.ReferrerCode, r), ReferrerCode(r), campaign, Id(Kind.Referrer, r), false, false,
                now - referralSpan - TimeSpan.FromDays(1)));
        yield return new SeedTable("ReferralCodes", codeColumns, d.Referred, (m, v) =>
            Set(v, Id(Kind.ReferredCode, m), ReferredCode(m), campaign, Id(Kind.Referred, m), false, false, ReferralTime(m)));

        yield return new SeedTable("Clicks", [
            new("Id", ColumnType.Uuid), new("CampaignId", ColumnType.Uuid), new("ReferralCodeId", ColumnType.Uuid),
            new("ParticipantId", ColumnType.Uuid), new("OccurredAt", ColumnType.Time), new("IpHash", ColumnType.Text),
            new("UserAgent", ColumnType.Text), new("DeviceId", ColumnType.Text), new("IsBot", ColumnType.Bool),
            new("IsRepeat", ColumnType.Bool),
        ], d.Clicks, (c, v) =>
        {
            var rank = ClickRank(c);
            var bot = c % 50 == 49; // lua/signups.lua names only the other clicks: a bot's never attributes.
            Set(v, Id(Kind.Click, c), campaign, Id(Kind.ReferrerCode, rank), Id(Kind.Referrer, rank), ClickTime(c),
                $"{Mix((ulong)DeviceOf(c) ^ 0x5bd1e995):x16}{Mix((ulong)DeviceOf(c)):x16}", bot ? BotAgent : BrowserAgent,
                Device(c), bot, c % 4 == 3);
        });

        // One visitor row per first click of a device (the repeat clicks found theirs).
        yield return new SeedTable("ClickVisitors", [
            new("CampaignId", ColumnType.Uuid), new("ReferralCodeId", ColumnType.Uuid), new("VisitorKey", ColumnType.Text),
        ], d.Clicks - d.Clicks / 4, (i, v) =>
        {
            var c = i / 3 * 4 + i % 3;
            Set(v, campaign, Id(Kind.ReferrerCode, ClickRank(c)), "d:" + Device(c));
        });

        yield return new SeedTable("Referrals", [
            new("Id", ColumnType.Uuid), new("CampaignId", ColumnType.Uuid), new("ReferrerId", ColumnType.Uuid),
            new("ReferredId", ColumnType.Uuid), new("Status", ColumnType.Text), new("Source", ColumnType.Text),
            new("ClickId", ColumnType.Uuid), new("Code", ColumnType.Text), new("ClickedAt", ColumnType.Time),
            new("Reason", ColumnType.Text), new("CreatedAt", ColumnType.Time), new("ConvertedAt", ColumnType.Time),
        ], d.Referred, (m, v) =>
        {
            var at = ReferralTime(m);
            var viaClick = d.Clicks > 0;
            Set(v, Id(Kind.Referral, m), campaign, Id(Kind.Referrer, ReferrerOf(m)), Id(Kind.Referred, m), "Qualified",
                viaClick ? "Click" : "Code", viaClick ? Id(Kind.Click, m % d.Clicks) : null, ReferrerCode(ReferrerOf(m)),
                viaClick ? at.AddHours(-1) : null, viaClick ? "first_click" : "referral_code", at,
                Converted(m) ? at.AddDays(1) : null);
        });

        yield return new SeedTable("Conversions", [
            new("Id", ColumnType.Uuid), new("CampaignId", ColumnType.Uuid), new("ParticipantId", ColumnType.Uuid),
            new("ReferralId", ColumnType.Uuid), new("Type", ColumnType.Text), new("ExternalId", ColumnType.Text),
            new("Amount", ColumnType.Long), new("Currency", ColumnType.Text), new("OccurredAt", ColumnType.Time),
            new("CreatedAt", ColumnType.Time),
        ], ConvertedCount(), (k, v) =>
        {
            var m = ConvertedIndex(k);
            var at = ReferralTime(m).AddDays(1);
            Set(v, Id(Kind.Conversion, m), campaign, Id(Kind.Referred, m), Id(Kind.Referral, m), "Purchase",
                $"seed-{m:D7}", 4999L, "USD", at, at);
        });

        var rewardColumns = new Column[]
        {
            new("Id", ColumnType.Uuid), new("CampaignId", ColumnType.Uuid), new("ParticipantId", ColumnType.Uuid),
            new("RuleId", ColumnType.Uuid), new("ReferralId", ColumnType.Uuid), new("ConversionId", ColumnType.Uuid),
            new("Amount", ColumnType.Long), new("Currency", ColumnType.Text), new("Status", ColumnType.Text),
            new("GrantKey", ColumnType.Text), new("CreatedAt", ColumnType.Time), new("UpdatedAt", ColumnType.Time),
        };
        yield return new SeedTable("Rewards", rewardColumns, d.Referred, (m, v) =>
        {
            var at = ReferralTime(m);
            Set(v, Id(Kind.SignupReward, m), campaign, Id(Kind.Referrer, ReferrerOf(m)), s.SignupRule, Id(Kind.Referral, m), null,
                CampaignSetup.SignupAmount, "USD", m % 3 == 0 ? "Paid" : "Pending",
                $"{s.SignupRule:N}:{Id(Kind.Referral, m):N}:signup", at, at);
        });
        yield return new SeedTable("Rewards", rewardColumns, d.Referred, (m, v) =>
        {
            var at = ReferralTime(m);
            Set(v, Id(Kind.RefereeReward, m), campaign, Id(Kind.Referred, m), s.RefereeRule, Id(Kind.Referral, m), null,
                CampaignSetup.RefereeAmount, "USD", "Pending", $"{s.RefereeRule:N}:{Id(Kind.Referral, m):N}:signup", at, at);
        });
        yield return new SeedTable("Rewards", rewardColumns, ConvertedCount(), (k, v) =>
        {
            var m = ConvertedIndex(k);
            var at = ReferralTime(m).AddDays(1);
            var tier = referralsPerReferrer[ReferrerOf(m)] >= CampaignSetup.FirstPurchaseTierMinReferrals;
            var rule = tier ? s.FirstPurchaseTierRule : s.FirstPurchaseRule;
            var percent = tier ? CampaignSetup.FirstPurchaseTierPercent : CampaignSetup.FirstPurchasePercent;
            Set(v, Id(Kind.PurchaseReward, m), campaign, Id(Kind.Referrer, ReferrerOf(m)), rule, Id(Kind.Referral, m),
                Id(Kind.Conversion, m), (long)Math.Round(4999m * percent / 10_000m, MidpointRounding.AwayFromZero), "USD",
                "Pending", $"{rule:N}:{Id(Kind.Referral, m):N}:first-purchase", at, at);
        });
        yield return new SeedTable("Rewards", rewardColumns, ConvertedCount(), (k, v) =>
        {
            var m = ConvertedIndex(k);
            var at = ReferralTime(m).AddDays(1);
            Set(v, Id(Kind.EveryPurchaseReward, m), campaign, Id(Kind.Referrer, ReferrerOf(m)), s.EveryPurchaseRule,
                Id(Kind.Referral, m), Id(Kind.Conversion, m),
                (long)Math.Round(4999m * CampaignSetup.EveryPurchasePercent / 10_000m, MidpointRounding.AwayFromZero), "USD",
                "Pending", $"{s.EveryPurchaseRule:N}:{Id(Kind.Referral, m):N}:{Id(Kind.Conversion, m):N}", at, at);
        });
        yield return new SeedTable("Rewards", rewardColumns, milestoneReferrers.Length, (i, v) =>
        {
            var r = milestoneReferrers[i];
            Set(v, Id(Kind.MilestoneReward, r), campaign, Id(Kind.Referrer, r), s.MilestoneRule,
                Id(Kind.Referral, firstReferral[r]), null, CampaignSetup.MilestoneAmount, "USD", "Approved",
                $"{s.MilestoneRule:N}:{Id(Kind.Referrer, r):N}:milestone", now, now);
        });
    }

    /// <summary>A uniform number in [0, 1) from a row number: the same on every run and provider.</summary>
    public static double Uniform(long n, ulong salt) => (Mix((ulong)n * 0x9E3779B97F4A7C15UL + salt) >> 11) * (1.0 / (1UL << 53));

    /// <summary>SplitMix64's finaliser.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static void Set(object?[] values, params object?[] row) => row.CopyTo(values, 0);
}

/// <summary>Zipf over ranks 0..n-1 (rank 0 most popular): P(k) ∝ 1/(k+1)^s, sampled by inverse CDF.</summary>
public sealed class Zipf
{
    private readonly double[] _cdf;

    public Zipf(long n, double exponent)
    {
        _cdf = new double[n];
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            _cdf[k] = sum;
        }

        for (var k = 0; k < n; k++)
        {
            _cdf[k] /= sum;
        }
    }

    public long Rank(double u)
    {
        var i = Array.BinarySearch(_cdf, u);
        return Math.Min(i >= 0 ? i : ~i, _cdf.Length - 1);
    }
}
