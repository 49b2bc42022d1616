# Delivery to a local HTTPS receiver: the tryout's answer for each kind of
# receiver answer, and what the receiver got, byte for byte (the second
# request of each block reads the receiver's record of it).

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our $R = 'https://127.0.0.1:' . PartooTryout::Receiver::port(0) . '/t';

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => PartooTryout::Receiver::port(0));

no_shuffle();
no_long_string();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

# [the tryout, the receiver's record of NAME]
sub deliver {
    my ($name, $query, %a) = @_;

    return [tryout_request(url => "$R/$name$query", %a),
            "GET /receiver/$name"];
}

# [the tryout's answer, the request the receiver got], as patterns
sub got {
    my ($name, $query, %a) = @_;

    my $url = "$R/$name$query";

    return [tryout_answer_like(url => $url, event => $a{event},
                               response_status => $a{response_status},
                               error => $a{error}),
            exactly(delivered_request(url => $url, event => $a{event},
                                      headers => $a{headers},
                                      user_agent => $a{user_agent}))];
}

run_tests();

__DATA__

=== TEST 1: a 204 receiver: success, and it got exactly the request
--- request eval
main::deliver('s204', '?status=204')
--- error_code eval
[200, 200]
--- response_headers eval
["Content-Type: application/json", ""]
--- response_body_like eval
main::got('s204', '?status=204', response_status => 204)
--- no_error_log
[warn]
[error]



=== TEST 2: a 200 receiver
--- request eval
main::deliver('s200', '?status=200&size=17')
--- response_body_like eval
main::got('s200', '?status=200&size=17', response_status => 200)
--- no_error_log
[error]



=== TEST 3: a 201 receiver, for another event type
--- request eval
main::deliver('s201', '?status=201', event => 'lead_received')
--- response_body_like eval
main::got('s201', '?status=201', response_status => 201,
          event => 'lead_received')
--- no_error_log
[error]



=== TEST 4: a 301 is a redirect, never followed
--- request eval
[@{ main::deliver('s301',
                  "?status=301&location=$main::R/never%3Fstatus=204") },
 "GET /receiver/never"]
--- error_code eval
[200, 200, 404]
--- response_body_like eval
[@{ main::got('s301', "?status=301&location=$main::R/never%3Fstatus=204",
              response_status => 301, error => 'redirect') },
 '404 Not Found']
--- no_error_log
[error]



=== TEST 5: a 400 receiver is http_status
--- request eval
main::deliver('s400', '?status=400&size=10')
--- response_body_like eval
main::got('s400', '?status=400&size=10', response_status => 400,
          error => 'http_status')
--- no_error_log
[error]



=== TEST 6: a 404 receiver is http_status
--- request eval
main::deliver('s404', '?status=404')
--- response_body_like eval
main::got('s404', '?status=404', response_status => 404,
          error => 'http_status')



=== TEST 7: a 500 receiver is http_status
--- request eval
main::deliver('s500', '?status=500')
--- response_body_like eval
main::got('s500', '?status=500', response_status => 500,
          error => 'http_status')



=== TEST 8: a 503 receiver is http_status
--- request eval
main::deliver('s503', '?status=503')
--- response_body_like eval
main::got('s503', '?status=503', response_status => 503,
          error => 'http_status')



=== TEST 9: custom headers follow the module's own, in their given order
--- request eval
main::deliver('custom', '?status=204', custom_headers =>
    '{"X-Zeta":"1","x-alpha":"two words","X-Empty":"",'
    . '"X-Quote":"\"q\" = ;","X-Content-Type":"text/plain"}')
--- response_body_like eval
main::got('custom', '?status=204', response_status => 204, headers => [
    ['X-Zeta', '1'], ['x-alpha', 'two words'], ['X-Empty', ''],
    ['X-Quote', '"q" = ;'], ['X-Content-Type', 'text/plain']])
--- no_error_log
[error]



=== TEST 10: custom headers can never replace the module's: not X-Partoo-*
--- request eval
PartooTryout::tryout_request(url => "$main::R/never", custom_headers =>
               '{"X-Partoo-Webhook-Tryout":"false"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-Partoo-Webhook-Tryout":"invalid header name"}}}}}}



=== TEST 11: nor Content-Type, User-Agent, Host or Content-Length
--- request eval
[map { PartooTryout::tryout_request(url => "$main::R/never",
                      custom_headers => qq({"$_":"x"})) }
 qw(Content-Type User-Agent Host Content-Length)]
--- error_code eval
[(400) x 4]
--- response_body eval
[map { qq({"errors":{"json":{"items":{"0":{"custom_headers":)
       . qq({"$_":"invalid header name"}}}}}}) }
 qw(Content-Type User-Agent Host Content-Length)]



=== TEST 12: partoo_tryout_user_agent
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_user_agent "Acme Tryout/2.0 (+https://acme.example)";
    }
--- request eval
main::deliver('agent', '?status=204')
--- response_body_like eval
main::got('agent', '?status=204', response_status => 204,
          user_agent => 'Acme Tryout/2.0 (+https://acme.example)')



=== TEST 13: the variables of a failed delivery
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        add_header X-Status "$partoo_tryout_status";
        add_header X-Error "$partoo_tryout_error";
        add_header X-Response-Status "$partoo_tryout_response_status";
        add_header X-Duration "$partoo_tryout_duration";
    }
--- request eval
PartooTryout::tryout_request(url => "$main::R/vars?status=404")
--- response_headers_like
X-Status: error
X-Error: http_status
X-Response-Status: 404
X-Duration: \d+



=== TEST 14: the variables of a success: error and no status are empty
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        add_header X-Status "$partoo_tryout_status";
        add_header X-Error "[$partoo_tryout_error]";
    }
    location = /before {
        add_header X-Status "[$partoo_tryout_status]";
        add_header X-Error "[$partoo_tryout_error]";
        add_header X-Response-Status "[$partoo_tryout_response_status]";
        add_header X-Duration "[$partoo_tryout_duration]";
        return 204;
    }
--- request eval
[PartooTryout::tryout_request(url => "$main::R/vars-ok?status=204"), "GET /before"]
--- error_code eval
[200, 204]
--- response_headers eval
["X-Status: success\nX-Error: []",
 "X-Status: []\nX-Error: []\nX-Response-Status: []\nX-Duration: []"]



=== TEST 15: the thread-pool engine sends the same request
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
main::deliver('thread', '?status=204', custom_headers => '{"X-A":"b"}')
--- response_body_like eval
main::got('thread', '?status=204', response_status => 204,
          headers => [['X-A', 'b']])
--- no_error_log
[error]



=== TEST 16: the thread-pool engine maps statuses the same way
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
main::deliver('thread301', "?status=301&location=$main::R/never")
--- response_body_like eval
main::got('thread301', "?status=301&location=$main::R/never",
          response_status => 301, error => 'redirect')



=== TEST 17: tryouts in a row reuse one connection to the receiver
--- request eval
[(PartooTryout::tryout_request(url => "$main::R/reuse?status=204")) x 3,
 "GET /receiver/reuse.conn"]
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/reuse?status=204",
                     response_status => 204)) x 3,
 '^(\d+)\n\1\n\1\n$']



=== TEST 18: so do they on the thread-pool engine
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
[(PartooTryout::tryout_request(url => "$main::R/reuse-thread?status=204")) x 3,
 "GET /receiver/reuse-thread.conn"]
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/reuse-thread?status=204",
                     response_status => 204)) x 3,
 '^(\d+)\n\1\n\1\n$']



=== TEST 19: a value of spaces only arrives, as an empty value
--- request eval
main::deliver('blank', '?status=204', custom_headers =>
    '{"X-Blank":"   ","X-Space":" ","X-Padded":"  a  ","X-After":"1"}')
--- response_body_like eval
main::got('blank', '?status=204', response_status => 204, headers => [
    ['X-Blank', ''], ['X-Space', ''], ['X-Padded', '  a  '],
    ['X-After', '1']])
--- no_error_log
[error]



=== TEST 20: so it does on the thread-pool engine
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
main::deliver('blank-thread', '?status=204',
              custom_headers => '{"X-Blank":"   ","X-After":"1"}')
--- response_body_like eval
main::got('blank-thread', '?status=204', response_status => 204,
          headers => [['X-Blank', ''], ['X-After', '1']])
--- no_error_log
[error]

