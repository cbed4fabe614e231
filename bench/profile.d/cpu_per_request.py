"""CPU per request of each run in a bench/results file: what the server, wrk and PostgreSQL spent on one request.

The harness notes each measured run's CPU by kind of process ("server 134%, wrk 56%, postgres 0% ... of one core");
divided by that run's requests a second from the table, it is the CPU one request cost. With the machine full, the
rate a scenario can reach is the cores divided by that cost, which is how docs/benchmarks.md ("How far each miss
is, in CPU") turns a missed ratio into how much cheaper a request would have to be.

Usage: python3 bench/profile.d/cpu_per_request.py bench/results/2026-12-01-0346.md
"""
import re
import sys

ROW = re.compile(r"^\| (sqlite|postgres) \| (.+?) \| [\d,]+ \| ([\d,]+) \|")
CPU = re.compile(r"^- (\S+): CPU during the measured run: (.+?) of one core \(machine (\d+)% busy")


def main():
    lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
    # Rows with a rate, in the table's order (ceiling, then its scenario), and the CPU notes, in the order the runs
    # happened: the same order, one note per row.
    rows = [(m.group(1), m.group(2), float(m.group(3).replace(",", ""))) for m in map(ROW.match, lines) if m]
    notes = [(m.group(1), m.group(2), m.group(3)) for m in map(CPU.match, lines) if m]
    if len(rows) != len(notes):
        sys.exit(f"{len(rows)} table rows with a rate but {len(notes)} CPU notes: not a file this script can pair")

    print("| run | req/s | machine busy | server µs | wrk µs | postgres µs |")
    print("|---|--:|--:|--:|--:|--:|")
    for (database, scenario, rate), (tag, kinds, busy) in zip(rows, notes):
        if not tag.startswith(database):
            sys.exit(f"row '{database} {scenario}' paired with note '{tag}': the file's order is not the expected one")
        percent = dict((k, float(v)) for k, v in re.findall(r"(\w+) (\d+)%", kinds))
        cost = [f"{percent.get(k, 0) / 100 / rate * 1e6:.1f}" if percent.get(k, 0) > 0 else "—"
                for k in ("server", "wrk", "postgres")]
        print(f"| {tag} | {rate:,.0f} | {busy}% | " + " | ".join(cost) + " |")


if __name__ == "__main__":
    main()
