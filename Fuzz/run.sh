#!/usr/bin/env bash
# Builds and runs the libFuzzer target for the DAMC decoder.
#
#   Fuzz/run.sh [RUNS] [extra libFuzzer flags...]
#
# RUNS defaults to 10,000,000 executions. The seed corpus is made from the
# golden vectors in Tests/DAMCWireTests/Fixtures; new interesting inputs
# are kept in Fuzz/corpus/ (git-ignored), crashes in Fuzz/out/.
# A crash means: a trap, a sanitizer report, a non-canonical input that was
# accepted, or a single allocation over 64 MiB (-malloc_limit_mb).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10000000}"
shift || true
mkdir -p Fuzz/out Fuzz/corpus Fuzz/seeds
sources=(Sources/DAMCWire/*.swift Sources/DAMCWire/*/*.swift)
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name DAMCWireFuzz \
    "${sources[@]}" Fuzz/FuzzWire.swift -o Fuzz/out/fuzz-wire
for fixture in Tests/DAMCWireTests/Fixtures/*.hex; do
    grep -v '^#' "$fixture" | tr -d ' \n' | xxd -r -p > "Fuzz/seeds/$(basename "$fixture" .hex).bin"
done
exec Fuzz/out/fuzz-wire Fuzz/corpus Fuzz/seeds \
    -runs="$runs" -max_len=16384 -malloc_limit_mb=64 -rss_limit_mb=1024 \
    -artifact_prefix=Fuzz/out/ -print_final_stats=1 "$@"
