#!/usr/bin/env bash
# Installs DAMC on a systemd host (issue 9; docs/operations.md): the five
# binaries, the unit templates of deploy/systemd with the paths filled in,
# the config directory, a system user for the daemons, and the docs.
#
#   sudo deploy/install.sh                      # PREFIX=/usr/local, user damc
#   sudo PREFIX=/opt/damc DAMC_USER=damcd deploy/install.sh
#   DESTDIR=/tmp/stage deploy/install.sh        # a staging tree (packaging,
#                                               # checks); no user, no systemctl
#
# Variables: PREFIX (/usr/local), DAMC_USER (damc), SYSCONFDIR (/etc/damc),
# UNITDIR (/etc/systemd/system), DESTDIR (empty), DAMC_BIN (the built
# binaries; default: swift build -c release here). Running it again
# upgrades: binaries and units are replaced, configs are never touched.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
DAMC_USER=${DAMC_USER:-damc}
SYSCONFDIR=${SYSCONFDIR:-/etc/damc}
UNITDIR=${UNITDIR:-/etc/systemd/system}
DESTDIR=${DESTDIR:-}
bindir=$PREFIX/bin
docdir=$PREFIX/share/doc/damc
programs=(damc-sg damc-sr damc-spa damc-scsc damcctl)

die() { echo "install: $*" >&2; exit 1; }
[[ $DAMC_USER =~ ^[a-z_][a-z0-9_-]*$ ]] || die "DAMC_USER '$DAMC_USER' is not a valid user name"
if [[ -z $DESTDIR && $(id -u) != 0 ]]; then die "needs root (or DESTDIR=... for a staging tree)"; fi

if [[ -z ${DAMC_BIN:-} ]]; then
    (cd "$repo" && swift build -c release >/dev/null) || die "swift build -c release failed"
    DAMC_BIN=$(cd "$repo" && swift build -c release --show-bin-path)
fi
for program in "${programs[@]}"; do [[ -x $DAMC_BIN/$program ]] || die "$DAMC_BIN/$program missing"; done

if [[ -z $DESTDIR ]] && ! id -u "$DAMC_USER" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$DAMC_USER"
    echo "install: created system user $DAMC_USER (add operators to group $DAMC_USER for damcctl)"
fi

install -d "$DESTDIR$bindir" "$DESTDIR$docdir" "$DESTDIR$UNITDIR"
# The config directory: readable by the daemons' group only (keys live here).
install -d -m 0750 "$DESTDIR$SYSCONFDIR" "$DESTDIR$SYSCONFDIR/pki"
if [[ -z $DESTDIR ]]; then chgrp "$DAMC_USER" "$SYSCONFDIR" "$SYSCONFDIR/pki"; fi
for program in "${programs[@]}"; do install -m 0755 "$DAMC_BIN/$program" "$DESTDIR$bindir/$program"; done
for unit in "$repo"/deploy/systemd/*@.service; do
    sed -e "s|@BINDIR@|$bindir|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" -e "s|@DOCDIR@|$docdir|g" \
        -e "s|@USER@|$DAMC_USER|g" "$unit" > "$DESTDIR$UNITDIR/$(basename "$unit")"
    chmod 0644 "$DESTDIR$UNITDIR/$(basename "$unit")"
done
install -m 0644 "$repo"/docs/*.md "$DESTDIR$docdir/"

if [[ -z $DESTDIR && -d /run/systemd/system ]]; then systemctl daemon-reload; fi
echo "install: binaries in $DESTDIR$bindir, units in $DESTDIR$UNITDIR, configs go in $DESTDIR$SYSCONFDIR"
echo "install: next: put NODE.json in $SYSCONFDIR, then systemctl enable --now damc-sr@NODE (docs/operations.md)"
