# The size step: partoo_tryout_max_body_size, counted while the body is
# read, chunked or not, and bodies nginx already put in a temporary file.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooSamples ();

# a tryout location whose mirror PUTs the body it gets into the samples
# zone "mirrored", as the sample of org 2, for a GET to show
our $MIRRORED = <<'_EOC_';
    location = /v2/webhooks/tryout {
        mirror /mirror;
        mirror_request_body on;
        client_body_buffer_size 1k;
        partoo_tryout keys=tryout_keys;
        partoo_tryout_max_body_size 10k;
    }
    location = /mirror {
        internal;
        proxy_method PUT;
        proxy_pass http://127.0.0.1:$server_port/mirrored?org_id=2&event_type=lead_received;
    }
    location = /mirrored {
        client_body_buffer_size 16k;
        partoo_tryout_samples_api mirrored;
    }
_EOC_

# one raw request on a connection of its own, its answer checked whole
sub exchange_ok {
    my ($raw, $status, $body) = @_;

    my $res = PartooSamples::raw_exchange($raw);
    my ($head, $got) = split /\r\n\r\n/, $res, 2;

    die "expected $status $body, got: $res\n"
        if $head !~ m{^HTTP/1\.1 $status } || ($got // '') ne $body;
}

# every block is one request that leaves nothing behind: each runs twice,
# as a second client would see it
repeat_each(2);
no_shuffle();
no_long_string();
tryout_defaults();
run_tests();

__DATA__

=== TEST 1: a body of exactly 64k (the default limit) is read
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(65536)
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 2: one byte over 64k is 413
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(65537)
--- error_code: 413
--- response_headers
Content-Type: application/json
--- response_body chomp
{"errors":{"json":"request body too large"}}
--- no_error_log
[error]



=== TEST 3: a 2 MB body is 413 in the contract's shape
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(2 * 1024 * 1024)
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}
--- no_error_log
[error]
a client request body is buffered to a temporary file



=== TEST 4: a 2 MB chunked body is counted while read, never stored
--- raw_request eval
PartooTryout::chunked_request(PartooTryout::padded_body(2 * 1024 * 1024),
                              8000)
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}
--- no_error_log
[error]
a client request body is buffered to a temporary file



=== TEST 5: a small chunked body in many chunks is read whole
--- raw_request eval
PartooTryout::chunked_request($PartooTryout::VALID_BODY, 7)
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 6: a chunked body of exactly the limit is read
--- raw_request eval
PartooTryout::chunked_request(PartooTryout::padded_body(65536), 1000)
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 7: a chunked body one byte over the limit is 413
--- raw_request eval
PartooTryout::chunked_request(PartooTryout::padded_body(65537), 1000)
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}



=== TEST 8: a chunked body that is not JSON reaches the JSON step
--- raw_request eval
PartooTryout::chunked_request('{"items": [', 3)
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 9: partoo_tryout_max_body_size 1k accepts 1024 bytes
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_max_body_size 1k;
    }
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(1024)
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 10: partoo_tryout_max_body_size 1k refuses 1025 bytes
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_max_body_size 1k;
    }
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(1025)
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}



=== TEST 11: the limit is inherited from the server level
--- config
    partoo_tryout_max_body_size 200;
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(201)
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}



=== TEST 12: a smaller client_max_body_size does not preempt the JSON 413
--- config
    location = /v2/webhooks/tryout {
        client_max_body_size 1k;
        partoo_tryout keys=tryout_keys;
    }
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(8192)
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 13: a body that mirror put in a temporary file is read from it
--- config
    location = /v2/webhooks/tryout {
        mirror /mirror;
        mirror_request_body on;
        client_body_buffer_size 1k;
        partoo_tryout keys=tryout_keys;
    }
    location = /mirror {
        internal;
        return 204;
    }
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(20000)
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()
--- error_log
a client request body is buffered to a temporary file
--- no_error_log
[error]



=== TEST 14: with mirror, an over-limit chunked body is 413 before mirror runs, never stored
A chunked body has no announced size to judge: the module reads it in the
access phase, before mirror, and keeps no byte past the limit.  Mirror
would PUT the body it got into a samples zone: nothing is there.
--- http_config
    partoo_tryout_samples_zone zone=mirrored:1m;
--- config eval
$::MIRRORED
--- init
main::exchange_ok(PartooTryout::chunked_request(PartooTryout::padded_body(20000), 4096),
                  413, '{"errors":{"json":"request body too large"}}');
--- request
GET /mirrored?org_id=2&event_type=lead_received
--- error_code: 404
--- no_error_log
a client request body is buffered to a temporary file
[error]



=== TEST 15: with mirror, a chunked body within the limit is read before mirror runs, delivered, and mirrored whole
--- http_config
    partoo_tryout_samples_zone zone=mirrored:1m;
--- config eval
$::MIRRORED
--- init
main::exchange_ok(PartooTryout::chunked_request(PartooTryout::padded_body(9000), 4096),
                  200, PartooTryout::blocked_answer());
--- request
GET /mirrored?org_id=2&event_type=lead_received
--- response_body eval
PartooTryout::padded_body(9000)
--- no_error_log
a client request body is buffered to a temporary file
[error]



=== TEST 16: an invalid body in a temporary file gets the JSON error
--- config
    location = /v2/webhooks/tryout {
        mirror /mirror;
        mirror_request_body on;
        client_body_buffer_size 1k;
        partoo_tryout keys=tryout_keys;
    }
    location = /mirror {
        internal;
        return 204;
    }
--- request eval
"POST /v2/webhooks/tryout\n[" . ('1,' x 3000) . "1]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":"must be an object"}}



=== TEST 17: with mirror, a 100 MB body and no key: 401 before any body byte
Only the head is sent: the answer must come without the body, which
mirror would otherwise read first, to a temporary file.  nginx then waits
for the body it discards, so the client stops reading after 1 s.
--- config
    location = /v2/webhooks/tryout {
        mirror /mirror;
        mirror_request_body on;
        client_body_buffer_size 1k;
        partoo_tryout keys=tryout_keys;
    }
    location = /mirror {
        internal;
        return 204;
    }
--- raw_request eval
"POST /v2/webhooks/tryout HTTP/1.1\r\nHost: localhost\r\n"
. "Connection: close\r\n"
. "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}
--- timeout: 1
--- abort
--- no_error_log
a client request body is buffered to a temporary file
[error]



=== TEST 18: with mirror, a 100 MB body and a key: 413 before any body byte
--- config
    location = /v2/webhooks/tryout {
        mirror /mirror;
        mirror_request_body on;
        client_body_buffer_size 1k;
        partoo_tryout keys=tryout_keys;
    }
    location = /mirror {
        internal;
        return 204;
    }
--- raw_request eval
"POST /v2/webhooks/tryout HTTP/1.1\r\nHost: localhost\r\n"
. "Connection: close\r\n"
. "Content-Type: application/json\r\nContent-Length: 100000000\r\n"
. "x-APIKey: $PartooTryout::API_KEY\r\n\r\n"
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}
--- timeout: 1
--- abort
--- no_error_log
a client request body is buffered to a temporary file
[error]
