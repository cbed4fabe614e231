"""Call paths in a dotnet-trace Speedscope file from bench/profile, for the questions the areas do not answer.

  stacks.py TRACE under FRAME [DEPTH]    samples under the innermost frame whose name contains FRAME, split by the
                                         DEPTH (default 1) frames it calls: where that frame's time goes
  stacks.py TRACE callers FRAME [DEPTH]  samples under the innermost frame whose name contains FRAME, split by the
                                         DEPTH (default 2) nearest of RefTrack's own frames that lead to it: which of
                                         RefTrack's calls pay for that frame

Shares are of all CPU samples (the finalizer thread's left out, as in summarise.py), and of the frame's.
Example: stacks.py bench/.work/profile-sqlite-purchases.speedscope.json callers PrepareAndEnumerateStatements
"""
import collections
import re
import sys

from samples import is_finalizer, samples


def short(name):
    # The module prefix and the argument lists make paths unreadable; the type and method say enough.
    name = name.split("!")[-1]
    while True:
        shorter = re.sub(r"\([^()]*\)", "", name)
        if shorter == name:
            return name
        name = shorter


def main(path, mode, needle, depth):
    paths, total, inside = collections.Counter(), 0.0, 0.0
    for names, weight in samples(path):
        if is_finalizer(names):
            continue
        total += weight
        names = [short(n) for n in names]
        matches = [i for i, n in enumerate(names) if needle in n]
        if not matches:
            continue
        i = matches[-1]
        inside += weight
        if mode == "under":
            paths[" > ".join(names[i + 1:i + 1 + depth]) or "(the frame itself)"] += weight
        else:
            ours = [n for n in names[:i] if n.startswith("RefTrack.")]
            paths[" < ".join(reversed(ours[-depth:])) or "(no RefTrack frame)"] += weight

    print(f"{needle}: {100 * inside / total:.1f}% of all CPU samples ({inside / 1000:.1f} s of {total / 1000:.1f} s)")
    for label, weight in paths.most_common(20):
        share = f"{100 * weight / total:5.1f}% ({100 * weight / inside:4.1f}% of it)"
        print(f"  {share}  {label[:400]}")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] not in ("under", "callers"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3],
         int(sys.argv[4]) if len(sys.argv) > 4 else (1 if sys.argv[2] == "under" else 2))
