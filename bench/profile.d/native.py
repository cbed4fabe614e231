"""Summarises a system-wide `perf record` of one benchmark run: where the machine's CPU went, native code included.

The dotnet-trace profile (`bench/profile` without a mode) samples managed threads, counts waiting threads as well as
running ones, and cannot see inside native code: SQLite's B-trees and log, OpenSSL, the kernel's network stack, and
the database server when it is PostgreSQL. perf samples every core at a fixed rate whatever runs there, so its
shares are shares of the machine's CPU; RefTrack runs with DOTNET_PerfMapEnabled=3, so its JIT-compiled methods have
names (/tmp/perf-<pid>.map).

Usage: native.py perf.data [server-pid [server-name [requests-per-second]]]
Prints the CPU by process, each busy process by area (first match by library, then by symbol), then its hottest
symbols; with the server's pid, its share is by that process rather than by name, under server-name (RefTrack unless
given: bench/profile --ceiling names the ceiling app). With the rate wrk measured while perf sampled, each area also
in µs of CPU per request (its share of the machine times the cores, over the rate), so that two profiles of the same
load, RefTrack's and its ceiling's, can be set side by side area by area.
"""
import collections
import contextlib
import os
import re
import shutil
import subprocess
import sys

# Areas of a process's samples outside the kernel, first match wins: (label, library pattern or None, symbol pattern
# or None). A sample in the kernel goes by the system call that entered it instead (kernel_area).
AREAS = [
    ("SQLite: statements (VDBE)", r"libe_sqlite3", r"^sqlite3Vdbe|^vdbe|^sqlite3VdbeExec|^sqlite3_step|^sqlite3_bind|^sqlite3_reset|^sqlite3_column|^sqlite3Mem|^sqlite3_value"),
    ("SQLite: B-trees (rows, index entries)", r"libe_sqlite3", r"^sqlite3Btree|^btree|^balance|^insertCell|^dropCell|^fillInCell|^moveTo|^sqlite3BtreeIndexMoveto|^allocateSpace|^getAndInitPage|^decodeFlags|^cellSize|^computeCellSize|^btreeParseCell|^defragmentPage|^rebuildPage|^editPage|^allocateBtreePage|^freePage|^sqlite3VdbeRecordCompare|^vdbeRecordCompare|^sqlite3VdbeRecordUnpack|^compareInc|^sqlite3GetVarint|^sqlite3PutVarint"),
    ("SQLite: pages, log, commit (pager, WAL)", r"libe_sqlite3", r"^pager|^sqlite3Pager|^wal|^sqlite3Wal|^sqlite3Pcache|^pcache|^sqlite3OsWrite|^unixWrite|^unixSync|^unixRead|^seekAndWrite|^full_fsync|^sqlite3BitvecSet|^sqlite3Bitvec|^syncJournal|^pagerWalFrames"),
    ("SQLite: other", r"libe_sqlite3", None),
    ("OpenSSL (TLS, HMAC)", r"libssl|libcrypto|Cryptography\.Native", None),
    (".NET GC", r"libcoreclr", r"gc_heap|^WKS::|^SVR::|GCHeap|^memset|^memclr|^Gen|^gc_|^mark_|^plan_|^sweep"),
    (".NET runtime (native)", r"libcoreclr|libclrjit|libSystem\.Native|libhostfxr|libhostpolicy", None),
    ("RefTrack (managed)", r"perf-\d+\.map", r"RefTrack\.(?!Bench)"),  # not the ceiling app's RefTrack.Bench.Ceiling
    ("Npgsql (managed)", r"perf-\d+\.map", r"Npgsql"),
    ("EF Core, Microsoft.Data.Sqlite (managed)", r"perf-\d+\.map", r"EntityFrameworkCore|Microsoft\.Data\.Sqlite|SQLitePCL"),
    ("Kestrel, ASP.NET Core (managed)", r"perf-\d+\.map", r"Microsoft\.AspNetCore|Microsoft\.Extensions"),
    ("sockets, threads, async (managed)", r"perf-\d+\.map", r"System\.Net\.|System\.Threading|System\.Runtime\.CompilerServices|System\.IO\.Pipelines"),
    ("other managed (System.*, stubs)", r"perf-\d+\.map|\[unknown\]|anon|jitted|memfd", None),
    ("PostgreSQL (server code)", r"^postgres$|/postgres$", None),
    ("libc", r"libc\.so|libc-|libm\.so", None),
]
COMPILED = [(label, re.compile(lib) if lib else None, re.compile(sym) if sym else None) for label, lib, sym in AREAS]


def area_of(dso, sym):
    for label, lib, pattern in COMPILED:
        if lib and not lib.search(dso):
            continue
        if pattern and not pattern.search(sym):
            continue
        return label
    return "other: " + dso.split("/")[-1]


SYSCALL = re.compile(r"^(?:__x64_sys_|__do_sys_|__se_sys_|ksys_)(\w+)")
INTERRUPT = re.compile(r"^(?:asm_common_interrupt|asm_sysvec|common_interrupt|__irq_exit|irq_exit|handle_softirqs|__do_softirq|do_softirq)")


def kernel_area(frames):
    """Kernel time by what entered the kernel: the system call on the stack (pread64: SQLite reading a page the OS
    has cached; pwrite64: writing its log; fdatasync; recvfrom/sendto: sockets; futex: waking or waiting), else
    interrupts (network delivery on loopback) or page faults."""
    for sym, dso in frames:
        if not dso.startswith("[kernel"):
            break
        m = SYSCALL.match(sym)
        if m:
            return "kernel: " + m.group(1)
        if INTERRUPT.match(sym):
            return "kernel: interrupts, softirqs"
        if "page_fault" in sym:
            return "kernel: page faults"
    return "kernel: other"


# What a process was doing, by the first of these found anywhere on the sample's stack (order is priority).
PHASES = {
    "postgres": [
        ("foreign-key checks (RI triggers)", r"^RI_|AfterTriggerEndQuery|AfterTriggerFireDeferred"),
        ("commit (WAL flush included)", r"^CommitTransactionCommand$|^CommitTransaction$|^XLogFlush$"),
        ("planning", r"^pg_plan_query$|^GetCachedPlan$|^BuildCachedPlan$|^standard_planner$"),
        ("parsing, analysis", r"^pg_parse_query$|^raw_parser$|^parse_analyze|^pg_analyze_and_rewrite|^exec_parse_message$"),
        ("client I/O (socket, TLS)", r"^secure_read$|^secure_write$|^pq_getbyte$|^pq_flush|^pq_recvbuf$|^be_tls_"),
        ("executor startup", r"^standard_ExecutorStart$|^ExecInitNode$|^PortalStart$"),
        ("executor shutdown", r"^standard_ExecutorEnd$|^PortalDrop$|^FreeExecutorState$"),
        ("executor run (reading, writing rows)", r"^standard_ExecutorRun$|^ExecModifyTable$"),
        ("waiting (locks, client, latches)", r"^WaitEventSetWait$|^ProcSleep$|^WaitLatch"),
    ],
    "RefTrack": [
        ("click writer", r"RefTrack\.Links\.ClickWriter|RefTrack\.Links\.\w*ClickStatements"),
        ("SQLite group commit (writer thread)", r"RefTrack\.Data\.SqliteGroupCommit"),
        ("signup", r"RefTrack\.Participants\.ParticipantRegistration"),
        ("purchase", r"RefTrack\.Conversions\.ConversionRecorder"),
        ("code lookup", r"RefTrack\.Links\.CodeResolver"),
        ("redirect handler", r"RefTrack\.Links\.RedirectApi"),
        ("reports", r"RefTrack\.Reports"),
        ("Npgsql", r"Npgsql"),
        ("Kestrel, ASP.NET Core", r"Microsoft\.AspNetCore"),
        ("sockets", r"System\.Net\.Sockets"),
        ("thread pool", r"System\.Threading"),
        ("GC", r"gc_heap|GCHeap|WKS::"),
    ],
}
PHASES = {proc: [(label, re.compile(pattern)) for label, pattern in phases] for proc, phases in PHASES.items()}


def phase_of(proc, frames, server):
    # The server's phases are RefTrack's whatever it is called: the ceiling app matches only the framework's.
    for label, pattern in PHASES.get(proc, PHASES["RefTrack"] if proc == server else []):
        if any(pattern.search(sym) for sym, _ in frames):
            return label
    return "other (no known frame on the stack; native code without frame pointers ends it)"


def process_of(comm, pid, server_pid, server):
    if server_pid and pid == server_pid:
        return server
    if comm.startswith(".NET") or comm in ("RefTrack", "dotnet"):
        return "other .NET processes" if server_pid else "RefTrack"
    if comm.startswith("postgres") or comm.startswith("postmaster"):
        return "postgres"
    if comm in ("swapper",):
        return "idle"
    if comm.startswith("wrk"):
        return "wrk"
    if comm.startswith(("kworker", "ksoftirqd", "kdamond", "rcu", "migration", "jbd2", "kswapd")):
        return "kernel threads"
    return "other: " + comm


def short_symbol(sym):
    """A JIT-compiled method's name from the perf map without its return type, which for a generic one can be longer
    than the line: "class List`1<…> [RefTrack] RefTrack.Links.ClickBatch::VisitorRows(…)" becomes "[RefTrack]
    RefTrack.Links.ClickBatch::VisitorRows(…)"."""
    method = sym.find("::")
    start = sym.rfind(" [", 0, method) if method > 0 else -1
    return sym[start + 1:] if start >= 0 else sym


def header(data):
    """The recording's header as perf prints it."""
    return subprocess.run(["perf", "report", "--header-only", "-i", data], capture_output=True, text=True).stdout


def online_cpus(data):
    """The cores perf sampled (its header), not the cores of the machine reading the file."""
    m = re.search(r"nrcpus online\s*:\s*(\d+)", header(data))
    return int(m.group(1)) if m else os.cpu_count()


def sample_frequency(data):
    """Samples a second and core that perf took (its header: bench/profile records at -F 499)."""
    m = re.search(r"sample_freq \} = (\d+)", header(data))
    if not m:
        sys.exit(f"no sampling frequency in the header of {data}")
    return int(m.group(1))


def sample_area(frames):
    """Where a sample was: in the kernel by the system call that entered it (kernel_area), else by the library or
    symbol it landed in (area_of)."""
    sym, dso = frames[0]
    return kernel_area(frames) if dso.startswith("[kernel") else area_of(dso, sym)


def samples(data, timed=False):
    """(comm, pid, frames) per sample, frames leaf first as (symbol, library); with timed, (comm, pid, time, frames),
    the time in seconds on perf's clock (bench/profile records on CLOCK_MONOTONIC)."""
    fields = "comm,pid,time,ip,sym,dso" if timed else "comm,pid,ip,sym,dso"
    out = subprocess.run(["perf", "script", "-i", data, "-F", fields],
                         capture_output=True, text=True, check=True).stdout
    # A header "comm pid" (then "time:") and one line per frame "ip sym (dso)"; the library is the last parenthesis
    # that opens with a path or a bracket ("(/memfd:doublemapper (deleted))", "([kernel.kallsyms])").
    header = re.compile(r"^(\S.*?)\s+(\d+)\s+(\d+\.\d+):\s*$" if timed else r"^(\S.*?)\s+(\d+)\s*$")
    frame = re.compile(r"^\s+[0-9a-f]+\s+(.*) \(([/\[].*)\)\s*$")
    head = None
    frames = []
    for line in out.splitlines():
        if not line.strip():
            if head is not None:
                yield (*head, frames)
            head, frames = None, []
            continue
        m = header.match(line)
        if m and head is None:
            head = (m.group(1), m.group(2), float(m.group(3))) if timed else m.groups()
            continue
        m = frame.match(line)
        if m and head is not None:
            frames.append((re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)), m.group(2)))
    if head is not None:
        yield (*head, frames)


@contextlib.contextmanager
def jit_map(data):
    """The runtime's names for JIT-compiled code in place while perf reads the recording: bench/profile keeps the map
    beside the perf data (…perf.data.map, the server's pid in …perf.data.pid), and perf looks for /tmp/perf-<pid>.map.
    Yields the server's pid (None when not kept)."""
    map_file, pid = data + ".map", None
    if os.path.exists(data + ".pid"):
        with open(data + ".pid") as f:
            pid = f.read().strip()
    placed = aside = None
    if pid and os.path.exists(map_file):
        placed = f"/tmp/perf-{pid}.map"
        if os.path.exists(placed):
            # Another process's map under the same pid (a profile that ended early leaves its own): set aside, so that
            # perf reads this recording's names, and put back after.
            aside = placed + ".aside"
            os.replace(placed, aside)
        shutil.copyfile(map_file, placed)
    elif not os.path.exists(map_file):
        print(f"(no {map_file}: JIT-compiled frames have no names)", file=sys.stderr)
    try:
        yield pid
    finally:
        if placed:
            os.remove(placed)
        if aside:
            os.replace(aside, placed)


def main():
    data = sys.argv[1]
    server_pid = sys.argv[2] if len(sys.argv) > 2 else None
    server = sys.argv[3] if len(sys.argv) > 3 else "RefTrack"
    rate = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else None  # empty: wrk printed no rate
    cores = online_cpus(data)
    by_process = collections.Counter()
    by_area, by_phase, by_sym = (collections.defaultdict(collections.Counter) for _ in range(3))
    # The server's samples by thread name (.NET names its own: ".NET TP Worker", ".NET Sockets"; RefTrack its click
    # writer and checkpointer), and each thread's hottest symbols: the click writer's work apart from the requests'.
    by_thread = collections.Counter()
    thread_areas, thread_syms = collections.defaultdict(collections.Counter), collections.defaultdict(collections.Counter)
    own_syms = collections.Counter()  # RefTrack's own JIT-compiled methods, which the lists above crowd out
    total = 0
    for comm, pid, frames in samples(data):
        if not frames:
            continue
        proc = process_of(comm, pid, server_pid, server)
        total += 1
        by_process[proc] += 1
        sym, dso = frames[0]
        area = sample_area(frames)
        by_area[proc][area] += 1
        by_phase[proc][phase_of(proc, frames, server)] += 1
        shown = (short_symbol(sym) if sym and sym != "[unknown]" else "[unknown] in " + dso.split("/")[-1])[:200]
        by_sym[proc][shown] += 1
        if proc == server:
            by_thread[comm] += 1
            thread_areas[comm][area] += 1
            thread_syms[comm][shown] += 1
            if area == "RefTrack (managed)":
                own_syms[shown] += 1

    if total == 0:
        sys.exit("no samples in " + data)
    print(f"{total:,} samples over all cores; shares are of the machine's CPU (idle included)"
          + (f"; µs: CPU a request at {rate:,.0f} req/s on {cores} cores" if rate else "")
          + (f"; server: {server}" if server_pid else ""))

    def share(k):
        line = f"{100 * k / total:5.1f}%"
        return line + (f" {1e6 * cores * k / total / rate:6.2f} µs" if rate else "")

    print("By process:")
    for proc, n in by_process.most_common():
        if n >= total * 0.001:
            print(f"  {share(n)}  {proc}")
    for proc, n in by_process.most_common():
        if proc == "idle" or n < total * 0.05:
            continue
        print(f"\n{proc}: {100 * n / total:.1f}% of the machine. By where the sample was (% of the machine):")
        for label, k in by_area[proc].most_common():
            if k >= total * 0.0005:
                print(f"  {share(k)}  {label}")
        if proc in PHASES or proc == server:
            print(f"{proc}, by what it was doing (the first of a list of known frames on the stack):")
            for label, k in by_phase[proc].most_common():
                print(f"  {share(k)}  {label}")
        print(f"{proc}: hottest symbols (% of the machine)")
        for sym, k in by_sym[proc].most_common(15):
            print(f"  {100 * k / total:5.1f}%  {sym}")
        if proc == server:
            print(f"{proc}, by thread (% of the machine):")
            for thread, k in by_thread.most_common():
                if k >= total * 0.001:
                    print(f"  {share(k)}  {thread}")
            if own_syms:
                print(f"{proc}: its own managed code's hottest methods (% of the machine)")
                for sym, k in own_syms.most_common(10):
                    print(f"  {share(k)}  {sym}")
            for thread, k in by_thread.most_common()[1:]:
                if k >= total * 0.02:
                    print(f"{proc}, thread {thread}: by where the sample was (% of the machine)")
                    for label, j in thread_areas[thread].most_common():
                        if j >= total * 0.001:
                            print(f"  {share(j)}  {label}")
                    print(f"{proc}, thread {thread}: hottest symbols (% of the machine)")
                    for sym, j in thread_syms[thread].most_common(10):
                        print(f"  {100 * j / total:5.1f}%  {sym}")


if __name__ == "__main__":
    main()
