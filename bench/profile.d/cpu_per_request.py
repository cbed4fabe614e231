"""CPU per request of each run in a bench/results file: what the server, wrk and PostgreSQL spent on one request.

The harness notes each measured run's CPU by kind of process ("server 134%, wrk 56%, postgres 0% ... of one core");
divided by that run's requests a second from the table, it is the CPU one request cost. With the machine full, the
rate a scenario can reach is the cores divided by that cost, which is how docs/benchmarks.md ("What limits each
miss, in CPU") turns a missed ratio into how much cheaper a request would have to be: for a scenario with a ratio
target, the last column is what the server and PostgreSQL together may spend on a request at the target rate (that
share of the ceiling's rate: the mean of its runs just before and just after the scenario's, or the one before in
files from before 12-02), on all the machine's cores less what wrk needs there at its cost in the scenario's run. The
notes' "kernel" (kernel threads and interrupt time) is not taken out as well: the loopback's packets are mostly softirq
time, which Linux also charges to the process it interrupted, so it is already inside the processes' figures (in the
12-02 12:57 run's SQLite hot link, server, wrk and kernel add up to 2.18 cores of a machine 1.94 busy; without the
kernel, to 1.93). For a write scenario in files from commit 03cae92 (12-02 15:37) on, whose ratio
counts new rows a second (the table's "(N new rows/s)"; in earlier files the share of new rows in the database check,
as bench/profile.d/new_rows_share.py), the target rate is that many new rows, and as many requests as the run's
share of duplicates and replays adds to them. A run that completed no request is shown without costs.

Usage: python3 bench/profile.d/cpu_per_request.py bench/results/2026-12-01-0346.md
"""
import re
import sys

ROW = re.compile(r"^\| (sqlite|postgres) \| (.+?) \| [\d,]+ \| ([\d,]+) \|.*?\| (?:≥(\d+)% of ceiling)?[^|]*\| [^|]* \|$")
NEW_ROWS = re.compile(r"\(([\d,]+) new rows/s\)")
# Earlier files: the share of new rows among the answers, from the database check (as new_rows_share.py).
CHECK = re.compile(r"^- (sqlite|postgres) (signups|purchases): ok: (\d+) new \w+ .*?\((\d+) answered 200")
CPU = re.compile(r"^- (\S+): CPU during the measured run: (.+?) of one core \(machine (\d+)% busy")
CORES = re.compile(r"^Machine: (\d+) cores")


def main():
    lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
    cores = next((int(m.group(1)) for m in map(CORES.match, lines) if m), None)
    # Rows with a rate, in the table's order (ceiling, then its scenario), and the CPU notes, in the order the runs
    # happened: the same order, one note per row.
    rows = [(m.group(1), m.group(2), float(m.group(3).replace(",", "")), m.group(4), new_rows(m.group(0)))
            for m in map(ROW.match, lines) if m]
    notes = [(m.group(1), m.group(2), m.group(3)) for m in map(CPU.match, lines) if m]
    checks = {(m.group(1), m.group(2)): int(m.group(3)) / (int(m.group(3)) + int(m.group(4)))
              for m in map(CHECK.match, lines) if m}
    if len(rows) != len(notes) or cores is None:
        sys.exit(f"{len(rows)} table rows with a rate, {len(notes)} CPU notes, cores {cores}: not a file this script can pair")

    print(f"{cores} cores. µs of CPU per request; the last column: at the target rate, server and postgres together at most")
    print("| run | req/s | machine busy | server µs | wrk µs | postgres µs | target req/s | at most µs |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    kinds_shown = ("server", "wrk", "postgres")
    for i, ((database, scenario, rate, target, rows_rate), (tag, kinds, busy)) in enumerate(zip(rows, notes)):
        if not tag.startswith(database):
            sys.exit(f"row '{database} {scenario}' paired with note '{tag}': the file's order is not the expected one")
        if rate == 0:
            print(f"| {tag} | 0 | {busy}% | " + " | ".join(["—"] * 5) + " |")
            continue
        percent = {k: float(v) for k, v in re.findall(r"(\w+) (\d+)%", kinds)}
        cost = {k: percent.get(k, 0) / 100 / rate * 1e6 for k in kinds_shown}
        shown = [f"{cost[k]:.1f}" if cost[k] > 0 else "—" for k in kinds_shown]
        budget = ["", ""]
        # The ceiling the ratio is taken against: the mean of the ceiling runs just before and just after the
        # scenario's (files from before 12-02 have only the one before).
        before = rows[i - 1] if i > 0 and "ceiling" in rows[i - 1][1] else None
        after = rows[i + 1] if i + 1 < len(rows) and "ceiling after" in rows[i + 1][1] else None
        ceilings = [row[2] for row in (before, after) if row and row[0] == database]
        if target and ceilings and "ceiling" not in scenario:
            at = int(target) / 100 * sum(ceilings) / len(ceilings)
            name = "signups" if scenario.startswith("3.") else "purchases" if scenario.startswith("4.") else None
            if rows_rate is None and (database, name) in checks:
                rows_rate = rate * checks[(database, name)]
            if rows_rate:  # New rows a second: the requests that bring that many.
                at *= rate / rows_rate
            budget = [f"{at:,.0f}", f"{(cores * 1e6 - cost['wrk'] * at) / at:.1f}"]
        print(f"| {tag} | {rate:,.0f} | {busy}% | " + " | ".join(shown + budget) + " |")


def new_rows(row):
    found = NEW_ROWS.search(row)
    return float(found.group(1).replace(",", "")) if found else None


if __name__ == "__main__":
    main()
