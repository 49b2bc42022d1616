# Key files picked up without a reload ("check=1s"): a key file changed on
# disk is published by one worker within the check interval, and both
# workers then accept the new key and refuse the removed one, with no
# SIGHUP; a bad file is refused once, with the words a reload says, and
# the keys in force stay; an unchanged file is not read again; without
# "check=" nothing is picked up; the worker checking, killed mid-parse,
# stops no other check.  Every block runs a fresh nginx with two workers.
#
# Keys: A, B and D in the first file, A and C in the second.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }

use Test::Nginx::Socket 'no_plan';
use Time::HiRes qw(time sleep);
use PartooTryout;
use PartooMetrics;

our $V1 = PartooTryout::key_file(['check-key-a', 'u-a', 'ORG_ADMIN', 42],
                                 ['check-key-b', 'u-b', 'ORG_ADMIN', 42],
                                 ['check-key-d', 'u-d', 'ORG_ADMIN', 42]);
our $V2 = PartooTryout::key_file(['check-key-a', 'u-a', 'ORG_ADMIN', 42],
                                 ['check-key-c', 'u-c', 'ORG_ADMIN', 42]);

# keys that make a parse take a while: 20,000 (2,000 under valgrind)
our @MANY = map { ["k$_", "u-$_", 'ORG_ADMIN', 42] }
            1 .. ($ENV{TEST_NGINX_USE_VALGRIND} ? 2000 : 20000);

our $BAD = '{"keys":[{"key":"check-key-c","user_id":"u-c","role":"ADMIN",'
           . '"org_id":42}]}';

our $CHECK_ZONE = "    partoo_tryout_keys_zone zone=tryout_keys:1m "
                  . "file=../html/check.json check=1s;\n";
our $PLAIN_ZONE = "    partoo_tryout_keys_zone zone=tryout_keys:1m "
                  . "file=../html/check.json;\n";

# every answer says which worker gave it
our $CONFIG = <<'_EOC_';
    add_header X-Worker $pid always;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }

    location = /metrics {
        partoo_tryout_status;
    }
_EOC_

# the pickup's bound: one check interval, and the time to see it; valgrind
# slows the parse and the workers' timers
our $PICKUP = $ENV{TEST_NGINX_USE_VALGRIND} ? 8 : 2.5;

our $OK = '{"errors":{"json":{"items":"is required"}}}';
our $NO = '{"errors":{"authentication":"User not authenticated"}}';

our $NOTICE = qr{\[notice\] \d+#\d+: partoo_tryout_keys_zone "tryout_keys": \d+ keys from "[^"]*/html/check\.json", parsed in \d+ms, stored in \d+ms, \d+K of \d+K used(?: with the previous keys)?$}m;

our @ABCD = ("POST /v2/webhooks/tryout\n{}") x 4;

# the first file's answers to A, B, C and D, and its load alone logged
our $FIRST_CODES = [400, 400, 401, 400];
our $FIRST_BODIES = [$OK, $OK, $NO, $OK];
our $FIRST_ONLY = qr{\A[^\n]*: 3 keys from [^\n]*used\n\z};

sub headers {
    return [map { "Content-Type: application/json\nx-APIKey: check-key-$_" }
            @_];
}

no_shuffle();
no_long_string();
check_accum_error_log();
workers(2);
master_on();
tryout_defaults(location => $CONFIG);
run_tests();


# the workers of the master in logs/nginx.pid
sub workers_of {
    open my $in, '<', server_root() . '/logs/nginx.pid' or die "pid: $!";
    my $master = <$in>;
    close $in;
    chomp $master;

    my %state;

    opendir my $dir, '/proc' or die "/proc: $!";

    for my $pid (grep { /^\d+$/ } readdir $dir) {
        open my $st, '<', "/proc/$pid/stat" or next;
        my $stat = <$st> // '';
        close $st;

        # the state and the ppid follow the command name in parentheses
        $state{$pid} = $1 if $stat =~ /\) (\S+) (\d+) / && $2 == $master;
    }

    closedir $dir;

    return %state;
}

# the error log lines written since $offset
sub log_since {
    my ($offset) = @_;

    my $log = server_root() . '/logs/error.log';

    open my $fh, '<', $log or die "$log: $!";
    seek $fh, $offset, 0;
    local $/;
    my $text = <$fh> // '';
    close $fh;

    return $text;
}

sub log_size {
    return -s (server_root() . '/logs/error.log') // 0;
}

# html/check.json rewritten: by rename (a new inode), or in place
sub rewrite {
    my ($content, $in_place) = @_;

    my $file = server_root() . '/html/check.json';
    my $tmp = $in_place ? $file : "$file.tmp";

    open my $out, '>', $tmp or die "$tmp: $!";
    print $out $content;
    close $out or die "$tmp: $!";

    rename $tmp, $file or die "rename $tmp: $!" if !$in_place;
}

# waits until the log written since $offset matches $re: the seconds it
# took, or undef after $timeout seconds
sub wait_log {
    my ($offset, $re, $timeout) = @_;

    my $start = time;

    while (time - $start < $timeout) {
        return time - $start if log_since($offset) =~ $re;
        sleep 0.05;
    }

    return undef;
}

# the key's answers until both workers have given one: each must be $code
sub on_both_workers {
    my ($name, $key, $code) = @_;

    my (%by, %codes);

    for (1 .. 1000) {
        my $res = PartooMetrics::fetch(
                      "POST /v2/webhooks/tryout HTTP/1.0\n"
                      . "Content-Type: application/json\n"
                      . "x-APIKey: check-key-$key\nContent-Length: 2\n\n{}");

        $codes{ $res->[0] }++;
        $by{ $res->[1]{'x-worker'} // '' }++;
        last if keys %by == 2;
    }

    Test::More::is(scalar keys %by, 2, "$name: both workers answered");
    Test::More::is(join(',', sort keys %codes), $code,
                   "$name: key $key gets $code from every worker");
}

__DATA__

=== TEST 1: a key file replaced on disk is picked up within the check interval, without SIGHUP, by both workers
--- http_config eval: $::CHECK_ZONE
--- user_files eval
[["check.json", $::V1]]
--- init
main::on_both_workers('TEST 1, before', 'b', 400);
main::on_both_workers('TEST 1, before', 'c', 401);

my $offset = main::log_size();

main::rewrite($::V2);

my $took = main::wait_log($offset, qr/: 2 keys from/, 10);

Test::More::ok(defined $took && $took < $::PICKUP,
               "TEST 1: the new file published in "
               . (defined $took ? sprintf('%.2f', $took) : 'more than 10')
               . " s, less than $::PICKUP s");

main::on_both_workers('TEST 1, after', 'c', 400);
main::on_both_workers('TEST 1, after', 'b', 401);
main::on_both_workers('TEST 1, after', 'a', 400);

# three more check intervals: the file, unchanged, is not read again
sleep 3;
--- request eval: \@::ABCD
--- more_headers eval: main::headers(qw(a b c d))
--- error_code eval
[400, 401, 400, 401]
--- response_body eval
[$::OK, $::NO, $::OK, $::NO]
--- grep_error_log eval: $::NOTICE
--- grep_error_log_out eval
qr{\A[^\n]*: 3 keys from [^\n]*used\n[^\n]*: 2 keys from [^\n]*used with the previous keys\n\z}
--- no_error_log
[error]



=== TEST 2: a broken file is refused once, with the words of a reload, and the keys in force stay; the fixed file is then picked up
--- http_config eval: $::CHECK_ZONE
--- user_files eval
[["check.json", $::V1]]
--- init
my $offset = main::log_size();

main::rewrite($::BAD, 1);

my $took = main::wait_log($offset, qr/\[error\]/, 10);

Test::More::ok(defined $took && $took < $::PICKUP,
               "TEST 2: the broken file refused within $::PICKUP s");

# three more check intervals: refused once, not read again
sleep 3;

main::on_both_workers('TEST 2, broken', 'b', 400);
main::on_both_workers('TEST 2, broken', 'c', 401);

my $log = main::log_since($offset);
my @refused = $log =~ /^(.*\[error\].*)$/mg;

Test::More::is(scalar @refused, 1, "TEST 2: one error line");
Test::More::like($refused[0] // '',
    qr{\[error\] \d+#\d+: key file "[^"]*/html/check\.json", keys\[0\]: unknown role "ADMIN"$},
    "TEST 2: the error line names the problem");
Test::More::unlike($log, qr/keys from/, "TEST 2: nothing published");

$offset = main::log_size();

main::rewrite($::V2, 1);

Test::More::ok(defined main::wait_log($offset, qr/: 2 keys from/, 10),
               "TEST 2: the fixed file published");

main::on_both_workers('TEST 2, fixed', 'c', 400);
main::on_both_workers('TEST 2, fixed', 'b', 401);
--- request
GET /metrics
--- response_body_like eval
PartooMetrics::has_lines(
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="ok"} 2',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="error"} 1',
    'partoo_tryout_keys{zone="tryout_keys"} 2')



=== TEST 3: an unchanged file is not read again
--- http_config eval: $::CHECK_ZONE
--- user_files eval
[["check.json", $::V1]]
--- init
sleep 3.5;
--- request eval: \@::ABCD
--- more_headers eval: main::headers(qw(a b c d))
--- error_code eval: $::FIRST_CODES
--- response_body eval: $::FIRST_BODIES
--- grep_error_log eval: $::NOTICE
--- grep_error_log_out eval: $::FIRST_ONLY
--- no_error_log
[error]



=== TEST 4: without check=, a changed file is not picked up
--- http_config eval: $::PLAIN_ZONE
--- user_files eval
[["check.json", $::V1]]
--- init
main::rewrite($::V2);
sleep 3;
--- request eval: \@::ABCD
--- more_headers eval: main::headers(qw(a b c d))
--- error_code eval: $::FIRST_CODES
--- response_body eval: $::FIRST_BODIES
--- grep_error_log eval: $::NOTICE
--- grep_error_log_out eval: $::FIRST_ONLY



=== TEST 5: check= wants a time
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/check.json check=0;
--- user_files eval
[["check.json", $::V1]]
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid check time "check=0" in \S+nginx\.conf:\d+$}



=== TEST 6: the worker that checks, killed while it parses, holds no one up: the next check publishes the file
--- http_config eval
"    partoo_tryout_keys_zone zone=tryout_keys:16m "
. "file=../html/check.json check=1s;\n"
--- user_files eval
[["check.json", PartooTryout::key_file(@::MANY, ['check-key-b', 'u-b', 'ORG_ADMIN', 42])]]
--- init
my $offset = main::log_size();

main::rewrite(PartooTryout::key_file(@::MANY,
                  ['check-key-c', 'u-c', 'ORG_ADMIN', 42]));

# the workers sleep but for the one parsing: killed before it publishes
my $killed;
my $start = time;

while (!$killed && time - $start < 5) {
    my %state = main::workers_of();

    for my $pid (grep { $state{$_} eq 'R' } keys %state) {
        last if main::log_since($offset) =~ /keys from/;
        kill 'KILL', $pid and $killed = $pid;
        last;
    }

    sleep 0.002;
}

Test::More::ok($killed, "TEST 6: the worker parsing the file killed");
Test::More::unlike(main::log_since($offset), qr/keys from/,
                   "TEST 6: killed before it published");

my $took = main::wait_log($offset, qr/: \d+ keys from/, 15);

Test::More::ok(defined $took, "TEST 6: the file published by another check");

main::on_both_workers('TEST 6, after', 'c', 400);
main::on_both_workers('TEST 6, after', 'b', 401);
--- request
GET /metrics
--- response_body_like eval
PartooMetrics::has_lines(
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="ok"} 2',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="error"} 0')
--- no_error_log
[error]
