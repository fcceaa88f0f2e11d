#!/usr/bin/env bash
# Forwarding benchmark (issue 7; docs/performance.md "Forwarding plane").
# Requests per second and latency through DAMC over 1 hop (sg1 -> sg2) and
# 3 hops (sg1 -> sr1 -> sr2 -> sg2), beside HAProxy chained over the same
# number of proxies, in the same run, against the same nginx backend, with
# the same wrk load; plus wrk straight to nginx, so "added" latency is the
# chain's minus the direct one. Never fails on timing: it prints.
#
#   Benchmarks/forwarding/run.sh            # DURATION=10 CONNECTIONS=50 THREADS=2
#   DURATION=30 CONNECTIONS=100 Benchmarks/forwarding/run.sh
#
# Needs: wrk haproxy nginx (apt-get install -y wrk haproxy nginx-light).
# Traffic stays on 127.70-127.73.x.x.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=Benchmarks/forwarding
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

results=()
wait_for http://127.70.9.1:9080/
read -r rps p50 p99 extra <<< "$(measure http://127.70.9.1:9080/B/x)"
direct_p50=$p50 direct_p99=$p99
results+=("direct to nginx|$rps|$p50|$p99|-|-|-|-|$extra")

run_damc() {   # NAME TOPOLOGY BLOCK
    local name=$1 topology=$2 block=$3 dir="$work/$1" mine=()
    mkdir -p "$dir/run"
    "$bin/damcctl" config render "$topology" --out-dir "$dir" --socket-dir "$dir/run" --address-block "$block" \
        --base-port 17900 --fast-timers >/dev/null
    local first=""
    for config in "$dir"/*.json; do
        local node role
        node=$(basename "$config" .json)
        role=$(grep -o '"role" *: *"s[gr]"' "$config" | grep -o 's[gr]"' | tr -d '"')
        "$bin/damc-$role" --config "$config" --exit-with-parent --log-level error 2>>"$dir/$node.log" &
        pids+=($!)
        mine+=($!)
        [[ $node == sg1 ]] && first=$!
    done
    local url="http://127.$block.0.1:18080/B/x"
    wait_for "$url"
    local before after
    before=$(cpu_ticks "${mine[@]}")
    read -r rps p50 p99 extra <<< "$(measure "$url")"
    after=$(cpu_ticks "${mine[@]}")
    results+=("$name|$rps|$p50|$p99|$((p50 - direct_p50))|$((p99 - direct_p99))|$(rss_kib "$first")|$(cpu_per_request "$before" "$after")|$extra")
}

run_haproxy() {   # NAME PROXIES BLOCK
    local name=$1 count=$2 block=$3 dir="$work/$1" first="" mine=()
    mkdir -p "$dir"
    for index in $(seq 1 "$count"); do
        local next="127.$block.0.$((index + 1)):18080"
        [[ $index == "$count" ]] && next="127.70.9.1:9080"
        cat > "$dir/haproxy$index.cfg" <<CONF
global
    maxconn 8000
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
frontend in
    bind 127.$block.0.$index:18080
    default_backend out
backend out
    server next $next
CONF
        haproxy -f "$dir/haproxy$index.cfg" -db 2>>"$dir/haproxy.log" &
        pids+=($!)
        mine+=($!)
        [[ $index == 1 ]] && first=$!
    done
    local url="http://127.$block.0.1:18080/B/x"
    wait_for "$url"
    local before after
    before=$(cpu_ticks "${mine[@]}")
    read -r rps p50 p99 extra <<< "$(measure "$url")"
    after=$(cpu_ticks "${mine[@]}")
    results+=("$name|$rps|$p50|$p99|$((p50 - direct_p50))|$((p99 - direct_p99))|$(rss_kib "$first")|$(cpu_per_request "$before" "$after")|$extra")
}

run_damc "DAMC 1 hop (sg1 -> sg2)" "$here/hop1.json" 71
run_haproxy "HAProxy x2 (1 hop)" 2 72
run_damc "DAMC 3 hops (sg1 -> sr1 -> sr2 -> sg2)" "$here/hop3.json" 73
run_haproxy "HAProxy x4 (3 hops)" 4 74

echo "Forwarding benchmark: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, GET of a 3-byte body, $(nproc) cores, $(date -u +%F)"
echo "latencies in microseconds; added = chain minus direct, same run; RSS = peak resident KiB of the first proxy (ingress);"
echo "CPU = user + system time of all the chain's proxies per request, microseconds"
printf '%-42s %10s %8s %8s %10s %10s %9s %7s\n' "path" "req/s" "p50" "p99" "added p50" "added p99" "RSS KiB" "CPU"
for row in "${results[@]}"; do
    IFS='|' read -r name rps p50 p99 a50 a99 rss cpu extra <<< "$row"
    printf '%-42s %10s %8s %8s %10s %10s %9s %7s %s\n' "$name" "$rps" "$p50" "$p99" "$a50" "$a99" "$rss" "$cpu" "$extra"
done
