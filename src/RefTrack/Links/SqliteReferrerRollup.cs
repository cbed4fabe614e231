using System.Globalization;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>
/// SQLite's per-referrer daily click rollup (ParticipantDailyClicks), summed over several batches while clicks keep
/// coming. Why: a batch of many links reaches a few hundred referrers, each daily row on a page of its own,
/// and every commit writes each page it changed to the log; that was most of the one writer's cost per click, and the
/// writer bounds many links. Summed over <see cref="WindowBatches"/> batches, a referrer clicked in several of them is
/// written once, and the sums are written in key order: `bench/profile.d/writer_replay.py --window 40` wrote 188 rows
/// a batch instead of 338 and 1.04–1.18 MB of log instead of 1.81–2.11 (docs/benchmarks-log.md).
/// </summary>
/// <remarks>
/// <para>How: each batch adds its referrers' counts to the window being summed and writes one slice (a
/// <see cref="WindowBatches"/>th) of the previous window's sums, in key order. A batch that catches up writes
/// everything pending: the click writer asks for one when a flush waits, when the service stops, and when no click
/// has come for <see cref="LinkOptions.ClickRollupIdleMilliseconds"/> (a batch of no clicks). So the rollup lags its
/// clicks by at most two windows while they keep coming, and a flushed, idle or stopped writer's rollup is exact.
/// Catching up whenever the queue ran empty for a moment, as it first did, made a writer that kept up write its sums
/// every batch and one that nearly kept up alternate between windows and long catch-up batches (the log's table of
/// changes).</para>
/// <para>What a crash loses is not the rollup's: the <c>ClickRollupProgress</c> row, written in every batch's
/// transaction, says which committed clicks the rollup counts, by the clicks' rowids (the writer only appends, so they
/// grow): every click through <c>FullThrough</c>; of those after it through <c>ReadyThrough</c>, the ones whose key
/// sorts before the next key. The first batch after a start, after a failed batch, or after anyone else changed the
/// row (a rollup rebuild, or the click writer of another process on the same file: the row names its writer) adds the
/// clicks the rollup does not count from the Clicks table (<c>RecoverSql</c>).</para>
/// <para>One instance per click writer, used by its one loop.</para>
/// </remarks>
internal sealed class SqliteReferrerRollup
{
    /// <summary>Batches summed into one window: under load 0.4 s of clicks or more (a batch begins at most once per
    /// <see cref="LinkOptions.ClickBatchMilliseconds"/>, 10 ms, unless a full batch waits, and 40 full batches are 20,000
    /// clicks).</summary>
    public const int WindowBatches = 40;

    /// <summary>The progress row, and the last click's rowid (clicks are only appended, so rowids grow).</summary>
    private const string ReadProgressSql = """
        SELECT "FullThrough", "ReadyThrough", "NextCampaignId", "NextParticipantId", "NextDay",
               (SELECT coalesce(max(rowid), 0) FROM "Clicks"), "Writer"
        FROM "ClickRollupProgress" WHERE "Id" = 1
        """;

    private const string WriteProgressSql = """
        UPDATE "ClickRollupProgress" SET "FullThrough" = {0}, "ReadyThrough" = {1},
            "NextCampaignId" = {2}, "NextParticipantId" = {3}, "NextDay" = {4}, "Writer" = {5}
        WHERE "Id" = 1
        """;

    /// <summary>Adds the clicks the progress row says the rollup does not count; keys compare as text, as stored.</summary>
    private const string RecoverSql = """
        INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
        SELECT "CampaignId", "ParticipantId", date("OccurredAt"), COUNT(*),
               SUM(CASE WHEN "IsRepeat" OR "IsBot" THEN 0 ELSE 1 END), SUM(CASE WHEN "IsBot" THEN 1 ELSE 0 END)
        FROM "Clicks"
        WHERE rowid > {0} AND (rowid > {1} OR ("CampaignId", "ParticipantId", date("OccurredAt")) >= ({2}, {3}, {4}))
        GROUP BY 1, 2, 3
        """ + "\n" + SqliteClickStatements.AddToParticipantClicks;

    /// <summary>This writer, in the progress row it writes. Several processes on one file each have a click writer
    /// with sums of its own: a writer's sums are right only while the row is still the one it wrote, and without its
    /// name in it two writers that had written the same rowids (one idle with its sums written, the other just started
    /// and recovered) each took the row for its own, summed their clicks in memory unseen by the other, and the first
    /// to write its sums moved the row past the other's clicks, which that one then dropped (found by review).</summary>
    private readonly string _id = Guid.NewGuid().ToString("N");

    // Both kept from one window to the next, emptied rather than replaced: a window's sums under many links run to
    // tens of thousands of keys, and new ones each window put a dictionary's growth and the sorted list on the large
    // object heap, whose allocations set off full collections (docs/benchmarks-log.md, Tried and measured, 12-06 10:25).
    private readonly Dictionary<Key, Counts> _summing = [];
    private readonly List<ParticipantClicks> _ready = []; // The previous window's sums, in key order.
    private int _readyNext; // The first of _ready not yet written.
    private int _batchesSummed; // Batches in _summing.
    private Progress? _written; // The progress row as this writer last wrote it; null: unknown, recover first.

    /// <summary>
    /// Referrer sums not yet written, or clicks the rollup may not count (<see cref="MustRecover"/>): a batch that
    /// catches up writes them, even without clicks of its own. So the writer's idle moment, a flush that asks and the
    /// stop also recover after a start or a batch given up: otherwise the counts lagged their clicks until the next
    /// click came (found by review).
    /// </summary>
    public bool HasPending => _summing.Count > 0 || _readyNext < _ready.Count || MustRecover;

    /// <summary>
    /// Inside the batch's transaction, after its clicks are inserted: adds the batch's per-referrer counts
    /// (<paramref name="batch"/>, one entry per key) to the rollup, now or with a later batch.
    /// </summary>
    /// <param name="catchUp">Write everything pending: a flush waits, the service stops, or the writer is idle.</param>
    public async Task WriteAsync(AppDbContext db, IClickStatements statements, IReadOnlyList<ParticipantClicks> batch,
        bool catchUp, CancellationToken ct)
    {
        var (stored, lastClick) = await ReadProgressAsync(db, ct);
        if (_written is not { } written || written != stored)
        {
            Clear();
            await RawSqlRows.ExecuteAsync(db, RecoverSql, Args(stored)[..5], ct); // This batch's clicks too: they are in the table.
            await SaveAsync(db, Mine(lastClick, lastClick, null), ct);
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

            SortInto(_ready, _summing);
            await statements.AddParticipantClicksAsync(_ready, ct);
            Clear();
            await SaveAsync(db, Mine(lastClick, lastClick, null), ct);
            return;
        }

        var slice = Math.Min(_ready.Count - _readyNext, (_ready.Count + WindowBatches - 1) / WindowBatches);
        await statements.AddParticipantClicksAsync(_ready.GetRange(_readyNext, slice), ct);
        _readyNext += slice;

        var progress = written;
        if (_readyNext == _ready.Count)
        {
            // The previous window is all written: the clicks it summed are counted.
            progress = Mine(written.ReadyThrough, written.ReadyThrough, null);
            _ready.Clear();
            _readyNext = 0;
            if (_batchesSummed >= WindowBatches)
            {
                SortInto(_ready, _summing);
                _summing.Clear();
                _batchesSummed = 0;
                progress = Mine(written.ReadyThrough, lastClick, Key.Of(_ready[0]));
            }
        }
        else
        {
            progress = written with { Next = Key.Of(_ready[_readyNext]) };
        }

        if (progress != written)
        {
            await SaveAsync(db, progress, ct);
        }
    }

    /// <summary>The next batch first adds the clicks the rollup does not count from the clicks table (after a start,
    /// or when the last batch failed and its sums were forgotten): until then the rollup may lag its clicks.</summary>
    public bool MustRecover => _written is null;

    /// <summary>After a failed batch: what is in memory may not match what committed; the next batch recovers.</summary>
    public void Forget()
    {
        Clear();
        _written = null;
    }

    private void Clear()
    {
        _summing.Clear();
        _ready.Clear();
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

    /// <summary>The sums as rows into <paramref name="rows"/> (emptied first), in the order SQLite sorts the rollup's
    /// primary key (<see cref="CompareAsStored"/>).</summary>
    private static void SortInto(List<ParticipantClicks> rows, Dictionary<Key, Counts> sums)
    {
        rows.Clear();
        foreach (var (key, sum) in sums)
        {
            rows.Add(new ParticipantClicks(key.CampaignId, key.ParticipantId, key.Day, sum.Clicks, sum.UniqueClicks,
                sum.BotClicks));
        }

        rows.Sort(CompareAsStored);
    }

    /// <summary>
    /// SQLite's order of the rollup's primary key, whose columns are stored as text (EF Core's and
    /// <see cref="SqliteRawStatement"/>'s binds: a GUID's upper-case "D" form, a day's yyyy-MM-dd) and compared byte by
    /// byte, column by column. <see cref="Guid.CompareTo(Guid)"/> compares a GUID's fields as the unsigned numbers that
    /// form its text, in the text's order, and upper-case hex digits sort as the values they stand for; so it sorts as
    /// the text does, without making a string per key.
    /// </summary>
    internal static int CompareAsStored(ParticipantClicks x, ParticipantClicks y)
    {
        var order = x.CampaignId.CompareTo(y.CampaignId);
        if (order == 0)
        {
            order = x.ParticipantId.CompareTo(y.ParticipantId);
        }

        return order != 0 ? order : x.Day.CompareTo(y.Day);
    }

    private async Task SaveAsync(AppDbContext db, Progress progress, CancellationToken ct)
    {
        if (await RawSqlRows.ExecuteAsync(db, WriteProgressSql, Args(progress), ct) != 1)
        {
            throw new InvalidOperationException("The ClickRollupProgress row is missing; migrations create it.");
        }

        _written = progress;
    }

    /// <summary>The progress row's values in its column order; a null key as three NULLs.</summary>
    private static object[] Args(Progress progress) => progress.Next is { } next
        ? [progress.FullThrough, progress.ReadyThrough, next.CampaignId, next.ParticipantId, next.Day, progress.Writer!]
        : [progress.FullThrough, progress.ReadyThrough, null!, null!, null!, progress.Writer!]; // EF and the kept context bind NULL.

    private Progress Mine(long fullThrough, long readyThrough, Key? next) => new(fullThrough, readyThrough, next, _id);

    private static async Task<(Progress Stored, long LastClick)> ReadProgressAsync(AppDbContext db, CancellationToken ct)
    {
        var rows = await RawSqlRows.QueryAsync(db, ReadProgressSql, [], r => (
            Stored: new Progress(r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2)
                ? null
                : new Key(r.GetGuid(2), r.GetGuid(3),
                    DateOnly.ParseExact(r.GetString(4), "yyyy-MM-dd", CultureInfo.InvariantCulture)),
                r.IsDBNull(6) ? null : r.GetString(6)),
            LastClick: r.GetInt64(5)), ct);
        return rows.Count == 1
            ? rows[0]
            : throw new InvalidOperationException("The ClickRollupProgress row is missing; migrations create it.");
    }

    private readonly record struct Key(Guid CampaignId, Guid ParticipantId, DateOnly Day)
    {
        public static Key Of(ParticipantClicks row) => new(row.CampaignId, row.ParticipantId, row.Day);
    }

    private readonly record struct Counts(long Clicks, long UniqueClicks, long BotClicks);

    /// <summary>The <c>ClickRollupProgress</c> row; <see cref="Next"/> is null exactly when the two rowids are equal.
    /// <see cref="Writer"/>: the writer that wrote it (<see cref="_id"/>), null after a rollup rebuild.</summary>
    private readonly record struct Progress(long FullThrough, long ReadyThrough, Key? Next, string? Writer);
}
