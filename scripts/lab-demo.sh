#!/usr/bin/env bash
# The namespace part of the run command (scripts/demo.sh, as root): the
# Figure 2 mesh of draft-li-icnrg-damc in network namespaces with its SPA
# and SCSC (deploy/lab/damc-lab), every service granted by the SPA, calls
# by name that succeed, damcctl tables of the path, then the lab removed.
set -euo pipefail
cd "$(dirname "$0")/.."
export DAMC_BIN=${DAMC_BIN:-$(swift build -c release --show-bin-path)}
export DAMC_SOCKET_DIR=${DAMC_LAB_DIR:-/run/damc-lab}/run
lab=deploy/lab/damc-lab
ctl() { "$DAMC_BIN/damcctl" "$@"; }
"$lab" down >/dev/null 2>&1 || true
trap '"$lab" down >/dev/null 2>&1 || true' EXIT

echo "== damc-lab up examples/figure2.json (namespaces damc-*, links from 198.18.0.0/15, management network 198.19.128.0/17)"
"$lab" up examples/figure2.json
# Bounded wait: every routing node's FIB holds the four prefixes.
for _ in $(seq 1 200); do
    full=1
    for node in sg1 sg2 sg3 sg4 sr1 sr2 sr3 scsc; do
        [[ $(ctl -n "$node" --json show fib 2>/dev/null | grep -c '"prefix"') == 4 ]] || { full=0; break; }
    done
    ((full)) && break
    sleep 0.1
done
"$lab" status
echo
echo "== the SPA's grants: every pod's prefix at sg1 (class 3)"
ctl -n sg1 show pods
echo
echo "== routing tables along the path sg1 -> sr1 -> sg3"
ctl -n sg1 show fib
ctl -n sr1 show neighbors
ctl -n sr1 show fib
echo
echo "== a call by name from sg1's pod side: /D/items/42 is served by sg3's pod"
ip netns exec damc-sg1 curl -s -m 5 http://127.0.0.1:18080/D/items/42; echo
ctl -n sg1 trace /D/items/42
echo
echo "== /B is anycast (sg1 and sg4): from sg2 the nearest is sg4"
ip netns exec damc-sg2 curl -s -m 5 http://127.0.0.1:18080/B/orders; echo
ctl -n sg2 trace /B/orders
echo
echo "== an unknown name gets an error naming the hop and the reason"
ip netns exec damc-sg1 curl -s -i -m 5 http://127.0.0.1:18080/nowhere/x | sed -n '1p;/^X-DAMC/p;$p'; echo
echo
echo "== the scheduling centre hears every node (class 4 telemetry over TLS)"
ctl -n scsc show telemetry | head -12
echo
"$lab" down
trap - EXIT
