#!/usr/bin/env python3
"""How long SQLite's write-ahead log runs, second by second, while a benchmark writes to it.

    python3 bench/profile.d/wal_watch.py bench/.work/data/sqlite-large.db [seconds] [--interval-ms 2]

Polls the database's wal-index (the `-shm` file every connection maps) every interval and prints one line a second:
the log's length in frames (its highest and lowest seen), the most of it not yet copied into the database file, how
many times the log started again from its beginning, commits, and the `-wal` file's size; at the end, the log's
length each time it started again. Why: the click writer's own automatic checkpoint runs inside the commit that takes
the log past 4,000 frames (ClickWriter.SqliteWriterAutoCheckpointPages), and the checkpointer thread copies the
log beside it; the log's length at its restarts says which of the two lets it start again.
Read-only: it opens the files for reading and takes no lock. A header read while a commit rewrites it is read again
(SQLite keeps two copies of it for that reason: they differ while it is being written).

Layout (sqlite.org/walformat.html): the wal-index header, 48 bytes, twice, then the checkpoint information; native
byte order. Header: iVersion, unused, iChange (counts commits), isInit, bigEndCksum, szPage, mxFrame (frames in the
log), nPage, aFrameCksum[2], aSalt[2] (new with each restart of the log), aCksum[2]. Checkpoint information at 96:
nBackfill (frames copied into the database file), aReadMark[5], aLock[8], nBackfillAttempted.
Starts polling when the `-shm` file appears, follows it when a new one replaces it (the last connection closed and
another opened), and stops after the given seconds (default: until interrupted).
"""
import os
import signal
import statistics
import struct
import sys
import time

AUTO_CHECKPOINT = 4000


def read_state(fd):
    """(commit counter, frames in the log, salts, frames copied), or None while the header is not written yet."""
    for _ in range(100):
        raw = os.pread(fd, 136, 0)
        if len(raw) < 136:
            return None
        if raw[0:48] == raw[48:96]:
            break
    change, = struct.unpack_from("=I", raw, 8)
    mx_frame, = struct.unpack_from("=I", raw, 16)
    salt = struct.unpack_from("=II", raw, 32)
    backfill, = struct.unpack_from("=I", raw, 96)
    return change, mx_frame, salt, backfill


class Totals:
    def __init__(self):
        self.seconds = 0.0  # of the lines with commits, measured
        self.commits = 0
        self.longest = 0
        self.over_auto_checkpoint = 0
        self.at_restart = []  # the log's length just before each restart

    def print(self):
        if not self.seconds:
            return
        r = self.at_restart
        rate = self.commits / self.seconds
        print(f"{self.seconds:.0f} s with commits: {self.commits} commits ({rate:.1f} a second), "
              f"{len(r)} restarts ({len(r) / self.seconds:.1f} a second); longest log {self.longest} frames; "
              f"lines whose log passed {AUTO_CHECKPOINT:,} frames: {self.over_auto_checkpoint}", flush=True)
        if r:
            print(f"the log's length at a restart: least {min(r)}, median {statistics.median(r):.0f}, most {max(r)}; "
                  f"{sum(1 for n in r if n >= AUTO_CHECKPOINT)} of {len(r)} at {AUTO_CHECKPOINT:,} frames or more",
                  flush=True)


def same_file(fd, path):
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def watch(shm, wal, interval, over, start, totals):
    """One `-shm` file, until it is gone or replaced, or the time is up."""
    try:
        fd = os.open(shm, os.O_RDONLY)
    except FileNotFoundError:  # The last connection closed in between.
        return
    print(f"watching {shm} every {interval * 1000:g} ms", flush=True)
    print(" second  log frames (max / min / last)  not yet copied (max)  restarts  commits  -wal MB", flush=True)
    try:
        last = read_state(fd)
        line_start = time.monotonic()
        mx_max, mx_min, lag_max, restarts, commits = 0, None, 0, 0, 0
        while not over():
            state = read_state(fd)
            if state is not None and last is not None:
                change, mx_frame, salt, backfill = state
                if salt != last[2]:
                    restarts += 1
                    totals.at_restart.append(last[1])
                commits += (change - last[0]) & 0xFFFFFFFF
                mx_max = max(mx_max, mx_frame)
                mx_min = mx_frame if mx_min is None else min(mx_min, mx_frame)
                lag_max = max(lag_max, mx_frame - backfill)
            last = state or last
            now = time.monotonic()
            if now - line_start >= 1:
                try:
                    size = os.path.getsize(wal) / 1e6
                except OSError:
                    size = 0.0
                print(f"{now - start:7.0f}  {mx_max:10d} / {mx_min or 0:7d} / {last[1] if last else 0:7d}  "
                      f"{lag_max:20d}  {restarts:8d}  {commits:7d}  {size:7.1f}", flush=True)
                if commits:
                    totals.seconds += now - line_start
                    totals.commits += commits
                    totals.longest = max(totals.longest, mx_max)
                    totals.over_auto_checkpoint += mx_max > AUTO_CHECKPOINT
                line_start = now
                mx_max, mx_min, lag_max, restarts, commits = 0, None, 0, 0, 0
                if not same_file(fd, shm):
                    return
            time.sleep(interval)
    finally:
        os.close(fd)


def main():
    args = sys.argv[1:]
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
    totals = Totals()

    def over():
        return seconds is not None and time.monotonic() - start >= seconds

    # Stopped by Ctrl-C or kill (SIGINT is ignored in a background job of a script): the summary is still printed.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while not over():
            if os.path.exists(shm):
                watch(shm, wal, interval, over, start, totals)
            else:
                time.sleep(0.05)
    except KeyboardInterrupt:
        pass
    totals.print()


if __name__ == "__main__":
    main()
