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

# Small HTTP services behind every endpoint the topology configures (the
# pods' instances), started first so the gateways' probes find them up.
endpoints=$(grep -o '"endpoints": *\[[^]]*\]' "$topology" | grep -o '[0-9][0-9.]*:[0-9][0-9]*' | sort -u || true)
calls=0
if [[ -n "$endpoints" ]] && command -v python3 >/dev/null && command -v curl >/dev/null; then
    calls=1
    for endpoint in $endpoints; do
        # The service exits when its stdin (a pipe held open by sleep) closes with this script.
        sleep infinity | python3 Tests/DAMCRuntimeTests/Fixtures/test_service.py "${endpoint%:*}" "${endpoint##*:}" "instance-at-$endpoint" \
            >/dev/null 2>&1 &
        pids+=($!)
    done
fi

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

# Calls by name (docs/forwarding.md), through the first gateway's ingress.
if ((calls)); then
    first=""
    for node in "${nodes[@]}"; do
        if grep -q '"ingress"' "$work/$node.json"; then first=$node; break; fi
    done
    ingress=$(sed -n 's/.*"ingress": "\(.*\)".*/\1/p' "$work/$first.json")
    name=$(grep -o '"prefix": *"[^"]*"' "$topology" | sed 's/.*: *"//; s/"//' | sort -u | tail -n 1 || true)
    for _ in $(seq 1 100); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$ingress$name/" || true) == 200 ]] && break
        sleep 0.05
    done
    echo
    echo "== a call by name: curl http://$ingress$name/items/42 (enters at $first, crosses the routers)"
    curl -s -D - "http://$ingress$name/items/42"
    echo
    echo "== a name nobody serves gets an error that says where and why"
    curl -s -D - "http://$ingress/nobody/home" || true
    echo
    "$ctl" -s "$work/run/$first.sock" trace "$name/items/42"
fi
