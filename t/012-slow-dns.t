# Deliveries whose host name is still being resolved, with a resolver
# that takes 8 s for any name under "slow.test" (an LD_PRELOAD shim, see
# t/lib/PartooTryout/SlowDNS.pm): a delivery cut short mid-lookup (by its
# timeout, by its client going away) must not hold the worker until the
# lookup ends; libcurl's resolver thread is left behind, not joined.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket;
use PartooTryout;
use PartooTryout::Receiver ();
use PartooTryout::SlowDNS ();
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
our @KEPT;

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
. '(?<=,"duration_ms":1\d\d\d\}\]\})'
--- error_log
failed (timeout): Resolving timed out after



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
--- error_log
partoo tryout: client went away, the delivery to "https://gone.slow.test/x" is cancelled
