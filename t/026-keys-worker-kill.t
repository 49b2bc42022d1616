# Workers killed during lookups: a worker holds nothing in the keys zone
# that its death could leave held, so workers killed with SIGKILL, again
# and again while they authenticate requests, never stop the next reload,
# and the key it removes is refused at once.

use strict;
use warnings;

BEGIN {
    $ENV{TEST_NGINX_USE_HUP} = 1;
    push @INC, 't/lib';
}

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use PartooTryout;

# 20,000 keys: lookups miss the CPU caches, so a worker under load spends
# a fair share of its time inside one (2,000 under valgrind, which parses
# some twenty times slower)
our $NKEYS = $ENV{TEST_NGINX_USE_VALGRIND} ? 2000 : 20000;
our @KEYS = map { ["k$_", "u-$_", 'ORG_ADMIN', 42] } 1 .. $NKEYS;

our $V1 = PartooTryout::key_file(['kill-key-a', 'u-a', 'ORG_ADMIN', 42],
                                 ['kill-key-b', 'u-b', 'ORG_ADMIN', 42],
                                 @KEYS);
our $V2 = PartooTryout::key_file(['kill-key-a', 'u-a', 'ORG_ADMIN', 42],
                                 @KEYS);

our $OK = '{"errors":{"json":{"items":"is required"}}}';
our $NO = '{"errors":{"authentication":"User not authenticated"}}';

# the reload's bound: the master used to wait forever on a dead reader;
# valgrind slows the master's own work, not the wait this is about
our $RELOAD_SECONDS = $ENV{TEST_NGINX_USE_VALGRIND} ? 10 : 2;

master_on();
workers(2);
no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults();
run_tests();


# the workers of the master in logs/nginx.pid
sub workers_of {
    my ($root) = @_;

    open my $in, '<', "$root/logs/nginx.pid" or die "nginx.pid: $!";
    my $master = <$in>;
    close $in;
    chomp $master;

    my @pids;

    opendir my $dir, '/proc' or die "/proc: $!";

    for my $pid (grep { /^\d+$/ } readdir $dir) {
        open my $st, '<', "/proc/$pid/stat" or next;
        my $stat = <$st> // '';
        close $st;

        # the ppid follows the command name in parentheses
        push @pids, $pid if $stat =~ /\) \S+ (\d+) / && $1 == $master;
    }

    closedir $dir;

    return @pids;
}


# clients that authenticate keys A and B without pause until killed
sub start_load {
    my ($n) = @_;
    my @pids;

    for (1 .. $n) {
        my $pid = fork // die "fork: $!";

        if ($pid == 0) {
            # 50 requests pipelined per connection: the worker never waits
            my $req = '';

            for my $i (1 .. 50) {
                my $key = $i % 2 ? 'kill-key-a' : 'kill-key-b';

                $req .= "POST /v2/webhooks/tryout HTTP/1.1\r\n"
                        . "Host: localhost\r\nx-APIKey: $key\r\n"
                        . "Content-Type: application/json\r\n"
                        . "Content-Length: 2\r\n"
                        . ($i == 50 ? "Connection: close\r\n" : '')
                        . "\r\n{}";
            }

            for ( ;; ) {
                my $sock = IO::Socket::INET->new(
                               PeerAddr => '127.0.0.1',
                               PeerPort => $ENV{TEST_NGINX_SERVER_PORT},
                               Timeout => 2)
                    or next;

                print $sock $req;
                local $/;
                my $res = <$sock>;
                close $sock;
            }
        }

        push @pids, $pid;
    }

    return @pids;
}

__DATA__

=== TEST 1: workers killed during lookups, 60 times; then a reload completes at once (2 s, 10 s under valgrind) and the removed key is refused
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:8m file=../html/kill.json;
--- user_files eval
[["kill.json", $::V1]]
--- init
my $root = server_root();

my @load = main::start_load(4);

my $killed = 0;

for (1 .. 60) {
    sleep 0.05;

    my @workers = main::workers_of($root);
    next unless @workers;

    $killed += kill 'KILL', $workers[int rand @workers];
}

kill 'KILL', @load;
waitpid $_, 0 for @load;

Test::More::cmp_ok($killed, '>=', 40,
                   "TEST 1: workers killed during the load");

my $start = time;

PartooTryout::rewrite_and_hup($root, 'kill.json', $::V2,
              qr/"tryout_keys": ${\ ($::NKEYS + 1)} keys.*start worker process/s,
              $::RELOAD_SECONDS);

Test::More::cmp_ok(time - $start, '<', $::RELOAD_SECONDS,
                   "TEST 1: the reload completes within $::RELOAD_SECONDS s");
--- request eval
["POST /v2/webhooks/tryout\n{}", "POST /v2/webhooks/tryout\n{}"]
--- more_headers eval
["Content-Type: application/json\nx-APIKey: kill-key-b",
 "Content-Type: application/json\nx-APIKey: kill-key-a"]
--- error_code eval
[401, 400]
--- response_body eval
[$::NO, $::OK]
--- error_log eval
qr/exited on signal 9/
