#!/usr/bin/env bash
# Lab scenario: Figure 2 converges in namespaces, and a call by name crosses it.
# Run by Tests/Lab/run-all.sh (root); removes its lab on any exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
lab="$repo/deploy/lab/damc-lab"
trap '"$lab" down >/dev/null 2>&1 || true' EXIT
"$lab" up "$here/topology.json"
export DAMC_SOCKET_DIR=${DAMC_LAB_DIR:-/run/damc-lab}/run
export DAMCCTL="$DAMC_BIN/damcctl"
poll() {   # CHECK: until it passes, at most 60 s; prints the last difference on failure
    for _ in $(seq 1 120); do
        python3 "$repo/Tests/Lab/check.py" "$here/expected.json" "$1" > /tmp/damc-lab-check.$$ 2>&1 && return 0
        sleep 0.5
    done
    cat /tmp/damc-lab-check.$$
    return 1
}
poll fibs
poll call
rm -f /tmp/damc-lab-check.$$
echo "figure2-converge: every FIB equals the reference; /D answered by sg3 through sr1"
