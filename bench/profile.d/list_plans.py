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
NODE = re.compile(r"^\s*(?:->\s*)?(.+?)\s+\(cost=[^)]*\)\s+\(actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)\)")
FILTERED = re.compile(r"Rows Removed by Filter: (\d+)")
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
    elif plan is not None and line.startswith(("\t", " ")):
        plan[2].append(line)
        if n := NODE.match(line.strip("\t")):
            rows, loops = int(n.group(2)), int(n.group(3))
            plan[1].append(f"{n.group(1)} [{rows}{f' ×{loops}' if loops > 1 else ''}]")
        elif (f := FILTERED.search(line)) and plan[1]:
            plan[1][-1] = plan[1][-1][:-1] + f", {f.group(1)} read and filtered out]"

for marker, plans in calls:
    print(marker)
    for ms, nodes, text in plans:
        if not TABLES.search("".join(text)):
            continue  # the API key's lookup, the rollups' background folding
        print(f"  {ms:7.3f} ms  " + " / ".join(nodes))
