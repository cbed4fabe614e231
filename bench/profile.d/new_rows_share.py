"""The write scenarios' ratio counted in new rows a second, for results files from before commit 03cae92 (12-02 15:37).

Until then the harness compared a write scenario's requests a second with its ceiling's; but RefTrack answers a
duplicate signup or a replayed purchase 200 without writing, while the ceiling writes a row for every request. From
commit 03cae92 (12-02 15:37) on the harness counts new rows (201s) a second on both sides. For an earlier file this script estimates
that ratio: the measured run's requests a second times the share of new rows among the answers of the warm-up and
measured runs together (the database check's counts: the scripts send duplicates and replays evenly through both),
against the mean of the ceiling runs before and after (which answer every request 201).

Usage: python3 bench/profile.d/new_rows_share.py bench/results/2026-12-02-1257.md
"""
import re
import sys

ROW = re.compile(r"^\| (sqlite|postgres) \| (.+?) \| [\d,]+ \| ([\d,]+) \|")
CHECK = re.compile(r"^- (sqlite|postgres) (signups|purchases): ok: (\d+) new \w+ .*?\((\d+) answered 200")
TARGET = 0.60


def main():
    lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
    rows = [(m.group(1), m.group(2), float(m.group(3).replace(",", ""))) for m in map(ROW.match, lines) if m]
    checks = {(m.group(1), m.group(2)): (int(m.group(3)), int(m.group(4))) for m in map(CHECK.match, lines) if m}
    print("| database | scenario | req/s | new rows among answers | new rows/s | ceiling (mean) | vs ceiling | ≥60% |")
    print("|---|---|--:|--:|--:|--:|--:|---|")
    for i, (database, title, rate) in enumerate(rows):
        name = "signups" if title.startswith("3.") else "purchases" if title.startswith("4.") else None
        if name is None or (database, name) not in checks:
            continue
        new, repeated = checks[(database, name)]
        ceilings = [rows[j][2] for j in (i - 1, i + 1) if 0 <= j < len(rows) and "ceiling" in rows[j][1]]
        share_new = new / (new + repeated)
        new_rate = rate * share_new
        ceiling = sum(ceilings) / len(ceilings)
        ratio = new_rate / ceiling
        verdict = "pass" if ratio >= TARGET else f"miss by {(TARGET - ratio) * 100:.1f} pts"
        print(f"| {database} | {name} | {rate:,.0f} | {share_new:.1%} | {new_rate:,.0f} | {ceiling:,.0f} | {ratio:.1%} | {verdict} |")


if __name__ == "__main__":
    main()
