# What deliveries leave in the worker that makes them.  TLS failures of
# every kind (self-signed, expired, another host name) leave no OpenSSL
# error behind: nginx's own TLS, a "listen ... ssl" server of the same
# nginx reached through proxy_pass, never logs a stale error after them.
# And a kept connection is reused only for the host name it was verified
# for: another name on the same address gets a connection (and a TLS
# handshake with its own SNI) of its own.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our ($GOOD, $EXPIRED, $WRONGHOST, $SELFSIGNED)
    = map { PartooTryout::Receiver::port($_) } 0 .. 3;

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $GOOD, cert => 'good');
PartooTryout::Receiver::start(port => $EXPIRED, cert => 'expired');
PartooTryout::Receiver::start(port => $WRONGHOST, cert => 'wronghost');
PartooTryout::Receiver::start(port => $SELFSIGNED, cert => 'selfsigned');

# names under *.tryout.localhost: the loopback, and in the good certificate
our $A = "https://a.tryout.localhost:$GOOD/t/sni?status=204";
our $B = "https://b.tryout.localhost:$GOOD/t/sni?status=204";

no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

# a tls_failure tryout, then a request through nginx's own TLS
sub tls_round {
    my ($port, $name) = @_;

    return (PartooTryout::tryout_request(
                url => "https://127.0.0.1:$port/t/$name"),
            "GET /via-tls");
}

run_tests();

__DATA__

=== TEST 1: after TLS failures of every kind, nginx's own TLS server and client in the worker log no stale error
--- log_level: info
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1 ssl;
        server_name tls-listener;

        ssl_certificate $TEST_NGINX_RECEIVER_DIR/pki/good.crt;
        ssl_certificate_key $TEST_NGINX_RECEIVER_DIR/pki/good.key;

        location / {
            return 200 "tls listener\n";
        }
    }
--- config eval
$PartooTryout::DELIVERY_LOCATION . <<'_EOC_'
    location = /via-tls {
        proxy_pass https://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
        proxy_ssl_session_reuse off;
    }
_EOC_
--- request eval
[main::tls_round($main::SELFSIGNED, 'selfsigned'),
 main::tls_round($main::EXPIRED, 'expired'),
 main::tls_round($main::WRONGHOST, 'wronghost')]
--- response_body_like eval
[map { (PartooTryout::tryout_answer_like(
            url => "https://127.0.0.1:$_->[0]/t/$_->[1]",
            error => 'tls_failure'),
        '\Atls listener\n\z') }
 [$main::SELFSIGNED, 'selfsigned'], [$main::EXPIRED, 'expired'],
 [$main::WRONGHOST, 'wronghost']]
--- error_log
failed (tls_failure)
--- no_error_log
[alert]
[crit]
[error]
stale



=== TEST 2: a connection verified for one name never serves another name on the same address: a new connection, with that name's SNI; the native engine reuses the first name's
--- request eval
[PartooTryout::tryout_request(url => $main::A),
 PartooTryout::tryout_request(url => $main::B),
 PartooTryout::tryout_request(url => $main::A),
 "GET /receiver/sni.conn", "GET /receiver/sni.sni", "GET /receiver/sni"]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => $main::A, response_status => 204),
 PartooTryout::tryout_answer_like(url => $main::B, response_status => 204),
 PartooTryout::tryout_answer_like(url => $main::A, response_status => 204),
 PartooTryout::by_engine(
     native => '\A(\d+)\n(?!\1\n)\d+\n\1\n\z',
     # a thread's handle keeps one connection: B's replaced A's
     thread => '\A(\d+)\n(?!\1\n)(\d+)\n(?!(?:\1|\2)\n)\d+\n\z'),
 '\Aa\.tryout\.localhost\nb\.tryout\.localhost\na\.tryout\.localhost\n\z',
 PartooTryout::exactly(
     join '', map { PartooTryout::delivered_request(url => $_) }
              $main::A, $main::B, $main::A)]
--- no_error_log
[alert]
[error]
