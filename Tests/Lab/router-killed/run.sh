#!/usr/bin/env bash
# Lab scenario: a router killed with kill -9 is routed around; started
# again, every FIB is as before. Run by Tests/Lab/run-all.sh (root);
# removes its lab on any exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
lab="$repo/deploy/lab/damc-lab"
trap '"$lab" down >/dev/null 2>&1 || true; rm -f /tmp/damc-lab-check.$$' EXIT
"$lab" up "$here/topology.json"
export DAMC_SOCKET_DIR=${DAMC_LAB_DIR:-/run/damc-lab}/run
export DAMCCTL="$DAMC_BIN/damcctl"
poll() {   # ARGS...: check.py until it passes, at most 60 s; prints the last difference on failure
    for _ in $(seq 1 120); do
        python3 "$repo/Tests/Lab/check.py" "$here/expected.json" "$@" > /tmp/damc-lab-check.$$ 2>&1 && return 0
        sleep 0.5
    done
    cat /tmp/damc-lab-check.$$
    return 1
}
node=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["node"])' "$here/expected.json")
poll fibs
for pid in $(ip netns pids "damc-$node"); do kill -KILL "$pid"; done
poll avoid "$node"
"$lab" start "$node"
poll fibs
echo "router-killed: $node killed with kill -9 was routed around, and every FIB is back once it restarted"
