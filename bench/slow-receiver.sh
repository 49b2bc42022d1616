#!/usr/bin/env bash
# Tryouts per second that one nginx worker sustains when the receiver
# answers after 1 second, with 500 concurrent clients, for each engine.
#
#   bench/slow-receiver.sh            (make bench runs it)
#
# Loopback only: the tryout nginx (1 worker) on 127.0.0.1:3994, a receiver
# nginx (echo_sleep 1, HTTPS with a bench CA) on 127.0.0.1:3995, and wrk
# with one thread and 500 connections for DURATION seconds per engine.
# The thread-pool engine is measured with nginx's default pool size (32
# threads) and with 512.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/slow-receiver
module=${TEST_NGINX_LOAD_MODULES:-$top/build/nginx-src/objs/ngx_http_partoo_tryout_module.so}
nginx=${NGINX:-/usr/sbin/nginx}
echo_module=/usr/lib/nginx/modules/ngx_http_echo_module.so
duration=${DURATION:-8}
connections=${CONNECTIONS:-500}

for tool in wrk openssl; do
    command -v $tool >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
[ -f "$echo_module" ] || { echo "$echo_module is missing" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/tryout/logs" "$out/receiver/logs" "$out/pki"

stop() {
    for pid in "$out"/*/logs/nginx.pid; do
        [ -f "$pid" ] && kill -QUIT "$(cat "$pid")" 2>/dev/null || true
    done
}
trap stop EXIT

(
    cd "$out/pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=Bench CA" \
        -addext basicConstraints=critical,CA:TRUE 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout receiver.key -out receiver.csr -subj "/CN=127.0.0.1" \
        2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' > receiver.ext
    openssl x509 -req -in receiver.csr -CA ca.crt -CAkey ca.key \
        -CAcreateserial -days 2 -extfile receiver.ext -out receiver.crt \
        2>/dev/null
)

cat > "$out/receiver/nginx.conf" <<_EOC_
load_module $echo_module;
worker_processes 1;
error_log $out/receiver/logs/error.log warn;
pid $out/receiver/logs/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path $out/receiver/body;
    server {
        listen 127.0.0.1:3995 ssl backlog=1024;
        ssl_certificate     $out/pki/receiver.crt;
        ssl_certificate_key $out/pki/receiver.key;
        location / {
            echo_read_request_body;
            echo_sleep 1;
            echo ok;
        }
    }
}
_EOC_

cat > "$out/tryout/nginx.conf" <<_EOC_
load_module $module;
worker_processes 1;
worker_rlimit_nofile 16384;
error_log $out/tryout/logs/error.log warn;
pid $out/tryout/logs/nginx.pid;
thread_pool threads32 threads=32;
thread_pool threads512 threads=512;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $out/tryout/body;
    partoo_tryout_allow_address 127.0.0.1;
    partoo_tryout_ssl_trusted_certificate $out/pki/ca.crt;
    server {
        listen 127.0.0.1:3994 backlog=1024;
        location = /event { partoo_tryout; }
        location = /threads32 {
            partoo_tryout;
            partoo_tryout_thread_pool threads32;
        }
        location = /threads512 {
            partoo_tryout;
            partoo_tryout_thread_pool threads512;
        }
    }
}
_EOC_

"$nginx" -p "$out/receiver" -c "$out/receiver/nginx.conf"
"$nginx" -p "$out/tryout" -c "$out/tryout/nginx.conf"
sleep 0.5

export TRYOUT_BODY='{"items":[{"url":"https://127.0.0.1:3995/hook","event_type":"business_created"}]}'

check=$(curl -s -X POST http://127.0.0.1:3994/event \
        -H 'Content-Type: application/json' -d "$TRYOUT_BODY")
case $check in
    *'"status":"success"'*) ;;
    *) echo "a single tryout does not succeed: $check" >&2; exit 1 ;;
esac

echo "receiver answers after 1 s; $connections connections; ${duration}s" \
     "per engine; one tryout worker"
echo

for engine in event threads32 threads512; do
    wrk -t1 -c"$connections" -d"${duration}s" --timeout 20s \
        -s "$top/bench/tryout.lua" "http://127.0.0.1:3994/$engine" \
        > "$out/$engine.txt" 2>&1

    rps=$(awk '/^Requests\/sec/ { print $2 }' "$out/$engine.txt")
    deliveries=$(grep '^deliveries:' "$out/$engine.txt" || true)
    errors=$(grep 'Socket errors' "$out/$engine.txt" || true)

    printf '%-11s %8s tryouts/s   %s %s\n' "$engine" "$rps" \
           "$deliveries" "${errors:+($errors)}"
done

echo
echo "(wrk's full output: $out/*.txt)"
