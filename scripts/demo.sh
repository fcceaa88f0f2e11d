#!/usr/bin/env bash
# The run command (README): sets up, builds and shows DAMC working.
# Today (issue 3) that is the wire layer: damcctl decodes the golden
# vectors of every message type and checks service names. Later issues turn
# this into the Figure 2 mesh demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh

echo "== building (release)"
swift build -c release --product damcctl >/dev/null
ctl=.build/release/damcctl

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
