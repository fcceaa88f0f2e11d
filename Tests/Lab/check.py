"""Compares a running lab with a scenario's expected.json (Tests/Lab/README.md).

    python3 Tests/Lab/check.py EXPECTED.json fibs [KEY]|call|avoid NODE

(`fibs KEY` compares with the FIBs under KEY instead of "fibs"; `avoid NODE`
passes when every other node of "fibs" answers and none has a next hop
through NODE.)

Prints what differs and exits 1, or exits 0 when everything matches. The
scenario scripts call it in a bounded poll; it never waits itself.
"""
import json
import os
import subprocess
import sys

expected = json.load(open(sys.argv[1]))
what = sys.argv[2]
ctl = os.environ["DAMCCTL"]


def ask(node, *args):
    out = subprocess.run([ctl, "-n", node, "--json", *args], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


problems = []
if what == "fibs":
    for node, wanted in sorted(expected[sys.argv[3] if len(sys.argv) > 3 else "fibs"].items()):
        reply = ask(node, "show", "fib")
        if reply is None:
            problems.append(f"{node}: not answering")
            continue
        have = {entry["prefix"]: entry["next_hops"] for entry in reply["entries"]}
        if have != wanted:
            problems.append(f"{node}: FIB {have} != expected {wanted}")
elif what == "call":
    call = expected["call"]
    trace = ask(call["from"], "trace", call["path"])
    hops = [hop["node"] for hop in trace["hops"]] if trace else None
    if hops != call["trace"]:
        problems.append(f"trace of {call['path']} from {call['from']}: {hops} != {call['trace']}")
    out = subprocess.run(["ip", "netns", "exec", "damc-" + call["from"], "curl", "-s", "-m", "5",
                          "http://127.0.0.1:18080" + call["path"]], capture_output=True, text=True)
    try:
        service = json.loads(out.stdout).get("service")
    except ValueError:
        service = None
    if service != call["service"]:
        problems.append(f"call to {call['path']}: answered by {service!r} ({out.stdout.strip()[:200]}), expected {call['service']}")
elif what == "avoid":
    gone = sys.argv[3]
    for node in sorted(expected["fibs"]):
        if node == gone:
            continue
        reply = ask(node, "show", "fib")
        if reply is None:
            problems.append(f"{node}: not answering")
            continue
        through = [entry["prefix"] for entry in reply["entries"]
                   if any(hop.startswith(gone + "@") for hop in entry["next_hops"])]
        if through:
            problems.append(f"{node}: {through} still go through {gone}")
else:
    problems.append(f"unknown check {what}")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
