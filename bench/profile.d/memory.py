"""Where a process's resident memory is: bench/profile.d/memory.py proc PID (from /proc/PID/smaps), and
bench/profile.d/memory.py gcdump REPORT (a dotnet-gcdump report of its GC heap).
Groups the mappings the way the memory notes in docs/benchmarks-log.md talk about them: the .NET runtime's executable
memory (JIT-compiled code and stubs, double-mapped through a memfd for W^X), files mapped from disk (the runtime's
and the app's assemblies, native libraries), glibc malloc arenas (native allocations: SQLite's page caches,
Npgsql's and the runtime's own), and other anonymous memory (mostly the GC heap). The gcdump report gives the GC
heap's live size and the types with the most live objects.
"""
import collections
import re
import sys

ARENA = 64 << 20  # glibc's thread arenas are 64 MiB-aligned mappings (a GC region may be too, rarely: approximate)


def proc(pid):
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    print(f"VmHWM (peak RSS) {status['VmHWM'].strip()}, VmRSS {status['VmRSS'].strip()}")

    groups = collections.Counter()
    mapping = None
    for line in open(f"/proc/{pid}/smaps"):
        m = re.match(r"^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
        if m:
            start, name = int(m.group(1), 16), m.group(2)
            if "doublemapper" in name:
                mapping = "runtime executable memory (JIT code, stubs)"
            elif name == "[heap]":
                mapping = "malloc: main arena"
            elif name.startswith("/"):
                mapping = "mapped files (assemblies, native libraries)"
            elif name == "" and start % ARENA == 0:
                mapping = "malloc: thread arenas"
            elif name.startswith("[stack"):
                mapping = "stacks"
            else:
                mapping = "other anonymous (GC heap, runtime data)"
        elif line.startswith("Rss:"):
            groups[mapping] += int(line.split()[1])

    for name, kib in groups.most_common():
        print(f"{kib / 1024:8.1f} MiB  {name}")


def gcdump(path):
    lines = open(path).read().splitlines()
    print("\n".join(lines[:2]))
    rows = []
    for line in lines:
        m = re.match(r"^\s*([\d,]+)\s+([\d,]+)\s+(.*)$", line)
        if m and "(Bytes >" not in line:
            rows.append((int(m.group(2).replace(",", "")), m.group(3)))
    print("types with the most live objects:")
    for count, name in sorted(rows, reverse=True)[:8]:
        print(f"{count:>10,}  {name}")


{"proc": proc, "gcdump": gcdump}[sys.argv[1]](sys.argv[2])
