#!/usr/bin/env bash
# make fleet: three tryout nodes behind an nginx balancer, with a samples
# source and an HTTPS webhook receiver; runs the fleet's checks, prints them
# and the answers per node, then stops everything.  Exit status 0 only when
# every check passed.
#   fleet.sh [check|stop]
# Ports: FLEET_PORT (31000 by default) and the five after it, for the
# balancer, nodes 1 to 3, the samples source and the receiver.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=$top/demo/fleet
module=$top/build/nginx-src/objs/ngx_http_partoo_tryout_module.so
nginx=${NGINX:-/usr/sbin/nginx}

base=${FLEET_PORT:-31000}
tries=${FLEET_TRIES:-9}
balancer_port=$base
source_port=$((base + 4))
receiver_port=$((base + 5))
nodes=(node1 node2 node3)
instances=(front "${nodes[@]}")

# what a key added to or removed from the file must do within, in ms
key_latency_ms=2000

# how old a node's copy of a sample may be: the nodes' samples_ttl, in ms;
# a changed sample must be sent by every node within it and a poll's time
samples_ttl_ms=5000    # samples_ttl=5s in fleet-node.conf

receiver_url=https://127.0.0.1:$receiver_port/webhook
sample='{"id":4242,"source":"fleet source","values":[{"id":1,"type":"EMAIL",'
sample+='"name":"Email","value":"fleet@example.com"}]}'
changed_sample=${sample/4242/4243}
unauthenticated='{"errors":{"authentication":"User not authenticated"}}'

# the built-in business payload of the caller's org, the source having none
default_business='"payload":{"type":"business_created","payload":{"business":{'
default_business+='"id":"5409c35a97bbc544d8e26737",'

# the answer to every tryout: the source's sample SAMPLE, delivered; the
# duration blanked by tryout()
expected_answer() {
    printf '%s' '{"items":[{"payload":{"type":"lead_received","payload":' \
        "$1" '},"event_type":"lead_received","url":"' "$receiver_url" \
        '","status":"success","response_status":204,"error":null,' \
        '"duration_ms":_}]}'
}

. "$top/conf-examples/demo-pki.sh"

node_port() {
    echo $((base + ${1#node}))
}

# the master's pid of an instance, if it is one of this fleet's
master_pid() {
    local pidf=$run/$1/nginx.pid pid

    [ -f "$pidf" ] || return 1
    pid=$(cat "$pidf")
    grep -qF "$run/$1/nginx.conf" "/proc/$pid/cmdline" 2>/dev/null \
        || return 1
    echo "$pid"
}

stop_instance() {
    local pid

    pid=$(master_pid "$1") || { rm -f "$run/$1/nginx.pid"; return 0; }
    kill -QUIT "$pid" 2>/dev/null || true

    # the master removes its pid file as it exits; until its zombie is
    # reaped, kill -0 would still find it
    for _ in $(seq 50); do
        [ -f "$run/$1/nginx.pid" ] || return 0
        sleep 0.1
    done
    echo "fleet: $1 (pid $pid) did not stop" >&2
}

stop() {
    for i in "${instances[@]}"; do
        stop_instance "$i"
    done
}

listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_listening() {
    for _ in $(seq 50); do
        listening "$1" && return 0
        sleep 0.1
    done
    echo "fleet: nothing listens on port $1" >&2
    return 1
}

# the key file, replaced in one rename as configuration management does:
# a node never reads half of it
write_keys() {
    local entries=() key

    for key in "$@"; do
        entries+=("$(demo_key_entry "$key" "user-${key:0:6}")")
    done
    (IFS=,; printf '{"keys":[%s]}\n' "${entries[*]}") > "$run/keys.json.new"
    mv "$run/keys.json.new" "$run/keys.json"
}

write_sample() {
    printf %s "$1" > "$run/source/42/lead_received.json.new"
    mv "$run/source/42/lead_received.json.new" \
       "$run/source/42/lead_received.json"
}

setup() {
    local p

    for p in $(seq "$base" $((base + 5))); do
        if listening "$p"; then
            echo "fleet: port $p is in use; choose another block of six" \
                 "ports with FLEET_PORT=N" >&2
            exit 1
        fi
    done

    rm -rf "$run/front" "$run/source" "${nodes[@]/#/$run/}"
    mkdir -p "$run/front" "$run/source/42" "${nodes[@]/#/$run/}"
    demo_pki "$run"
    demo_signing_key "$run"

    key=$(demo_api_key)
    write_keys "$key"
    write_sample "$sample"

    sed -e "s|@RUN@|$run|g" \
        -e "s|@BALANCER_PORT@|$balancer_port|g" \
        -e "s|@NODE1_PORT@|$(node_port node1)|g" \
        -e "s|@NODE2_PORT@|$(node_port node2)|g" \
        -e "s|@NODE3_PORT@|$(node_port node3)|g" \
        -e "s|@SOURCE_PORT@|$source_port|g" \
        -e "s|@RECEIVER_PORT@|$receiver_port|g" \
        "$top/conf-examples/fleet-front.conf" > "$run/front/nginx.conf"

    for n in "${nodes[@]}"; do
        sed -e "s|@MODULE@|$module|g" -e "s|@RUN@|$run|g" \
            -e "s|@NODE@|$n|g" -e "s|@NODE_PORT@|$(node_port "$n")|g" \
            -e "s|@SOURCE_PORT@|$source_port|g" \
            "$top/conf-examples/fleet-node.conf" > "$run/$n/nginx.conf"
    done
}

start() {
    local i

    for i in "${instances[@]}"; do
        "$nginx" -p "$run/$i" -c "$run/$i/nginx.conf" -t -q
        "$nginx" -p "$run/$i" -c "$run/$i/nginx.conf"
    done
    for p in $(seq "$base" $((base + 5))); do
        wait_listening "$p"
    done
}

# tryout PORT KEY [EVENT]: org 42's tryout of EVENT (lead_received); sets
# status, node (the X-Fleet-Node that answered) and answer (the body,
# duration_ms blanked)
tryout() {
    local item='{"url":"'$receiver_url'","event_type":"'${3:-lead_received}'"}'

    status=$(curl -s -m 10 -D "$run/headers" -o "$run/body" \
                  -w '%{http_code}' -X POST \
                  "http://127.0.0.1:$1/v2/webhooks/tryout" \
                  -H 'Content-Type: application/json' -H "x-APIKey: $2" \
                  -d '{"items":['"$item"']}') || true
    node=$(tr -d '\r' < "$run/headers" \
           | sed -n 's/^x-fleet-node: *//Ip')
    answer=$(sed 's/"duration_ms":[0-9]*/"duration_ms":_/' "$run/body")
}

failed=0
checks=0

check() {
    checks=$((checks + 1))
    echo
    echo "check $checks: $*"
}

pass() {
    echo "    ok: $*"
}

fail() {
    echo "    FAILED: $*"
    failed=$((failed + 1))
}

now_ms() {
    local us=${EPOCHREALTIME/[.,]/}

    echo $((us / 1000))
}

# counts NODE...: how many times each node is named, "node1 3, node2 3, ..."
counts() {
    local n c out=

    for n in "${nodes[@]}"; do
        c=$(printf '%s\n' "${@}" | grep -cx "$n" || true)
        out+="${out:+, }$n $c"
    done
    echo "$out"
}

# balance N: N tryouts through the balancer, each the expected answer;
# sets served (the node of each answer)
balance() {
    local i bad=0

    served=()
    for i in $(seq "$1"); do
        tryout "$balancer_port" "$key"
        served+=("${node:-none}")
        if [ "$status" != 200 ] || [ "$answer" != "$expected" ]; then
            bad=$((bad + 1))
            [ "$bad" = 1 ] && fail "tryout $i, from ${node:-no node}:" \
                                   "$status $answer"
        fi
    done
    [ "$bad" = 0 ] && pass "$1 answers 200, each the source's sample" \
                           "delivered to the receiver"
    [ "$bad" = 0 ]
}

# poll_nodes MS KEY STATUS BODY WHAT: every node directly, until each
# answers STATUS with BODY to KEY, for MS at most
poll_nodes() {
    local start n elapsed pending=("${nodes[@]}") left

    start=$(now_ms)
    while :; do
        left=()
        for n in "${pending[@]}"; do
            tryout "$(node_port "$n")" "$2"
            elapsed=$(($(now_ms) - start))
            if [ "$status" = "$3" ] && [ "$answer" = "$4" ]; then
                pass "$n $5 after $elapsed ms"
            else
                left+=("$n")
            fi
        done
        pending=("${left[@]}")
        [ "${#pending[@]}" = 0 ] && return 0
        if [ "$elapsed" -gt "$1" ]; then
            fail "${pending[*]} still answered $status $answer" \
                 "after $elapsed ms"
            return 0
        fi
        sleep 0.2
    done
}

run_checks() {
    local n pid pids=() workers=() asked=() answers=() all=()

    for n in "${nodes[@]}"; do
        pids+=("$(master_pid "$n")")
    done

    expected=$(expected_answer "$sample")
    check "the same tryout through the balancer, $tries times"
    balance "$tries" || true
    all+=("${served[@]}")
    echo "    answers per node: $(counts "${served[@]}")"
    for n in "${nodes[@]}"; do
        printf '%s\n' "${served[@]}" | grep -qx "$n" \
            || fail "$n served none of them"
    done
    mapfile -t asked < <(awk '{ print $NF }' "$run/front/source.log")
    echo "    asked the samples source: $(counts "${asked[@]}")"

    check "a tryout the source has no sample for, on every node: the" \
          "default payload"
    answers=()
    served=()
    for n in "${nodes[@]}"; do
        tryout "$balancer_port" "$key" business_created
        answers+=("$status $answer")
        served+=("${node:-none}")
    done
    if [ "$(printf '%s\n' "${served[@]}" | sort -u | wc -l)" != 3 ]; then
        fail "three tryouts did not reach the three nodes: ${served[*]}"
    elif [ "$(printf '%s\n' "${answers[@]}" | sort -u | wc -l)" != 1 ]; then
        fail "the nodes answered differently:" \
             "$(printf '\n    %s' "${answers[@]}")"
    elif [ "$status" != 200 ] || [[ $answer != *"$default_business"* ]] \
         || [[ $answer != *'"org_id":42,'* ]] \
         || [[ $answer == *'fleet source'* ]]; then
        fail "not org 42's default business payload: $status $answer"
    else
        pass "${served[*]} answered 200, the same default business" \
             "payload of org 42"
    fi
    mapfile -t asked < <(awk '/event_type=business_created .* 404 / \
                              { print $NF }' "$run/front/source.log")
    echo "    the source answered 404 to: $(counts "${asked[@]}")"

    check "a sample changed at the source is sent by every node within" \
          "samples_ttl, $samples_ttl_ms ms (one more second for the polls)"
    write_sample "$changed_sample"
    expected=$(expected_answer "$changed_sample")
    poll_nodes $((samples_ttl_ms + 1000)) "$key" 200 "$expected" \
               "sent the new sample"

    check "a key added to the shared key file works on every node" \
          "within $key_latency_ms ms"
    new=$(demo_api_key)
    write_keys "$key" "$new"
    poll_nodes "$key_latency_ms" "$new" 200 "$expected" "accepted it"

    check "a key removed from the file fails on every node within" \
          "$key_latency_ms ms"
    write_keys "$key"
    poll_nodes "$key_latency_ms" "$new" 401 "$unauthenticated" \
               "refused it (401)"

    check "no node was reloaded"
    for i in "${!nodes[@]}"; do
        n=${nodes[$i]}
        pid=$(master_pid "$n") || pid=none
        loads=$(grep -c 'keys from .* with the previous keys' \
                     "$run/$n/error.log" || true)
        if [ "$pid" != "${pids[$i]}" ]; then
            fail "$n's master was ${pids[$i]}, is $pid"
        elif grep -q 'reconfiguring' "$run/$n/error.log"; then
            fail "$n was reloaded: $(grep -m1 reconfiguring \
                                         "$run/$n/error.log")"
        else
            pass "$n: master $pid throughout, no SIGHUP," \
                 "key file picked up $loads times"
        fi
    done

    check "node2 killed (SIGKILL, master and workers): the next $tries" \
          "tryouts through the balancer"
    pid=$(master_pid node2)
    mapfile -t workers < <(ps -o pid= --ppid "$pid" | tr -d " ")
    kill -KILL "$pid" "${workers[@]}"
    for _ in $(seq 50); do
        listening "$(node_port node2)" || break
        sleep 0.1
    done
    rm -f "$run/node2/nginx.pid"
    skipped=$(wc -l < "$run/front/balancer.log")
    balance "$tries" || true
    all+=("${served[@]}")
    echo "    answers per node: $(counts "${served[@]}")"
    if printf '%s\n' "${served[@]}" | grep -qx node2; then
        fail "node2 answered after it was killed"
    fi
    skipped=$(tail -n +$((skipped + 1)) "$run/front/balancer.log" \
              | grep -c ', ' || true)
    echo "    tries of dead node2 the balancer passed on to the next node:" \
         "$skipped"

    check "answers per node"
    echo "    through the balancer, $((tries * 2)) tryouts:" \
         "$(counts "${all[@]}")"
    echo "    deliveries the receiver got:" \
         "$(wc -l < "$run/front/receiver.log")"
}

case "${1:-check}" in
    check)
        stop
        setup
        trap stop EXIT
        trap 'exit 130' INT TERM
        start
        echo "fleet: balancer http://127.0.0.1:$balancer_port," \
             "nodes on ports $(node_port node1)-$(node_port node3)," \
             "samples source on $source_port, receiver on $receiver_port"
        echo "(logs in $run)"
        run_checks
        echo
        if [ "$failed" = 0 ]; then
            echo "fleet: all $checks checks passed"
        else
            echo "fleet: $failed failures"
            exit 1
        fi
        ;;
    stop)
        stop
        ;;
    *)
        echo "usage: $0 [check|stop]" >&2
        exit 2
        ;;
esac
