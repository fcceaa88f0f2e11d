#!/usr/bin/env bash
# Lab scenario: a slow instance is steered around by the SCSC. The SCSC's
# RTT limit is lowered in its config (restart to apply, as an operator
# would); sg4's instance is made slow; the SCSC's policies send sg2's calls
# to sg1's instance; when it is fast again they are withdrawn. Run by
# Tests/Lab/run-all.sh (root); removes its lab on any exit.
source "$(dirname "$0")/../lib.sh"
poll fibs
poll call fib-call
python3 - "$lab_dir/conf/scsc.json" "$here/expected.json" <<'PY'
import json, sys
config, expected = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
config["scheduler"]["conditions"].update(expected["conditions"])
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
for pid in $(ip netns pids damc-scsc); do kill -TERM "$pid"; done
for _ in $(seq 1 100); do [[ -z $(ip netns pids damc-scsc) ]] && break; sleep 0.1; done
"$lab" start scsc
node=$(expected slow.node) endpoint=$(expected slow.endpoint)
ip netns exec "damc-$node" curl -s -m 5 "http://$endpoint/admin/delay?ms=$(expected slow.delay_ms)" >/dev/null
poll policies steered
poll call steered-call
ip netns exec "damc-$node" curl -s -m 5 "http://$endpoint/admin/delay?ms=0" >/dev/null
poll policies cleared
poll call fib-call
echo "slow-instance: $node's slow instance was steered around by the SCSC, and calls came back once it was fast"
