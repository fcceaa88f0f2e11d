#!/usr/bin/env bash
# Lab scenario: a link goes down with `ip link` and comes back; every FIB
# follows the reference. Run by Tests/Lab/run-all.sh (root); removes its lab on any exit.
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
read -r index a < <(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["link"]; print(l["index"], l["a"])' "$here/expected.json")
poll fibs
ip -n "damc-$a" link set "dl${index}a" down
poll fibs fibs_after_failure
ip -n "damc-$a" link set "dl${index}a" up
poll fibs
echo "link-down-up: FIBs followed links[$index] down (after-failure reference) and up (back to the first)"
