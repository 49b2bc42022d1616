# The life of a delivery: a client that goes away mid-delivery, the
# per-worker cap on deliveries in flight, 50 tryouts at once against a
# receiver that answers after 1 second, on both engines, and a delivery
# that starts while another one's timeout is near.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();
use IO::Socket::INET ();

our $P = PartooTryout::Receiver::port(0);
our $R = "https://127.0.0.1:$P/t";
our $REFUSED = PartooTryout::Receiver::refused_port();
our $DIR = PartooTryout::Receiver::setup();
our $BACKGROUND;

PartooTryout::Receiver::start(port => $P);

# TESTS 7 to 9 hold 50 clients and their 50 deliveries at once: more than
# the 64 connections some runners default to
worker_connections(1024);
no_shuffle();
no_long_string();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

# nginx's port as a client reaches it
sub port {
    return Test::Nginx::Socket::server_port_for_client();
}

# a tryout left running while the block's own requests go
sub background {
    my ($url) = @_;

    $BACKGROUND = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                        PeerPort => port())
        or die "background: $!";

    print $BACKGROUND PartooTryout::raw_tryout_request(url => $url);

    # until nginx has started its delivery
    select undef, undef, undef, 0.3;
}

# 50 tryouts at once; the summary goes where /receiver/ serves it
sub fifty {
    my ($name, $uri) = @_;

    my $url = "$R/$name?delay=1000&status=204";
    my ($took, @answers) = PartooTryout::concurrent_tryouts(
                               uri => $uri, url => $url, n => 50,
                               port => port());

    my $pattern = PartooTryout::tryout_answer_like(url => $url,
                                                   response_status => 204);
    my $ok = grep { /\r\n\r\n(.*)\z/s && $1 =~ /$pattern/ } @answers;

    # one after the other would take 50 s, and 25 threads 2 s; a loaded
    # machine, and valgrind more, slows the rest
    my $limit = $ENV{TEST_NGINX_USE_VALGRIND} ? 25 : 10;

    open my $out, '>', "$DIR/requests/$name.summary" or die "$!";
    printf $out "answers: %d\nsuccess: %d\ntogether: %s\n",
           scalar(grep { length } @answers), $ok,
           $took < $limit ? 'yes' : sprintf('no, %.1f s', $took);
    close $out;
    chmod 0644, "$DIR/requests/$name.summary";
}

run_tests();

__DATA__

=== TEST 1: a client that goes away: the transfer is removed at once
Not on the thread-pool engine, where a running curl_easy_perform() cannot
be stopped: TEST 3 is its own.
--- skip_eval: 4: $PartooTryout::ENGINE eq 'thread'
--- request eval
PartooTryout::tryout_request(url => "$main::R/gone?delay=3000")
--- timeout: 1
--- abort
--- ignore_response
--- wait eval
# under valgrind a first handshake holds the worker longer
$ENV{TEST_NGINX_USE_VALGRIND} ? 2.5 : 1
--- error_log eval
["client prematurely closed connection",
 qq{partoo_tryout: client went away, the delivery to }
 . qq{"$main::R/gone" is cancelled}]
--- no_error_log
[alert]
[crit]



=== TEST 2: the worker goes on serving after it
--- init
main::background("$main::R/gone2?delay=3000");
close $main::BACKGROUND;
--- request eval
PartooTryout::tryout_request(url => "$main::R/after?status=204")
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "$main::R/after?status=204",
                                 response_status => 204)
--- error_log eval
qq{partoo_tryout: client went away, the delivery to }
. qq{"$main::R/gone2" }
. PartooTryout::by_engine(native => 'is cancelled',
                          thread => 'is left to finish in its thread')
--- no_error_log
[alert]



=== TEST 3: on the thread-pool engine the thread finishes, then all is freed
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
PartooTryout::tryout_request(url => "$main::R/gone-thread?delay=3000")
--- timeout: 0.5
--- abort
--- ignore_response
--- wait: 5
--- error_log eval
qq{partoo_tryout: client went away, the delivery to }
. qq{"$main::R/gone-thread" is left to finish in its thread}
--- no_error_log
[alert]
[crit]



=== TEST 4: partoo_tryout_max_in_flight: 503 with Retry-After beyond it
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_max_in_flight 1;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- init
main::background("$main::R/busy?delay=1000&status=204");
--- request eval
PartooTryout::tryout_request(url => "$main::R/busy2?status=204")
--- error_code: 503
--- response_headers
Retry-After: 1
Content-Type: application/json
--- response_body chomp
{"errors":{"json":"too many deliveries in progress"}}
--- wait: 1
--- error_log
partoo_tryout: 1 deliveries in flight, see "partoo_tryout_max_in_flight"



=== TEST 5: the cap is checked after validation
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_max_in_flight 1;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- init
main::background("$main::R/busy3?delay=1000&status=204");
--- request eval
PartooTryout::tryout_request(url => "http://127.0.0.1:$main::P/t/busy4")
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"only HTTPS URLs are supported"}}}}}
--- wait: 1



=== TEST 6: a bad partoo_tryout_max_in_flight fails the configuration
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_max_in_flight 0;
    }
--- must_die
--- error_log
[emerg]
value must be equal to or greater than 1



=== TEST 7: 50 tryouts at once to a 1 s receiver complete together
--- init
main::fifty('fifty-event', '/v2/webhooks/tryout');
--- request eval
["GET /receiver/fifty-event.summary", "GET /receiver/fifty-event.conn"]
--- response_body_like eval
[PartooTryout::exactly("answers: 50\nsuccess: 50\ntogether: yes\n"),
 '^(\d+\n){50}$']
--- no_error_log
[alert]
[error]



=== TEST 8: and so they do on the thread-pool engine
--- main_config
thread_pool tryout threads=50;
--- config eval
$PartooTryout::THREAD_LOCATION
--- init
main::fifty('fifty-thread', '/v2/webhooks/tryout');
--- request eval
["GET /receiver/fifty-thread.summary", "GET /receiver/fifty-thread.conn"]
--- response_body_like eval
[PartooTryout::exactly("answers: 50\nsuccess: 50\ntogether: yes\n"),
 '^(\d+\n){50}$']
--- no_error_log
[alert]
[error]



=== TEST 9: both engines side by side in one worker
--- main_config
thread_pool tryout threads=25;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool off;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
    location = /threaded {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool tryout;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- init
main::background("$main::R/side?delay=1000&status=204");
main::fifty('side-thread', '/threaded');
--- request eval
["GET /receiver/side-thread.summary"]
--- response_body_like eval
[PartooTryout::exactly("answers: 50\nsuccess: 50\ntogether: yes\n")]



=== TEST 10: a delivery starts at once, even while another waits for its timeout
The second tryout's answer and its logged failure come while the first
delivery still waits: no order between two unordered events is assumed,
and the 5 s left to the first cannot run out under valgrind's slowdown
before a refused connection is answered (were the second held until the
first's timer fired, its answer would come after the first's timeout).
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_timeout 5s;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- init
main::background("$main::R/lazy?hang=1");
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::REFUSED/t/lazy")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://127.0.0.1:$main::REFUSED/t/lazy",
    error => 'connection_failed')
--- error_log eval
qq{delivery to "https://127.0.0.1:$main::REFUSED/t/lazy" failed }
. qq{(connection_failed)}
--- no_error_log eval
qq{delivery to "$main::R/lazy" failed}
