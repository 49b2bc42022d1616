# The fault matrix: one tryout per row against a receiver, a client or a
# master that misbehaves, each with its exact answer, no [alert], no
# crash, and (under TEST_NGINX_USE_VALGRIND) nothing leaked.  The
# receiver's faults are in t/lib/PartooTryout/Receiver.pm ("fault="), on
# the wire, so the rows hold for any delivery engine:
#
# - a reset (RST) is a transport failure, connection_failed, with the
#   status when the status line had arrived;
# - a status line is an answer: what follows it is read and thrown away,
#   so a connection closed cleanly after it, or a close-delimited body
#   ended without TLS close_notify, are the status' outcome;
# - a malformed chunk or more response headers than a client keeps is
#   connection_failed; a head that never completes is a timeout.
#
# Load rows are bounded in requests and seconds; loopback only.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();
use IO::Select ();
use IO::Socket::INET ();
use Socket ();
use POSIX ();
use Time::HiRes ();

our $P = PartooTryout::Receiver::port(0);
our $R = "https://127.0.0.1:$P/t";
our $DIR = PartooTryout::Receiver::setup();
our $PID_FILE = Test::Nginx::Socket::server_root() . '/logs/nginx.pid';

PartooTryout::Receiver::start(port => $P);

# 60,000 bytes of business document, for an answer larger than the socket
# buffers of a client that does not read
our $BIG = '{"business":{"org_id":42,"pad":"' . ('p' x 59954) . '"}}';

# a server whose send buffer is 4k, for that client: a free port now
our $SLOW_CLIENT_PORT = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp')
        or die "cannot find a free port: $!";
    $s->sockport;
};
$ENV{TEST_NGINX_SLOW_CLIENT_PORT} = $SLOW_CLIENT_PORT;

# the tryout location of the delivery tests, with more directives
sub location_with {
    my $extra = join '', map { "\n        $_" } @_;

    return $PartooTryout::DELIVERY_LOCATION
           =~ s/(partoo_tryout keys=tryout_keys;)/$1$extra/r;
}

# the load rows: a timeout long enough for a busy machine, so that what
# they check is the answers, not the machine's speed
our $LOAD_LOCATION = location_with('partoo_tryout_timeout 15s;');

master_on();
no_shuffle();
no_long_string();
check_accum_error_log();
# rows that end before the timeout: room for valgrind and a busy machine
tryout_defaults(location => location_with('partoo_tryout_timeout 10s;'),
                append => PartooTryout::Receiver::receiver_config());

sub port {
    return Test::Nginx::Socket::server_port_for_client();
}

sub connect_nginx {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => port())
        or die "connect: $!";
    return $s;
}

# an RST to nginx: linger on, zero seconds
sub reset_close {
    my ($s) = @_;

    setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_LINGER(),
               pack('ii', 1, 0));
    close $s;
}

# the client goes while nginx reads the body, just after the key
sub abort_in_head {
    my $raw = PartooTryout::raw_tryout_request(url => "$R/never");
    my $s = connect_nginx();

    # the head with its key, and a few bytes of the body
    my $cut = index($raw, "\r\n\r\n") + 4 + 5;
    syswrite($s, substr($raw, 0, $cut));
    Time::HiRes::sleep(0.3);
    reset_close($s);
    Time::HiRes::sleep(0.3);
}

# the client goes while its delivery runs
sub abort_in_delivery {
    my $s = connect_nginx();

    syswrite($s, PartooTryout::raw_tryout_request(url => "$R/slow?delay=1500"));
    Time::HiRes::sleep(0.5);
    reset_close($s);
    Time::HiRes::sleep(0.3);
}

# the client reads the first bytes of a 60 KB answer, then resets
sub abort_in_answer {
    my $s = IO::Socket::INET->new(Proto => 'tcp') or die "socket: $!";

    setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), 4096);
    $s->connect(Socket::pack_sockaddr_in($SLOW_CLIENT_PORT,
                                         Socket::inet_aton('127.0.0.1')))
        or die "connect: $!";

    syswrite($s, PartooTryout::raw_tryout_request(url => "$R/big?status=204"));

    my $got = '';
    my $sel = IO::Select->new($s);

    while (length $got < 16 && $sel->can_read(10)) {
        sysread($s, $got, 16 - length $got, length $got) or last;
    }

    # nginx, with a 4k send buffer, has more to write than the buffers hold
    Time::HiRes::sleep(0.3);
    reset_close($s);
    Time::HiRes::sleep(0.5);

    return $got;
}

sub master_pid {
    open my $in, '<', $PID_FILE or die "$PID_FILE: $!";
    my $pid = <$in>;
    chomp $pid;
    return $pid;
}

# is this raw answer a well formed one: a 200 with a tryout result (any
# outcome), or a contract error (JSON errors document)
sub well_formed {
    my ($answer) = @_;

    my ($head, $body) = split /\r\n\r\n/, $answer, 2;

    return 0 if !defined $body || $head !~ m{\r\nContent-Type: application/json(?:\r\n|\z)};

    if ($head =~ m{^HTTP/1\.\d 200 }) {
        return $body =~ /^\{"items":\[\{"payload":\{.*"status":"(?:success|error)","response_status":(?:\d+|null),"error":(?:null|"[a-z_]+"),"duration_ms":\d+\}\]\}$/s;
    }

    return $head =~ m{^HTTP/1\.\d [45]\d\d } && $body =~ /^\{"errors":\{/;
}

# Tryouts from a child, 4 at a time, for $seconds (at most $max rounds,
# each given 60 s to be answered),
# while this process sends $hups SIGHUPs to the master, one every
# $seconds / $hups.  The counts go where /receiver/ serves them.
sub hup_load {
    my ($name, $seconds, $hups, $max) = @_;

    my $summary = "$DIR/requests/$name.summary";
    my $master = master_pid();
    my $start = Time::HiRes::time();

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        my ($answers, $ok) = (0, 0);

        for (1 .. $max) {
            last if Time::HiRes::time() - $start >= $seconds;

            # a round may outlast the load under valgrind: 60 s more
            my ($took, @got) = PartooTryout::concurrent_tryouts(
                url => "$R/$name?status=204", n => 4, port => port(),
                timeout => 60);

            $answers += @got;
            $ok += grep { well_formed($_) } @got;
        }

        open my $out, '>', "$summary.tmp" or POSIX::_exit(1);
        print $out "answers: $answers\nwell formed: $ok\n";
        close $out;
        rename "$summary.tmp", $summary;
        POSIX::_exit(0);
    }

    my $sent = 0;

    for (1 .. $hups) {
        Time::HiRes::sleep($seconds / $hups);
        $sent += kill 'HUP', $master;
    }

    waitpid $pid, 0;

    open my $out, '>>', $summary or die "$summary: $!";
    print $out "hups: $sent\n";
    close $out;
    chmod 0644, $summary;
}

# 10 tryouts to a receiver that answers after 0.7 s; SIGQUIT to the worker
# while they are in flight; the answers, and whether the worker is gone
sub quit_load {
    my ($name) = @_;

    my $summary = "$DIR/requests/$name.summary";
    my $url = "$R/$name?delay=700&status=204";
    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        my ($took, @got) = PartooTryout::concurrent_tryouts(
            url => $url, n => 10, port => port(), timeout => 20);

        my $ok = PartooTryout::tryout_answer_like(url => $url,
                                                  response_status => 204);
        my $delivered = grep { m{^HTTP/1\.\d 200 } && /\r\n\r\n(.*)\z/s
                               && $1 =~ /$ok/ } @got;

        open my $out, '>', $summary or POSIX::_exit(1);
        print $out "answers: " . scalar(@got) . "\ndelivered: $delivered\n";
        close $out;
        chmod 0644, $summary;
        POSIX::_exit(0);
    }

    Time::HiRes::sleep(0.3);

    my $master = master_pid();
    my @workers = workers_of($master);

    kill 'QUIT', @workers;
    waitpid $pid, 0;

    # the old worker exits once its deliveries are answered
    my $until = Time::HiRes::time() + 10;
    Time::HiRes::sleep(0.1)
        while grep({ kill 0, $_ } @workers) && Time::HiRes::time() < $until;

    open my $out, '>>', $summary or die "$summary: $!";
    print $out "workers quit: " . scalar(@workers) . "\nstill running: "
               . scalar(grep { kill 0, $_ } @workers) . "\n";
    close $out;
}

sub workers_of {
    my ($master) = @_;

    my @pids;

    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $s, '<', $stat or next;
        my $line = <$s> // next;
        push @pids, $1 if $line =~ /^(\d+) \(.*\) \S+ (\d+) / && $2 == $master;
    }

    return @pids;
}

# one row: the tryout of a fault, then nothing of it left to see
sub row {
    my ($query) = @_;

    return PartooTryout::tryout_request(url => "$R/f?$query");
}

sub outcome {
    my ($query, %a) = @_;

    return PartooTryout::tryout_answer_like(url => "$R/f?$query", %a);
}

run_tests();

__DATA__

=== TEST 1: the receiver resets the connection in the middle of the response head: connection_failed, with the status of the status line already read
--- request eval
main::row('fault=reset_head')
--- response_body_like eval
main::outcome('fault=reset_head', response_status => 200,
              error => 'connection_failed')
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 2: the receiver resets the connection in the middle of the body: connection_failed
--- request eval
main::row('fault=reset_body')
--- response_body_like eval
main::outcome('fault=reset_body', response_status => 200,
              error => 'connection_failed')
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 3: the receiver closes the connection (close_notify, FIN) right after a 204 status line: the status line is the answer
--- request eval
main::row('fault=status_close')
--- response_body_like eval
main::outcome('fault=status_close', response_status => 204)
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 4: an unasked-for 100 Continue, then 204: the final status counts
--- request eval
main::row('fault=continue')
--- response_body_like eval
main::outcome('fault=continue', response_status => 204)
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 5: HTTP/1.0, no Content-Length, the body ends with the connection: success
--- request eval
main::row('fault=http10')
--- response_body_like eval
main::outcome('fault=http10', response_status => 200)
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 6: a chunk size that is not hexadecimal: connection_failed
--- request eval
main::row('fault=bad_chunk')
--- response_body_like eval
main::outcome('fault=bad_chunk', response_status => 200,
              error => 'connection_failed')
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 7: the response head trickles in one byte per 100 ms, past the 1 s timeout: timeout, no status yet (the status line alone takes 1.7 s)
--- config eval
main::location_with('partoo_tryout_timeout 1s;')
--- request eval
main::row('trickle=100')
--- response_body_like eval
main::outcome('trickle=100', error => 'timeout')
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 8: 1 MB of response headers: cut, connection_failed
--- request eval
main::row('fault=huge_head')
--- response_body_like eval
main::outcome('fault=huge_head', response_status => 200,
              error => 'connection_failed')
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 9: a close-delimited body ended by FIN without TLS close_notify: the 200 is the answer (its body is thrown away anyway)
--- request eval
main::row('fault=no_close_notify')
--- response_body_like eval
main::outcome('fault=no_close_notify', response_status => 200)
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 10: the client resets while nginx reads its body, right after the key: nothing delivered, the worker serves the next tryout
--- init
main::abort_in_head();
--- request eval
[main::row('status=204'), "GET /receiver/never"]
--- error_code eval
[200, 404]
--- response_body_like eval
[main::outcome('status=204', response_status => 204), '404 Not Found']
--- error_log eval
qr/client prematurely closed connection|recv\(\) failed \(104: Connection reset by peer\)/
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 11: the client resets during its delivery: the worker lets it go and serves the next tryout
--- init
main::abort_in_delivery();
--- request eval
main::row('status=204')
--- response_body_like eval
main::outcome('status=204', response_status => 204)
--- wait: 1.5
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 12: the client resets while nginx writes a 60 KB answer through a 4k send buffer: nginx sees the reset, logged at info, and the worker serves the next tryout
--- user_files eval
">>> big.json\n$main::BIG"
--- http_config eval
"    server {
        listen 127.0.0.1:\$TEST_NGINX_SLOW_CLIENT_PORT sndbuf=4k;
" . main::location_with('partoo_tryout_timeout 10s;',
        'partoo_tryout_default_payload business_created ../html/big.json;')
. "    }\n"
--- init
die "abort_in_answer: no answer started\n"
    if main::abort_in_answer() !~ m{^HTTP/1\.\d 200 };
--- request eval
main::row('status=204')
--- response_body_like eval
main::outcome('status=204', response_status => 204)
--- error_log eval
qr/client prematurely closed connection \(104: |(?:writev|send)\(\) failed \((?:32|104): /
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 13: 20 SIGHUPs during 20 s of tryouts, 4 at a time: every answer is well formed
--- config eval
$main::LOAD_LOCATION
--- init
main::hup_load('hup', 20, 20, 2000);
--- request eval
"GET /receiver/hup.summary"
--- response_body_like eval
'^answers: (\d+)\nwell formed: \1\nhups: 20\n$'
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 14: SIGQUIT to the worker with 10 deliveries in flight: all 10 are delivered and answered, then the worker exits (the master starts another)
--- config eval
$main::LOAD_LOCATION
--- init
main::quit_load('quit');
--- request eval
"GET /receiver/quit.summary"
--- response_body_like eval
'^answers: 10\ndelivered: 10\nworkers quit: 1\nstill running: 0\n$'
--- error_log eval
[qr/gracefully shutting down/, qr/worker process \d+ exited with code 0/]
--- no_error_log
[alert]
[crit]
exited on signal
