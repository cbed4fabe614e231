"""RefTrack's CPU a redirect in `bench/profile --native` summaries, grouped as docs/benchmarks-log.md's table of
12-07 02:17 groups it: by thread (request threads, the click writer, the checkpointer) and by area summed over the
server's process (SQLite's four areas, managed code, the runtime's native code, OpenSSL, libc, the kernel's network work),
and the click writer's thread outside SQLite and the kernel.

Usage: native_areas.py FILE.native.txt [FILE …]   (the RefTrack side of each pair, e.g.
       bench/results/2026-12-07-02*-native-reftrack.txt)
"""
import re
import sys

THREADS = {".NET TP Worker": "request threads", "RefTrack click": "click writer", "RefTrack checkp": "checkpointer"}
GROUPS = {
    "SQLite": lambda area: area.startswith("SQLite"),
    "managed": lambda area: area in ("RefTrack (managed)", "other managed (System.*, stubs)",
                                     "Kestrel, ASP.NET Core (managed)", "sockets, threads, async (managed)",
                                     "EF Core, Microsoft.Data.Sqlite (managed)"),
    "runtime": lambda area: area == ".NET runtime (native)",
    "OpenSSL": lambda area: area == "OpenSSL (TLS, HMAC)",
    "libc": lambda area: area == "libc",
    "kernel network": lambda area: area in ("kernel: interrupts, softirqs", "kernel: sendto", "kernel: recvfrom",
                                            "kernel: epoll_wait"),
}
LINE = re.compile(r"^\s+[\d.]+%\s+([\d.]+) µs\s+(.+)$", re.M)


def summary(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rate = re.search(r"at ([\d,]+) req/s", text).group(1)
    total = re.search(r"^\s+[\d.]+%\s+([\d.]+) µs\s+RefTrack$", text, re.M).group(1)
    # The server's areas: the section after its header, up to the by-what-it-was-doing list.
    section = text.split("By where the sample was", 1)[1].split("RefTrack, by what it was doing", 1)[0]
    areas = {name.strip(): float(us) for us, name in LINE.findall(section)}
    threads = {name.strip(): float(us) for us, name in LINE.findall(text) if name.strip() in THREADS}
    # The click writer's own thread: what it spends outside SQLite and the kernel (managed code, runtime, libc).
    writer = text.split("thread RefTrack click: by where the sample was", 1)[1].split("RefTrack, thread", 1)[0]
    beyond_sqlite = sum(float(us) for us, name in LINE.findall(writer)
                        if not name.strip().startswith(("SQLite", "kernel")))
    cells = [f"{rate} req/s", f"all {total}"]
    cells += [f"{label} {threads.get(name, 0):.2f}" for name, label in THREADS.items()]
    cells += [f"{label} {sum(us for area, us in areas.items() if keep(area)):.2f}" for label, keep in GROUPS.items()]
    cells.append(f"click writer beyond SQLite and the kernel {beyond_sqlite:.2f}")
    return cells


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("µs of RefTrack's CPU a request")
    for path in sys.argv[1:]:
        print(f"{path.split('/')[-1]}: " + ", ".join(summary(path)))
