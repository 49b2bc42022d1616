#!/usr/bin/env bash
# make demo: start nginx with the module on 127.0.0.1:8080 and show it work.
#   demo.sh start | stop

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=$top/demo/run
module=$top/build/nginx-src/objs/ngx_http_partoo_tryout_module.so
nginx=${NGINX:-/usr/sbin/nginx}
url=http://127.0.0.1:8080/v2/webhooks/tryout

. "$top/conf-examples/demo-pki.sh"

stop() {
    if [ -f "$run/nginx.pid" ]; then
        kill -QUIT "$(cat "$run/nginx.pid")" 2>/dev/null || true
        for _ in $(seq 50); do
            [ -f "$run/nginx.pid" ] || break
            sleep 0.1
        done
    fi
}

start() {
    stop
    mkdir -p "$run"
    demo_pki "$run"
    demo_signing_key "$run"
    sed -e "s|@MODULE@|$module|g" -e "s|@RUN@|$run|g" \
        "$top/conf-examples/demo.conf" > "$run/nginx.conf"

    # a demo API key; the key file holds only its SHA-256
    [ -s "$run/api-key" ] || demo_api_key > "$run/api-key"
    key=$(cat "$run/api-key")
    printf '{"keys":[%s]}\n' "$(demo_key_entry "$key" demo)" \
        > "$run/keys.json"

    "$nginx" -p "$run" -c "$run/nginx.conf" -t -q
    "$nginx" -p "$run" -c "$run/nginx.conf"

    for _ in $(seq 50); do
        curl -s -o /dev/null "$url" && break
        sleep 0.1
    done

    body='{"items":[{"url":"https://127.0.0.1:8443/webhook","event_type":"business_created"}]}'
    samples=/internal/tryout/samples
    lead='{"id":7,"source":"form","values":[{"id":1,"type":"EMAIL","name":"Email","value":"jane@example.com"}]}'
    lead_tryout='{"items":[{"url":"https://127.0.0.1:8443/webhook","event_type":"lead_received"}]}'

    echo "nginx is serving the tryout endpoint on $url"
    echo "(log: $run/error.log; stop it with: make demo-stop)"
    echo
    echo "\$ curl -s -X POST $url -H 'Content-Type: application/json' \\"
    echo "      -H 'x-APIKey: $key' -d '$body'"
    curl -s -X POST "$url" -H 'Content-Type: application/json' \
        -H "x-APIKey: $key" -d "$body"
    echo
    echo
    echo "The receiver got it signed (public key: $run/ed25519.pub):"
    tail -n 1 "$run/receiver.log"
    echo
    echo "Org 42's latest lead, stored as a sample, is what its tryouts send:"
    echo "\$ curl -s -X PUT 'http://127.0.0.1:8080$samples?org_id=42&event_type=lead_received' \\"
    echo "      -H 'Content-Type: application/json' -d '$lead'"
    curl -s -X PUT "http://127.0.0.1:8080$samples?org_id=42&event_type=lead_received" \
        -H 'Content-Type: application/json' -d "$lead" \
        -o /dev/null -w '%{http_code}\n'
    echo "\$ curl -s -X POST $url -H 'Content-Type: application/json' \\"
    echo "      -H 'x-APIKey: $key' -d '$lead_tryout'"
    curl -s -X POST "$url" -H 'Content-Type: application/json' \
        -H "x-APIKey: $key" -d "$lead_tryout"
    echo
    echo
    echo "\$ curl -s -X POST $url -H 'Content-Type: application/json' \\"
    echo "      -H 'x-APIKey: $key' -d '{\"items\":[{\"url\":\"http://example.com\"}]}'"
    curl -s -X POST "$url" -H 'Content-Type: application/json' \
        -H "x-APIKey: $key" -d '{"items":[{"url":"http://example.com"}]}'
    echo
    echo
    echo "What the module counted (Prometheus's format; ?format=json for JSON):"
    echo "\$ curl -s http://127.0.0.1:8080/metrics/partoo-tryout \\"
    echo "      | grep -E '^partoo_tryout_(requests|deliveries)_total' | grep -v ' 0\$'"
    curl -s http://127.0.0.1:8080/metrics/partoo-tryout \
        | grep -E '^partoo_tryout_(requests|deliveries)_total' \
        | grep -v ' 0$'
}

case "${1:-start}" in
    start) start ;;
    stop)  stop ;;
    *)     echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
