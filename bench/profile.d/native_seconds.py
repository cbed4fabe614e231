"""A `bench/profile --native sqlite hot-link|many-links` recording split by second: where the CPU of a click went in
the run's slowest seconds against its fastest.

The click scenarios' rate moves from one second to the next under the same process and load (docs/benchmarks-log.md,
12-07 07:43-08:10). bench/profile records on CLOCK_MONOTONIC and, on SQLite, polls the clicks committed (the clicks
table's largest rowid) four times a second on the same clock into …perf.data.clicks; this sorts the recording's whole
seconds by clicks committed, takes the slowest third and the fastest third, and prints each process's and area's CPU
a click in both (native.py's areas). A part that costs more in the slow seconds alone points at it; every part
costing more, wrk and the kernel included, points at the machine. Clicks committed stand in for redirects answered:
the click writer commits a batch within milliseconds of its clicks (the batch interval).

Usage: native_seconds.py PERF_DATA
  PERF_DATA  bench/.work/profile-sqlite-<scenario>.perf.data, with …perf.data.clicks, .pid and .map beside it
"""
import collections
import sys

from native import area_of, jit_map, kernel_area, process_of, samples

RATE = 499  # bench/profile's perf sampling rate, per second and core


def clicks_by_second(path):
    """Clicks committed in each whole second of the poll, keyed by that second on CLOCK_MONOTONIC; only seconds the
    poll covered whole."""
    with open(path) as f:
        points = [(float(t), int(n)) for t, n in (line.split() for line in f if len(line.split()) == 2)]
    if len(points) < 2:
        sys.exit(f"fewer than two polls in {path}")
    first, last = points[0][0], points[-1][0]
    seconds = {}
    for s in range(int(first) + 1, int(last)):
        before = max((p for p in points if p[0] <= s), default=None)
        after = min((p for p in points if p[0] >= s + 1), default=None)
        if before and after:
            # The rate between the last poll before the second and the first after it: over 1 to 1.5 s.
            seconds[s] = (after[1] - before[1]) / (after[0] - before[0])
    return seconds


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    rate = clicks_by_second(data + ".clicks")
    with jit_map(data) as pid:
        if pid is None:
            sys.exit(f"no {data}.pid: record with bench/profile --native")
        recorded = [(comm, p, t, frames) for comm, p, t, frames in samples(data, timed=True) if frames]
    start, end = min(t for _, _, t, _ in recorded), max(t for _, _, t, _ in recorded)
    covered = sorted(s for s in rate if s >= start and s + 1 <= end)
    if len(covered) < 6:
        sys.exit(f"only {len(covered)} whole seconds both polled and recorded")
    by_rate = sorted(covered, key=rate.get)
    third = len(by_rate) // 3
    groups = {"slowest": set(by_rate[:third]), "fastest": set(by_rate[-third:])}
    clicks = {g: sum(rate[s] for s in ss) for g, ss in groups.items()}
    cpu = {g: collections.Counter() for g in groups}
    threads = {g: collections.Counter() for g in groups}
    for comm, p, t, frames in recorded:
        group = next((g for g, ss in groups.items() if int(t) in ss), None)
        if group is None:
            continue
        proc = process_of(comm, p, pid, "RefTrack")
        sym, dso = frames[0]
        area = kernel_area(frames) if dso.startswith("[kernel") else area_of(dso, sym)
        cpu[group][(proc, "all")] += 1
        cpu[group][(proc, area)] += 1
        if proc == "RefTrack":
            threads[group][comm] += 1

    def micros(group, n):
        return 1e6 * n / RATE / clicks[group]

    print(f"{data}: {len(covered)} whole seconds, {third} slowest and {third} fastest by clicks committed")
    for g, ss in groups.items():
        print(f"  {g}: {clicks[g] / len(ss):,.0f} clicks a second (seconds {', '.join(str(s - int(start)) for s in sorted(ss))} of the recording)")
    print("\nCPU a click, µs: slowest, fastest, and the slowest's share more")
    def weight(key):
        return cpu["slowest"][key] + cpu["fastest"][key]

    # Each process (the busiest first) with its areas under it.
    keys = sorted(set(cpu["slowest"]) | set(cpu["fastest"]),
                  key=lambda k: (-weight((k[0], "all")), k[1] != "all", -weight(k)))
    for proc, area in keys:
        slow, fast = micros("slowest", cpu["slowest"][(proc, area)]), micros("fastest", cpu["fastest"][(proc, area)])
        if max(slow, fast) >= 0.1 and proc != "idle":
            more = f"{100 * (slow / fast - 1):+4.0f}%" if fast else "    "
            label = f"{proc}, all" if area == "all" else f"  {area}"
            print(f"  {slow:6.2f} {fast:6.2f} {more}  {label[:70]}")
    print("\nRefTrack by thread, µs a click: slowest, fastest")
    for thread in sorted(set(threads["slowest"]) | set(threads["fastest"]), key=lambda k: -threads["slowest"][k]):
        slow, fast = micros("slowest", threads["slowest"][thread]), micros("fastest", threads["fastest"][thread])
        if max(slow, fast) >= 0.1:
            more = f"{100 * (slow / fast - 1):+4.0f}%" if fast else "    "
            print(f"  {slow:6.2f} {fast:6.2f} {more}  {thread}")


if __name__ == "__main__":
    main()
