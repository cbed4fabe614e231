"""Summarises a dotnet-counters CSV (bench/profile --counters): the mean of each counter over the sampled windows,
rates per second, for the counters that explain a scenario's cost. Usage: counters.py counters.csv
"""
import collections
import csv
import re
import sys

WANTED = re.compile(
    r"^(dotnet\.(jit|exceptions|gc\.(collections|pause\.time)|process\.cpu\.time|process\.memory|gc\.last_collection\.memory"
    r"|thread_pool\.(thread\.count|queue))|db\.client\.operation\.(npgsql|failed|duration)|microsoft\.entityframeworkcore|reftrack\.)")
values = collections.defaultdict(list)
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        name = re.sub(r"db\.client\.connection\.pool\.name=.*?(?:;(?=db\.|Percentile)|(?=\]))", "", row["Counter Name"]).replace("[]", "")
        if WANTED.search(name):
            values[name].append(float(row["Mean/Increment"]))

for name in sorted(values):
    series = values[name]
    mean = sum(series) / len(series)
    match = re.search(r"/ (\d+) sec\)", name)
    if match:  # A rate over the refresh interval: shown per second.
        name = name.replace(match.group(0), "/ s)")
        mean /= int(match.group(1))
    print(f"{mean:>16,.3f}  {name}")
