# The delivery's variables in an access log line, as $upstream_* are
# used: the event type and host of the item, the address connected to,
# the connect and first byte times, and a kept connection's reuse, for a
# success and for each kind of failure the receivers can produce.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our ($GOOD, $EXPIRED, $WRONGHOST, $SELFSIGNED)
    = map { PartooTryout::Receiver::port($_) } 0 .. 3;
our $REFUSED = PartooTryout::Receiver::refused_port();

our $R = "https://127.0.0.1:$GOOD/t";

# seconds with milliseconds, as $upstream_connect_time
our $T = '\d+\.\d{3}';

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $GOOD, cert => 'good');
PartooTryout::Receiver::start(port => $EXPIRED, cert => 'expired');
PartooTryout::Receiver::start(port => $WRONGHOST, cert => 'wronghost');
PartooTryout::Receiver::start(port => $SELFSIGNED, cert => 'selfsigned');

our $LOG_FORMAT = <<'_EOC_';
    log_format tryout_vars
        "tryout vars event=$partoo_tryout_event_type host=$partoo_tryout_host"
        " addr=$partoo_tryout_addr connect=$partoo_tryout_connect_time"
        " first_byte=$partoo_tryout_first_byte_time"
        " reused=$partoo_tryout_connection_reused"
        " status=$partoo_tryout_status error=$partoo_tryout_error"
        " response=$partoo_tryout_response_status";
_EOC_

no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => "    access_log logs/error.log tryout_vars;\n");

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config',
                      $LOG_FORMAT . ($block->http_config // ''));
});

# the log line of one delivery, each field a pattern
sub line {
    my (%f) = @_;

    my $line = join ' ', "event=$f{event}", "host=$f{host}",
                         "addr=$f{addr}", "connect=$f{connect}",
                         "first_byte=$f{first_byte}", "reused=$f{reused}",
                         "status=$f{status}", "error=$f{error}",
                         "response=$f{response}";

    return qr/tryout vars $line$/;
}

run_tests();

__DATA__

=== TEST 1: a success: where it connected, when, on a new connection
--- request eval
PartooTryout::tryout_request(url => "$main::R/ok?status=204",
                             event => 'lead_received')
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "$main::R/ok?status=204",
                                 event => 'lead_received',
                                 response_status => 204)
--- error_log eval
main::line(event => 'lead_received', host => '127\.0\.0\.1',
           addr => "127\\.0\\.0\\.1:$main::GOOD", connect => $main::T,
           first_byte => $main::T, reused => '\.', status => 'success',
           error => '-', response => '204')



=== TEST 2: the next tryouts on the kept connection: reused
--- request eval
[(PartooTryout::tryout_request(url => "$main::R/kept?status=204")) x 3]
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/kept?status=204",
                                   response_status => 204)) x 3]
--- grep_error_log eval
qr/reused=\S+ status=success/
--- grep_error_log_out eval
qr/\Areused=\. status=success\n(?:reused=r status=success\n){0,2}\z/



=== TEST 3: a status that is not 2xx: the receiver answered, all is set
--- request eval
PartooTryout::tryout_request(url => "$main::R/nf?status=404")
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "$main::R/nf?status=404",
                                 response_status => 404,
                                 error => 'http_status')
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => "127\\.0\\.0\\.1:$main::GOOD", connect => $main::T,
           first_byte => $main::T, reused => '\.', status => 'error',
           error => 'http_status', response => '404')



=== TEST 4: connection refused: no address connected, no times
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::REFUSED/t/r")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://127.0.0.1:$main::REFUSED/t/r",
    error => 'connection_failed')
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => '-', connect => '-', first_byte => '-', reused => '\.',
           status => 'error', error => 'connection_failed',
           response => '-')



=== TEST 5: a timeout waiting for the answer: connected, no first byte
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_timeout 1s;
    }
--- request eval
PartooTryout::tryout_request(url => "$main::R/hang?hang=1")
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "$main::R/hang?hang=1",
                                 error => 'timeout')
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => "127\\.0\\.0\\.1:$main::GOOD", connect => $main::T,
           first_byte => '-', reused => '\.', status => 'error',
           error => 'timeout', response => '-')



=== TEST 6: an expired certificate: the address, but no connect time (it counts the handshake)
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::EXPIRED/t/x")
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "https://127.0.0.1:$main::EXPIRED/t/x",
                                 error => 'tls_failure')
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => "127\\.0\\.0\\.1:$main::EXPIRED", connect => '-',
           first_byte => '-', reused => '\.', status => 'error',
           error => 'tls_failure', response => '-')



=== TEST 7: a certificate for another name: the address, but no connect time (it counts the handshake)
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::WRONGHOST/t/x")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://127.0.0.1:$main::WRONGHOST/t/x", error => 'tls_failure')
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => "127\\.0\\.0\\.1:$main::WRONGHOST", connect => '-',
           first_byte => '-', reused => '\.', status => 'error',
           error => 'tls_failure', response => '-')



=== TEST 8: a self-signed certificate: the address, but no connect time (it counts the handshake)
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::SELFSIGNED/t/x")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://127.0.0.1:$main::SELFSIGNED/t/x", error => 'tls_failure')
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => "127\\.0\\.0\\.1:$main::SELFSIGNED", connect => '-',
           first_byte => '-', reused => '\.', status => 'error',
           error => 'tls_failure', response => '-')



=== TEST 9: a blocked address: the host as written, nothing connected
--- request eval
PartooTryout::tryout_request(url => "https://u:p\@[::1]:$main::GOOD/t/b")
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "https://u:p\@[::1]:$main::GOOD/t/b",
                                 error => 'blocked_address')
--- error_log eval
main::line(event => 'business_created', host => '\[::1\]', addr => '-',
           connect => '-', first_byte => '-', reused => '\.',
           status => 'error', error => 'blocked_address', response => '-')



=== TEST 10: a host name, without userinfo and port, and the address it had
--- request eval
PartooTryout::tryout_request(
    url => "https://user\@localhost:$main::GOOD/t/name?status=201#f")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://user\@localhost:$main::GOOD/t/name?status=201#f",
    response_status => 201)
--- error_log eval
main::line(event => 'business_created', host => 'localhost',
           addr => "127\\.0\\.0\\.1:$main::GOOD", connect => $main::T,
           first_byte => $main::T, reused => '\.', status => 'success',
           error => '-', response => '201')



=== TEST 11: on the thread-pool engine, a success
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
PartooTryout::tryout_request(url => "$main::R/th?status=204")
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "$main::R/th?status=204",
                                 response_status => 204)
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => "127\\.0\\.0\\.1:$main::GOOD", connect => $main::T,
           first_byte => $main::T, reused => '\.', status => 'success',
           error => '-', response => '204')



=== TEST 12: on the thread-pool engine, connection refused
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::REFUSED/t/r")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://127.0.0.1:$main::REFUSED/t/r",
    error => 'connection_failed')
--- error_log eval
main::line(event => 'business_created', host => '127\.0\.0\.1',
           addr => '-', connect => '-', first_byte => '-', reused => '\.',
           status => 'error', error => 'connection_failed',
           response => '-')



=== TEST 13: an answer before any delivery (400): every one is empty
--- request
POST /v2/webhooks/tryout
{}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- error_log
tryout vars event=- host=- addr=- connect=- first_byte=- reused=- status=- error=- response=-
