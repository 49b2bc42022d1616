#!/usr/bin/env bash
# make deb-check: install the .deb, start the stock /usr/sbin/nginx with the
# module the package enabled, serve one tryout to a local HTTPS receiver,
# then stop nginx and purge the package, leaving the machine as it was.
#
#   t/deb/check.sh build/deb/libnginx-mod-http-partoo-tryout_V_ARCH.deb
#
# Ports: $TEST_NGINX_PORT (the tryout) and $TEST_NGINX_RECEIVER_PORT (the
# receiver), 127.0.0.1 only.  The system's nginx.conf and sites are not
# used: this nginx runs with its own prefix and configuration, and only
# includes /etc/nginx/modules-enabled to load what the package enabled.

set -euo pipefail

deb=$(realpath "$1")
pkg=libnginx-mod-http-partoo-tryout
port=${TEST_NGINX_PORT:-8080}
rport=${TEST_NGINX_RECEIVER_PORT:-8443}
nginx=/usr/sbin/nginx
link=/etc/nginx/modules-enabled/50-mod-http-partoo-tryout.conf
so=/usr/lib/nginx/modules/ngx_http_partoo_tryout_module.so

if [ "$(id -u)" != 0 ]; then
    echo "deb-check: installs a package, run it as root" >&2
    exit 1
fi

if dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -q 'ok installed'
then
    echo "deb-check: $pkg is installed already; not touching it" >&2
    exit 1
fi

run=$(mktemp -d /tmp/partoo-deb-check.XXXXXX)
# the workers run as nobody and read the receiver's CA from here
chmod 0755 "$run"

# nginx -s quit, then wait for the master to remove its pid file
quit_nginx() {
    [ -f "$run/nginx.pid" ] || return 0
    "$nginx" -p "$run" -c "$run/nginx.conf" -s quit 2>/dev/null || return 0
    local n=0
    while [ -f "$run/nginx.pid" ] && [ $n -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
}

cleanup() {
    quit_nginx
    if dpkg-query -W $pkg >/dev/null 2>&1; then
        apt-get -o DPkg::Lock::Timeout=300 purge -y -q $pkg >/dev/null 2>&1
    fi
    [ -n "${DEB_CHECK_KEEP:-}" ] || rm -rf "$run"
}
trap cleanup EXIT

fail() { echo "deb-check: FAIL: $*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends \
    "$deb" > "$run/apt.log" 2>&1 || { cat "$run/apt.log"; fail "apt-get"; }

[ -L "$link" ] || fail "$link was not created"
[ -f "$so" ] || fail "$so was not installed"
echo "deb-check: installed, $link -> $(readlink "$link")"

# mod-*.conf says "load_module modules/...so", relative to the prefix: the
# stock prefix's modules directory is /usr/lib/nginx/modules
ln -s /usr/lib/nginx/modules "$run/modules"

# the receiver's CA and certificate for 127.0.0.1
(
    cd "$run"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=deb-check CA" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout receiver.key -out receiver.csr -subj "/CN=127.0.0.1" \
        2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' > receiver.ext
    openssl x509 -req -in receiver.csr -CA ca.crt -CAkey ca.key \
        -CAcreateserial -days 2 -extfile receiver.ext -out receiver.crt \
        2>/dev/null
)

key=$(openssl rand -hex 16)
printf '{"keys":[{"key_sha256":"%s","user_id":"check","role":"ORG_ADMIN","org_id":42}]}\n' \
    "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" > "$run/keys.json"

cat > "$run/nginx.conf" << END
include /etc/nginx/modules-enabled/*.conf;

worker_processes  1;
error_log         $run/error.log info;
pid               $run/nginx.pid;

events {
}

http {
    access_log             off;
    client_body_temp_path  $run/body;
    proxy_temp_path        $run/proxy;
    fastcgi_temp_path      $run/fastcgi;
    uwsgi_temp_path        $run/uwsgi;
    scgi_temp_path         $run/scgi;

    partoo_tryout_keys_zone  zone=check_keys:1m file=$run/keys.json;

    server {
        listen  127.0.0.1:$port;

        location = /v2/webhooks/tryout {
            partoo_tryout                          keys=check_keys;
            partoo_tryout_allow_address            127.0.0.1;
            partoo_tryout_ssl_trusted_certificate  $run/ca.crt;
        }
    }

    log_format  check  '\$request \$status';

    server {
        listen               127.0.0.1:$rport ssl;
        ssl_certificate      $run/receiver.crt;
        ssl_certificate_key  $run/receiver.key;
        access_log           $run/receiver.log check;

        location / {
            return 204;
        }
    }
}
END

"$nginx" -p "$run" -c "$run/nginx.conf" -t -q
"$nginx" -p "$run" -c "$run/nginx.conf"

url=http://127.0.0.1:$port/v2/webhooks/tryout
for _ in $(seq 50); do
    curl -s -o /dev/null "$url" && break
    sleep 0.1
done

body=$(curl -s -X POST "$url" -H 'Content-Type: application/json' \
    -H "x-APIKey: $key" \
    -d "{\"items\":[{\"url\":\"https://127.0.0.1:$rport/hook\",\"event_type\":\"business_created\"}]}")
echo "deb-check: tryout answered: ${body:0:120}..."

grep -q 'partoo_tryout: ngx_http_partoo_tryout_module/' "$run/error.log" \
    || fail "the module's version line is not in the log"
echo "deb-check: $(grep -o 'partoo_tryout: ngx_http_partoo_tryout_module/.*' \
    "$run/error.log" | head -1)"

case "$body" in
    *'"status":"success","response_status":204'*) ;;
    *) fail "the tryout did not succeed: $body" ;;
esac

received=$(cat "$run/receiver.log")
[ "$received" = "POST /hook HTTP/1.1 204" ] \
    || fail "the receiver got '$received'"
echo "deb-check: the receiver got: $received"

quit_nginx

apt-get -o DPkg::Lock::Timeout=300 purge -y -q $pkg > "$run/apt.log" 2>&1 \
    || { cat "$run/apt.log"; fail "apt-get purge"; }
[ ! -e "$link" ] && [ ! -L "$link" ] || fail "$link is left after purge"
[ ! -e "$so" ] || fail "$so is left after purge"
echo "deb-check: purged; $link and $so are gone"
echo "deb-check: PASS"
