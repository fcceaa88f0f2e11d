#!/usr/bin/env bash
# The test command (README): builds every product, runs the unit and
# simulator tests with Swift Testing, checks the systemd units, then the
# namespace lab scenarios
# (Tests/Lab, as root; a loud skip otherwise), then a short fuzzing smoke
# run of the wire decoder.
#
# Release configuration: the simulator tests run hundreds of routing
# engines (500 nodes) and take about 30 s optimised but many minutes in a
# debug build. Overflow and precondition checks stay on in release.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh   # installs missing Debian packages (root), else nothing

echo "== build (release, all products)"
swift build -c release

echo "== swift test -c release"
swift test -c release

echo "== systemd units: systemd-analyze verify and security (deploy/systemd/check-units.sh)"
bash deploy/systemd/check-units.sh

echo "== lab scenarios in network namespaces (root; Tests/Lab/run-all.sh skips loudly without)"
bash Tests/Lab/run-all.sh

echo "== fuzz smoke: wire decoder, 300000 executions (Fuzz/run.sh)"
Fuzz/run.sh 300000 -print_final_stats=1 2>&1 | grep -E '^(Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true
if ls Fuzz/out/crash-* >/dev/null 2>&1; then
    echo "fuzz smoke: crash found, see Fuzz/out/" >&2
    exit 1
fi
