#!/usr/bin/env python3
"""How long SQLite's write-ahead log runs, second by second, while a benchmark writes to it.

    python3 bench/profile.d/wal_watch.py bench/.work/data/sqlite-large.db [seconds] [--interval-ms 2]

Polls the database's wal-index (the `-shm` file every connection maps) every interval and prints one line a second:
the log's length in frames (its highest and lowest seen), how many of them were already copied into the database
file (the backfill), how many times the log started again from its beginning, commits, and the `-wal` file's size.
Why: the click writer's own automatic checkpoint is a backstop at 4,000 frames (ClickWriter); a log that stays past
it means that backstop runs inside the writer's commits. Read-only: it opens both files for reading and takes no
lock, so a line may mix two moments of a commit in progress (SQLite keeps two copies of the header for its readers for
that reason; this reads the first).

Layout (sqlite.org/walformat.html): the wal-index header, 48 bytes, twice, then the checkpoint information; native
byte order. Header: iVersion, unused, iChange (a commit counter), isInit, bigEndCksum, szPage, mxFrame (frames in the
log), nPage, aFrameCksum[2], aSalt[2] (new with each restart of the log), aCksum[2]. Checkpoint information at 96:
nBackfill (frames copied into the database file), aReadMark[5], aLock[8], nBackfillAttempted.
Starts polling when the `-shm` file appears and stops after the given seconds (default: until interrupted, or when
the file is gone for a second).
"""
import os
import struct
import sys
import time


def read_state(shm_fd):
    raw = os.pread(shm_fd, 136, 0)
    if len(raw) < 136:
        return None
    change, = struct.unpack_from("=I", raw, 8)
    mx_frame, = struct.unpack_from("=I", raw, 16)
    salt = struct.unpack_from("=II", raw, 32)
    backfill, = struct.unpack_from("=I", raw, 96)
    marks = struct.unpack_from("=5I", raw, 100)
    return change, mx_frame, salt, backfill, marks


def main():
    args = [a for a in sys.argv[1:]]
    interval = 0.002
    if "--interval-ms" in args:
        i = args.index("--interval-ms")
        interval = float(args[i + 1]) / 1000
        del args[i:i + 2]
    if not args:
        print(__doc__)
        sys.exit(2)
    db = args[0]
    seconds = float(args[1]) if len(args) > 1 else None
    shm, wal = db + "-shm", db + "-wal"

    start = time.monotonic()
    while True:
        while not os.path.exists(shm):
            if seconds is not None and time.monotonic() - start >= seconds:
                return
            time.sleep(0.05)
        watch(shm, wal, interval, seconds, start)


def watch(shm, wal, interval, seconds, start):
    """One opening of the database: until the `-shm` file has been gone for a second, or the seconds are up."""
    fd = os.open(shm, os.O_RDONLY)
    print(f"watching {shm} every {interval * 1000:g} ms", flush=True)
    print(" second  log frames (max / min / last)  not yet copied (max)  restarts  commits  -wal MB", flush=True)

    last = read_state(fd)
    second_end = time.monotonic() + 1
    mx_max, mx_min, lag_max, restarts, commits = 0, 1 << 32, 0, 0, 0
    totals = {"restarts": 0, "commits": 0, "seconds": 0, "over_backstop": 0, "max": 0}
    gone_since = None
    try:
        while seconds is None or time.monotonic() - start < seconds:
            state = read_state(fd)
            if state is not None and last is not None:
                change, mx_frame, salt, backfill, _ = state
                if salt != last[2]:
                    restarts += 1
                commits += (change - last[0]) & 0xFFFFFFFF
                mx_max = max(mx_max, mx_frame)
                mx_min = min(mx_min, mx_frame)
                lag_max = max(lag_max, mx_frame - backfill if mx_frame >= backfill else 0)
            last = state or last
            now = time.monotonic()
            if now >= second_end:
                size = os.path.getsize(wal) / 1e6 if os.path.exists(wal) else 0.0
                print(f"{now - start:7.0f}  {mx_max:10d} / {mx_min if mx_min < 1 << 32 else 0:7d} / "
                      f"{last[1] if last else 0:7d}  {lag_max:20d}  {restarts:8d}  {commits:7d}  {size:7.1f}",
                      flush=True)
                if commits:
                    totals["seconds"] += 1
                    totals["restarts"] += restarts
                    totals["commits"] += commits
                    totals["max"] = max(totals["max"], mx_max)
                    totals["over_backstop"] += mx_max > 4000
                second_end += 1
                mx_max, mx_min, lag_max, restarts, commits = 0, 1 << 32, 0, 0, 0
                if not os.path.exists(shm):
                    gone_since = gone_since or now
                    if now - gone_since >= 1:
                        break
            time.sleep(interval)
    except KeyboardInterrupt:
        sys.exit(summary(totals))
    finally:
        os.close(fd)
    summary(totals)


def summary(totals):
    s = totals["seconds"]
    if s:
        print(f"seconds with commits: {s}; restarts {totals['restarts']} ({totals['restarts'] / s:.1f} a second), "
              f"commits {totals['commits']} ({totals['commits'] / s:.1f} a second); longest log {totals['max']} "
              f"frames; seconds whose log passed 4,000 frames: {totals['over_backstop']}", flush=True)


if __name__ == "__main__":
    main()
