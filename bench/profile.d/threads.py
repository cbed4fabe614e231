"""CPU per thread name of a process between 'start' and 'stop' (from /proc): bench/profile.d/threads.py PID start|stop.

Besides the CPU each kind of thread used, prints how long its threads were runnable but waiting for a core (the
second field of /proc/<pid>/task/<tid>/schedstat, kernels with schedstats): on two cores shared with wrk, a thread
that bounds the scenario (the SQLite click writer) can spend much of its time there.
"""
import os
import sys
import time

pid, phase = sys.argv[1], sys.argv[2]
state = f"/tmp/reftrack-profile-threads-{pid}"


def snapshot():
    ticks = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            fields = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            try:
                waiting_ns = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[1])
            except (OSError, IndexError):
                waiting_ns = 0
            ticks[tid] = (name, int(fields[11]) + int(fields[12]), waiting_ns)  # utime + stime
        except OSError:
            pass
    return time.time(), ticks


if phase == "start":
    at, ticks = snapshot()
    with open(state, "w") as f:
        f.write(repr((at, ticks)))
else:
    at0, before = eval(open(state).read())
    at1, after = snapshot()
    hz = os.sysconf("SC_CLK_TCK")
    seconds = at1 - at0
    per_name = {}
    for tid, (name, t, waiting) in after.items():
        _, t0, waiting0 = before.get(tid, (name, 0, 0))
        cpu, wait, count = per_name.get(name, (0, 0, 0))
        per_name[name] = (cpu + t - t0, wait + waiting - waiting0, count + 1)
    print(f"CPU by thread over {seconds:.1f} s (% of one core; runnable but waiting for a core, % of the time):")
    for name, (t, waiting, count) in sorted(per_name.items(), key=lambda kv: -kv[1][0]):
        if t > 0:
            print(f"  {100 * t / hz / seconds:5.0f}%  waiting {100 * waiting / 1e9 / seconds:4.0f}%  {name} ({count})")
