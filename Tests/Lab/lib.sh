# Sourced by every Tests/Lab/*/run.sh: brings the scenario's topology up in
# namespaces, removes the lab on any exit, and gives `poll` (check.py in a
# bounded loop, at most 60 s; prints the last difference on failure).
# The scenario's directory is $here; its expected.json is checked.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
lab="$repo/deploy/lab/damc-lab"
check_log=$(mktemp /tmp/damc-lab-check.XXXXXX)
trap '"$lab" down >/dev/null 2>&1 || true; rm -f "$check_log"' EXIT
lab_dir=${DAMC_LAB_DIR:-/run/damc-lab}
export DAMC_SOCKET_DIR=$lab_dir/run
export DAMCCTL="$DAMC_BIN/damcctl"
# A scenario's policy.json, if it has one, is the SPA's policy.
if [[ -f $here/policy.json ]]; then "$lab" up "$here/topology.json" "$here/policy.json"; else "$lab" up "$here/topology.json"; fi

ctl() { "$DAMCCTL" "$@"; }

poll() {   # ARGS...: check.py's arguments after the expected file
    for _ in $(seq 1 120); do
        python3 "$repo/Tests/Lab/check.py" "$here/expected.json" "$@" > "$check_log" 2>&1 && return 0
        sleep 0.5
    done
    cat "$check_log"
    return 1
}

# A field of expected.json (a dotted path).
expected() {
    python3 -c 'import json,sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."): value = value[key]
print(value)' "$here/expected.json" "$1"
}
