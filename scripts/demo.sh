#!/usr/bin/env bash
# The run command (README): sets up, builds and shows DAMC working.
# First the Figure 2 mesh of draft-li-icnrg-damc as real daemons: as root,
# in network namespaces with its SPA and SCSC (scripts/lab-demo.sh); else
# on loopback (4 damc-sg, 3 damc-sr; scripts/mesh.sh) with damcctl tables
# of one router; then the wire layer (golden vectors, names) and the same mesh
# in the simulator with a link failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh

echo "== building (release)"
swift build -c release >/dev/null
ctl=.build/release/damcctl
sim=.build/release/damc-sim

if [[ $(id -u) == 0 ]] && ip netns add damc-probe 2>/dev/null; then
    ip netns del damc-probe
    bash scripts/lab-demo.sh
else
    echo "== not root (or no network namespaces): the Figure 2 mesh on loopback instead of in namespaces"
    bash scripts/mesh.sh examples/figure2.json --node sr1
fi
echo

echo "== damcctl --help"
"$ctl" --help

echo
echo "== service names: canonical form, or the component and reason they fail"
"$ctl" name /shop/cart '/pkg.Service/Method' '/files/a%2fb' '/a/../b' '/a b' || true

echo
echo "== every DAMC message type, decoded from its golden vector"
for fixture in Tests/DAMCWireTests/Fixtures/*.hex; do
    "$ctl" decode - < "$fixture" | head -1
done

echo
echo "== one in full: the SPA's grant (class 3)"
"$ctl" decode - < Tests/DAMCWireTests/Fixtures/AuthGrant.hex

echo
echo "== a corrupted LSA is refused with a typed error"
corrupted=$(grep -v '^#' Tests/DAMCWireTests/Fixtures/LinkStateUpdate.hex | tr -d ' \n' | sed 's/736731/736732/')
"$ctl" decode "$corrupted" || true

echo
echo "== routing: the Figure 2 mesh in the simulator, then link 2 (sr1-sr2) fails halfway"
"$sim" run examples/figure2.json --seconds 30 --fail 2 --show sg1 --show sr3
