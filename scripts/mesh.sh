#!/usr/bin/env bash
# Brings up a topology's SGs and SRs as separate daemons on loopback
# (127.31.x.y, no root needed), waits until every daemon answers and has a
# full FIB, and prints damcctl tables of one node. With --hold it keeps the
# mesh running until Ctrl-C; otherwise it stops every daemon on exit.
#
#   bash scripts/mesh.sh [TOPOLOGY] [--node NODE] [--hold]
#
# Daemons run with --exit-with-parent, and a trap stops them, so none
# outlives this script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

topology=examples/figure2.json
show=sr1
hold=0
while (($#)); do
    case "$1" in
        --node) show=$2; shift 2 ;;
        --hold) hold=1; shift ;;
        *) topology=$1; shift ;;
    esac
done

bin=.build/release
ctl=$bin/damcctl
work=$(mktemp -d /tmp/damc-mesh-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "== rendering configs from $topology into $work"
"$ctl" config render "$topology" --out-dir "$work" --socket-dir "$work/run" --fast-timers >/dev/null
nodes=()
for config in "$work"/*.json; do
    node=$(basename "$config" .json)
    role=$(sed -n 's/.*"role": "\(.*\)".*/\1/p' "$config")
    case "$role" in
        sr) program=damc-sr ;;
        sg) program=damc-sg ;;
        *) continue ;;   # spa and scsc have their own daemons (issues 6, 8)
    esac
    "$bin/$program" --config "$config" --exit-with-parent 2>"$work/$node.log" &
    pids+=($!)
    nodes+=("$node")
done
echo "== started ${#nodes[@]} daemons: ${nodes[*]}"

# Bounded poll: every daemon answers and has as many FIB entries as the
# topology has distinct prefixes.
prefixes=$(grep -o '"prefix": *"[^"]*"' "$topology" | sort -u | wc -l)
converged=0
for _ in $(seq 1 200); do
    converged=1
    for node in "${nodes[@]}"; do
        entries=$("$ctl" -s "$work/run/$node.sock" --json show fib 2>/dev/null | grep -c '"prefix"' || true)
        if [[ "$entries" -ne "$prefixes" ]]; then converged=0; break; fi
    done
    ((converged)) && break
    sleep 0.05
done
if ((!converged)); then
    echo "mesh did not converge; logs in $work" >&2
    tail -n 5 "$work"/*.log >&2
    exit 1
fi
echo "== converged: every daemon has $prefixes FIB entries"

for what in neighbors interfaces lsdb rib fib; do
    echo
    "$ctl" -s "$work/run/$show.sock" show "$what"
done
echo
"$ctl" -s "$work/run/$show.sock" lookup /A/items/42

if ((hold)); then
    echo
    echo "== holding; try: $ctl -s $work/run/<node>.sock show fib   (Ctrl-C stops the mesh)"
    wait
fi
