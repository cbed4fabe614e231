"""Summarises where PostgreSQL's time went during a sampled run (bench/profile --statements): the statements of the
scenario's database by total execution time, per request, and the row updates of each table that were heap-only
(HOT: no index touched) or not.
Usage: statements.py requests statements.tsv tables-before.tsv tables-after.tsv
  statements.tsv: calls, total_exec_time (ms), rows, shared blocks, query — from pg_stat_statements
  tables-*.tsv: relname, n_tup_ins, n_tup_upd, n_tup_hot_upd — from pg_stat_user_tables, before and after the run
"""
import sys

requests = int(sys.argv[1])


def rows(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


statements = [(int(c), float(t), int(r), int(b), q) for c, t, r, b, q in rows(sys.argv[2])]
statements.sort(key=lambda s: -s[1])
total = sum(s[1] for s in statements)
print(f"{requests:,} requests; database execution time {total:,.0f} ms in {sum(s[0] for s in statements):,} statement"
      f" calls: {total * 1000 / max(requests, 1):,.0f} µs per request (planning and waiting for the client not included)")
print()
print(f"{'% time':>6} {'µs/req':>7} {'calls/req':>9} {'µs/call':>8} {'rows/call':>9} {'blocks/call':>11}  statement")
for calls, time, nrows, blocks, query in statements[:15]:
    print(f"{100 * time / total:>6.1f} {time * 1000 / requests:>7.0f} {calls / requests:>9.2f} {time * 1000 / calls:>8.0f}"
          f" {nrows / calls:>9.2f} {blocks / calls:>11.1f}  {query[:150]}")

before = {r[0]: [int(x) for x in r[1:]] for r in rows(sys.argv[3])}
print()
print(f"{'table':<28} {'inserted':>10} {'updated':>10} {'heap-only':>10}")
for name, *after in sorted(rows(sys.argv[4])):
    ins, upd, hot = (a - b for a, b in zip((int(x) for x in after), before.get(name, [0, 0, 0])))
    if ins or upd:
        print(f"{name:<28} {ins:>10,} {upd:>10,} {f'{100 * hot / upd:.0f}%' if upd else '—':>10}")
