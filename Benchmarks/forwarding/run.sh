#!/usr/bin/env bash
# Forwarding benchmark (issue 7; docs/performance.md "Forwarding plane").
# Requests per second and latency through DAMC over 1 hop (sg1 -> sg2) and
# 3 hops (sg1 -> sr1 -> sr2 -> sg2), beside HAProxy chained over the same
# number of proxies (HTTP/1.1 between them, and HTTP/2 between them with
# backend connections shared by every client, HAProxy's own way to carry
# many calls per connection), in the same run, against the same nginx
# backend, with the same wrk load; plus wrk straight to nginx, so "added" latency is the
# chain's minus the direct one. Never fails on timing: it prints.
#
#   Benchmarks/forwarding/run.sh            # ROUNDS=3 DURATION=10 CONNECTIONS=50 THREADS=2
#   ROUNDS=5 DURATION=30 CONNECTIONS=100 Benchmarks/forwarding/run.sh
#
# All chains start first and stay up; each round then measures nginx
# directly and every chain once, DAMC first in odd rounds and HAProxy first
# in even ones (a shared, noisy machine drifts during a run: alternating
# keeps the drift from favouring either side). Each round's rows, then the
# medians over the rounds and how many rounds DAMC was at least as fast.
#
# Needs: wrk haproxy nginx (apt-get install -y wrk haproxy nginx-light).
# Traffic stays on 127.70-127.76.x.x.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=Benchmarks/forwarding
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
for tool in wrk haproxy nginx; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing (apt-get install -y wrk haproxy nginx-light)" >&2; exit 1; }
done
swift build -c release --product damc-sg >/dev/null
swift build -c release --product damc-sr >/dev/null
swift build -c release --product damcctl >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d /tmp/damc-forwarding-bench-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The backend: nginx answering "ok" on 127.70.9.1:9080.
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    keepalive_requests 1000000;
    server { listen 127.70.9.1:9080; location / { return 200 "ok\n"; } }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)

# wrk's latency percentiles in microseconds, and requests per second.
measure() {
    local url=$1 out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")
    echo "$out" > "$work/last-wrk.txt"
    awk '
        function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1000000; return v }
        /^ +50%/ { p50 = us($2) } /^ +99%/ { p99 = us($2) } /^Requests\/sec/ { rps = $2 }
        /Non-2xx|Socket errors/ { errors = errors " " $0 }
        END { printf "%d %d %d%s\n", rps, p50, p99, (errors == "" ? "" : " errors:" errors) }' <<< "$out"
}

wait_for() {   # URL: until it answers 200, at most 30 s
    for _ in $(seq 1 300); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]] && return 0
        sleep 0.1
    done
    echo "bench: $1 never answered" >&2
    exit 1
}

rss_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
# CPU time (user + system, clock ticks) used so far by the given processes.
cpu_ticks() { local total=0 pid; for pid in "$@"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done; echo "$total"; }
# CPU microseconds per request the proxies spent during the last measure.
cpu_per_request() {   # TICKS_BEFORE TICKS_AFTER
    awk -v t=$(($2 - $1)) -v hz="$(getconf CLK_TCK)" '/ requests in / { printf "%.1f", t * 1000000 / hz / $1 }' "$work/last-wrk.txt"
}

# Chains: NAME -> "url|pids".
declare -A chain_url chain_pids chain_first

start_damc() {   # NAME TOPOLOGY BLOCK
    local name=$1 topology=$2 block=$3 dir="$work/$3" mine=() first=""
    mkdir -p "$dir/run"
    "$bin/damcctl" config render "$topology" --out-dir "$dir" --socket-dir "$dir/run" --address-block "$block" \
        --base-port 17900 --fast-timers >/dev/null
    for config in "$dir"/*.json; do
        local node role
        node=$(basename "$config" .json)
        role=$(grep -o '"role" *: *"s[gr]"' "$config" | grep -o 's[gr]"' | tr -d '"')
        "$bin/damc-$role" --config "$config" --exit-with-parent --log-level error 2>>"$dir/$node.log" &
        pids+=($!)
        mine+=($!)
        [[ $node == sg1 ]] && first=$!
    done
    chain_url[$name]="http://127.$block.0.1:18080/B/x"
    chain_pids[$name]="${mine[*]}"
    chain_first[$name]=$first
    wait_for "${chain_url[$name]}"
}

start_haproxy() {   # NAME PROXIES BLOCK [h2: HTTP/2 between the proxies]
    local name=$1 count=$2 block=$3 dir="$work/$3" first="" mine=() h2=${4:-}
    mkdir -p "$dir"
    for index in $(seq 1 "$count"); do
        local next="127.$block.0.$((index + 1)):18080" bind_proto="" server_proto="" reuse=""
        [[ $index == "$count" ]] && next="127.70.9.1:9080"
        if [[ -n $h2 ]]; then
            # h2c between the proxies, backend connections shared by all
            # clients' requests: HAProxy's own way to carry many calls per
            # connection between hops.
            reuse="    http-reuse always"
            [[ $index -gt 1 ]] && bind_proto=" proto h2"
            [[ $index -lt $count ]] && server_proto=" proto h2"
        fi
        cat > "$dir/haproxy$index.cfg" <<CONF
global
    maxconn 8000
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
$reuse
frontend in
    bind 127.$block.0.$index:18080$bind_proto
    default_backend out
backend out
    server next $next$server_proto
CONF
        haproxy -f "$dir/haproxy$index.cfg" -db 2>>"$dir/haproxy.log" &
        pids+=($!)
        mine+=($!)
        [[ $index == 1 ]] && first=$!
    done
    chain_url[$name]="http://127.$block.0.1:18080/B/x"
    chain_pids[$name]="${mine[*]}"
    chain_first[$name]=$first
    wait_for "${chain_url[$name]}"
}

# One measurement of a chain: a row "round|name|req/s|p50|p99|added p50|added p99|RSS|CPU|extra".
measure_chain() {   # ROUND NAME
    local round=$1 name=$2 before after rps p50 p99 extra
    # shellcheck disable=SC2086
    before=$(cpu_ticks ${chain_pids[$name]})
    read -r rps p50 p99 extra <<< "$(measure "${chain_url[$name]}")"
    # shellcheck disable=SC2086
    after=$(cpu_ticks ${chain_pids[$name]})
    rows+=("$round|$name|$rps|$p50|$p99|$((p50 - direct_p50))|$((p99 - direct_p99))|$(rss_kib "${chain_first[$name]}")|$(cpu_per_request "$before" "$after")|$extra")
}

wait_for http://127.70.9.1:9080/
damc1="DAMC 1 hop (sg1 -> sg2)"
haproxy1="HAProxy x2 (1 hop)"
damc3="DAMC 3 hops (sg1 -> sr1 -> sr2 -> sg2)"
haproxy3="HAProxy x4 (3 hops)"
h2proxy1="HAProxy x2, h2 between (1 hop)"
h2proxy3="HAProxy x4, h2 between (3 hops)"
start_damc "$damc1" "$here/hop1.json" 71
start_haproxy "$haproxy1" 2 72
start_damc "$damc3" "$here/hop3.json" 73
start_haproxy "$haproxy3" 4 74
start_haproxy "$h2proxy1" 2 75 h2
start_haproxy "$h2proxy3" 4 76 h2

# Warm-up, not measured: every chain carries load for a few seconds first
# (connections pooled, DAMC's multiplexed hop connections opened).
for name in "$damc1" "$haproxy1" "$h2proxy1" "$damc3" "$haproxy3" "$h2proxy3"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${chain_url[$name]}" >/dev/null
done

rows=()
for round in $(seq 1 "$ROUNDS"); do
    read -r rps p50 p99 extra <<< "$(measure http://127.70.9.1:9080/B/x)"
    direct_p50=$p50 direct_p99=$p99
    rows+=("$round|direct to nginx|$rps|$p50|$p99|-|-|-|-|$extra")
    if (( round % 2 == 1 )); then order=("$damc1" "$haproxy1" "$h2proxy1" "$damc3" "$haproxy3" "$h2proxy3")
    else order=("$h2proxy1" "$haproxy1" "$damc1" "$h2proxy3" "$haproxy3" "$damc3"); fi
    for name in "${order[@]}"; do measure_chain "$round" "$name"; done
done

echo "Forwarding benchmark: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, GET of a 3-byte body, $(nproc) cores, $(date -u +%F)"
echo "latencies in microseconds; added = chain minus direct, same round; RSS = peak resident KiB of the first proxy (ingress);"
echo "CPU = user + system time of all the chain's proxies per request, microseconds"
printf '%-5s %-42s %10s %8s %8s %10s %10s %9s %7s\n' "round" "path" "req/s" "p50" "p99" "added p50" "added p99" "RSS KiB" "CPU"
for row in "${rows[@]}"; do
    IFS='|' read -r round name rps p50 p99 a50 a99 rss cpu extra <<< "$row"
    printf '%-5s %-42s %10s %8s %8s %10s %10s %9s %7s %s\n' "$round" "$name" "$rps" "$p50" "$p99" "$a50" "$a99" "$rss" "$cpu" "$extra"
done
echo
echo "Medians over $ROUNDS rounds"
printf '%-42s %10s %10s %10s %7s\n' "path" "req/s" "added p50" "added p99" "CPU"
for name in "direct to nginx" "$damc1" "$haproxy1" "$h2proxy1" "$damc3" "$haproxy3" "$h2proxy3"; do
    printf '%s\n' "${rows[@]}" | awk -F'|' -v n="$name" '
        function median(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                           return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        $2 == n { k++; r[k] = $3; a5[k] = $6; a9[k] = $7; c[k] = $9 }
        END { printf "%-42s %10d %10s %10s %7s\n", n, median(r, k), (a5[1] == "-" ? "-" : median(a5, k)), (a9[1] == "-" ? "-" : median(a9, k)), (c[1] == "-" ? "-" : sprintf("%.1f", median(c, k))) }'
done
for pair in "$damc1|$haproxy1" "$damc1|$h2proxy1" "$damc3|$haproxy3" "$damc3|$h2proxy3"; do
    IFS='|' read -r ours theirs <<< "$pair"
    printf '%s\n' "${rows[@]}" | awk -F'|' -v a="$ours" -v b="$theirs" '
        $2 == a { r[$1] = $3; p[$1] = $7 } $2 == b { h[$1] = $3; q[$1] = $7 }
        END { for (k = 1; k in r; k++) { n++; if (r[k] >= h[k]) faster++; if (p[k] <= q[k]) lower++; s = s sprintf(" %.1f%%", 100 * r[k] / h[k]) }
              printf "%s vs %s: req/s at least HAProxy'"'"'s in %d of %d rounds (DAMC/HAProxy:%s); added p99 at most HAProxy'"'"'s in %d of %d\n", a, b, faster, n, s, lower, n }'
done
