# The README's sizing advice taken literally: worker_connections 100,
# worker_rlimit_nofile 128, partoo_tryout_max_in_flight 20.  Seven rounds
# of 20 tryouts at once, each round to another name of one receiver (so
# no round can reuse another's connections): busy and kept connections
# together stay within the worker's limits, with no EMFILE, no failed
# accept(), and every answer a delivered tryout.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our $P = PartooTryout::Receiver::port(0);

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $P);

our $ROUNDS = 7;
our $N = 20;

worker_connections(100);
no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

# the rounds, to r1.tryout.localhost .. r7.tryout.localhost; the summary
# goes where /receiver/ serves it
sub rounds {
    my ($name) = @_;

    my ($answers, $ok, $bad) = (0, 0, '');

    for my $round (1 .. $ROUNDS) {
        my $url = "https://r$round.tryout.localhost:$P/t/$name"
                  . '?delay=100&status=204';
        my $pattern = PartooTryout::tryout_answer_like(
                          url => $url, response_status => 204);

        my ($took, @answers) = PartooTryout::concurrent_tryouts(
            url => $url, n => $N,
            port => Test::Nginx::Socket::server_port_for_client());

        for (@answers) {
            $answers++ if length;

            if (/\r\n\r\n(.*)\z/s && $1 =~ /$pattern/) {
                $ok++;
            } elsif ($bad eq '') {
                $bad = "round $round: " . substr($_, 0, 300);
            }
        }
    }

    my $dir = $ENV{TEST_NGINX_RECEIVER_DIR};
    open my $out, '>', "$dir/requests/$name.summary" or die "$!";
    printf $out "answers: %d\nsuccess: %d\n%s", $answers, $ok,
           $bad eq '' ? '' : "first bad: $bad\n";
    close $out;
    chmod 0644, "$dir/requests/$name.summary";
}

run_tests();

__DATA__

=== TEST 1: seven rounds of 20 tryouts at once to seven names: every one delivered, within the fd and connection limits
--- main_config
worker_rlimit_nofile 128;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_max_in_flight 20;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
--- init
main::rounds('budget');
--- request
GET /receiver/budget.summary
--- timeout: 30
--- response_body
answers: 140
success: 140
--- no_error_log
Too many open files
accept4() failed
worker_connections are not enough
[alert]
[crit]
[error]
