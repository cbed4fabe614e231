using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>
/// SQLite's per-referrer daily click rollup (ParticipantDailyClicks), summed over several batches while the click
/// writer is behind. Why: a batch of many links reaches a few hundred referrers, each daily row on a page of its own,
/// and every commit writes each page it changed to the log; that was most of the one writer's cost per click, and the
/// writer bounds many links. Summed over <see cref="WindowBatches"/> batches, a referrer clicked in several of them is
/// written once, and the sums are written in key order: `bench/profile.d/writer_replay.py --window 40` wrote 188 rows
/// a batch instead of 338 and 1.04 MB of log instead of 1.81 (docs/benchmarks-log.md).
/// </summary>
/// <remarks>
/// <para>How: while batches queue behind the one being written, each batch adds its referrers' counts to the window
/// being summed and writes one slice (a <see cref="WindowBatches"/>th) of the previous window's sums, in key order.
/// When the writer catches up (nothing queued behind the batch), a flush waits or the service stops, the batch writes
/// everything pending. So the rollup lags its clicks only while the writer is behind, by at most two windows, and a
/// flushed writer's rollup is exact.</para>
/// <para>What a crash loses is not the rollup's: the <c>ClickRollupProgress</c> row, written in every batch's
/// transaction, says which committed clicks the rollup counts, by the clicks' rowids (the writer only appends, so they
/// grow): every click through <c>FullThrough</c>; of those after it through <c>ReadyThrough</c>, the ones whose key
/// sorts before the next key. The first batch after a start, after a failed batch, or after anyone else changed the
/// row (a rollup rebuild) adds the clicks the rollup does not count from the Clicks table (<see cref="Recover"/>).</para>
/// <para>One instance per click writer, used by its one loop.</para>
/// </remarks>
internal sealed class SqliteReferrerRollup
{
    /// <summary>Batches summed into one window: about a second of batches when many links keeps the writer busy.</summary>
    public const int WindowBatches = 40;

    private const string ReadProgressSql = """
        SELECT "FullThrough", "ReadyThrough", "NextCampaignId", "NextParticipantId", "NextDay"
        FROM "ClickRollupProgress" WHERE "Id" = 1
        """;

    private const string WriteProgressSql = """
        UPDATE "ClickRollupProgress" SET "FullThrough" = ?1, "ReadyThrough" = ?2,
            "NextCampaignId" = ?3, "NextParticipantId" = ?4, "NextDay" = ?5
        WHERE "Id" = 1
        """;

    private const string LastClickSql = """SELECT coalesce(max(rowid), 0) FROM "Clicks" """;

    /// <summary>Adds the clicks the progress row says the rollup does not count; keys compare as text, as stored.</summary>
    private const string RecoverSql = """
        INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
        SELECT "CampaignId", "ParticipantId", date("OccurredAt"), COUNT(*),
               SUM(CASE WHEN "IsRepeat" OR "IsBot" THEN 0 ELSE 1 END), SUM(CASE WHEN "IsBot" THEN 1 ELSE 0 END)
        FROM "Clicks"
        WHERE rowid > ?1 AND (rowid > ?2 OR ("CampaignId", "ParticipantId", date("OccurredAt")) >= (?3, ?4, ?5))
        GROUP BY 1, 2, 3
        ON CONFLICT ("CampaignId", "ParticipantId", "Day") DO UPDATE SET
            "Clicks" = "ParticipantDailyClicks"."Clicks" + excluded."Clicks",
            "UniqueClicks" = "ParticipantDailyClicks"."UniqueClicks" + excluded."UniqueClicks",
            "BotClicks" = "ParticipantDailyClicks"."BotClicks" + excluded."BotClicks"
        """;

    private Dictionary<Key, Counts> _summing = [];
    private List<ParticipantClicks> _ready = []; // The previous window's sums, in key order.
    private int _readyNext; // The first of _ready not yet written.
    private int _batchesSummed; // Batches in _summing.
    private Progress? _written; // The progress row as this writer last wrote it; null: unknown, recover first.

    /// <summary>Referrer sums not yet written: a batch that catches up writes them, even without clicks of its own.</summary>
    public bool HasPending => _summing.Count > 0 || _readyNext < _ready.Count;

    /// <summary>
    /// Inside the batch's transaction, after its clicks are inserted: adds the batch's per-referrer counts
    /// (<paramref name="batch"/>, one entry per key) to the rollup, now or with a later batch.
    /// </summary>
    /// <param name="catchUp">Write everything pending: nothing queued behind this batch, a flush waits, or the service
    /// stops.</param>
    public async Task WriteAsync(AppDbContext db, IClickStatements statements, IReadOnlyList<ParticipantClicks> batch,
        bool catchUp, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var lastClick = LastClick(connection);
        var stored = ReadProgress(connection);
        if (_written is not { } written || written != stored)
        {
            Recover(connection, stored); // Counts this batch's clicks too: they are in the table.
            Save(connection, new Progress(lastClick, lastClick, null));
            return;
        }

        foreach (var row in batch)
        {
            Add(_summing, row);
        }

        _batchesSummed++;
        if (catchUp)
        {
            foreach (var row in _ready.Skip(_readyNext))
            {
                Add(_summing, row);
            }

            await statements.AddParticipantClicksAsync(Sorted(_summing), ct);
            Clear();
            Save(connection, new Progress(lastClick, lastClick, null));
            return;
        }

        var slice = _ready.Count == 0 ? 0 : Math.Min(_ready.Count - _readyNext, (_ready.Count + WindowBatches - 1) / WindowBatches);
        await statements.AddParticipantClicksAsync(_ready.GetRange(_readyNext, slice), ct);
        _readyNext += slice;

        var progress = written;
        if (_readyNext == _ready.Count)
        {
            // The previous window is all written: the clicks it summed are counted.
            progress = new Progress(written.ReadyThrough, written.ReadyThrough, null);
            _ready = [];
            _readyNext = 0;
            if (_batchesSummed >= WindowBatches)
            {
                _ready = Sorted(_summing);
                _summing = [];
                _batchesSummed = 0;
                progress = new Progress(written.ReadyThrough, lastClick, Key.Of(_ready[0]));
            }
        }
        else
        {
            progress = written with { Next = Key.Of(_ready[_readyNext]) };
        }

        if (progress != written)
        {
            Save(connection, progress);
        }
    }

    /// <summary>After a failed batch: what is in memory may not match what committed; the next batch recovers.</summary>
    public void Forget()
    {
        Clear();
        _written = null;
    }

    private void Clear()
    {
        _summing = [];
        _ready = [];
        _readyNext = 0;
        _batchesSummed = 0;
    }

    private static void Add(Dictionary<Key, Counts> sums, ParticipantClicks row)
    {
        var key = Key.Of(row);
        sums[key] = sums.TryGetValue(key, out var sum)
            ? new Counts(sum.Clicks + row.Clicks, sum.UniqueClicks + row.UniqueClicks, sum.BotClicks + row.BotClicks)
            : new Counts(row.Clicks, row.UniqueClicks, row.BotClicks);
    }

    /// <summary>In the order SQLite sorts the rollup's primary key: the key's columns as text, column by column. The
    /// text of each has one length (36, 36, 10), so comparing them joined compares them column by column.</summary>
    private static List<ParticipantClicks> Sorted(Dictionary<Key, Counts> sums) =>
        sums.Select(s => (Text: s.Key.Text(), Row: new ParticipantClicks(s.Key.CampaignId, s.Key.ParticipantId,
                s.Key.Day, s.Value.Clicks, s.Value.UniqueClicks, s.Value.BotClicks)))
            .OrderBy(s => s.Text, StringComparer.Ordinal)
            .Select(s => s.Row)
            .ToList();

    private void Recover(SqliteConnection connection, Progress stored)
    {
        Clear();
        using var recover = new SqliteRawStatement(connection, RecoverSql);
        recover.Bind(1, stored.FullThrough);
        recover.Bind(2, stored.ReadyThrough);
        BindKey(recover, 3, stored.Next);
        recover.Execute();
    }

    private void Save(SqliteConnection connection, Progress progress)
    {
        using var save = new SqliteRawStatement(connection, WriteProgressSql);
        save.Bind(1, progress.FullThrough);
        save.Bind(2, progress.ReadyThrough);
        BindKey(save, 3, progress.Next);
        if (save.Execute() != 1)
        {
            throw new InvalidOperationException("The ClickRollupProgress row is missing; migrations create it.");
        }

        _written = progress;
    }

    private static void BindKey(SqliteRawStatement statement, int first, Key? key)
    {
        if (key is { } k)
        {
            statement.Bind(first, k.CampaignId);
            statement.Bind(first + 1, k.ParticipantId);
            statement.Bind(first + 2, k.Day);
            return;
        }

        for (var i = first; i < first + 3; i++)
        {
            statement.Bind(i, (string?)null);
        }
    }

    private static long LastClick(SqliteConnection connection)
    {
        using var last = new SqliteRawStatement(connection, LastClickSql);
        last.Step();
        return (long)last.Column(0);
    }

    private static Progress ReadProgress(SqliteConnection connection)
    {
        using var read = new SqliteRawStatement(connection, ReadProgressSql);
        if (!read.Step())
        {
            throw new InvalidOperationException("The ClickRollupProgress row is missing; migrations create it.");
        }

        Key? next = read.Column(2) is string campaign
            ? new Key(Guid.Parse(campaign), Guid.Parse((string)read.Column(3)),
                DateOnly.ParseExact((string)read.Column(4), "yyyy-MM-dd", CultureInfo.InvariantCulture))
            : null;
        return new Progress((long)read.Column(0), (long)read.Column(1), next);
    }

    private readonly record struct Key(Guid CampaignId, Guid ParticipantId, DateOnly Day)
    {
        public static Key Of(ParticipantClicks row) => new(row.CampaignId, row.ParticipantId, row.Day);

        /// <summary>As SQLite stores the columns (<see cref="SqliteRawStatement"/>'s binds), joined.</summary>
        public string Text() =>
            CampaignId.ToString("D").ToUpperInvariant() + ParticipantId.ToString("D").ToUpperInvariant() +
            Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private readonly record struct Counts(long Clicks, long UniqueClicks, long BotClicks);

    /// <summary>The <c>ClickRollupProgress</c> row; <see cref="Next"/> is null exactly when the two rowids are equal.</summary>
    private readonly record struct Progress(long FullThrough, long ReadyThrough, Key? Next);
}
