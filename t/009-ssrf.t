# The SSRF guard: IP-literal hosts in every form libcurl reads, names that
# resolve to a blocked address (localhost included), the allow list, and
# its configuration errors.  A blocked delivery makes no connection: the
# receiver's record stays empty (the second request of a block is 404).

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our $P = PartooTryout::Receiver::port(0);

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $P);

# a name the system resolver maps to a loopback address
our $NAME = PartooTryout::Receiver::blocked_name();

if (!defined $NAME) {
    Test::More::diag('no host name resolves to a loopback address here; '
                     . 'testing "tryout.localhost" instead');
    $NAME = 'tryout.localhost';
}

our $LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
_EOC_

no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $LOCATION,
                append => PartooTryout::Receiver::receiver_config());

sub blocked {
    my ($url) = @_;

    return PartooTryout::exactly(PartooTryout::blocked_answer($url));
}

our @LITERALS = (
    "https://127.0.0.1:$P/t/literal",
    "https://2130706433:$P/t/literal",
    "https://0x7f000001:$P/t/literal",
    "https://0177.0.0.1:$P/t/literal",
    "https://0x7f.1:$P/t/literal",
    "https://127.1:$P/t/literal",
    "https://%31%32%37.0.0.1:$P/t/literal",
    "https://127.0.0.1.:$P/t/literal",
    "https://[::1]:$P/t/literal",
    "https://[::ffff:127.0.0.1]:$P/t/literal",
    "https://[::ffff:7f00:1]:$P/t/literal",
    "https://[::127.0.0.1]:$P/t/literal",
    "https://[64:ff9b::7f00:1]:$P/t/literal",
    "https://[2002:7f00:1::]:$P/t/literal",
    "https://[fe80::1%25eth0]:$P/t/literal",
    "https://user:pw\@10.0.0.1:$P/t/literal",
    'https://169.254.169.254/latest/meta-data/',
    "https://0.0.0.0:$P/t/literal",
);

run_tests();

__DATA__

=== TEST 1: an IP-literal host that is blocked: no connection, logged at info
--- request eval
[PartooTryout::tryout_request(url => "https://127.0.0.1:$main::P/t/literal"),
 "GET /receiver/literal"]
--- error_code eval
[200, 404]
--- response_body_like eval
[main::blocked("https://127.0.0.1:$main::P/t/literal"), '404 Not Found']
--- error_log eval
qr/\[info\] .*partoo_tryout: delivery to 127\.0\.0\.1 blocked \(127\.0\.0\.0\/8\), see "partoo_tryout_allow_address"/
--- no_error_log
[warn]



=== TEST 2: every literal form of a blocked address, as libcurl reads it
--- request eval
[(map { PartooTryout::tryout_request(url => $_) } @main::LITERALS),
 "GET /receiver/literal"]
--- error_code eval
[(200) x @main::LITERALS, 404]
--- response_body_like eval
[(map { main::blocked($_) } @main::LITERALS), '404 Not Found']



=== TEST 3: localhost is checked where curl connects, and blocked
--- request eval
[PartooTryout::tryout_request(url => "https://localhost:$main::P/t/localhost"),
 "GET /receiver/localhost"]
--- error_code eval
[200, 404]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/localhost",
                                  error => 'blocked_address'),
 '404 Not Found']
--- error_log eval
qr/\[info\] .*partoo_tryout: delivery to 127\.0\.0\.1 blocked \(127\.0\.0\.0\/8\), see "partoo_tryout_allow_address"/
--- no_error_log
[warn]



=== TEST 4: a name that resolves to a blocked address is blocked
--- request eval
[PartooTryout::tryout_request(url => "https://$main::NAME:$main::P/t/name"),
 "GET /receiver/name"]
--- error_code eval
[200, 404]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "https://$main::NAME:$main::P/t/name",
                                  error => 'blocked_address'),
 '404 Not Found']
--- error_log
blocked (127.0.0.0/8), see "partoo_tryout_allow_address"



=== TEST 5: the same on the thread-pool engine
--- main_config
thread_pool tryout threads=2;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool tryout;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- request eval
[PartooTryout::tryout_request(url => "https://localhost:$main::P/t/thread"),
 PartooTryout::tryout_request(url => "https://$main::NAME:$main::P/t/thread"),
 PartooTryout::tryout_request(url => "https://[::1]:$main::P/t/thread"),
 "GET /receiver/thread"]
--- error_code eval
[200, 200, 200, 404]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/thread",
                                  error => 'blocked_address'),
 PartooTryout::tryout_answer_like(url => "https://$main::NAME:$main::P/t/thread",
                                  error => 'blocked_address'),
 main::blocked("https://[::1]:$main::P/t/thread"),
 '404 Not Found']



=== TEST 6: partoo_tryout_allow_address lets a literal and a name through
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- request eval
[PartooTryout::tryout_request(url => "https://127.0.0.1:$main::P/t/allowed"),
 PartooTryout::tryout_request(url => "https://0x7f.1:$main::P/t/allowed"),
 PartooTryout::tryout_request(url => "https://localhost:$main::P/t/allowed"),
 "GET /receiver/allowed.conn"]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "https://127.0.0.1:$main::P/t/allowed",
                                  response_status => 200),
 PartooTryout::tryout_answer_like(url => "https://0x7f.1:$main::P/t/allowed",
                                  response_status => 200),
 PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/allowed",
                                  response_status => 200),
 '^(\d+\n){3}$']



=== TEST 7: CIDR ranges, several directives, and what they leave blocked
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 10.20.0.0/16;
        partoo_tryout_allow_address 127.0.0.0/30;
        partoo_tryout_allow_address fd00::/8;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- request eval
[PartooTryout::tryout_request(url => "https://127.0.0.4:$main::P/t/cidr"),
 PartooTryout::tryout_request(url => "https://127.0.0.2:$main::P/t/cidr"),
 PartooTryout::tryout_request(url => "https://[::1]:$main::P/t/cidr")]
--- response_body_like eval
[main::blocked("https://127.0.0.4:$main::P/t/cidr"),
 PartooTryout::tryout_answer_like(url => "https://127.0.0.2:$main::P/t/cidr",
                                  error => 'connection_failed'),
 main::blocked("https://[::1]:$main::P/t/cidr")]
--- error_log
delivery to 127.0.0.4 blocked (127.0.0.0/8)



=== TEST 8: an inner location's list replaces the outer one
--- config
    partoo_tryout_allow_address 127.0.0.1;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 10.0.0.0/8;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::P/t/inner")
--- response_body eval
PartooTryout::blocked_answer("https://127.0.0.1:$main::P/t/inner")



=== TEST 9: a bad CIDR fails the configuration, naming it
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 10.0.0.0/33;
    }
--- must_die
--- error_log
[emerg]
invalid address "10.0.0.0/33" in "partoo_tryout_allow_address"



=== TEST 10: a short IPv4 form is not a CIDR
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.1;
    }
--- must_die
--- error_log
[emerg]
invalid address "127.1" in "partoo_tryout_allow_address"



=== TEST 11: an unreadable trusted certificate file fails the configuration
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_ssl_trusted_certificate /nonexistent/ca.crt;
    }
--- must_die
--- error_log
[emerg]
"partoo_tryout_ssl_trusted_certificate" "/nonexistent/ca.crt" cannot be read



=== TEST 12: an unknown thread pool fails the configuration
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool nosuchpool;
    }
--- must_die
--- error_log
[emerg]
unknown thread pool "nosuchpool"



=== TEST 13: a connection opened under an allow list never serves a location without it
--- config
    location = /internal {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- request eval
[PartooTryout::tryout_request(uri => '/internal',
                              url => "https://localhost:$main::P/t/reuse-in"),
 PartooTryout::tryout_request(url => "https://localhost:$main::P/t/reuse-out"),
 "GET /receiver/reuse-in.conn",
 "GET /receiver/reuse-out"]
--- error_code eval
[200, 200, 200, 404]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/reuse-in",
                                  response_status => 200),
 PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/reuse-out",
                                  error => 'blocked_address'),
 '^\d+\n$',
 '404 Not Found']



=== TEST 14: nor on the thread-pool engine, whose idle handles keep connections
--- main_config
thread_pool tryout threads=1;
--- config
    location = /internal {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool tryout;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool tryout;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- request eval
[PartooTryout::tryout_request(uri => '/internal',
                              url => "https://localhost:$main::P/t/treuse-in"),
 PartooTryout::tryout_request(url => "https://localhost:$main::P/t/treuse-out"),
 "GET /receiver/treuse-in.conn",
 "GET /receiver/treuse-out"]
--- error_code eval
[200, 200, 200, 404]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/treuse-in",
                                  response_status => 200),
 PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/treuse-out",
                                  error => 'blocked_address'),
 '^\d+\n$',
 '404 Not Found']



=== TEST 15: locations with the same allow list still share connections
--- config
    location = /internal {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- request eval
[PartooTryout::tryout_request(uri => '/internal',
                              url => "https://localhost:$main::P/t/same"),
 PartooTryout::tryout_request(url => "https://localhost:$main::P/t/same"),
 "GET /receiver/same.conn"]
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "https://localhost:$main::P/t/same",
                                   response_status => 200)) x 2,
 '^(\d+)\n\1\n$']
