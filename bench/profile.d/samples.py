"""The CPU samples of a dotnet-trace Speedscope file (sampled thread time), shared by summarise.py and stacks.py.

samples(path) yields (frame names from the thread's root to the leaf, weight in ms) for every CPU_TIME sample. The
finalizer thread waits in native code, yet the sampler marks its samples as CPU time: is_finalizer() tells them apart.
"""
import json

FINALIZER = "System.GC.RunFinalizers"


def samples(path):
    data = json.load(open(path))
    frames = data["shared"]["frames"]
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            at = event["at"]
            if stack and last is not None and frames[stack[-1]]["name"] == "CPU_TIME":
                yield [frames[i]["name"] for i in stack], at - last
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                stack.pop()
            last = at


def is_finalizer(names):
    return any(FINALIZER in n for n in names)
