#!/usr/bin/env bash
# Checks the unit templates (issue 9; docs/operations.md): installs them
# into a scratch tree with deploy/install.sh, runs `systemd-analyze verify`
# on an instance of each (any warning fails), prints each one's
# `systemd-analyze security` exposure, and, given `strace -f -c` summaries
# of daemons at work, checks that every system call they made passes the
# units' SystemCallFilter.
#
#   deploy/systemd/check-units.sh [STRACE_SUMMARY...]
#
# Needs systemd-analyze (Debian package systemd); no running systemd.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-analyze >/dev/null || { echo "check-units: systemd-analyze missing (apt-get install -y systemd)" >&2; exit 1; }
scratch=$(mktemp -d /tmp/damc-units-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
DAMC_BIN=${DAMC_BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
# DESTDIR=/ with PREFIX in the scratch tree: the units name binaries that exist.
DESTDIR=/ PREFIX="$scratch/usr" SYSCONFDIR="$scratch/etc" UNITDIR="$scratch/units" DAMC_BIN=$DAMC_BIN \
    "$repo/deploy/install.sh" >/dev/null
status=0
for template in "$scratch"/units/*@.service; do
    name=$(basename "$template" @.service)
    instance="$scratch/units/$name@node1.service"
    cp "$template" "$instance"
    if output=$(systemd-analyze verify "$instance" 2>&1) && [[ -z $output ]]; then
        verdict=ok
    else
        verdict="FAILED: $output"
        status=1
    fi
    exposure=$(systemd-analyze security --offline=yes "$instance" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: //p')
    printf '%-10s verify %-4s security %s\n' "$name" "$verdict" "$exposure"
done
if (($#)); then
    python3 - "$scratch/units/damc-sr@node1.service" "$@" <<'PY' || status=1
import subprocess, sys
def expand(group):
    text = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True, text=True, check=True).stdout
    names = set()
    for line in text.splitlines()[1:]:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        names |= expand(item) if item.startswith("@") else {item}
    return names
allowed, denied = set(), set()
for line in open(sys.argv[1]):
    if line.startswith("SystemCallFilter="):
        value = line.split("=", 1)[1].split()
        target = denied if value[0].startswith("~") else allowed
        for item in value:
            item = item.lstrip("~")
            target |= expand(item) if item.startswith("@") else {item}
used = set()
for summary in sys.argv[2:]:
    for line in open(summary):
        fields = line.split()
        if fields and fields[-1].replace("_", "").isalnum() and fields[-1] not in ("syscall", "total") and fields[0][0].isdigit():
            used.add(fields[-1])
if not used:
    print("no system calls in the summaries given (did the traced daemons exit before strace wrote them?)")
    sys.exit(1)
refused = sorted(name for name in used if name not in allowed or name in denied)
print(f"system calls seen: {len(used)}; refused by SystemCallFilter: {refused if refused else 'none'}")
sys.exit(1 if refused else 0)
PY
fi
exit $status
