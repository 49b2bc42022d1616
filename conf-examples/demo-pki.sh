# shellcheck shell=bash
# Sourced by demo.sh and fleet.sh: the demo CA, the receiver's certificate,
# the Ed25519 signing key and key file entries, under a run directory.

# a demo CA and the receiver's certificate for 127.0.0.1, made once
demo_pki() {
    local dir=$1/pki

    [ -f "$dir/receiver.crt" ] && return 0

    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -nodes -keyout ca.key -out ca.crt -days 365 \
            -subj "/CN=Partoo Tryout Demo CA" \
            -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -nodes -keyout receiver.key -out receiver.csr \
            -subj "/CN=127.0.0.1" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > receiver.ext
        openssl x509 -req -in receiver.csr -CA ca.crt -CAkey ca.key \
            -CAcreateserial -days 365 -extfile receiver.ext \
            -out receiver.crt 2>/dev/null
    )
}

# the demo's Ed25519 signing key, and its public half for receivers
demo_signing_key() {
    local run=$1

    [ -f "$run/ed25519.pem" ] && return 0

    openssl genpkey -algorithm ed25519 -out "$run/ed25519.pem"
    openssl pkey -in "$run/ed25519.pem" -pubout -out "$run/ed25519.pub"
}

# a new random API key, printed
demo_api_key() {
    openssl rand -hex 16
}

# the key file's entry of an ORG_ADMIN key of org 42: only its SHA-256
demo_key_entry() {
    local key=$1 user=$2

    printf '{"key_sha256":"%s","user_id":"%s","role":"ORG_ADMIN","org_id":42}' \
        "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" "$user"
}
