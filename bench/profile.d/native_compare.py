"""Two `bench/profile --native` summaries of the same load side by side: the server's CPU a request by area.

Usage: native_compare.py BASE.native.txt OTHER.native.txt
Each file is what bench/profile --native printed (it keeps a copy next to its perf.data: profile-<provider>-<scenario>
[-ceiling].native.txt). Meant for RefTrack's redirect against the bare 302 of its ceiling (bench/profile --native
--ceiling), so that what the redirect spends beyond the ceiling is read by area: the kernel's network work, Kestrel,
SQLite, OpenSSL and so on; on PostgreSQL the database's processes count as one more area (the bare 302 has none), so
"all of it" is what a request cost the server and the database together. Both must have been taken with the rate
(the µs column) and the server's pid (the header names the server); an area absent from one file counts as 0 there
(native.py leaves out areas under 0.05% of the machine).
"""
import re
import sys

HEADER = re.compile(r"^(\S.*?): [\d.]+% of the machine\. By where the sample was")
LINE = re.compile(r"^\s+[\d.]+%\s+([\d.]+) µs\s+(.+)$")
RATE = re.compile(r"µs: CPU a request at ([\d,]+) req/s")
SERVER = re.compile(r"; server: (.+)$")
DATABASE = "postgres"


def server_areas(path):
    """(server name, req/s, its total µs, {area: µs}): the section of the server the header names (native.py with
    the server's pid), and on PostgreSQL the database's processes as one more area, since the bare 302 has none."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = next((line for line in lines if RATE.search(line)), None)
    if header is None:
        sys.exit(f"{path}: no µs column (profiled without the rate)")
    rate = RATE.search(header).group(1)
    processes = {}
    for line in lines[lines.index("By process:") + 1:]:
        m = LINE.match(line)
        if not m:
            break
        processes[m.group(2)] = float(m.group(1))
    named = SERVER.search(header)
    # Summaries from before the header named the server (the 12-06 06:05-06:23 files): the busiest process that is
    # none of the others native.py names.
    others = ("wrk", DATABASE, "idle", "kernel threads", "other .NET processes")
    name = named.group(1) if named else next(
        (p for p in processes if p not in others and not p.startswith("other: ")), None)
    if name not in processes:
        sys.exit(f"{path}: no server among the processes")
    areas = {}
    for i, line in enumerate(lines):
        h = HEADER.match(line)
        if h and h.group(1) == name:
            for row in lines[i + 1:]:
                m = LINE.match(row)
                if not m:
                    break
                areas[m.group(2)] = float(m.group(1))
            break
    total = processes[name]
    if DATABASE in processes:
        areas["PostgreSQL (its own processes)"] = processes[DATABASE]
        total += processes[DATABASE]
    return name, rate, total, areas


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
    print(f"| **all of it** | {a_total:.2f} | {b_total:.2f} | {b_total - a_total:+.2f} |")


if __name__ == "__main__":
    main()
