# What nginx says about the payload, samples, zone and signing directives:
# each bad value stops nginx ("--- must_die"; "nginx -t" says the same) with
# one [emerg] line that names the directive, the value or file, and the
# problem, and ends with where in nginx.conf it was; each good one starts
# and serves.  The files the directives are pointed at are made in
# $TEST_NGINX_SIGN_DIR before the blocks run.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooSigning ();

our $Dir = PartooSigning::setup();

our $EVENTS = 'business_created, business_updated, business_deleted, '
              . 'message_updated, message_created, lead_received';

our $LEAD = qq({"id":7,"source":"form"}\n);

PartooSigning::openssl(qw(genpkey -quiet -algorithm ed25519 -aes-128-cbc
                           -pass pass:secret -out), "$Dir/encrypted.pem");
PartooSigning::openssl(qw(genpkey -quiet -algorithm rsa
                           -pkeyopt rsa_keygen_bits:2048 -out), "$Dir/rsa.pem");
PartooSigning::openssl(qw(genpkey -quiet -algorithm ed25519 -out),
                       "$Dir/secret.pem");
chmod 0000, "$Dir/secret.pem";

my %files = (
    'garbage.pem'   => "not a key at all\n",
    'lead.json'     => $LEAD,
    'envelope.json' => qq({"type": "lead_received", "payload": {"id": 8}}\n),
    'big.json'      => '{"pad":"' . ('a' x 65527) . '"}',
    'fits.json'     => '{"pad":"' . ('a' x 65526) . '"}',
    'broken.json'   => qq({"id": 1,\n "source": }\n),
    'array.json'    => qq([{"id": 1}]\n),
    'dup.json'      => qq({"id": 1, "id": 2}\n),
    'empty.json'    => '',
    'deep.json'     => '{"a":' . ('[' x 32) . (']' x 32) . '}',
    'created.json'  =>
        qq({"type":"business_created","payload":{"business":{}}}),
);

PartooSigning::write_file("$Dir/$_", $files{$_}) for keys %files;
mkdir "$Dir/adir";

# The [emerg] line nginx must write: $text in it (a string, or a qr//),
# then " in <nginx.conf>:<line>" at its end, unless $no_line (a check made
# once the http block is read names the place in $text itself).
sub emerg {
    my ($text, $no_line) = @_;

    my $re = ref $text ? $text : qr/\Q$text\E/;
    my $at = $no_line ? '' : ' in \S+/nginx\.conf:\d+$';

    return qr/\[emerg\] (?:\d+#\d+: )?.*$re.*$at/;
}

# The answer to a tryout of $event whose url is blocked, $payload (the
# document's payload object) sent
sub blocked_with {
    my ($event, $payload) = @_;

    $payload =~ s/^[ \t\r\n]+|[ \t\r\n]+\z//g;

    return PartooTryout::tryout_answer_like(
               event => $event, error => 'blocked_address',
               payload => qq({"type":"$event","payload":$payload}));
}

no_shuffle();
no_long_string();
tryout_defaults();
run_tests();

__DATA__

=== TEST 1: an override file is sent in place of the built-in default
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/lead.json;
    }
--- request eval
PartooTryout::tryout_request(url => $PartooTryout::VALID_URL,
                             event => 'lead_received')
--- response_body_like eval
main::blocked_with('lead_received', $main::LEAD)
--- no_error_log
[emerg]



=== TEST 2: an override file relative to the configuration directory
--- user_files eval
">>> lead.json\n$main::LEAD"
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_default_payload lead_received ../html/lead.json;
    }
--- request eval
PartooTryout::tryout_request(url => $PartooTryout::VALID_URL,
                             event => 'lead_received')
--- response_body_like eval
main::blocked_with('lead_received', $main::LEAD)
--- no_error_log
[emerg]



=== TEST 3: an override holding the whole envelope of its event is unwrapped
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/envelope.json;
    }
--- request eval
PartooTryout::tryout_request(url => $PartooTryout::VALID_URL,
                             event => 'lead_received')
--- response_body_like eval
main::blocked_with('lead_received', '{"id": 8}')
--- no_error_log
[emerg]



=== TEST 4: overrides at every level: the server's is inherited beside the location's own
--- http_config
    partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/lead.json;
--- config
    partoo_tryout_default_payload message_created $TEST_NGINX_SIGN_DIR/lead.json;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_default_payload business_created $TEST_NGINX_SIGN_DIR/created.json;
    }
--- request eval
[PartooTryout::tryout_request(url => $PartooTryout::VALID_URL,
                              event => 'message_created'),
 PartooTryout::tryout_request(url => $PartooTryout::VALID_URL,
                              event => 'lead_received'),
 PartooTryout::tryout_request(url => $PartooTryout::VALID_URL,
                              event => 'business_created')]
--- response_body_like eval
[main::blocked_with('message_created', $main::LEAD),
 main::blocked_with('lead_received', $main::LEAD),
 main::blocked_with('business_created', '{"business":{}}')]
--- no_error_log
[emerg]



=== TEST 5: an unknown event type
--- config
    location = /t {
        partoo_tryout_default_payload lead $TEST_NGINX_SIGN_DIR/lead.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_default_payload": invalid event type "lead", must be one of: $main::EVENTS))



=== TEST 6: a missing file
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/nope.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_default_payload": open() "$main::Dir/nope.json" failed (2: No such file or directory)))



=== TEST 7: a directory
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/adir;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_default_payload": "$main::Dir/adir" is not a regular file))



=== TEST 8: a file over 64k
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/big.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_default_payload": "$main::Dir/big.json" is 65537 bytes, more than the 65536 a payload may have))



=== TEST 9: a file of exactly 64k is sent
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/fits.json;
    }
--- request eval
PartooTryout::tryout_request(url => $PartooTryout::VALID_URL,
                             event => 'lead_received')
--- response_body_like eval
main::blocked_with('lead_received', '{"pad":"' . ('a' x 65526) . '"}')
--- no_error_log
[emerg]



=== TEST 10: a file that is not JSON, placed by line and column
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/broken.json;
    }
--- must_die
--- error_log eval
main::emerg(qr/"partoo_tryout_default_payload lead_received": "\Q$main::Dir\E\/broken\.json": invalid JSON: unexpected token near '\}' at line 2, column 12/)



=== TEST 11: an empty file
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/empty.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("$main::Dir/empty.json": invalid JSON: ))



=== TEST 12: an array
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/array.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("$main::Dir/array.json": not a JSON object))



=== TEST 13: duplicate keys
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/dup.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("$main::Dir/dup.json": invalid JSON: duplicate object key))



=== TEST 14: nesting deeper than 32
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/deep.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("$main::Dir/deep.json": JSON nested deeper than 32 levels))



=== TEST 15: the envelope of another event
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/created.json;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_default_payload lead_received": "$main::Dir/created.json" holds a "business_created" payload))



=== TEST 16: the same event twice in one place
--- config
    location = /t {
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/lead.json;
        partoo_tryout_default_payload lead_received $TEST_NGINX_SIGN_DIR/lead.json;
    }
--- must_die
--- error_log eval
main::emerg('"partoo_tryout_default_payload lead_received" is duplicate')



=== TEST 17: a missing argument
--- config
    location = /t {
        partoo_tryout_default_payload lead_received;
    }
--- must_die
--- error_log eval
main::emerg('invalid number of arguments in "partoo_tryout_default_payload" directive')



=== TEST 18: an Ed25519 private key
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
    }
--- request eval
PartooTryout::tryout_request(url => $PartooTryout::VALID_URL)
--- response_body_like eval
PartooTryout::tryout_answer_like(error => 'blocked_address')
--- no_error_log
[emerg]



=== TEST 19: a key at http level, off in a location
--- http_config
    partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_signing_key off;
    }
--- request eval
PartooTryout::tryout_request(url => $PartooTryout::VALID_URL)
--- response_body_like eval
PartooTryout::tryout_answer_like(error => 'blocked_address')
--- no_error_log
[emerg]



=== TEST 20: a missing key file
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/nope.pem;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_signing_key" "$main::Dir/nope.pem": cannot open: No such file or directory))



=== TEST 21: a directory for a key
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/adir;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_signing_key" "$main::Dir/adir": not a regular file))



=== TEST 22: a public key
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pub;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_signing_key" "$main::Dir/ed25519.pub": public key, expected an Ed25519 private key))



=== TEST 23: an RSA key
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/rsa.pem;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_signing_key" "$main::Dir/rsa.pem": RSA key, expected an Ed25519 private ))



=== TEST 24: an encrypted key
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/encrypted.pem;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_signing_key" "$main::Dir/encrypted.pem": encrypted private key, a passphrase cannot be given))



=== TEST 25: a file that is no PEM
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/garbage.pem;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_signing_key" "$main::Dir/garbage.pem": not a PEM file))



=== TEST 26: two keys in one place
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
    }
--- must_die
--- error_log eval
main::emerg('"partoo_tryout_signing_key" directive is duplicate')



=== TEST 27: an unreadable key (root reads any file)
--- skip_eval: 2: $> == 0
--- config
    location = /t {
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/secret.pem;
    }
--- must_die
--- error_log eval
main::emerg(qq("partoo_tryout_signing_key" "$main::Dir/secret.pem": cannot open: Permission denied))



=== TEST 28: a samples zone, its API and a tryout using it
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples;
    }

    location = /samples {
        partoo_tryout_samples_api samples;
    }
--- request
GET /samples?org_id=42&event_type=lead_received
--- error_code: 404
--- response_body chomp
{"errors":{"json":"sample not found"}}
--- no_error_log
[emerg]



=== TEST 29: the zone declared after its users
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;

        location = /samples {
            partoo_tryout_samples_api samples;
        }
    }

    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /samples {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /samples?org_id=42&event_type=lead_received
--- error_code: 404
--- response_body chomp
{"errors":{"json":"sample not found"}}
--- no_error_log
[emerg]



=== TEST 30: no zone parameter
--- http_config
    partoo_tryout_samples_zone samples:64k;
--- must_die
--- error_log eval
main::emerg('invalid parameter "samples:64k"')



=== TEST 31: partoo_tryout_samples_zone: a zone without a size
--- http_config
    partoo_tryout_samples_zone zone=s;
--- must_die
--- error_log eval
main::emerg('invalid zone size "zone=s"')



=== TEST 32: partoo_tryout_samples_zone: a zone with a bad size
--- http_config
    partoo_tryout_samples_zone zone=s:lots;
--- must_die
--- error_log eval
main::emerg('invalid zone "zone=s:lots"')



=== TEST 33: partoo_tryout_samples_zone: a zone without a name
--- http_config
    partoo_tryout_samples_zone zone=:1m;
--- must_die
--- error_log eval
main::emerg('invalid zone "zone=:1m"')



=== TEST 34: partoo_tryout_samples_zone: a zone too small
--- http_config
    partoo_tryout_samples_zone zone=s:16k;
--- must_die
--- error_log eval
main::emerg('zone "zone=s:16k" is too small, at least 32k')



=== TEST 35: partoo_tryout_keys_zone: a zone without a size
--- http_config
    partoo_tryout_keys_zone zone=s file=../html/tryout-keys.json;
--- must_die
--- error_log eval
main::emerg('invalid zone size "zone=s"')



=== TEST 36: partoo_tryout_keys_zone: a zone with a bad size
--- http_config
    partoo_tryout_keys_zone zone=s:lots file=../html/tryout-keys.json;
--- must_die
--- error_log eval
main::emerg('invalid zone "zone=s:lots"')



=== TEST 37: partoo_tryout_keys_zone: a zone without a name
--- http_config
    partoo_tryout_keys_zone zone=:1m file=../html/tryout-keys.json;
--- must_die
--- error_log eval
main::emerg('invalid zone "zone=:1m"')



=== TEST 38: partoo_tryout_keys_zone: a zone too small
--- http_config
    partoo_tryout_keys_zone zone=s:16k file=../html/tryout-keys.json;
--- must_die
--- error_log eval
main::emerg('zone "zone=s:16k" is too small, at least 32k')



=== TEST 39: the same zone twice
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
    partoo_tryout_samples_zone zone=samples:64k;
--- must_die
--- error_log eval
main::emerg('partoo_tryout_samples_zone "samples" is duplicate')



=== TEST 40: a zone name another module uses
--- http_config
    limit_req_zone $binary_remote_addr zone=samples:64k rate=1r/s;
    partoo_tryout_samples_zone zone=samples:64k;
--- must_die
--- error_log eval
main::emerg('the shared memory zone "samples" is already declared for a different use')



=== TEST 41: a zone in a server block
--- config
    partoo_tryout_samples_zone zone=samples:64k;
--- must_die
--- error_log eval
main::emerg('"partoo_tryout_samples_zone" directive is not allowed here')



=== TEST 42: the API of an unknown zone, found once the http block is read
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout_samples_api nope;
    }
--- must_die
--- error_log eval
main::emerg(qr{"partoo_tryout_samples_api" names an unknown samples zone "nope" in \S+/nginx\.conf:\d+$}, 1)



=== TEST 43: a tryout with an unknown zone, found once the http block is read
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=nope;
    }
--- must_die
--- error_log eval
main::emerg(qr{"partoo_tryout" names an unknown samples zone "nope" in \S+/nginx\.conf:\d+$}, 1)



=== TEST 44: a tryout with an empty zone name
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=;
    }
--- must_die
--- error_log eval
main::emerg('"partoo_tryout": empty samples zone name')



=== TEST 45: a tryout naming its zone twice
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples=samples;
    }
--- must_die
--- error_log eval
main::emerg('duplicate parameter "samples=samples" in "partoo_tryout"')



=== TEST 46: a tryout naming its keys twice
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples keys=tryout_keys;
    }
--- must_die
--- error_log eval
main::emerg('duplicate parameter "keys=tryout_keys" in "partoo_tryout"')



=== TEST 47: a samples source with its TTL
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/source samples_ttl=30s;
    }

    location = /samples {
        partoo_tryout_samples_api samples;
    }
--- request
GET /samples?org_id=42&event_type=lead_received
--- error_code: 404
--- response_body chomp
{"errors":{"json":"sample not found"}}
--- no_error_log
[emerg]



=== TEST 48: a samples source with the default TTL
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/partoo/samples;
    }

    location = /samples {
        partoo_tryout_samples_api samples;
    }
--- request
GET /samples?org_id=42&event_type=lead_received
--- error_code: 404
--- response_body chomp
{"errors":{"json":"sample not found"}}
--- no_error_log
[emerg]



=== TEST 49: a samples source without a samples zone
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples_source=/source;
    }
--- must_die
--- error_log eval
main::emerg('"samples_source" in "partoo_tryout" requires "samples=NAME": the zone keeps what the source answered')



=== TEST 50: a TTL without a samples source
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_ttl=1m;
    }
--- must_die
--- error_log eval
main::emerg('"samples_ttl" in "partoo_tryout" requires "samples_source=URI"')



=== TEST 51: a samples source that is no URI
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_source=http://backend/s;
    }
--- must_die
--- error_log eval
main::emerg('invalid "samples_source=http://backend/s" in "partoo_tryout": must be a URI starting with "/", without arguments')



=== TEST 52: a samples source with its own arguments
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/source?a=1;
    }
--- must_die
--- error_log eval
main::emerg('invalid "samples_source=/source?a=1" in "partoo_tryout": must be a URI starting with "/", without arguments')



=== TEST 53: an empty samples source
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_source=;
    }
--- must_die
--- error_log eval
main::emerg('invalid "samples_source=" in "partoo_tryout": must be a URI starting with "/", without arguments')



=== TEST 54: a samples source twice
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/a samples_source=/b;
    }
--- must_die
--- error_log eval
main::emerg('duplicate parameter "samples_source=/b" in "partoo_tryout"')



=== TEST 55: a bad samples TTL
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/s samples_ttl=soon;
    }
--- must_die
--- error_log eval
main::emerg('invalid "samples_ttl=soon" in "partoo_tryout": must be a time such as 1m')



=== TEST 56: a zero samples TTL
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/s samples_ttl=0s;
    }
--- must_die
--- error_log eval
main::emerg('invalid "samples_ttl=0s" in "partoo_tryout": must be a time such as 1m')



=== TEST 57: a samples TTL twice
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/s samples_ttl=1s samples_ttl=2s;
    }
--- must_die
--- error_log eval
main::emerg('duplicate parameter "samples_ttl=2s" in "partoo_tryout"')



=== TEST 58: a tryout with an unknown parameter
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout keys=tryout_keys sample=samples;
    }
--- must_die
--- error_log eval
main::emerg('invalid parameter "sample=samples" in "partoo_tryout"')



=== TEST 59: the API with a bad max_size
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout_samples_api samples max_size=big;
    }
--- must_die
--- error_log eval
main::emerg('invalid max_size "max_size=big" in "partoo_tryout_samples_api"')



=== TEST 60: the API with an unknown parameter
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout_samples_api samples size=1k;
    }
--- must_die
--- error_log eval
main::emerg('invalid parameter "size=1k" in "partoo_tryout_samples_api"')



=== TEST 61: the API twice in one location
--- http_config
    partoo_tryout_samples_zone zone=samples:64k;
--- config
    location = /t {
        partoo_tryout_samples_api samples;
        partoo_tryout_samples_api samples;
    }
--- must_die
--- error_log eval
main::emerg('"partoo_tryout_samples_api" directive is duplicate')
