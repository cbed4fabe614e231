#!/usr/bin/env python3
"""Which tables and indexes the pages in SQLite's write-ahead log belong to, commit by commit.

    python3 bench/profile.d/wal_pages.py DATABASE WAL_COPY [WAL_COPY ...]

A WAL_COPY is a copy of the database's `-wal` file taken while the service wrote to it (`head -c 30000000
DATABASE-wal > copy.wal`: a log written since its last restart starts at the file's beginning). Only the frames of
the log's current run count: those whose salt is the file header's (the frames after them are left from earlier runs
of the log). Each commit's frames are grouped by the B-tree their page belongs to, as `dbstat` names it on DATABASE
(read after the run, with no writer left on it: a page allocated after the copy is found too, a page freed since is
counted as "(not in a b-tree now)").
Copies taken within one run of the log hold the same commits: each is counted once (by the log's salt and where the
commit starts). Why: the log's pages are what the click writer and the checkpointer write, read back and sync; this
says whose they are.
Layout (sqlite.org/fileformat.html, the WAL file): a 32-byte header (magic, version, page size, checkpoint sequence,
salt-1, salt-2, two checksums), then frames of a 24-byte header (page number, the database's size in pages after a
commit or 0, salt-1, salt-2, two checksums) and one page; all big-endian.
"""
import collections
import os
import sqlite3
import struct
import sys


def frames(path):
    """The page size, the log's salt and (page number, is commit) of each frame of the log's current run, in order; a
    last frame cut short is left out."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 32:
        return 0, None, []
    magic, _, page_size, _, salt1, salt2 = struct.unpack_from(">IIIIII", data, 0)
    if magic not in (0x377F0682, 0x377F0683):
        sys.exit(f"{path}: not a SQLite write-ahead log")
    out, at = [], 32
    while at + 24 + page_size <= len(data):
        page, commit_size, s1, s2 = struct.unpack_from(">IIII", data, at)
        if (s1, s2) != (salt1, salt2):
            break
        out.append((page, commit_size != 0))
        at += 24 + page_size
    return page_size, (salt1, salt2), out


def commits(frame_list):
    """(index of its first frame, its pages) of each commit; frames after the last commit frame (a transaction still
    writing) are left out."""
    grouped, current, first = [], [], 0
    for index, (page, is_commit) in enumerate(frame_list):
        current.append(page)
        if is_commit:
            grouped.append((first, current))
            current, first = [], index + 1
    return grouped


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    database, copies = sys.argv[1], sys.argv[2:]
    seen = {}
    for copy in copies:
        page_size, salt, frame_list = frames(copy)
        found = commits(frame_list)
        new = 0
        for first, pages in found:
            if (salt, first) not in seen:
                seen[(salt, first)] = pages
                new += 1
        print(f"{copy}: {len(frame_list)} frames of {page_size} bytes, {len(found)} whole commits, {new} not in an "
              "earlier copy")
    all_commits = list(seen.values())
    if not all_commits:
        sys.exit("no whole commit in the copies")

    wanted = {page for commit in all_commits for page in commit}
    owner = {}
    db = sqlite3.connect(f"file:{os.path.abspath(database)}?immutable=1", uri=True)  # no -shm needed
    for name, page, kind in db.execute("SELECT name, pageno, pagetype FROM dbstat"):
        if page in wanted:
            owner[page] = (name, kind)

    n = len(all_commits)
    frames_total = sum(len(c) for c in all_commits)
    distinct_total = sum(len(set(c)) for c in all_commits)
    print(f"\n{n} commits: {frames_total / n:.1f} frames a commit, {distinct_total / n:.1f} distinct pages a commit")
    by_tree = collections.Counter()
    by_kind = collections.Counter()
    for commit in all_commits:
        for page in set(commit):
            name, kind = owner.get(page, ("(not in a b-tree now)", "-"))
            by_tree[name] += 1
            by_kind[(name, kind)] += 1
    print("\ndistinct pages a commit, by b-tree (dbstat's name; leaf / internal / overflow)")
    for name, count in by_tree.most_common():
        kinds = " / ".join(f"{by_kind[(name, k)] / n:.1f}" for k in ("leaf", "internal", "overflow"))
        print(f"  {count / n:8.1f}  {name}  ({kinds})")


if __name__ == "__main__":
    main()
