"""Every full run on one machine, side by side: each scenario's ratio and verdict per run, and how many runs met it.

One full run is one sample of a target that moves between runs of the same code (the ceilings and RefTrack's rate
both move with the machine), so docs/benchmarks.md's At a glance gives, beside the latest run, how often each target
was met over the full runs on the same machine. A full run is a results file whose command is `bench/run` with no
options; the same machine is the same CPU label and kernel build in the Machine line (the cloud gives a new build
when it moves the VM, and the figures move with it). The machine is the newest full run's unless --kernel names one.

Usage: python3 bench/profile.d/full_runs.py [--kernel 6.18.44-fc-v1272] [bench/results]
"""
import pathlib
import re
import sys

COMMAND = "Command: `bench/run `"
MACHINE = re.compile(r"^Machine: \d+ cores \(([^)]*)\).*?kernel (\S+?);", re.M)
COMMIT = re.compile(r"^Code: commit `(\w+)`", re.M)
PEAK = re.compile(r"^6\. memory: .*?, (\d+ MB) \(")
SCENARIO = re.compile(r"^(\d\. |lists: )")  # the ceilings' rows start with ↳ and have no verdict


def rows(text):
    """(database, scenario, what it reached, PASS or MISS) of each scenario row of a results file's table."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 12 and cells[0] in ("sqlite", "postgres") and SCENARIO.match(cells[1]) and cells[11]:
            scenario, shown = cells[1], cells[9].split(" (")[0]
            if memory := PEAK.search(scenario):
                scenario, shown = "6. memory: peak RSS of RefTrack", memory.group(1)
            elif shown in ("", "—"):
                shown = f"p95 {cells[5]}"
            if "p99 ≤" in cells[10]:
                shown += f" (p99 {cells[6]})"
            yield cells[0], scenario, shown, cells[11].split(":")[0]


def runs(folder, kernel):
    found = []
    for path in sorted(pathlib.Path(folder).glob("*.md")):
        text = path.read_text()
        if f"\n{COMMAND}\n" not in text or not (machine := MACHINE.search(text)):
            continue
        commit = COMMIT.search(text)
        found.append((path.name, machine.group(1), machine.group(2), commit.group(1) if commit else "?", text))
    if not found:
        sys.exit(f"no full run in {folder}")
    kernel = kernel or found[-1][2]
    return [r for r in found if r[2] == kernel], kernel


def main(args):
    kernel = None
    if args[:1] == ["--kernel"]:
        kernel, args = args[1], args[2:]
    selected, kernel = runs(args[0] if args else "bench/results", kernel)
    print(f"Full runs (`bench/run`, no options) on {selected[-1][1]}, kernel {kernel}: {len(selected)}")
    print()
    table = {}
    for name, _, _, commit, text in selected:
        for database, scenario, shown, verdict in rows(text):
            table.setdefault((database, scenario), {})[name] = (f"{shown} {'✓' if verdict == 'PASS' else '✗'}", verdict)
    names = [name for name, *_ in selected]
    print("| database | scenario | met | " + " | ".join(f"{n[5:7]}-{n[8:10]} {n[11:13]}:{n[13:15]}" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    print("| | commit | | " + " | ".join(f"`{commit}`" for _, _, _, commit, _ in selected) + " |")
    for (database, scenario), by_run in sorted(table.items(), key=lambda item: item[0][0] != "sqlite"):
        met = sum(1 for shown, verdict in by_run.values() if verdict == "PASS")
        cells = [by_run[n][0] if n in by_run else "—" for n in names]
        print(f"| {database} | {scenario} | {met} of {len(by_run)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
