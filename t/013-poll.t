# Deliveries with nginx's poll event method, where nginx indexes its
# connections by descriptor in ngx_cycle->files: a connection handed back
# to nginx must still carry its descriptor.  Under TEST_NGINX_USE_VALGRIND=1
# a stray index (files[-1]) is an invalid read that fails the block.  Only
# with an nginx built with poll (--with-poll_module); skipped otherwise.

use strict;
use warnings;

BEGIN {
    push @INC, 't/lib';

    # read when Test::Nginx loads, as CPAN's does
    $ENV{TEST_NGINX_EVENT_TYPE} = 'poll';
}

use Test::Nginx::Socket;
use PartooTryout;
use PartooTryout::Receiver ();
use File::Temp ();

# poll is built only when asked for (--with-poll_module) or when the
# system has nothing better: Debian's nginx has none
sub has_poll {
    my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
    my $dir = File::Temp::tempdir('partoo-poll-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);

    open my $out, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!";
    print $out "error_log $dir/error.log;\npid $dir/nginx.pid;\n"
               . "events { use poll; }\n";
    close $out;

    return system("'$nginx' -t -p '$dir/' -c '$dir/nginx.conf' "
                  . "-e '$dir/error.log' >/dev/null 2>&1") == 0;
}

if (has_poll()) {
    plan 'no_plan';
} else {
    plan skip_all => 'nginx has no poll event method';
}

our $R = 'https://127.0.0.1:' . PartooTryout::Receiver::port(0) . '/t';
our $REFUSED = PartooTryout::Receiver::refused_port();

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => PartooTryout::Receiver::port(0));

no_shuffle();
no_long_string();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

run_tests();

__DATA__

=== TEST 1: deliveries in a row on one kept connection, then one refused
--- request eval
[(PartooTryout::tryout_request(url => "$main::R/poll?status=204")) x 3,
 PartooTryout::tryout_request(url => "https://127.0.0.1:$main::REFUSED/t/x"),
 "GET /receiver/poll.conn"]
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/poll?status=204",
                                   response_status => 204)) x 3,
 PartooTryout::tryout_answer_like(
     url => "https://127.0.0.1:$main::REFUSED/t/x",
     error => 'connection_failed'),
 '^(\d+)\n\1\n\1\n$']
--- no_error_log
[alert]
[crit]



=== TEST 2: a client that goes away mid-delivery
--- request eval
PartooTryout::tryout_request(url => "$main::R/poll-gone?delay=2000")
--- timeout: 0.5
--- abort
--- ignore_response
--- wait: 0.5
--- error_log
is cancelled
--- no_error_log
[alert]
[crit]
