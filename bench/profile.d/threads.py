"""CPU per thread name of a process between 'start' and 'stop' (from /proc): bench/profile.d/threads.py PID start|stop."""
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
            ticks[tid] = (name, int(fields[11]) + int(fields[12]))  # utime + stime
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
    per_name = {}
    for tid, (name, t) in after.items():
        per_name[name] = per_name.get(name, 0) + t - before.get(tid, (name, 0))[1]
    print(f"CPU by thread over {at1 - at0:.1f} s (% of one core):")
    for name, t in sorted(per_name.items(), key=lambda kv: -kv[1]):
        if t > 0:
            print(f"  {100 * t / hz / (at1 - at0):5.0f}%  {name}")
