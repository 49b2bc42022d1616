# Deliveries whose host name is still being resolved, with a resolver
# that takes 8 s for any name under "slow.test" (an LD_PRELOAD shim, see
# t/lib/PartooTryout/SlowDNS.pm): a delivery cut short mid-lookup (by its
# timeout, by its client going away) must not hold the worker until the
# lookup ends; the lookup's thread (the native engine's getaddrinfo() in
# nginx's thread pool, or libcurl's resolver thread on the thread-pool
# engine) is left behind, not waited for.  And a delivery of the native
# engine that finds no free nginx connection for its connect fails alone.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket;
use PartooTryout;
use PartooTryout::Receiver ();
use PartooTryout::SlowDNS ();
use IO::Select ();
use IO::Socket::INET ();

my $why = PartooTryout::SlowDNS::preload();

if (defined $why) {
    plan skip_all => $why;
} else {
    plan 'no_plan';
}

our $P = PartooTryout::Receiver::port(0);
our $R = "https://127.0.0.1:$P/t";
our $DIR = PartooTryout::Receiver::setup();

# the listening socket, one delivery (client and receiver), the fillers
# and one more client take them all
our $FILLERS = 4;

worker_connections(1 + 2 + $FILLERS + 1);

PartooTryout::Receiver::start(port => $P);

no_shuffle();
no_long_string();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

# a connection to nginx with a tryout for $url sent on it
sub send_tryout {
    my ($url) = @_;

    my $s = IO::Socket::INET->new(
                PeerAddr => '127.0.0.1',
                PeerPort => Test::Nginx::Socket::server_port_for_client())
        or die "send_tryout: $!";

    print $s PartooTryout::raw_tryout_request(url => $url);

    return $s;
}

# "STATUS ERROR" of the answer read from $s ("success" for "error":null)
sub outcome {
    my ($s) = @_;

    my $answer = '';
    my $select = IO::Select->new($s);
    my $deadline = time + ($ENV{TEST_NGINX_USE_VALGRIND} ? 20 : 5);

    while (time < $deadline) {
        next if !$select->can_read(0.5);
        my $n = sysread($s, $answer, 65536, length $answer);
        last if !$n;
    }

    close $s;

    my ($status) = $answer =~ m{^HTTP/1\.\d (\d+)};
    my ($error) = $answer =~ m{"error":(null|"[a-z_]+")};

    $error = 'success' if defined $error && $error eq 'null';
    $error =~ tr/"//d if defined $error;

    return ($status // 'none') . ' ' . ($error // '-');
}

# A delivery in flight, connections held until none is left, then a
# tryout whose lookup needs one more; then the held ones go and one more
# tryout comes.  The outcomes go where /receiver/ serves them.
sub starve {
    my ($name) = @_;

    my $first = send_tryout("$R/$name-first?delay=2000&status=204");
    select undef, undef, undef, 0.3;

    my @held;

    for (1 .. $FILLERS) {
        my $s = IO::Socket::INET->new(
                    PeerAddr => '127.0.0.1',
                    PeerPort => Test::Nginx::Socket::server_port_for_client())
            or die "starve: $!";
        print $s "GET /receiver/ HTTP/1.1\r\n";
        push @held, $s;
    }

    select undef, undef, undef, 0.3;

    # the native engine looks up in a thread, so it starves at its connect
    my $starved = outcome(send_tryout("$R/$name-starved"));

    close $_ for @held;

    my $in_flight = outcome($first);
    my $after = outcome(send_tryout("$R/$name-after?status=204"));

    open my $out, '>', "$DIR/requests/$name.summary" or die "$!";
    print $out "in flight: $in_flight\nstarved: $starved\n"
               . "after: $after\n";
    close $out;
    chmod 0644, "$DIR/requests/$name.summary";
}

run_tests();

__DATA__

=== TEST 1: the timeout cuts a lookup short, and the answer comes at once
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_timeout 1s;
    }
--- request eval
PartooTryout::tryout_request(url => 'https://timeout.slow.test/x')
--- timeout: 5
--- response_body_like eval
PartooTryout::tryout_answer_like(url => 'https://timeout.slow.test/x',
                                 error => 'timeout')
# nginx's timer fires at 1000 ms on the worker's clock; libcurl times out
# on its own clock in the pool's thread, which the worker's millisecond
# clock can see end at 999 ms (CI saw it once)
. PartooTryout::by_engine(
      native => '(?<=,"duration_ms":1\d\d\d\}\]\})',
      thread => '(?<=,"duration_ms":(?:99\d|1\d\d\d)\}\]\})')
--- error_log eval
'failed (timeout): '
. PartooTryout::by_engine(native => 'timed out after 1000 ms',
                          thread => 'Resolving timed out after')



=== TEST 2: a client that goes away mid-lookup does not stall the worker
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
    location = /ping {
        return 200 "pong\n";
    }
--- init
my $s = main::send_tryout('https://gone.slow.test/x');
select undef, undef, undef, 0.5;
close $s;
select undef, undef, undef, 0.2;
--- request
GET /ping
--- timeout: 3
--- response_body
pong
--- error_log eval
'partoo_tryout: client went away, the delivery to "https://gone.slow.test/x" '
. PartooTryout::by_engine(native => 'is cancelled',
                          thread => 'is left to finish in its thread')



=== TEST 3: a connect that finds no free connection fails alone
Not on the thread-pool engine, whose sockets are libcurl's, not nginx
connections.
--- skip_eval: 5: $PartooTryout::ENGINE eq 'thread'
--- init
main::starve('starved');
--- request
GET /receiver/starved.summary
--- response_body
in flight: 200 success
starved: 200 connection_failed
after: 200 success
--- error_log eval
[qr/\[alert\] .*8 worker_connections are not enough/,
 qr/\[error\] .*partoo_tryout: no connection could be opened to 127\.0\.0\.1:\d+ for the delivery/,
 'failed (connection_failed): no local connection available']
