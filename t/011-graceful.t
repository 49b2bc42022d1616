# Graceful shutdown (SIGQUIT) with a delivery in flight: the delivery
# finishes, its client gets the answer, then the worker exits at once; no
# timer of the module holds it.  The receiver sends the SIGQUIT to the
# worker when the delivery reaches it (quit_worker=1); the master then
# starts a new worker, so nginx itself stays up for the test runner.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our $R = 'https://127.0.0.1:' . PartooTryout::Receiver::port(0) . '/t';

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(
    port     => PartooTryout::Receiver::port(0),
    pid_file => Test::Nginx::Socket::server_root() . '/logs/nginx.pid');

master_on();
no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

run_tests();

__DATA__

=== TEST 1: SIGQUIT mid-delivery: the answer comes, then the worker exits
--- request eval
PartooTryout::tryout_request(url => "$main::R/quit?quit_worker=1&delay=1000&status=204")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "$main::R/quit?quit_worker=1&delay=1000&status=204",
    response_status => 204)
--- wait: 1
--- error_log eval
[qr/gracefully shutting down/,
 qr/worker process \d+ exited with code 0/]
--- no_error_log
[alert]
[crit]
open socket



=== TEST 2: the same on the thread-pool engine
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
PartooTryout::tryout_request(url => "$main::R/quit-thread?quit_worker=1&delay=1000&status=204")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "$main::R/quit-thread?quit_worker=1&delay=1000&status=204",
    response_status => 204)
--- wait: 1
--- error_log eval
[qr/gracefully shutting down/,
 qr/worker process \d+ exited with code 0/]
--- no_error_log
[alert]
[crit]
open socket




=== TEST 3: SIGQUIT with a connection kept for reuse: the worker still exits at once, its idle connection closed (the log is checked after each request: nothing yet after the first)
--- request eval
[PartooTryout::tryout_request(url => "$main::R/kept?status=204"),
 PartooTryout::tryout_request(url => "$main::R/kept?quit_worker=1&status=204"),
 "GET /receiver/kept.conn"]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "$main::R/kept?status=204",
                                  response_status => 204),
 PartooTryout::tryout_answer_like(url => "$main::R/kept?quit_worker=1&status=204",
                                  response_status => 204),
 '^(\d+)\n\1\n$']
--- wait: 1
--- grep_error_log eval
qr/gracefully shutting down|worker process \d+ exited with code \d+/
--- grep_error_log_out eval
qr/\A(?:gracefully shutting down\nworker process \d+ exited with code 0\n)?\z/
--- no_error_log
[alert]
[crit]
open socket
