using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>
/// SQLite's click writer statements: one compiled statement per table, bound and stepped per row
/// (<see cref="SqliteRawStatement"/>), inside the writer's transaction. In-process SQLite makes a compiled single-row
/// statement cheaper than any multi-row one (whose parameter binding grows with the square of its size in
/// Microsoft.Data.Sqlite). Values are written as EF Core's SQLite mappings write them.
/// </summary>
internal sealed class SqliteClickStatements(AppDbContext db) : IClickStatements
{
    private readonly SqliteConnection _connection = (SqliteConnection)db.Database.GetDbConnection();
    private readonly List<SqliteRawStatement> _statements = [];

    /// <summary>
    /// Row by row in click order, each insert's change count telling whether its key was new: a device key an earlier
    /// click of the batch wrote conflicts like one from an earlier batch, so the first click wins with no set of the
    /// batch's device keys to build and probe. Address + browser keys are remembered for the batch: many of its clicks
    /// can share one (an office, a campus, the benchmark's one client), and each of those would be an insert that
    /// conflicts, a B-tree descent in SQLite. (With sets of every key and of the keys returned new, the three methods
    /// that built, probed and filled them took 0.48 µs of their own, the rest of the batch's method included, of the
    /// click writer thread's 8.80 a click: bench/results/2026-12-07-1311-native-reftrack.txt; docs/benchmarks-log.md,
    /// 12-07 15:02, for this form: the writer's thread some 7% less a click in two pairs of profiles.)
    /// </summary>
    public Task MarkRepeatsAsync(IReadOnlyList<PendingClick> batch, CancellationToken ct)
    {
        var insert = Prepare("""
            INSERT INTO "ClickVisitors" ("CampaignId", "ReferralCodeId", "VisitorKey") VALUES (?1, ?2, ?3)
            ON CONFLICT DO NOTHING
            """);
        HashSet<(Guid Code, string Key)>? fingerprints = null;
        foreach (var pending in batch)
        {
            var click = pending.Click;
            // Both keys are written whatever the other's answer: a && would leave a repeat's fingerprint unwritten.
            var newDevice = IsNew(click, pending.DeviceKey);
            var newAddress = pending.FingerprintKey is not { } fingerprint
                || ((fingerprints ??= new HashSet<(Guid, string)>()).Add((click.ReferralCodeId, fingerprint))
                    && IsNew(click, fingerprint));
            click.IsRepeat = !(newDevice && newAddress);
        }

        return Task.CompletedTask;

        bool IsNew(Click click, string key)
        {
            insert.Bind(1, click.CampaignId);
            insert.Bind(2, click.ReferralCodeId);
            insert.Bind(3, key);
            return insert.Execute() == 1;
        }
    }

    public Task InsertClicksAsync(IReadOnlyList<Click> clicks, CancellationToken ct)
    {
        var insert = Prepare("""
            INSERT INTO "Clicks" ("Id", "CampaignId", "ReferralCodeId", "ParticipantId", "OccurredAt", "IpHash",
                "UserAgent", "DeviceId", "IsBot", "IsRepeat")
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """);
        foreach (var c in clicks)
        {
            insert.Bind(1, c.Id);
            insert.Bind(2, c.CampaignId);
            insert.Bind(3, c.ReferralCodeId);
            insert.Bind(4, c.ParticipantId);
            insert.Bind(5, c.OccurredAt);
            insert.Bind(6, c.IpHash);
            insert.Bind(7, c.UserAgent);
            insert.Bind(8, c.DeviceId);
            insert.Bind(9, c.IsBot);
            insert.Bind(10, c.IsRepeat);
            insert.Execute();
        }

        return Task.CompletedTask;
    }

    /// <summary>Ends an insert into the per-referrer daily rollup: a row already there gets the new counts added.</summary>
    internal const string AddToParticipantClicks = """
        ON CONFLICT ("CampaignId", "ParticipantId", "Day") DO UPDATE SET
            "Clicks" = "ParticipantDailyClicks"."Clicks" + excluded."Clicks",
            "UniqueClicks" = "ParticipantDailyClicks"."UniqueClicks" + excluded."UniqueClicks",
            "BotClicks" = "ParticipantDailyClicks"."BotClicks" + excluded."BotClicks"
        """;

    public Task AddParticipantClicksAsync(IReadOnlyList<ParticipantClicks> rows, CancellationToken ct)
    {
        var upsert = Prepare("""
            INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """ + "\n" + AddToParticipantClicks);
        foreach (var r in rows)
        {
            upsert.Bind(1, r.CampaignId);
            upsert.Bind(2, r.ParticipantId);
            upsert.Bind(3, r.Day);
            upsert.Bind(4, r.Clicks);
            upsert.Bind(5, r.UniqueClicks);
            upsert.Bind(6, r.BotClicks);
            upsert.Execute();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _statements.ForEach(s => s.Dispose());

    private SqliteRawStatement Prepare(string sql)
    {
        var statement = new SqliteRawStatement(_connection, sql);
        _statements.Add(statement);
        return statement;
    }
}
