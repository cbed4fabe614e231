"""A `bench/profile --native sqlite hot-link|many-links` recording split by second: where the CPU of a click went in
the run's slowest seconds against its fastest.

The click scenarios' rate moves from one second to the next under the same process and load (docs/benchmarks-log.md,
12-07 07:43-09:20). bench/profile records on CLOCK_MONOTONIC and, on SQLite, polls the clicks committed (the clicks
table's largest rowid), with the machine's stolen time, four times a second on the same clock into …perf.data.clicks;
this sorts the recording's whole seconds by clicks committed (each second's count read linearly between the polls
around its ends), takes the slowest third and the fastest third, and prints for both what the machine did (samples a
second, each process's share, time stolen), then each process's and area's CPU a click (native.py's areas). While the
machine is saturated in both, CPU a click is the samples over the clicks, so every part's rises together unless the
mix of work changes: a part whose share grows in the slow seconds points at itself; the same mix done more slowly,
wrk's share included, points at the machine. Clicks committed stand in for redirects answered: the click writer
commits a batch within milliseconds of its clicks (the batch interval), unless it falls behind.

Usage: native_seconds.py PERF_DATA
  PERF_DATA  bench/.work/profile-sqlite-<scenario>.perf.data, with …perf.data.clicks, .pid and .map beside it
"""
import collections
import sys

from native import jit_map, process_of, sample_area, sample_frequency, samples


def read_polls(path):
    """(time, clicks committed so far, stolen clock ticks so far or None) per poll; a poll before the first commit
    counts zero clicks."""
    polls = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 2:
                clicks = int(fields[1]) if fields[1].isdigit() else 0
                polls.append((float(fields[0]), clicks, int(fields[2]) if len(fields) > 2 else None))
    if len(polls) < 2:
        sys.exit(f"fewer than two polls in {path}")
    return polls


def at(polls, t, index):
    """A polled count at time t, linear between the polls on either side of it (None outside the polls)."""
    for (t0, *v0), (t1, *v1) in zip(polls, polls[1:]):
        if t0 <= t <= t1 and v0[index - 1] is not None and v1[index - 1] is not None:
            return v0[index - 1] + (v1[index - 1] - v0[index - 1]) * (t - t0) / (t1 - t0)
    return None


def per_second(polls, index):
    """The count's increase in each whole second the polls cover, keyed by that second on CLOCK_MONOTONIC."""
    counts = {}
    for s in range(int(polls[0][0]) + 1, int(polls[-1][0])):
        start, end = at(polls, s, index), at(polls, s + 1, index)
        if start is not None and end is not None:
            counts[s] = end - start
    return counts


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    polls = read_polls(data + ".clicks")
    rate = per_second(polls, 1)
    steal = per_second(polls, 2)  # clock ticks (100 a second and core) stolen in each second; empty if not polled
    with jit_map(data) as pid:
        if pid is None:
            sys.exit(f"no {data}.pid: record with bench/profile --native")
        recorded = [(comm, p, t, frames) for comm, p, t, frames in samples(data, timed=True) if frames]
    start, end = min(t for _, _, t, _ in recorded), max(t for _, _, t, _ in recorded)
    covered = sorted(s for s in rate if s >= start and s + 1 <= end)
    if len(covered) < 6:
        sys.exit(f"only {len(covered)} whole seconds both polled and recorded")
    by_rate = sorted(covered, key=lambda s: (rate[s], s))
    third = len(by_rate) // 3
    groups = {"slowest": set(by_rate[:third]), "fastest": set(by_rate[-third:])}
    clicks = {g: sum(rate[s] for s in ss) for g, ss in groups.items()}
    if not all(clicks.values()):
        sys.exit("no clicks committed in the slowest seconds: nothing to divide by")
    cpu = {g: collections.Counter() for g in groups}
    threads = {g: collections.Counter() for g in groups}
    for comm, p, t, frames in recorded:
        group = next((g for g, ss in groups.items() if int(t) in ss), None)
        if group is None:
            continue
        proc = process_of(comm, p, pid, "RefTrack")
        area = sample_area(frames)
        cpu[group][(proc, "all")] += 1
        cpu[group][(proc, area)] += 1
        if proc == "RefTrack":
            threads[group][comm] += 1

    frequency = sample_frequency(data)

    def micros(group, n):
        return 1e6 * n / frequency / clicks[group]

    print(f"{data}: {len(covered)} whole seconds, {third} slowest and {third} fastest by clicks committed")
    for g, ss in groups.items():
        print(f"  {g}: {clicks[g] / len(ss):,.0f} clicks a second (seconds {', '.join(str(s - int(start)) for s in sorted(ss))} of the recording)")
    # What the machine did in each group's seconds: samples a second against perf's rate a core (a core the host took
    # away is not sampled), the busiest processes' shares of them, and the stolen time the poll read.
    print(f"\nThe machine in those seconds: samples a second (of {frequency} a core), shares of the samples, time stolen")
    for g, ss in groups.items():
        total = sum(n for (proc, area), n in cpu[g].items() if area == "all")
        shares = ", ".join(f"{proc} {100 * cpu[g][(proc, 'all')] / total:.1f}%"
                           for proc in ("RefTrack", "wrk", "idle") if cpu[g][(proc, "all")])
        stolen = (f"{sum(steal[s] for s in ss) / len(ss):.1f} ticks a second stolen (100 a core)"
                  if all(s in steal for s in ss) else "stolen time not polled")
        print(f"  {g}: {total / len(ss):,.0f} samples a second; {shares}; {stolen}")
    print("\nCPU a click, µs: slowest, fastest, and the slowest's share more")
    def weight(key):
        return cpu["slowest"][key] + cpu["fastest"][key]

    # Each process (the busiest first) with its areas under it.
    keys = sorted(set(cpu["slowest"]) | set(cpu["fastest"]),
                  key=lambda k: (-weight((k[0], "all")), k[0], k[1] != "all", -weight(k), k[1]))
    for proc, area in keys:
        slow, fast = micros("slowest", cpu["slowest"][(proc, area)]), micros("fastest", cpu["fastest"][(proc, area)])
        if max(slow, fast) >= 0.1 and proc != "idle":
            more = f"{100 * (slow / fast - 1):+4.0f}%" if fast else "    "
            label = f"{proc}, all" if area == "all" else f"  {area}"
            print(f"  {slow:6.2f} {fast:6.2f} {more}  {label[:70]}")
    print("\nRefTrack by thread, µs a click: slowest, fastest")
    for thread in sorted(set(threads["slowest"]) | set(threads["fastest"]), key=lambda k: (-threads["slowest"][k], k)):
        slow, fast = micros("slowest", threads["slowest"][thread]), micros("fastest", threads["fastest"][thread])
        if max(slow, fast) >= 0.1:
            more = f"{100 * (slow / fast - 1):+4.0f}%" if fast else "    "
            print(f"  {slow:6.2f} {fast:6.2f} {more}  {thread}")


if __name__ == "__main__":
    main()
