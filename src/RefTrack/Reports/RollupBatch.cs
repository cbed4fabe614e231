using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Rewards;

namespace RefTrack.Reports;

/// <summary>
/// The rollup deltas of one transaction, written as one command at its end (only the PostgreSQL click writer's
/// per-referrer upsert follows it, <see cref="Links.ClickBatch"/>, being the one that waits on other writers): one
/// upsert per rollup table (<c>INSERT … ON CONFLICT DO UPDATE</c>, the same SQL on SQLite and PostgreSQL), sent
/// together. Each table is always written in the same order, and its rows sorted by key, so no two writers wait on
/// each other in a cycle. A PostgreSQL signup writes them as queries of its one statement instead
/// (<see cref="AppendWith"/>).
/// </summary>
/// <remarks>
/// Campaign-wide rows (<see cref="CampaignDailyStats"/>, <see cref="RewardTotals"/>) are shared by every writer of a
/// campaign. On PostgreSQL a writer holding one of them until its commit made the others queue behind it, while they
/// held their referrer's counter row (seen in pg_stat_activity: most signups waiting on a row lock). So there each
/// transaction writes its deltas to a slot of its own (a random one at or above <see cref="FirstDeltaSlot"/>: no
/// other writer touches that row) and <see cref="RollupFolder"/> folds those rows into slot 0 in the background;
/// readers sum every slot, so a report is exact whether or not the fold has run. SQLite has one writer at a time
/// anyway: it adds to slot 0 and nothing needs folding.
/// </remarks>
/// <param name="campaignId">The campaign of every row.</param>
public sealed class RollupBatch(Guid campaignId)
{
    /// <summary>Slots from here on are PostgreSQL's per-transaction delta rows, waiting for
    /// <see cref="RollupFolder"/>. Below it: folded rows (slot 0; 1–15 were written by earlier versions, which spread
    /// writers over 16 rows, and are summed like any other).</summary>
    public const int FirstDeltaSlot = 16;

    private readonly List<(DateOnly Day, CampaignDelta Delta)> _campaign = [];
    private readonly List<(string Currency, RewardStatus Status, long Count, long Amount)> _rewards = [];
    private readonly List<ParticipantRewardDelta> _participantRewards = [];

    public RollupBatch Campaign(DateTime at, CampaignDelta delta)
    {
        _campaign.Add((DateOnly.FromDateTime(at), delta));
        return this;
    }

    public RollupBatch Rewards(string currency, RewardStatus status, long count, long amount)
    {
        _rewards.Add((currency, status, count, amount));
        return this;
    }

    public RollupBatch ParticipantRewards(IEnumerable<ParticipantRewardDelta> deltas)
    {
        _participantRewards.AddRange(deltas);
        return this;
    }

    public Task WriteAsync(AppDbContext db, CancellationToken ct) => WriteAsync(db, first: null, ct);

    /// <summary>Writes the rollups in one command, after the statements <paramref name="first"/> appends to it (SQL
    /// with <c>{n}</c> placeholders numbered by the count of arguments so far; the int is this transaction's delta
    /// slot): a write unit's last statements share one round trip, so a row lock they take is held only for that
    /// command and the commit.</summary>
    public Task WriteAsync(AppDbContext db, Action<StringBuilder, List<object>, int>? first, CancellationToken ct)
    {
        var slot = DeltaSlot(db);
        var sql = new StringBuilder();
        var args = new List<object>();
        first?.Invoke(sql, args, slot);
        AppendUpserts(sql, args, slot, onlyIf: null);

        // Only placeholders ({n}) are spliced into the SQL; every value is a parameter.
        return sql.Length == 0 ? Task.CompletedTask : RawSqlRows.ExecuteAsync(db, sql.ToString(), args, ct);
    }

    /// <summary>
    /// PostgreSQL: the rollups as further queries of a <c>WITH</c>, each starting with <c>,</c>, their rows written
    /// only where <paramref name="onlyIf"/> (SQL) holds: for the signup's one statement, which writes nothing for a
    /// user registered already (<see cref="Participants.PostgresSignupStatement"/>). <paramref name="slot"/>: from
    /// <see cref="DeltaSlot"/>.
    /// </summary>
    public void AppendWith(StringBuilder sql, List<object> args, int slot, string onlyIf)
    {
        if (_rewards.Count > 0 || _participantRewards.Count > 0)
        {
            // The signup's statement adds its rewards to the reward rollups itself (PostgresGrantStatements): a second
            // upsert of the same row in one statement fails ("cannot affect row a second time").
            throw new InvalidOperationException("A signup's statement writes its reward rollups itself.");
        }

        AppendUpserts(sql, args, slot, onlyIf);
    }

    /// <summary>The slot this transaction adds to: a row of its own on PostgreSQL, slot 0 on SQLite.</summary>
    internal static int DeltaSlot(AppDbContext db) =>
        db is PostgresAppDbContext ? Random.Shared.Next(FirstDeltaSlot, int.MaxValue) : 0;

    /// <summary>One upsert per rollup table with rows, in the tables' lock order (<see cref="RollupRebuilder"/>):
    /// statements ending with <c>;</c>, or with <paramref name="onlyIf"/> queries of a <c>WITH</c> (<see cref="Upsert"/>).</summary>
    private void AppendUpserts(StringBuilder sql, List<object> args, int slot, string? onlyIf)
    {
        var rewards = _rewards.GroupBy(r => (r.Currency, r.Status))
            .Select(g => (g.Key.Currency, g.Key.Status, Count: g.Sum(r => r.Count), Amount: g.Sum(r => r.Amount)))
            .OrderBy(r => r.Currency, StringComparer.Ordinal).ThenBy(r => r.Status)
            .Select(r => new object[] { campaignId, r.Currency, r.Status.ToString(), slot, r.Count, r.Amount })
            .ToList();
        var participantRewards = _participantRewards.GroupBy(r => (r.ParticipantId, r.Currency, r.Status))
            .Select(g => (g.Key.ParticipantId, g.Key.Currency, g.Key.Status, Count: g.Sum(r => r.Count), Amount: g.Sum(r => r.Amount)))
            .OrderBy(r => r.ParticipantId).ThenBy(r => r.Currency, StringComparer.Ordinal).ThenBy(r => r.Status)
            .Select(r => new object[] { campaignId, r.ParticipantId, r.Currency, r.Status.ToString(), r.Count, r.Amount })
            .ToList();
        var campaign = _campaign.GroupBy(c => c.Day).OrderBy(g => g.Key)
            .Select(g => new object[]
            {
                campaignId, g.Key, slot,
                g.Sum(c => c.Delta.Clicks), g.Sum(c => c.Delta.UniqueClicks), g.Sum(c => c.Delta.BotClicks),
                g.Sum(c => c.Delta.Participants), g.Sum(c => c.Delta.Signups), g.Sum(c => c.Delta.ConvertedReferrals),
                g.Sum(c => c.Delta.Conversions),
            })
            .ToList();

        Upsert(sql, args, "RewardTotals", ["CampaignId", "Currency", "Status", "Slot"], ["Count", "Amount"], rewards, onlyIf);
        Upsert(sql, args, "ParticipantRewardTotals", ["CampaignId", "ParticipantId", "Currency", "Status"],
            ["Count", "Amount"], participantRewards, onlyIf);
        Upsert(sql, args, "CampaignDailyStats", ["CampaignId", "Day", "Slot"],
            ["Clicks", "UniqueClicks", "BotClicks", "Participants", "Signups", "ConvertedReferrals", "Conversions"],
            campaign, onlyIf);
    }

    /// <summary>Appends <c>INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET counter = counter + excluded.counter;</c>,
    /// or with a condition <c>, "tableDelta" AS (INSERT … SELECT * FROM (VALUES (…), (…)) AS v WHERE condition ON CONFLICT …)</c>,
    /// a query of a <c>WITH</c> (every value of a rollup row is typed, so PostgreSQL types the VALUES list's columns from
    /// its parameters). Nothing without rows.</summary>
    private static void Upsert(StringBuilder sql, List<object> args, string table, string[] key, string[] counters,
        IReadOnlyList<object[]> rows, string? onlyIf)
    {
        if (rows.Count == 0)
        {
            return;
        }

        string Quote(string c) => $"\"{c}\"";
        if (onlyIf is not null)
        {
            sql.Append(CultureInfo.InvariantCulture, $",\n{Quote(table + "Delta")} AS (");
        }

        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO \"{table}\" ({string.Join(", ", key.Concat(counters).Select(Quote))})");
        sql.Append(onlyIf is null ? " VALUES" : " SELECT * FROM (VALUES");
        for (var r = 0; r < rows.Count; r++)
        {
            RawSqlRows.Append(sql, args, first: r == 0, rows[r]);
        }

        if (onlyIf is not null)
        {
            sql.Append(") AS v WHERE ").Append(onlyIf);
        }

        sql.Append(CultureInfo.InvariantCulture, $" ON CONFLICT ({string.Join(", ", key.Select(Quote))}) DO UPDATE SET ");
        sql.AppendJoin(", ", counters.Select(c => $"{Quote(c)} = {Quote(table)}.{Quote(c)} + excluded.{Quote(c)}"));
        sql.Append(onlyIf is null ? ";\n" : ")");
    }
}

/// <summary>What one transaction adds to a participant's rewards of one currency and status.</summary>
public readonly record struct ParticipantRewardDelta(
    Guid ParticipantId, string Currency, RewardStatus Status, long Count, long Amount);
