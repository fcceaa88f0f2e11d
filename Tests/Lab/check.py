"""Compares a running lab with a scenario's expected.json (Tests/Lab/README.md).

    python3 Tests/Lab/check.py EXPECTED.json fibs [KEY]|call [KEY]|avoid NODE|pods KEY|policies KEY

fibs [KEY]    every node's FIB equals expected[KEY] (default "fibs"):
              {node: {prefix: [next hops]}}
call [KEY]    expected[KEY] (default "call"): {"from", "path"} and either
              "service" and "trace" (who answers a curl from the node's
              ingress, and `damcctl trace`'s hops), or "status" and "error"
              (the HTTP status and X-DAMC-Error of a refused call)
avoid NODE    every other node of "fibs" answers and none has a next hop
              through NODE
pods KEY      expected[KEY]: {node: {prefix: status}} of `show pods`
policies KEY  expected[KEY]: {node: [[prefix, target gateway], ...]}, the
              whole of `show policies` ([] for none)

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
    call = expected[sys.argv[3] if len(sys.argv) > 3 else "call"]
    if "trace" in call:
        trace = ask(call["from"], "trace", call["path"])
        hops = [hop["node"] for hop in trace["hops"]] if trace else None
        if hops != call["trace"]:
            problems.append(f"trace of {call['path']} from {call['from']}: {hops} != {call['trace']}")
    out = subprocess.run(["ip", "netns", "exec", "damc-" + call["from"], "curl", "-s", "-i", "-m", "5",
                          "http://127.0.0.1:18080" + call["path"]], capture_output=True, text=True)
    head, _, body = out.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else None
    error = next((line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("x-damc-error:")), None)
    if "service" in call:
        try:
            service = json.loads(body).get("service")
        except ValueError:
            service = None
        if status != 200 or service != call["service"]:
            problems.append(f"call to {call['path']}: {status}, answered by {service!r} ({body.strip()[:200]}), expected {call['service']}")
    else:
        if status != call["status"] or error != call["error"]:
            problems.append(f"call to {call['path']}: {status} {error} ({body.strip()[:200]}), expected {call['status']} {call['error']}")
elif what == "pods":
    for node, wanted in sorted(expected[sys.argv[3]].items()):
        reply = ask(node, "show", "pods")
        have = {pod["prefix"]: pod["status"] for pod in reply["pods"]} if reply else None
        for prefix, status in wanted.items():
            if have is None or have.get(prefix) != status:
                problems.append(f"{node}: {prefix} is {None if have is None else have.get(prefix)}, expected {status}")
elif what == "policies":
    for node, wanted in sorted(expected[sys.argv[3]].items()):
        reply = ask(node, "show", "policies")
        have = sorted([policy["prefix"], policy["target_gateway"]] for policy in reply["policies"]) if reply else None
        if have != sorted(wanted):
            problems.append(f"{node}: policies {have} != expected {sorted(wanted)}")
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
