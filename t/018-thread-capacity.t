# The thread-pool engine's capacity is the contract's 503: a delivery the
# pool's queue refuses ("thread_pool ... max_queue=") is answered like one
# over partoo_tryout_max_in_flight, never with nginx's HTML 500, and it
# leaves the in-flight count as it found it.  Its idle connections are
# bounded too: one per pooled libcurl handle.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our $P = PartooTryout::Receiver::port(0);
our $R = "https://127.0.0.1:$P/t";
our $DIR = PartooTryout::Receiver::setup();

PartooTryout::Receiver::start(port => $P);

# a second receiver, for a second kept connection
our $P1 = PartooTryout::Receiver::port(1);
PartooTryout::Receiver::start(port => $P1);

no_shuffle();
check_accum_error_log();
no_long_string();
tryout_defaults(location => $PartooTryout::THREAD_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

our $BUSY = '{"errors":{"json":"too many deliveries in progress"}}';

# $n tryouts at once; what they got goes where /receiver/ serves it: the
# count of delivered ones, of exact 503s, and of anything else
sub burst {
    my ($name, $n) = @_;

    my $url = "$R/$name?delay=1500&status=204";
    my ($took, @answers) = PartooTryout::concurrent_tryouts(
        url => $url, n => $n,
        port => Test::Nginx::Socket::server_port_for_client());

    my $ok = PartooTryout::tryout_answer_like(url => $url,
                                              response_status => 204);
    my ($delivered, $busy, $other) = (0, 0, 0);
    my $first_other;

    for (@answers) {
        my ($head, $body) = split /\r\n\r\n/, $_, 2;
        $body //= '';

        if ($head =~ m{^HTTP/1\.\d 200 } && $body =~ /$ok/) {
            $delivered++;

        } elsif ($head =~ m{^HTTP/1\.\d 503 }
                 && $head =~ m{\r\nRetry-After: 1(?:\r\n|\z)}
                 && $head =~ m{\r\nContent-Type: application/json(?:\r\n|\z)}
                 && $body eq $BUSY)
        {
            $busy++;

        } else {
            $other++;
            ($first_other) = $_ =~ /^([^\r\n]*)/ if !defined $first_other;
        }
    }

    open my $out, '>', "$DIR/requests/$name.summary" or die "$!";
    print $out "delivered: $delivered\nbusy: $busy\nother: $other\n";
    print $out "first other: $first_other\n" if defined $first_other;
    close $out;
    chmod 0644, "$DIR/requests/$name.summary";
}

run_tests();

__DATA__

=== TEST 1: threads=2 max_queue=2, ten tryouts at once to a slow receiver: the ones the queue refuses get the JSON 503 with Retry-After, the others are delivered; then two more are delivered (the refused ones left no count behind)
--- main_config
thread_pool tryout threads=2 max_queue=2;
--- config eval
$PartooTryout::THREAD_LOCATION =~ s/(partoo_tryout_thread_pool tryout;)/$1\n        partoo_tryout_max_in_flight 7;/r
--- init
main::burst('tp', 10);
--- request eval
["GET /receiver/tp.summary",
 PartooTryout::tryout_request(url => "$main::R/tp-after?status=204"),
 PartooTryout::tryout_request(url => "$main::R/tp-after?status=204")]
--- response_body_like eval
['^delivered: [234]\nbusy: (?:[678])\nother: 0\n$',
 PartooTryout::tryout_answer_like(url => "$main::R/tp-after?status=204",
                                  response_status => 204),
 PartooTryout::tryout_answer_like(url => "$main::R/tp-after?status=204",
                                  response_status => 204)]
--- error_log
thread pool "tryout" queue overflow
partoo_tryout: the thread pool refused the delivery, see "max_queue" of "thread_pool"
--- no_error_log
[alert]
[crit]



=== TEST 2: the thread engine counts against partoo_tryout_max_in_flight as the native engine does: with 1, a tryout while another runs gets the 503
--- main_config
thread_pool tryout threads=4;
--- config eval
$PartooTryout::THREAD_LOCATION =~ s/(partoo_tryout_thread_pool tryout;)/$1\n        partoo_tryout_max_in_flight 1;/r
--- init
main::burst('tp-cap', 2);
--- request eval
"GET /receiver/tp-cap.summary"
--- response_body_like eval
'^delivered: 1\nbusy: 1\nother: 0\n$'
--- error_log
partoo_tryout: 1 deliveries in flight, see "partoo_tryout_max_in_flight"
--- no_error_log
[alert]
[crit]
queue overflow



=== TEST 3: a thread's libcurl handle keeps one idle connection, not five: after a delivery to another receiver, the first receiver's connection is gone and the next delivery there opens a new one
One delivery at a time: every one runs on the same pooled handle.
--- main_config
thread_pool tryout threads=1;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
[PartooTryout::tryout_request(url => "$main::R/one?status=204"),
 PartooTryout::tryout_request(url => "$main::R/one?status=204"),
 PartooTryout::tryout_request(url => "https://127.0.0.1:$main::P1/t/two?status=204"),
 PartooTryout::tryout_request(url => "$main::R/one?status=204"),
 "GET /receiver/one.conn"]
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/one?status=204",
                                   response_status => 204)) x 2,
 PartooTryout::tryout_answer_like(url => "https://127.0.0.1:$main::P1/t/two?status=204",
                                  response_status => 204),
 PartooTryout::tryout_answer_like(url => "$main::R/one?status=204",
                                  response_status => 204),
 '^(\d+)\n\1\n(?!\1\n)\d+\n$']
--- no_error_log
[alert]
[error]
