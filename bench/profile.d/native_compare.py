"""Two `bench/profile --native` summaries of the same load side by side: the server's CPU a request by area.

Usage: native_compare.py BASE.native.txt OTHER.native.txt
Each file is what bench/profile --native printed (it keeps a copy next to its perf.data: profile-<provider>-<scenario>
[-ceiling].native.txt). Meant for RefTrack's redirect against the bare 302 of its ceiling (bench/profile --native
--ceiling), so that what the redirect spends beyond the ceiling is read by area: the kernel's network work, Kestrel,
SQLite, OpenSSL and so on. Both must have been taken with the rate (the µs column); an area absent from one file
counts as 0 there (native.py leaves out areas under 0.05% of the machine).
"""
import re
import sys

HEADER = re.compile(r"^(\S.*?): [\d.]+% of the machine\. By where the sample was")
LINE = re.compile(r"^\s+[\d.]+%\s+([\d.]+) µs\s+(.+)$")
RATE = re.compile(r"µs: CPU a request at ([\d,]+) req/s")


def server_areas(path):
    """(server name, req/s, its total µs, {area: µs}) of the first process section: the server's (native.py prints
    processes by their share, and the server is the busiest in a redirect scenario; wrk's section is skipped)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    rate = next((m.group(1) for m in map(RATE.search, lines) if m), None)
    if rate is None:
        sys.exit(f"{path}: no µs column (profiled without the rate)")
    processes = {}
    for line in lines[lines.index("By process:") + 1:]:
        m = LINE.match(line)
        if not m:
            break
        processes[m.group(2)] = float(m.group(1))
    for i, line in enumerate(lines):
        h = HEADER.match(line)
        if h and h.group(1) not in ("wrk", "postgres"):
            areas = {}
            for row in lines[i + 1:]:
                m = LINE.match(row)
                if not m:
                    break
                areas[m.group(2)] = float(m.group(1))
            return h.group(1), rate, processes[h.group(1)], areas
    sys.exit(f"{path}: no server section")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    (a_name, a_rate, a_total, a), (b_name, b_rate, b_total, b) = (server_areas(p) for p in sys.argv[1:])
    print(f"µs of CPU a request, by area: {a_name} at {a_rate} req/s, {b_name} at {b_rate} req/s")
    print(f"| area | {a_name} | {b_name} | difference |")
    print("|---|--:|--:|--:|")
    for area in sorted(set(a) | set(b), key=lambda k: -(b.get(k, 0) - a.get(k, 0))):
        x, y = a.get(area, 0.0), b.get(area, 0.0)
        print(f"| {area} | {x:.2f} | {y:.2f} | {y - x:+.2f} |")
    print(f"| **all of the process** | {a_total:.2f} | {b_total:.2f} | {b_total - a_total:+.2f} |")


if __name__ == "__main__":
    main()
