"""Summarises the plans auto_explain logged during bench/list-plans: for each list call (the script's marker lines),
each statement of the scratch database with its execution time and its plan's nodes, each with the rows it returned
(and those it read but filtered out).
A list read off the right index shows an Index Scan (or Index Only Scan) under a Limit, reading about the page's rows;
a Seq Scan of a large table, or a Sort above a scan of many rows, is a plan that reads more than the page.
Usage: tail -n +N postgresql.log | list_plans.py
"""
import re
import sys

MARKER = re.compile(r"LOG:  list-plans: (.*)")
PLAN = re.compile(r"LOG:  duration: ([\d.]+) ms  plan:")
NODE = re.compile(r"^\s*(?:->\s*)?(.+?)\s+\(cost=[^)]*\)\s+"
                  r"(?:\(actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)\)|\(never executed\))")
FILTERED = re.compile(r"Rows Removed by (?:Filter|Join Filter|Index Recheck): (\d+)")
GENERIC = re.compile(r"\$\d+")
INIT_PLAN = re.compile(r"(?:InitPlan|SubPlan) \d+ \(returns ")
TABLES = re.compile(r'FROM "(Participants|Conversions|Rewards)"')

calls = []  # (marker, [(ms, [nodes])])
plan = None
for line in sys.stdin:
    if m := MARKER.search(line):
        calls.append((m.group(1).strip(), []))
        plan = None
    elif m := PLAN.search(line):
        plan = (float(m.group(1)), [], [])
        if calls:
            calls[-1][1].append(plan)
    elif not line.startswith(("\t", " ")):
        plan = None  # another message of the server's: its continuation lines are not this plan's
    elif plan is not None:
        plan[2].append(line)
        if n := NODE.match(line.strip("\t")):
            if n.group(2) is None:
                plan[1].append(f"{n.group(1)} [never executed]")
            else:
                rows, loops = int(n.group(2)), int(n.group(3))
                plan[1].append(f"{n.group(1)} [{rows}{f' ×{loops}' if loops > 1 else ''}]")
        elif (f := FILTERED.search(line)) and plan[1]:
            # The node's own detail lines follow it, before the next node: this count is the last node's.
            plan[1][-1] = plan[1][-1][:-1] + f", {f.group(1)} read and filtered out]"

for marker, plans in calls:
    if marker.endswith("(not shown)"):
        continue
    print(marker)
    for ms, nodes, text in plans:
        if not TABLES.search("".join(text)):
            continue  # the API key's lookup, the rollups' background folding
        # A plan made once for any parameters shows them as $n in its conditions, not the values of this call; a
        # subquery run once (an InitPlan) also names its output $n, which says nothing about the plan's kind.
        own = {m for line in text if INIT_PLAN.search(line) for m in GENERIC.findall(line)}
        generic = any(set(GENERIC.findall(line)) - own for line in text if "Cond:" in line or "Filter:" in line)
        print(f"  {ms:7.3f} ms{' (generic plan)' if generic else ''}  " + " / ".join(nodes))
