#!/usr/bin/env python3
"""Replays SQLite click-writer batches on a copy of the many-links database, to time SQLite's own share of them.

Each batch is what RefTrack's click writer does for 500 clicks of many links (SqliteClickStatements, ClickBatch):
two visitor keys per click (a new device's, and the address-and-browser key wrk always shares), the click rows, and
one per-referrer daily rollup upsert per referrer in the batch, in one transaction, with the writer's pragmas
(8 MiB page cache, synchronous=FULL, WAL). Codes are drawn by the same Zipf distribution (s=1) as the benchmark.
Prints microseconds per click by statement group and the write-ahead log written per batch.

It runs through Python's own SQLite (not the one bundled with RefTrack, and with Python's per-statement overhead),
so compare its variants with each other, not with the service's figures.

  bench/run --providers sqlite --scenarios many-links --clicks 2000000 --referrals 200000 --duration 20s --keep
  cp bench/.work/data/sqlite-large.db /tmp/replay.db
  python3 bench/profile.d/writer_replay.py /tmp/replay.db --no-checkpoint   # the rollup per batch, as a writer that keeps up
  python3 bench/profile.d/writer_replay.py /tmp/replay.db --no-rollup       # without the daily rollup's upserts
  python3 bench/profile.d/writer_replay.py /tmp/replay.db --fold-every 36   # rollup rows appended, folded every 36
  python3 bench/profile.d/writer_replay.py /tmp/replay2.db --day-first      # the rollup keyed by day before referrer
  python3 bench/profile.d/writer_replay.py /tmp/replay.db --no-checkpoint --window 40  # as RefTrack's writer sums it
  python3 bench/profile.d/writer_replay.py /tmp/replay.db --no-checkpoint --window 40 --pages   # log pages by B-tree
  python3 bench/profile.d/writer_replay.py /tmp/replay3.db --no-checkpoint --window 40 --guid-blobs  # GUIDs as blobs
  python3 bench/profile.d/writer_replay.py /tmp/replay4.db --no-checkpoint --window 40 --guid-text   # ... against

The copy is changed by every run (the clicks are committed), as the service would change it.
"""
import argparse
import bisect
import collections
import itertools
import os
import random
import sqlite3
import sys
import time
import uuid

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
VISITOR = 'INSERT INTO "ClickVisitors" ("CampaignId", "ReferralCodeId", "VisitorKey") VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING'
CLICK = ('INSERT INTO "Clicks" ("Id", "CampaignId", "ReferralCodeId", "ParticipantId", "OccurredAt", "IpHash", '
         '"UserAgent", "DeviceId", "IsBot", "IsRepeat") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)')
ADD = ('ON CONFLICT ("CampaignId", "ParticipantId", "Day") DO UPDATE SET '
       '"Clicks" = "Clicks" + excluded."Clicks", "UniqueClicks" = "UniqueClicks" + excluded."UniqueClicks", '
       '"BotClicks" = "BotClicks" + excluded."BotClicks"')
ROLLUP = ('INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", '
          '"BotClicks") VALUES (?1, ?2, ?3, ?4, ?5, ?6) ' + ADD)
DELTA_TABLE = ('CREATE TABLE IF NOT EXISTS replay_deltas ("Id" INTEGER PRIMARY KEY, "CampaignId" TEXT, '
               '"ParticipantId" TEXT, "Day" TEXT, "Clicks" INT, "UniqueClicks" INT, "BotClicks" INT)')
DELTA = ('INSERT INTO replay_deltas ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks") '
         'VALUES (?1, ?2, ?3, ?4, ?5, ?6)')
FOLD = ('INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", '
        '"BotClicks") SELECT "CampaignId", "ParticipantId", "Day", SUM("Clicks"), SUM("UniqueClicks"), SUM("BotClicks") '
        'FROM replay_deltas WHERE true GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ' + ADD)


def uuid7() -> uuid.UUID:
    ms = int(time.time() * 1000)
    r = os.urandom(10)
    return uuid.UUID(bytes=ms.to_bytes(6, "big") + bytes([0x70 | (r[0] & 0x0F), r[1], 0x80 | (r[2] & 0x3F)]) + r[3:])


def rekey_day_first(con: sqlite3.Connection) -> None:
    """The daily rollup as a WITHOUT ROWID table keyed (campaign, day, referrer); once per copy."""
    sql = con.execute("""SELECT sql FROM sqlite_master WHERE name = 'ParticipantDailyClicks'""").fetchone()[0]
    if '"Day", "ParticipantId")' in sql:
        return
    con.execute("BEGIN")
    con.execute(sql.replace('CREATE TABLE "ParticipantDailyClicks"', 'CREATE TABLE "ReplayDayFirst"')
                .replace('"PK_ParticipantDailyClicks" PRIMARY KEY ("CampaignId", "ParticipantId", "Day")',
                         '"PK_ReplayDayFirst" PRIMARY KEY ("CampaignId", "Day", "ParticipantId")'))
    con.execute('INSERT INTO "ReplayDayFirst" SELECT * FROM "ParticipantDailyClicks" ORDER BY "CampaignId", "Day", "ParticipantId"')
    con.execute('DROP TABLE "ParticipantDailyClicks"')
    con.execute('ALTER TABLE "ReplayDayFirst" RENAME TO "ParticipantDailyClicks"')
    con.execute('CREATE INDEX "IX_ReplayDayFirst_Referrer" ON "ParticipantDailyClicks" ("CampaignId", "ParticipantId")')
    con.execute("COMMIT")


def rebuild_guids_as_blobs(con: sqlite3.Connection) -> None:
    """The click writer's three tables with their GUIDs as 16-byte blobs instead of EF Core's 36-character text; once
    per copy. Every table is rebuilt, in key order, as a fresh copy of it would be; rebuild a copy to compare with
    by the same steps without the conversion (--guid-text) so that both start from freshly packed B-trees."""
    if con.execute('''SELECT typeof("CampaignId") FROM "ClickVisitors" LIMIT 1''').fetchone()[0] == "blob":
        return
    rebuild_click_tables(con, lambda s: uuid.UUID(s).bytes if isinstance(s, str) else s)


def rebuild_click_tables(con: sqlite3.Connection, convert) -> None:
    con.create_function("replay_guid", 1, convert, deterministic=True)
    con.execute("BEGIN")
    for name, guids in (("Clicks", ("Id", "CampaignId", "ReferralCodeId", "ParticipantId")),
                        ("ClickVisitors", ("CampaignId", "ReferralCodeId")),
                        ("ParticipantDailyClicks", ("CampaignId", "ParticipantId"))):
        sql = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()[0]
        columns = [row[1] for row in con.execute(f'PRAGMA table_info("{name}")')]
        select = ", ".join(f'replay_guid("{c}")' if c in guids else f'"{c}"' for c in columns)
        con.execute(sql.replace(f'CREATE TABLE "{name}"', f'CREATE TABLE "Replay{name}"')
                    .replace(f'"PK_{name}"', f'"PK_Replay{name}"'))
        con.execute(f'INSERT INTO "Replay{name}" SELECT {select} FROM "{name}" ORDER BY rowid'
                    if name == "Clicks" else f'INSERT INTO "Replay{name}" SELECT {select} FROM "{name}"')
        con.execute(f'DROP TABLE "{name}"')
        con.execute(f'ALTER TABLE "Replay{name}" RENAME TO "{name}"')
    con.execute('CREATE INDEX "IX_Clicks_CampaignId_DeviceId_OccurredAt" ON "Clicks" ("CampaignId", "DeviceId", "OccurredAt")')
    con.execute("COMMIT")


def log_pages_by_btree(con: sqlite3.Connection, wal: str, skip_commits: int) -> collections.Counter:
    """Pages the log holds for the transactions after the first skip_commits, by the table or index each page
    belongs to now (SQLite's dbstat). Read while the replay's connection is open: closing the last one checkpoints
    the log and deletes it."""
    with open(wal, "rb") as f:
        log = f.read()
    page_size, salts = int.from_bytes(log[8:12], "big"), log[16:24]
    pages, commits, offset = [], 0, 32  # The log's header, then frames: a 24-byte header and a page each.
    # A frame with other salts is left from before the log last restarted: the log ends there.
    while offset + 24 + page_size <= len(log) and log[offset + 8:offset + 16] == salts:
        page, commit_size = int.from_bytes(log[offset:offset + 4], "big"), int.from_bytes(log[offset + 4:offset + 8], "big")
        if commits >= skip_commits:
            pages.append(page)
        if commit_size:
            commits += 1
        offset += 24 + page_size
    owner = dict((page, name) for name, page in con.execute("SELECT name, pageno FROM dbstat"))
    return collections.Counter(owner.get(page, "(free)") for page in pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", help="a copy of bench/.work/data/sqlite-large.db")
    parser.add_argument("--batches", type=int, default=60, help="batches of 500 clicks; the first 10 are warm-up")
    parser.add_argument("--no-rollup", action="store_true", help="leave out the per-referrer daily rollup")
    parser.add_argument("--fold-every", type=int, default=0, metavar="N",
                        help="append the rollup's rows to a table of their own and fold them every N batches")
    parser.add_argument("--no-checkpoint", action="store_true",
                        help="no automatic checkpoint, so the log's growth is all that the batches wrote")
    parser.add_argument("--day-first", action="store_true",
                        help="first rebuild the copy's daily rollup keyed (campaign, day, referrer), with an index on "
                             "(campaign, referrer) for the participant report: a day's rows side by side")
    parser.add_argument("--window", type=int, default=0, metavar="N",
                        help="sum the rollup's rows over N batches in memory, then write those sums during the next N "
                             "batches, each batch a 1/N slice of them in key order; warm-up grows to 2N batches")
    parser.add_argument("--shuffle", action="store_true",
                        help="popularity not in code order (the benchmark's popular codes are neighbours)")
    parser.add_argument("--guid-blobs", action="store_true",
                        help="first rebuild the copy's click tables with GUIDs as 16-byte blobs, and bind them so")
    parser.add_argument("--guid-text", action="store_true",
                        help="first rebuild the copy's click tables as --guid-blobs does, GUIDs kept as text: the copy "
                             "to compare --guid-blobs with (it rebuilds whenever given: later runs on that copy go "
                             "without it)")
    parser.add_argument("--pages", action="store_true",
                        help="with --no-checkpoint: also print the log's pages per batch by table or index")
    args = parser.parse_args()
    if args.pages and not args.no_checkpoint:
        parser.error("--pages reads the log the batches wrote: add --no-checkpoint")

    con = sqlite3.connect(args.database, isolation_level=None)
    for pragma in ("cache_size = -8192", "synchronous = FULL", "busy_timeout = 5000"):
        con.execute("PRAGMA " + pragma)
    if args.no_checkpoint:
        con.execute("PRAGMA wal_autocheckpoint = 0")
    if args.day_first:
        rekey_day_first(con)
    if args.guid_blobs:
        rebuild_guids_as_blobs(con)
    elif args.guid_text:
        rebuild_click_tables(con, lambda s: s)
    if args.guid_blobs or args.guid_text:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # The rebuild's pages out of the log the batches write.
    guid = (lambda s: uuid.UUID(s).bytes) if args.guid_blobs else (lambda s: s)
    campaign = con.execute('SELECT "CampaignId" FROM "CampaignDailyStats" ORDER BY "Day" DESC LIMIT 1').fetchone()[0]
    # The referrers' codes, in the order the seeding numbered them (its Zipf rank).
    codes = [(guid(code), guid(referrer)) for code, referrer in con.execute(
        'SELECT "Id", "ParticipantId" FROM "ReferralCodes" WHERE "CampaignId" = ? AND "Id" LIKE ? ORDER BY "Id"',
        (campaign, "0B000004%"))]
    campaign = guid(campaign)
    random.seed(1)
    if args.shuffle:
        random.shuffle(codes)
    weights = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(codes))))
    fingerprint = con.execute("""SELECT "VisitorKey" FROM "ClickVisitors" WHERE "VisitorKey" LIKE 'f:%' LIMIT 1""").fetchone()
    fingerprint = fingerprint[0] if fingerprint else "f:replay"
    if args.fold_every:
        con.execute(DELTA_TABLE)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    wal = args.database + "-wal"

    spent = {"visitors": 0.0, "clicks": 0.0, "rollup": 0.0, "commit": 0.0}
    wal_bytes = 0
    warmup = max(10, 2 * args.window)
    summed, ready = {}, []  # --window: this window's sums, and the previous window's in key order.
    rows_written = 0
    for b in range(warmup + args.batches - 10):
        visitors, clicks, per_referrer = [], [], {}
        for _ in range(500):
            code, referrer = codes[bisect.bisect_left(weights, random.random() * weights[-1])]
            device = uuid7().hex
            visitors += [(campaign, code, "d:" + device), (campaign, code, fingerprint)]
            click_id = uuid7()
            clicks.append((click_id.bytes if args.guid_blobs else str(click_id).upper(), campaign, code, referrer,
                           time.strftime("%Y-%m-%d %H:%M:%S.0000000", time.gmtime()),
                           "9ca453db84d0d44025e79a95a5290a03", UA, device, 0, 1))
            per_referrer[referrer] = per_referrer.get(referrer, 0) + 1
        rollup = [(campaign, referrer, day, n, 0, 0) for referrer, n in per_referrer.items()]
        if args.window:
            for referrer, n in per_referrer.items():
                summed[referrer] = summed.get(referrer, 0) + n
            i = b % args.window
            rollup = ready[i * len(ready) // args.window:(i + 1) * len(ready) // args.window]
            if i == args.window - 1:
                ready = [(campaign, referrer, day, n, 0, 0) for referrer, n in sorted(summed.items())]
                summed = {}
        before = os.path.getsize(wal) if os.path.exists(wal) else 0

        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.executemany(VISITOR, visitors)
        t1 = time.perf_counter()
        con.executemany(CLICK, clicks)
        t2 = time.perf_counter()
        if args.fold_every:
            con.executemany(DELTA, rollup)
            if b % args.fold_every == 0:
                con.execute(FOLD)
                con.execute("DELETE FROM replay_deltas")
        elif not args.no_rollup:
            con.executemany(ROLLUP, rollup)
        t3 = time.perf_counter()
        con.execute("COMMIT")
        t4 = time.perf_counter()

        if b >= warmup:
            rows_written += len(rollup)
            for name, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                spent[name] += seconds
            after = os.path.getsize(wal) if os.path.exists(wal) else 0
            wal_bytes += max(after - before, 0)  # The log restarts from its beginning after a checkpoint.

    measured = (args.batches - 10) * 500
    if not args.no_rollup and not args.fold_every:
        print("rollup rows written per batch: %.0f" % (rows_written / (args.batches - 10)))
    total = sum(spent.values())
    print("µs per click: total %.1f = " % (total * 1e6 / measured) +
          ", ".join("%s %.1f" % (k, v * 1e6 / measured) for k, v in spent.items()))
    print("log grown per batch%s: %.2f MB" % ("" if args.no_checkpoint else " (a lower bound: checkpoints restart it)",
                                              wal_bytes / (args.batches - 10) / 1e6))
    if args.pages:
        print("log pages per batch, by table or index:")
        for name, count in log_pages_by_btree(con, wal, warmup).most_common():
            print("  %7.1f  %s" % (count / (args.batches - 10), name))


if __name__ == "__main__":
    sys.exit(main())
