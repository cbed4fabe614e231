"""Where the click writer's time went in a run, from its Debug lines: each batch's steps and each checkpoint.

RefTrack's click writer logs, at Debug, a line per batch (`Wrote N clicks in T ms (visitor keys …, clicks …, rollups …,
commit …); Q queued behind them`) and on SQLite a line per checkpoint of the log by its checkpoint thread
(docs/operations.md, Logs). Run a scenario with them on and a time on every line, which bench/run sets:

    env 'Logging__LogLevel__RefTrack.Links.ClickWriter=Debug' bench/run --providers sqlite --scenarios many-links ...

then read its log (bench/.work/logs/<database>-<scenario>-reftrack.log, which the next run overwrites; or a copy
gzipped):

    python3 bench/profile.d/writer_batches.py bench/.work/logs/sqlite-many-links-reftrack.log [--from HH:MM:SS] [--seconds]

It prints, over the batches of clicks from --from on (default: the first batch of at least 100 clicks, past the
start's recovery of the per-referrer rollup), each step's mean, percentiles, maximum and sum; how many commits took
longer than 20 ms and their share of the writer's time (on SQLite, commits that ran SQLite's own checkpoint: the
writer syncs the database file about as often, in `perf trace`, bench/profile.d/fsync_trace.py; about half fall beside
a try of the checkpoint thread answered busy); and the checkpoint thread's checkpoints. With --seconds also a row
per second of the run: batches, clicks, the writer's time, the longest commit, the most clicks queued behind a batch,
and whether a queue-full warning fell in that second.
"""
import gzip
import re
import sys

TIME = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) ")
BATCH = re.compile(r"Wrote (\d+) clicks in ([\d.]+) ms \(visitor keys ([\d.]+), clicks ([\d.]+), "
                   r"rollups ([\d.]+), commit ([\d.]+)\); (\d+) queued behind them")
CHECKPOINT = re.compile(r"Checkpoint of SQLite's log: ([\d.]+) ms, (-?\d+) of its (-?\d+) pages .*\(busy: (\w+)[,)]")
STEPS = ["total", "visitor keys", "clicks", "rollups", "commit"]
LONG_COMMIT_MS = 20


def seconds(h, m, s):
    return int(h) * 3600 + int(m) * 60 + float(s)


def read(path):
    batches, checkpoints, warnings, time = [], [], [], None
    opener = gzip.open if path.endswith(".gz") else open  # bench/results keeps the logs it cites gzipped
    with opener(path, "rt", encoding="utf-8-sig") as log:
        for line in log:
            if m := TIME.match(line):
                time = seconds(*m.groups())
            elif m := BATCH.search(line):
                clicks, *steps, queued = m.groups()
                batches.append((time, int(clicks), [float(s) for s in steps], int(queued)))
            elif m := CHECKPOINT.search(line):
                checkpoints.append((time, float(m[1]), int(m[2]), int(m[3]), m[4] == "True"))
            elif "The click queue is full" in line:
                warnings.append(time)
    return batches, checkpoints, warnings


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main(args):
    if not args:
        sys.exit(__doc__)
    path, start, per_second = args[0], None, "--seconds" in args
    if "--from" in args:
        start = seconds(*args[args.index("--from") + 1].split(":"))
    batches, checkpoints, warnings = read(path)
    if start is None:
        start = next(t for t, clicks, _, _ in batches if clicks >= 100)
    batches = [b for b in batches if b[0] >= start and b[1] > 0]
    checkpoints = [c for c in checkpoints if c[0] >= start]
    if not batches:
        sys.exit("no batch of clicks logged: was the log level Debug?")
    span = batches[-1][0] - start
    clicks = sum(b[1] for b in batches)
    total = sum(b[2][0] for b in batches)
    print(f"{len(batches)} batches, {clicks} clicks ({clicks / len(batches):.0f} a batch) over {span:.1f} s; "
          f"the writer's time {total / 1000:.1f} s ({total / 1000 / span:.2f} s a second, "
          f"{total * 1000 / clicks:.1f} µs a click)")
    print(f"{'ms a batch':14}{'mean':>8}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}{'share':>8}")
    for i, step in enumerate(STEPS):
        values = [b[2][i] for b in batches]
        print(f"{step:14}{sum(values) / len(values):8.2f}{percentile(values, .5):8.2f}{percentile(values, .9):8.2f}"
              f"{percentile(values, .99):8.2f}{max(values):8.1f}{sum(values) / total:8.0%}")
    long = [b[2][4] for b in batches if b[2][4] > LONG_COMMIT_MS]
    print(f"commits over {LONG_COMMIT_MS} ms: {len(long)} of {len(batches)} ({len(long) / span:.1f} a second), "
          f"{sum(long) / 1000:.1f} s together, {sum(long) / total:.0%} of the writer's time")
    print(f"most clicks queued behind a batch: {max(b[3] for b in batches)}; queue-full warnings: "
          f"{sum(1 for w in warnings if w >= start)}")
    if checkpoints:
        ran = [c for c in checkpoints if not c[4]]
        whole = sum(1 for c in ran if c[2] == c[3])
        print(f"checkpoint thread: {len(checkpoints)} tries, {len(checkpoints) - len(ran)} busy (another checkpoint, "
              f"the writer's own, held the lock); {len(ran)} ran: mean {sum(c[1] for c in ran) / max(1, len(ran)):.1f} "
              f"ms, p90 {percentile([c[1] for c in ran], .9) if ran else 0:.1f}, {whole} copied the whole log; the log "
              f"at them: p50 {percentile([c[3] for c in ran], .5) if ran else 0} pages, max "
              f"{max((c[3] for c in ran), default=0)}")
    if per_second:
        print(f"\n{'s':>4}{'batches':>8}{'clicks':>8}{'busy ms':>8}{'commit ms':>10}{'longest':>8}{'queued':>8}")
        rows = {}
        for t, n, steps, queued in batches:
            row = rows.setdefault(int(t - start), [0, 0, 0.0, 0.0, 0.0, 0, ""])
            row[0] += 1
            row[1] += n
            row[2] += steps[0]
            row[3] += steps[4]
            row[4] = max(row[4], steps[4])
            row[5] = max(row[5], queued)
        for w in warnings:
            if w >= start and int(w - start) in rows:
                rows[int(w - start)][6] = "queue full"
        for s, r in sorted(rows.items()):
            print(f"{s:4}{r[0]:8}{r[1]:8}{r[2]:8.0f}{r[3]:10.0f}{r[4]:8.1f}{r[5]:8}  {r[6]}")


if __name__ == "__main__":
    main(sys.argv[1:])
