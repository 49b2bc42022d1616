#!/usr/bin/env bash
# API key lookup cost: the 401 path and the authenticated path with 10 keys
# and with 1,000,000 keys, against nginx's own "return 401", in one run.
#
#   bash bench/keys.sh            (after make build; needs wrk)
#
# One nginx, one worker, two keys zones: /small (10 keys) and /large
# (1,000,000 keys), plus /baseline (return 401).  wrk: one thread, 50
# connections, RUNS runs of DURATION each, median reported.  Every request
# carries a different random key (wrk's Lua), so the 1M-key lookups walk a
# tree that does not fit in the CPU caches, as real traffic would.  The
# authenticated requests send text/plain: they end at the 415 right after
# the access steps, the cheapest answer an authenticated request gets.
#
# Environment: NKEYS (1000000), DURATION (6s), RUNS (3), PORT (2991),
# CONNECTIONS (50).

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/keys
module=$top/build/nginx-src/objs/ngx_http_partoo_tryout_module.so
nginx=${NGINX:-/usr/sbin/nginx}

nkeys=${NKEYS:-1000000}
duration=${DURATION:-6s}
runs=${RUNS:-3}
port=${PORT:-2991}
conns=${CONNECTIONS:-50}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2;
                               exit 1; }
[ -f "$module" ] || { echo "build the module first: make build" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/logs" "$out/conf"

# key files: "bench-key-<i>", stored as digests ---------------------------

gen_keys() {
    perl -MDigest::SHA=sha256_hex -e '
        my ($n) = @ARGV;
        print qq({"keys":[\n);
        for my $i (1 .. $n) {
            print qq({"key_sha256":"), sha256_hex("bench-key-$i"),
                  qq(","user_id":"u-$i","role":"ORG_ADMIN","org_id":$i}),
                  $i < $n ? ",\n" : "\n";
        }
        print "]}\n";' "$1" > "$2"
}

t0=$(date +%s.%N)
gen_keys 10 "$out/conf/small.json"
gen_keys "$nkeys" "$out/conf/large.json"
t1=$(date +%s.%N)
printf 'key files: %s keys, %s MB, written in %.1f s\n' "$nkeys" \
    "$(( $(stat -c %s "$out/conf/large.json") / 1024 / 1024 ))" \
    "$(echo "$t1 - $t0" | bc)"

conf() {
    cat <<EOF
load_module $module;
worker_processes 1;
error_log $out/logs/error.log notice;
pid $out/logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    partoo_tryout_keys_zone zone=small:1m file=small.json;
    partoo_tryout_keys_zone zone=large:$1 file=large.json;
    server {
        listen 127.0.0.1:$port backlog=4096;
        keepalive_requests 1000000;
        location = /small { partoo_tryout keys=small; }
        location = /large { partoo_tryout keys=large; }
        location = /baseline {
            default_type application/json;
            return 401 '{"errors":{"authentication":"User not authenticated"}}';
        }
    }
}
EOF
}

# the zone size: ask nginx, through the error a too small zone gives ------

conf 1m > "$out/conf/nginx.conf"
msg=$("$nginx" -t -p "$out" -c "$out/conf/nginx.conf" 2>&1 || true)
size=$(echo "$msg" | sed -n 's/.*use at least \([0-9]*m\).*/\1/p' | head -1)
[ -n "$size" ] || { echo "$msg" >&2; exit 1; }
echo "a 1m zone refuses $nkeys keys; nginx asks for: $size"

conf "$size" > "$out/conf/nginx.conf"

/usr/bin/time -f '%e %M' -o "$out/time" \
    "$nginx" -t -q -p "$out" -c "$out/conf/nginx.conf"
read -r secs rss < "$out/time"
echo "nginx -t with $nkeys keys in a $size zone: ${secs} s, peak RSS" \
     "$(( rss / 1024 )) MB"

t0=$(date +%s.%N)
"$nginx" -p "$out" -c "$out/conf/nginx.conf"
trap '"$nginx" -p "$out" -c "$out/conf/nginx.conf" -s quit 2>/dev/null || true' EXIT

until curl -s -o /dev/null "http://127.0.0.1:$port/baseline"; do
    sleep 0.05
done
t1=$(date +%s.%N)
printf 'nginx start to first answer: %.2f s\n' "$(echo "$t1 - $t0" | bc)"

grep 'partoo_tryout_keys_zone "large"' "$out/logs/error.log" | tail -1 \
    | sed 's/^.*partoo_tryout_keys_zone/  partoo_tryout_keys_zone/'

used_k=$(grep 'partoo_tryout_keys_zone "large"' "$out/logs/error.log" \
         | tail -1 | sed -n 's/.*, \([0-9]*\)K of .*/\1/p')
echo "bytes per key (zone in use / keys): $(( used_k * 1024 / nkeys ))"

# wrk: a random key per request ------------------------------------------

# requests are built once (wrk.format per request would make wrk, not
# nginx, the bottleneck), each with its own random key, and sent in turn
cat > "$out/keys.lua" <<'EOF'
local n = tonumber(os.getenv("BENCH_N"))
local prefix = os.getenv("BENCH_PREFIX")
local path = os.getenv("BENCH_PATH")
local pool = tonumber(os.getenv("BENCH_POOL") or "100000")

local requests = {}
local i = 0

math.randomseed(42)

for k = 1, pool do
    requests[k] = wrk.format("POST", path,
                             {["Host"] = "localhost",
                              ["Content-Type"] = "text/plain",
                              ["x-APIKey"] = prefix .. math.random(1, n)})
end

request = function()
    i = i % pool + 1
    return requests[i]
end
EOF

worker=$(pgrep -P "$(cat "$out/logs/nginx.pid")")
hz=$(getconf CLK_TCK)

# the worker's CPU time so far, in clock ticks
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$worker/stat"
}

# one wrk run: BENCH_N BENCH_PREFIX BENCH_PATH -> "req/s µs-of-worker-CPU/req"
run_wrk() {
    local c0 c1 n rps
    c0=$(cpu_ticks)
    BENCH_N=$1 BENCH_PREFIX=$2 BENCH_PATH=$3 \
        wrk -t1 -c"$conns" -d"$duration" -s "$out/keys.lua" \
            "http://127.0.0.1:$port" > "$out/wrk.txt"
    c1=$(cpu_ticks)
    n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out/wrk.txt")
    rps=$(sed -n 's/^Requests\/sec: *\([0-9]*\).*/\1/p' "$out/wrk.txt")
    echo "$rps $(echo "scale=2; ($c1 - $c0) * 1000000 / $hz / $n" | bc)"
}

check_status() {
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
                  -H 'Content-Type: text/plain' -H "x-APIKey: ${2}1" \
                  "http://127.0.0.1:$port$3")
    [ "$status" = "$4" ] || { echo "$3 answers $status, not $4" >&2; exit 1; }
}

names=(base s401 l401 sok lok)
declare -A args=(
    [base]="$nkeys bench-nokey- /baseline 401"
    [s401]="10 bench-nokey- /small 401"
    [l401]="$nkeys bench-nokey- /large 401"
    [sok]="10 bench-key- /small 415"
    [lok]="$nkeys bench-key- /large 415"
)
declare -A label=(
    [base]="return 401 (nginx alone)"
    [s401]="401, unknown key, 10 keys"
    [l401]="401, unknown key, $nkeys keys"
    [sok]="authenticated (415), 10 keys"
    [lok]="authenticated (415), $nkeys keys"
)
declare -A rps cpu

for name in "${names[@]}"; do
    check_status ${args[$name]}
done

# runs interleaved, so that a noisy neighbour weighs on every path alike
for run in $(seq "$runs"); do
    for name in "${names[@]}"; do
        set -- ${args[$name]}
        read -r r c < <(run_wrk "$1" "$2" "$3")
        rps[$name]+="$r "
        cpu[$name]+="$c "
    done
done

median() {
    printf '%s\n' $1 | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

echo
echo "wrk -t1 -c$conns -d$duration, a random key per request, median of" \
     "$runs runs:"
printf '  %-40s %9s %14s\n' "" "req/s" "worker us/req"

declare -A mr mc
for name in "${names[@]}"; do
    mr[$name]=$(median "${rps[$name]}")
    mc[$name]=$(median "${cpu[$name]}")
    printf '  %-40s %9s %14s\n' "${label[$name]}" "${mr[$name]}" \
           "${mc[$name]}"
done

ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }

echo
echo "ratios (throughput; worker CPU per request):"
printf '  %-44s %6s %6s\n' "401 path, $nkeys keys / 10 keys" \
    "$(ratio "${mr[l401]}" "${mr[s401]}")" \
    "$(ratio "${mc[l401]}" "${mc[s401]}")"
printf '  %-44s %6s %6s\n' "authenticated, $nkeys keys / 10 keys" \
    "$(ratio "${mr[lok]}" "${mr[sok]}")" \
    "$(ratio "${mc[lok]}" "${mc[sok]}")"
printf '  %-44s %6s %6s\n' "401 path, 10 keys / return 401" \
    "$(ratio "${mr[s401]}" "${mr[base]}")" \
    "$(ratio "${mc[s401]}" "${mc[base]}")"
printf '  %-44s %6s %6s\n' "401 path, $nkeys keys / return 401" \
    "$(ratio "${mr[l401]}" "${mr[base]}")" \
    "$(ratio "${mc[l401]}" "${mc[base]}")"
