#!/usr/bin/env bash
# Makes a lab PKI with the openssl command (issue 6; docs/spa.md): a CA,
# and for each node named (the SPA and every gateway) a key and a
# certificate whose common name and DNS subject alternative name are the
# node id: the SPA checks a gateway's requests against it, and a gateway
# checks the SPA's. Ed25519 keys; TLS 1.3 only. For labs and tests, not for
# production (no revocation, long validity, keys unencrypted).
#
#   deploy/make-lab-pki.sh DIR NODE... [--ca-name NAME]
#
# Writes DIR/ca.key, DIR/ca.crt, DIR/<node>.key, DIR/<node>.crt. An
# existing CA in DIR is reused, so nodes can be added later.
set -euo pipefail

if (($# < 2)); then
    echo "usage: $0 DIR NODE... [--ca-name NAME]" >&2
    exit 2
fi
dir=$1; shift
ca_name="DAMC lab CA"
nodes=()
while (($#)); do
    case "$1" in
        --ca-name) ca_name=$2; shift 2 ;;
        *) nodes+=("$1"); shift ;;
    esac
done
mkdir -p "$dir"
umask 077

if [[ ! -f "$dir/ca.key" ]]; then
    openssl genpkey -algorithm ed25519 -out "$dir/ca.key"
    openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=$ca_name" -days 3650 -out "$dir/ca.crt" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

for node in "${nodes[@]}"; do
    if [[ ! "$node" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]]; then
        echo "$0: '$node' is not a node id" >&2
        exit 2
    fi
    openssl genpkey -algorithm ed25519 -out "$dir/$node.key"
    openssl req -new -key "$dir/$node.key" -subj "/CN=$node" -out "$dir/$node.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n' "$node" > "$dir/$node.ext"
    openssl x509 -req -in "$dir/$node.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 825 -extfile "$dir/$node.ext" -out "$dir/$node.crt" 2>/dev/null
    rm -f "$dir/$node.csr" "$dir/$node.ext"
done
chmod 644 "$dir"/*.crt
echo "$dir: CA '$ca_name'; certificates for ${nodes[*]}"
