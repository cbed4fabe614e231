"""Every fsync of a run by thread and file descriptor: how many, how long, from `perf trace`'s record of them.

Record beside a run (Linux `perf`, Debian's `linux-perf`, which `bench/profile --native` installs), from the moment
RefTrack serves the scenario until it ends; system-wide, so that threads started after the recording began are in it:

    perf trace -a -T -e fsync,fdatasync -o fsync.trace &   # then `kill -INT` it once the run is over

    python3 bench/profile.d/fsync_trace.py fsync.trace[.gz] [--from MS --to MS]

It prints a row per thread name and descriptor (SQLite's click writer is `RefTrack click`, its checkpoint thread
`RefTrack check`; each connection has descriptors of its own for the database file and its log): the calls, their
time together, mean, median, 90th percentile and longest. --from and --to bound the calls by perf's timestamps (the
first column, milliseconds). Which descriptor is which file is not in the record: `ls -l /proc/PID/fd` during the
run tells.
"""
import gzip
import re
import sys
from collections import defaultdict

CALL = re.compile(r"\s*([\d.]+) \(\s*([\d.]+) ms\): (.+?)/(\d+) (\w+)\(fd: (\d+)\)")


def main(args):
    if not args:
        sys.exit(__doc__)
    start = float(args[args.index("--from") + 1]) if "--from" in args else 0
    end = float(args[args.index("--to") + 1]) if "--to" in args else float("inf")
    opener = gzip.open if args[0].endswith(".gz") else open
    calls = defaultdict(list)
    with opener(args[0], "rt") as trace:
        for line in trace:
            if (m := CALL.match(line)) and start <= float(m[1]) <= end:
                calls[(m[3], m[5], m[6])].append(float(m[2]))
    print(f"{'thread':18}{'call':>10}{'fd':>5}{'calls':>7}{'ms together':>13}{'mean':>8}{'p50':>8}{'p90':>8}{'max':>8}")
    for (thread, call, fd), times in sorted(calls.items(), key=lambda kv: -sum(kv[1])):
        times.sort()
        print(f"{thread:18}{call:>10}{fd:>5}{len(times):7}{sum(times):13.0f}{sum(times) / len(times):8.1f}"
              f"{times[len(times) // 2]:8.1f}{times[int(.9 * len(times))]:8.1f}{times[-1]:8.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
