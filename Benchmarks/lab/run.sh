#!/usr/bin/env bash
# Lab bring-up benchmark (issue 9; docs/performance.md "Lab bring-up").
# For Figure 2 and a generated 30-node topology: the time `damc-lab up`
# takes to return, and until every FIB holds every prefix of the topology
# (each node polled with damcctl until complete), beside the reference
# measured in the same run: the bare plumbing of the same size (as many
# namespaces and veth pairs with addresses, made and removed with ip, no
# daemons). Root only. Never fails on timing: it prints.
#
#   Benchmarks/lab/run.sh            # RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) == 0 ]] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }
RUNS=${RUNS:-3}
swift build -c release >/dev/null
export DAMC_BIN=$(swift build -c release --show-bin-path)
export DAMC_LAB_DIR=/run/damc-lab-bench
export DAMC_SOCKET_DIR=$DAMC_LAB_DIR/run
lab=deploy/lab/damc-lab
work=$(mktemp -d /tmp/damc-lab-bench-XXXXXX)
cleanup() {
    "$lab" down >/dev/null 2>&1 || true
    for ns in $(ip netns list | awk '{print $1}' | grep '^damc-bench-' || true); do ip netns del "$ns"; done
    rm -rf "$work"
}
trap cleanup EXIT
"$lab" down >/dev/null 2>&1 || true

"$DAMC_BIN/damc-sim" generate --routers 20 --gateways 10 --extra-links 10 --prefixes 2 --seed 1 > "$work/generated30.json"
now() { date +%s.%N; }

plumbing() {   # TOPOLOGY: seconds to make and remove its namespaces and veths
    local start nodes links index=0
    start=$(now)
    mapfile -t nodes < <(python3 -c 'import json,sys; [print(n["id"]) for n in json.load(open(sys.argv[1]))["nodes"]]' "$1")
    mapfile -t links < <(python3 -c 'import json,sys; [print(l["a"], l["b"]) for l in json.load(open(sys.argv[1]))["links"]]' "$1")
    for node in "${nodes[@]}"; do ip netns add "damc-bench-$node"; ip -n "damc-bench-$node" link set lo up; done
    for entry in "${links[@]}"; do
        read -r a b <<< "$entry"
        ip link add "db${index}a" netns "damc-bench-$a" type veth peer name "db${index}b" netns "damc-bench-$b"
        ip -n "damc-bench-$a" addr add "198.18.$((index / 64)).$((index % 64 * 4 + 1))/30" dev "db${index}a"
        ip -n "damc-bench-$b" addr add "198.18.$((index / 64)).$((index % 64 * 4 + 2))/30" dev "db${index}b"
        ip -n "damc-bench-$a" link set "db${index}a" up
        ip -n "damc-bench-$b" link set "db${index}b" up
        index=$((index + 1))
    done
    for node in "${nodes[@]}"; do ip netns del "damc-bench-$node"; done
    echo "$(now) - $start" | bc
}

converged() {   # TOPOLOGY: returns once every routing node's FIB holds every prefix (at most 120 s)
    python3 - "$1" <<'PY'
import json, os, subprocess, sys, time
topology = json.load(open(sys.argv[1]))
prefixes = {s["prefix"] for n in topology["nodes"] for s in n.get("services", [])}
waiting = [n["id"] for n in topology["nodes"] if n["role"] in ("sg", "sr", "scsc")]
deadline = time.monotonic() + 120
while waiting and time.monotonic() < deadline:
    still = []
    for node in waiting:
        out = subprocess.run([os.environ["DAMC_BIN"] + "/damcctl", "-n", node, "--json", "show", "fib"], capture_output=True, text=True)
        have = {e["prefix"] for e in json.loads(out.stdout)["entries"]} if out.returncode == 0 else set()
        if have != prefixes:
            still.append(node)
    waiting = still
sys.exit(1 if waiting else 0)
PY
}

rows=()
for topology in examples/figure2.json "$work/generated30.json"; do
    name=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print("%s (%d nodes, %d links)" % (t["name"], len(t["nodes"]), len(t["links"])))' "$topology")
    for run in $(seq 1 "$RUNS"); do
        reference=$(plumbing "$topology")
        start=$(now)
        "$lab" up "$topology" >/dev/null
        up=$(echo "$(now) - $start" | bc)
        if converged "$topology"; then all=$(printf "%.2f" "$(echo "$(now) - $start" | bc)"); else all="not converged in 120 s"; fi
        "$lab" down >/dev/null
        rows+=("$name|$run|$up|$all|$reference")
    done
done
echo "Lab bring-up: damc-lab up until it returns, and until every FIB holds every prefix; reference: the same namespaces and veths alone (ip), same run; $(nproc) cores, $(date -u +%F)"
printf '%-40s %4s %12s %16s %16s\n' "topology" "run" "up (s)" "converged (s)" "plumbing (s)"
for row in "${rows[@]}"; do
    IFS='|' read -r name run up all reference <<< "$row"
    printf '%-40s %4s %12.2f %16s %16.2f\n' "$name" "$run" "$up" "$all" "$reference"
done
