#!/usr/bin/env bash
# Runs every lab scenario (Tests/Lab/*/run.sh) in network namespaces, as
# root, after the unit tests (scripts/test.sh). Each scenario removes its
# lab on exit; this script removes any namespace named damc-* on its own
# exit too. Without root or namespace support it says so loudly and skips.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export DAMC_BIN=${DAMC_BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
cleanup() { "$repo/deploy/lab/damc-lab" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
skip() {
    echo "################################################################"
    echo "## LAB SCENARIOS SKIPPED: $1"
    echo "################################################################"
    exit 0
}
[[ $(id -u) == 0 ]] || skip "not root (network namespaces need it)"
if ! ip netns add damc-probe 2>/dev/null; then skip "this machine cannot create network namespaces"; fi
ip netns del damc-probe
for tool in python3 curl openssl; do command -v "$tool" >/dev/null || skip "$tool missing"; done
cleanup
failed=()
for scenario in "$repo"/Tests/Lab/*/run.sh; do
    name=$(basename "$(dirname "$scenario")")
    echo "== lab scenario: $name"
    if bash "$scenario"; then echo "== $name: passed"; else echo "== $name: FAILED"; failed+=("$name"); fi
done
if ((${#failed[@]})); then
    echo "lab scenarios failed: ${failed[*]}" >&2
    exit 1
fi
echo "== every lab scenario passed"
