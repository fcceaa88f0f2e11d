#!/usr/bin/env bash
# Installs what DAMC needs on a Debian machine, and nothing when it is all
# there already. Swift itself is expected at /opt/swift or on PATH (it is
# not a Debian package); everything else comes from apt.
set -euo pipefail

packages=(libssl-dev libsystemd-dev pkg-config iproute2 xxd openssl python3 curl systemd)

missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: missing Debian packages: ${missing[*]}" >&2
        echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        echo "setup: swift is at /opt/swift/usr/bin; add it to PATH" >&2
    else
        echo "setup: no Swift toolchain found (need Swift 6.3 at /opt/swift or on PATH)" >&2
    fi
    exit 1
fi
