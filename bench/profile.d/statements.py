"""Summarises where PostgreSQL's time went during a sampled run (bench/profile --statements): the statements of the
scenario's database by total execution time, per request, and the row updates of each table that were heap-only
(HOT: no index touched) or not.
Usage: statements.py requests statements.tsv tables-before.tsv tables-after.tsv
  statements.tsv: calls, total_exec_time (ms), rows, shared blocks, blocks dirtied, WAL records, WAL full-page images,
    WAL bytes, query — from pg_stat_statements
  tables-*.tsv: relname, n_tup_ins, n_tup_upd, n_tup_hot_upd — from pg_stat_user_tables, before and after the run
"""
import sys

requests = int(sys.argv[1])


def rows(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


statements = [(int(c), float(t), int(r), int(b), int(d), int(wr), int(fpi), int(wb), q)
              for c, t, r, b, d, wr, fpi, wb, q in rows(sys.argv[2])]
statements.sort(key=lambda s: -s[1])
total = sum(s[1] for s in statements)
per_request = 1 / max(requests, 1)
print(f"{requests:,} requests; database execution time {total:,.0f} ms in {sum(s[0] for s in statements):,} statement"
      f" calls: {total * 1000 * per_request:,.0f} µs per request (planning and waiting for the client not included)")
# What the statements wrote, a request: unlike their time, this does not move with the machine's load. The WAL's
# records count each heap row and each index entry written (commit records are written after the statement and are
# not counted); full-page images come with the first change to a page after a checkpoint, so they depend on timing.
print(f"written a request: {sum(s[4] for s in statements) * per_request:,.2f} blocks dirtied,"
      f" {sum(s[5] for s in statements) * per_request:,.2f} WAL records,"
      f" {sum(s[7] for s in statements) * per_request:,.0f}"
      f" WAL bytes; {sum(s[6] for s in statements):,} full-page images in all")
print()
print(f"{'% time':>6} {'µs/req':>7} {'calls/req':>9} {'µs/call':>8} {'rows/call':>9} {'blocks/call':>11}"
      f" {'WAL rec/call':>12} {'WAL B/call':>10}  statement")
for calls, time, nrows, blocks, _, wal_records, _, wal_bytes, query in statements[:15]:
    print(f"{100 * time / total:>6.1f} {time * 1000 / requests:>7.0f} {calls / requests:>9.2f}"
          f" {time * 1000 / calls:>8.0f} {nrows / calls:>9.2f} {blocks / calls:>11.1f} {wal_records / calls:>12.2f}"
          f" {wal_bytes / calls:>10.0f}  {query[:150]}")

before = {r[0]: [int(x) for x in r[1:]] for r in rows(sys.argv[3])}
print()
print(f"{'table':<28} {'inserted':>10} {'updated':>10} {'heap-only':>10}")
for name, *after in sorted(rows(sys.argv[4])):
    ins, upd, hot = (a - b for a, b in zip((int(x) for x in after), before.get(name, [0, 0, 0])))
    if ins or upd:
        print(f"{name:<28} {ins:>10,} {upd:>10,} {f'{100 * hot / upd:.0f}%' if upd else '—':>10}")
