#!/usr/bin/env bash
# Measures how much heap the wire decoder allocates per input byte on
# inputs built to be the worst case (Sources/damc-bench/WorstCases.swift):
# the total bytes allocated (valgrind DHAT) by a run that builds and
# decodes each input, minus a run that only builds it, divided by the input
# size. The total counts every allocation, freed or not, so it bounds the
# decoder's peak from above. Prints a table; it
# measures, it does not judge (docs/performance.md keeps the figures).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command -v valgrind >/dev/null || { echo "alloc-check: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
swift build -c release --product damc-bench >/dev/null
bench=.build/release/damc-bench

total() { valgrind --tool=dhat --dhat-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Total:/ {gsub(",", "", $3); print $3}'; }

printf '%-45s %10s %14s %8s\n' "input" "bytes" "allocated (B)" "ratio"
index=0
while name=$($bench worst-case $index 2>/dev/null) && [[ -n "$name" ]]; do
    label=${name%%:*}
    size=$(echo "$name" | sed -E 's/.*: ([0-9]+) bytes.*/\1/')
    with=$(total $bench worst-case $index)
    without=$(total $bench worst-case -1 $index)
    extra=$((with - without))
    printf '%-45s %10d %14d %7.1fx\n' "$label" "$size" "$extra" "$(echo "$extra / $size" | bc -l)"
    index=$((index + 1))
    [[ $index -ge 7 ]] && break
done
