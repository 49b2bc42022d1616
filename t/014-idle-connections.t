# Idle connections to receivers.  The native engine keeps a connection
# for reuse as an nginx connection watched for reading ("parked"): a
# tryout that reuses it costs no epoll_ctl(), and one the receiver ends
# while idle is let go at once (level-triggered, it would wake the worker
# for ever), after which the next tryout opens another.  Parked connections
# hold at most a quarter of worker_connections (64 here: 16); the oldest
# are closed.  On the thread-pool engine each pooled libcurl handle keeps
# one connection, outside nginx, that libcurl checks before reusing it.
# A new connection to an address and host name resumes the TLS session of
# the last one to them, never another name's.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

our $R = 'https://127.0.0.1:' . PartooTryout::Receiver::port(0) . '/t';

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => PartooTryout::Receiver::port(0));

# a receiver that resumes TLS sessions across its connections
our $RESUME = PartooTryout::Receiver::port(1);
PartooTryout::Receiver::start(port => $RESUME, resume => 1);

# a name the system resolver maps to 127.0.0.1, not a literal: it is
# looked up (by getaddrinfo() in a thread, or libcurl's resolver thread)
our $NAME = PartooTryout::Receiver::blocked_name() // 'tryout.localhost';
our $P = PartooTryout::Receiver::port(0);

our $IDLE = qr/partoo_tryout: idle connection \d+ to a receiver closed or readable, shut down/;

# the module's debug lines need nginx built --with-debug, as Debian's is
our $DEBUG = `@{[$ENV{TEST_NGINX_BINARY} || "nginx"]} -V 2>&1` =~ /--with-debug/;

# two rounds of N tryouts at once (then $then of them), $pause seconds
# apart; the summary goes where /receiver/ serves it
sub rounds {
    my ($name, $n, $query, $pause, $then) = @_;

    my $url = "$R/$name?" . ($query // 'delay=300') . '&status=204';
    my $pattern = PartooTryout::tryout_answer_like(url => $url,
                                                   response_status => 204);
    my ($answers, $ok) = (0, 0);

    for my $round (1 .. 2) {
        my ($took, @answers) = PartooTryout::concurrent_tryouts(
            url => $url, n => $round == 2 ? $then // $n : $n,
            port => Test::Nginx::Socket::server_port_for_client());

        $answers += grep { length } @answers;
        $ok += grep { /\r\n\r\n(.*)\z/s && $1 =~ /$pattern/ } @answers;

        # the receiver ends the idle connections meanwhile
        select undef, undef, undef, $pause if $pause;
    }

    my $dir = $ENV{TEST_NGINX_RECEIVER_DIR};
    open my $in, '<', "$dir/requests/$name.conn" or die "$name.conn: $!";
    my @lines = <$in>;
    close $in;

    my $last = pop @lines;
    my %conns = map { $_ => 1 } @lines;
    my $new = defined $last && !$conns{$last};
    $conns{$last} = 1 if defined $last;

    open my $out, '>', "$dir/requests/$name.summary" or die "$!";
    printf $out "answers: %d\nsuccess: %d\nconnections: %d\n",
           $answers, $ok, scalar keys %conns;

    # the last tryout of a second round of one: on a connection of its own
    printf $out "last one on: %s connection\n", $new ? 'a new' : 'a used'
        if defined $then && $then == 1;
    close $out;
    chmod 0644, "$dir/requests/$name.summary";
}

worker_connections(64);
no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

run_tests();

__DATA__

=== TEST 1: the receiver ends a kept connection while idle: let go once, and the next tryout connects again
Not on the thread-pool engine: nginx does not watch libcurl's idle
connections (TEST 6 shows a dead one is not used).
--- skip_eval: 15: $PartooTryout::ENGINE eq 'thread'
--- log_level: info
--- request eval
[PartooTryout::tryout_request(url => "$main::R/idle?status=204&idle=100"),
 PartooTryout::tryout_request(url => "$main::R/idle?status=204&idle=100"),
 "GET /receiver/idle.conn"]
--- wait: 0.5
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/idle?status=204&idle=100",
                     response_status => 204)) x 2,
 '^(\d+)\n(?!\1\n)\d+\n$']
--- grep_error_log eval
$main::IDLE
--- grep_error_log_out eval
[qr/\A(?:$main::IDLE\n){1,2}\z/]
--- no_error_log
[alert]
[error]



=== TEST 2: a kept connection the receiver keeps serves the next tryouts, never let go
--- log_level: info
--- request eval
[(PartooTryout::tryout_request(url => "$main::R/kept?status=204")) x 3,
 "GET /receiver/kept.conn"]
--- wait: 0.2
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/kept?status=204",
                     response_status => 204)) x 3,
 '^(\d+)\n\1\n\1\n$']
--- no_error_log
[alert]
[error]
idle connection



=== TEST 3: a connection the receiver ends right after its answer (no keep-alive) is closed, never parked
--- log_level: info
--- request eval
[(PartooTryout::tryout_request(url => "$main::R/once?status=204&close=1")) x 2,
 "GET /receiver/once.conn"]
--- wait: 0.2
--- response_body_like eval
[(PartooTryout::tryout_answer_like(url => "$main::R/once?status=204&close=1",
                     response_status => 204)) x 2,
 '^(\d+)\n(?!\1\n)\d+\n$']
--- no_error_log
[alert]
[error]
idle connection



=== TEST 4: 24 tryouts at once, twice: the native engine parks at most 16 connections and closed the other 8; each of the thread engine's 24 handles keeps its one for the second round
--- init
main::rounds('many', 24);
--- request
GET /receiver/many.summary
--- response_body_like eval
"^answers: 48\nsuccess: 48\nconnections: "
. PartooTryout::by_engine(# 24, then 8 more; fewer where one round's
                          # tryouts do not all overlap (valgrind)
                          native => '(?:[1-9]|[12][0-9]|3[0-2])',
                          # 24, all reused; fewer as above
                          thread => '(?:[1-9]|1[0-9]|2[0-4])')
. '\n$'
--- grep_error_log eval
qr/partoo_tryout: connection \d+ parked, \d+ parked/
--- grep_error_log_out eval
$main::DEBUG && $PartooTryout::ENGINE eq 'native'
    ? qr/\A(?:partoo_tryout: connection \d+ parked, (?:[1-9]|1[0-6]) parked\n)+\z/
    : ''
--- no_error_log
[alert]
[error]



=== TEST 5: a name that resolves to a blocked address, then deliveries on kept connections: blocked_address, and the next deliveries go on with no alert
--- log_level: info
--- config eval
$PartooTryout::DELIVERY_LOCATION . <<'_EOC_'
    location = /blocked {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
_EOC_
--- request eval
[PartooTryout::tryout_request(uri => '/blocked', url => "https://$main::NAME:$main::P/t/out"),
 PartooTryout::tryout_request(url => "$main::R/after-name?status=204"),
 PartooTryout::tryout_request(uri => '/blocked', url => "https://$main::NAME:$main::P/t/out2"),
 PartooTryout::tryout_request(url => "$main::R/after-name?status=204")]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "https://$main::NAME:$main::P/t/out",
                                  error => 'blocked_address'),
 PartooTryout::tryout_answer_like(url => "$main::R/after-name?status=204",
                                  response_status => 204),
 PartooTryout::tryout_answer_like(url => "https://$main::NAME:$main::P/t/out2",
                                  error => 'blocked_address'),
 PartooTryout::tryout_answer_like(url => "$main::R/after-name?status=204",
                                  response_status => 204)]
--- no_error_log
[alert]
[error]



=== TEST 6: ten kept connections the receiver ends while idle (close_notify, then FIN): the next tryout is delivered on a new one, not failed after retries on connections taken for alive
--- init
main::rounds('ended', 10, 'delay=300&idle=100', 0.5, 1);
--- request
GET /receiver/ended.summary
--- response_body_like eval
# 11 connections, one for each tryout; fewer where some of the first
# round's do not overlap (valgrind) and one takes another's connection
"^answers: 11\nsuccess: 11\nconnections: (?:[2-9]|1[01])\nlast one on: a new connection\n\$"
--- no_error_log
[alert]
[error]



=== TEST 7: the receiver closes the connection after its answer: the next tryout's new connection resumes the TLS session of the last one
--- request eval
[(PartooTryout::tryout_request(
      url => "https://127.0.0.1:$main::RESUME/t/resume?status=204&close=1"))
 x 2,
 "GET /receiver/resume.conn", "GET /receiver/resume.resumed"]
--- response_body_like eval
[(PartooTryout::tryout_answer_like(
      url => "https://127.0.0.1:$main::RESUME/t/resume?status=204&close=1",
      response_status => 204)) x 2,
 '^(\d+)\n(?!\1\n)\d+\n$',
 '^0\n1\n$']
--- no_error_log
[alert]
[error]



=== TEST 8: a TLS session is resumed only for the host name it was made with: another name on the same address gets a full handshake
--- request eval
[(map { PartooTryout::tryout_request(
            url => "https://$_.tryout.localhost:$main::RESUME/t/names"
                   . "?status=204&close=1") } qw(a b a)),
 "GET /receiver/names.sni", "GET /receiver/names.resumed"]
--- response_body_like eval
[(map { PartooTryout::tryout_answer_like(
            url => "https://$_.tryout.localhost:$main::RESUME/t/names"
                   . "?status=204&close=1",
            response_status => 204) } qw(a b a)),
 '^a\.tryout\.localhost\nb\.tryout\.localhost\na\.tryout\.localhost\n$',
 '^0\n0\n1\n$']
--- no_error_log
[alert]
[error]
