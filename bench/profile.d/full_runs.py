"""Every full run on one machine, side by side: each scenario's ratio and verdict per run, and how many runs met it.

One full run is one sample of targets that move between runs (the ceilings and RefTrack's rate both move, by up to a
third between runs of the same code), so docs/benchmarks.md's At a glance gives, beside the latest run, how often
each target was met over the full runs on the same machine. A full run is a results file of `bench/run` with every
scenario at full scale: no option but those that leave the measurement as it is (--port, --out, --keep,
--idle-wait, --postgres). The same machine is the same CPU label and kernel build in the Machine line (a VM moved to
another host came back with another build, and its figures moved with it); the newest full run's, unless --kernel
names a build or --cpu part of a CPU label (then the newest build on that CPU, unless --kernel names one: the VM has
run on an AMD EPYC and on an Intel Xeon with the same build, `--cpu "AMD EPYC" --kernel 6.18.44-fc-v1272`). A verdict
the harness flagged (⚠: the hypervisor stole a share of the machine) is shown with its flag and counted as what it
says. The last row counts the database checks that passed in each run (every acknowledged
click, signup and purchase a row, no duplicate referral, no double reward: the results file's Checks).

With --rates DATABASE SCENARIO (a scenario's name or its start, e.g. sqlite "1. hot link") it prints instead that
scenario's rate in each of those runs beside its ceiling's two runs (before and after it) and, with --split RUN (a
results file's name without .md, e.g. 2026-12-06-0403), the mean of each over the runs before that one and over it and
the runs after, and how much the second mean is above the first.

Usage: python3 bench/profile.d/full_runs.py [--cpu "AMD EPYC"] [--kernel 6.18.44-fc-v1272]
       [--rates DATABASE SCENARIO [--split RUN]] [bench/results]
"""
import pathlib
import re
import sys

COMMAND = re.compile(r"^Command: `bench/run ?(.*)`$", re.M)
NEUTRAL_OPTIONS = {"--port", "--out", "--keep", "--idle-wait", "--postgres"}
MACHINE = re.compile(r"^Machine: \d+ cores \((.*?)\), [\d.]+ GiB.*?kernel (\S+?);", re.M)
COMMIT = re.compile(r"^Code: commit `(\w+)`", re.M)
CHECK = re.compile(r"^- (?:sqlite|postgres) [\w-]+: (ok|FAILED): ", re.M)  # in the Checks section only
PEAK = re.compile(r"^6\. memory: .*?, (\d+ MB) \(")
SCENARIO = re.compile(r"^(\d\. |lists: )")  # the ceilings' rows start with ↳ and have no verdict


def is_full_run(options):
    return all(o in NEUTRAL_OPTIONS for o in options.split() if o.startswith("--"))


def rows(text):
    """(database, scenario, what it reached, PASS or MISS, flagged) of each scenario row of a results table."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 12 or cells[0] not in ("sqlite", "postgres") or not SCENARIO.match(cells[1]):
            continue
        scenario, shown = cells[1], cells[9].split(" (")[0]
        if memory := PEAK.search(scenario):
            scenario, shown = "6. memory: peak RSS of RefTrack", memory.group(1)
        elif shown in ("", "—"):
            shown = f"p95 {cells[5]}"
        if "p99 ≤" in cells[10]:
            shown += f" (p99 {cells[6]})"
        yield cells[0], scenario, shown, cells[11].split()[0].rstrip(":"), "⚠" in line


def rates(text, database, scenario):
    """(RefTrack's req/s, [its ceiling runs' req/s]) of the first of the database's scenarios named so, or None."""
    table = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()]
    table = [cells for cells in table if len(cells) == 12 and cells[0] == database]
    for i, cells in enumerate(table):
        if cells[1].startswith(scenario):
            ceilings = [table[j][3] for j in (i - 1, i + 1) if 0 <= j < len(table) and table[j][1].startswith("↳")]
            return number(cells[3]), [number(c) for c in ceilings]
    return None


def number(cell):
    return float(cell.replace(",", ""))


def print_rates(selected, database, scenario, split):
    print(f"| run | {database} {scenario}, req/s | its ceiling's runs, req/s | the ceiling's mean |")
    print("|---|--:|--:|--:|")
    groups = {False: [], True: []}
    for name, *_, text in selected:
        found = rates(text, database, scenario)
        if found is None:
            continue
        rate, ceilings = found
        mean = sum(ceilings) / len(ceilings)
        groups[split is not None and name[:-3] >= split].append((rate, mean))
        print(f"| {name[:-3]} | {rate:,.0f} | {' and '.join(f'{c:,.0f}' for c in ceilings)} | {mean:,.0f} |")
    if split is None or not groups[False] or not groups[True]:
        return
    print()
    means = {}
    for later, runs_in in groups.items():
        means[later] = [sum(r[k] for r in runs_in) / len(runs_in) for k in (0, 1)]
        print(f"{'from' if later else 'before'} {split} ({len(runs_in)} runs): {database} {scenario} "
              f"{means[later][0]:,.0f} req/s on average, its ceiling {means[later][1]:,.0f}")
    print(f"from {split} against before: {database} {scenario} {100 * (means[True][0] / means[False][0] - 1):+.0f}%, "
          f"its ceiling {100 * (means[True][1] / means[False][1] - 1):+.0f}%")


def runs(folder):
    """Every full run in the folder, oldest first: (file name, CPU label, kernel, commit, text)."""
    found, other = [], 0
    for path in sorted(pathlib.Path(folder).glob("*.md")):
        text = path.read_text(encoding="utf-8")
        command, machine = COMMAND.search(text), MACHINE.search(text)
        if not (command and machine and is_full_run(command.group(1))):
            other += 1
            continue
        commit = COMMIT.search(text)
        found.append((path.name, machine.group(1), machine.group(2), commit.group(1) if commit else "?", text))
    return found, other


def main(args):
    kernel = split = cpu_part = None
    chosen = None
    while args[:1] and args[0].startswith("--"):
        option, values = args[0], {"--kernel": 1, "--cpu": 1, "--split": 1, "--rates": 2}.get(args[0])
        if values is None or len(args) <= values:
            sys.exit(__doc__.split("Usage: ")[1])
        if option == "--kernel":
            kernel = args[1]
        elif option == "--cpu":
            cpu_part = args[1]
        elif option == "--split":
            split = args[1]
        else:
            chosen = (args[1], args[2])
        args = args[1 + values:]
    folder = args[0] if args else "bench/results"
    found, other = runs(folder)
    if not found:
        sys.exit(f"no full run in {folder}")
    total = len(found)
    if cpu_part is not None:
        on_cpu = [r for r in found if cpu_part.lower() in r[1].lower()]
        if not on_cpu:
            sys.exit(f"no full run on a CPU labelled {cpu_part!r}; there are full runs on: {', '.join(sorted({r[1] for r in found}))}")
        found = on_cpu
    kernel = kernel or found[-1][2]
    on_kernel = [r for r in found if r[2] == kernel]
    if not on_kernel:
        sys.exit(f"no full run on kernel {kernel}; there are full runs on: {', '.join(sorted({r[2] for r in found}))}")
    cpu = on_kernel[-1][1]  # the newest run's CPU on that build
    selected = [r for r in on_kernel if r[1] == cpu]
    print(f"Full runs on {cpu}, kernel {kernel}: {len(selected)} (of {total} full runs; {other} other files "
          f"in {folder} are runs of some scenarios or at another scale)")
    print()
    if chosen:
        print_rates(selected, *chosen, split)
        return

    table = {}
    for name, *_, text in selected:
        for database, scenario, shown, verdict, flagged in rows(text):
            mark = ("✓" if verdict == "PASS" else "✗") + (" ⚠" if flagged else "")
            table.setdefault((database, scenario), {})[name] = (f"{shown} {mark}", verdict == "PASS")
    names = [name for name, *_ in selected]
    print("| database | scenario | met | " + " | ".join(f"{n[5:7]}-{n[8:10]} {n[11:13]}:{n[13:15]}" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    print("| | commit | | " + " | ".join(f"`{commit}`" for *_, commit, _ in selected) + " |")
    for (database, scenario), by_run in sorted(table.items(), key=lambda item: (item[0][0] != "sqlite", item[0][1])):
        met = sum(1 for _, passed in by_run.values() if passed)
        cells = [by_run[n][0] if n in by_run else "—" for n in names]
        print(f"| {database} | {scenario} | {met} of {len(by_run)} | " + " | ".join(cells) + " |")
    checks = [CHECK.findall(text.split("\nChecks (", 1)[-1].split("\nNotes:", 1)[0]) for *_, text in selected]
    passed = sum(1 for c in checks if c and all(v == "ok" for v in c))
    print(f"| both | database checks | {passed} of {len(checks)} | "
          + " | ".join(f"{c.count('ok')} of {len(c)} ok" for c in checks) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
