"""Where one thread's CPU went in a `bench/profile --native` recording, by the managed code on the stack.

native.py sorts a sample by the library or symbol it landed in; this reads each sample's call stack instead
(`perf record -g`, frame pointers), so a sample in native code is charged to the managed method that called into it:
for example, the click writer's samples in libcoreclr.so under SQLitePCLRaw's bind stub, called from
SqliteRawStatement.Bind(int, Guid) (docs/benchmarks-log.md, 12-07 04:56-05:22). SQLite and OpenSSL are built without
frame pointers, so a sample inside them has no managed frame ("none"): native.py's areas cover those.

Usage: native_stacks.py PERF_DATA [THREAD [TOP]]
  PERF_DATA  bench/.work/profile-<provider>-<scenario>.perf.data; the JIT's names are read from the map bench/profile
             keeps beside it (…perf.data.map, with the server's pid in …perf.data.pid)
  THREAD     a thread name as perf shows it, e.g. "RefTrack click" (the default) or ".NET TP Worker"
  TOP        lines to print in each table (default 30)
Prints the thread's samples by innermost managed frame and the library the sample landed in (exclusive), then the
managed methods on the stack of the most samples (inclusive), each as a share of the thread's samples.
"""
import collections
import re
import sys

from native import jit_map, samples as perf_samples

MANAGED = re.compile(r"\[([\w.]+)\] (\S+?)\(")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    thread = sys.argv[2] if len(sys.argv) > 2 else "RefTrack click"
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 30

    samples = read_samples(data, thread)
    if not samples:
        sys.exit(f"no samples of the thread {thread!r} in {data}")

    exclusive = collections.Counter()
    inclusive = collections.Counter()
    for stack in samples:
        frames = [m.group(1) + " " + m.group(2) for m in (MANAGED.search(sym) for sym, _ in stack) if m]
        exclusive[(frames[0] if frames else "none", library(stack[0][1]))] += 1
        for frame in set(frames):
            inclusive[frame] += 1

    total = len(samples)
    print(f"{total:,} samples of the thread {thread!r} in {data}")
    print("\nBy innermost managed frame, and the library the sample was in (% of the thread's samples):")
    for (frame, lib), n in exclusive.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {frame[:110]}  in {lib}")
    print("\nManaged methods on the stack (% of the thread's samples):")
    for frame, n in inclusive.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {frame[:130]}")


def read_samples(data, thread):
    """The frames (symbol, library; innermost first) of the thread's samples, read by native.py with the JIT map in
    place."""
    with jit_map(data):
        return [frames for comm, _, frames in perf_samples(data) if comm == thread and frames]


def library(path):
    """A frame's library by its file name; JIT-compiled code is in the runtime's map (/tmp/perf-<pid>.map)."""
    name = path.rsplit("/", 1)[-1]
    return "JIT-compiled" if name.startswith("perf-") else name


if __name__ == "__main__":
    main()
