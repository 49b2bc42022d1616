# Self-tests of the project's Test::Nginx::Socket runner (t/lib), against
# plain nginx: no module is loaded.  The blocks below use each supported
# section once; the checks after run_tests() prove that mismatches fail,
# that the global settings work, and that valgrind's log is judged right.

use strict; use warnings;

# This file tests the project's runner itself, so t/lib comes first even
# where CPAN's Test::Nginx is installed (other .t files put it last).  Under
# another Test::Nginx (make test-upstream moves t/lib/Test/Nginx aside)
# there is nothing of the project's runner to test.
BEGIN {
    unless (-f 't/lib/Test/Nginx/Runner/Server.pm') {
        require Test::More;
        Test::More::plan(skip_all => "tests the project's own Test::Nginx"
                                     . " (t/lib), which is not in use");
    }
}

use lib 't/lib';

use Test::Nginx::Socket 'no_plan';

use Cwd qw(getcwd);
use File::Temp qw(tempdir);
use IO::Socket::INET;

# A port that accepts connections (into the backlog) and never answers,
# for the timeout blocks.
our $Blackhole = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1',
    LocalPort => 0,
    Proto     => 'tcp',
    Listen    => 128,
) or die "cannot open the blackhole port: $!\n";

$ENV{TEST_NGINX_BLACKHOLE_PORT} = $Blackhole->sockport;
$ENV{TEST_NGINX_GREETING} = 'hello from env';

run_tests();

my $repo = getcwd();
my $port = server_port();

check_mode_evidence();
check_rendered_config();
check_valgrind_judge();
check_mismatches_fail();
check_settings();

# Under TEST_NGINX_USE_VALGRIND / TEST_NGINX_USE_HUP, show that nginx really
# ran that way.
sub check_mode_evidence {
    my $logs = server_root() . '/logs';

    if ($ENV{TEST_NGINX_USE_VALGRIND}) {
        my $log = slurp("$logs/valgrind.log");
        like($log, qr/ERROR SUMMARY: 0 errors/,
             'runner: nginx ran under valgrind with no error');
    }

    if ($ENV{TEST_NGINX_USE_HUP}) {
        my $reloads = () = slurp("$logs/error.log")
                           =~ /signal 1 \(SIGHUP\) received/g;
        cmp_ok($reloads, '>=', 10,
               'runner: the blocks were run by reloading one nginx');
    }
}

sub check_rendered_config {
    require Test::Nginx::Runner::Server;

    my $server = Test::Nginx::Runner::Server->new(
        binary   => $ENV{TEST_NGINX_BINARY} || 'nginx',
        servroot => '/srv/x',
        addr     => '127.0.0.1',
        port     => 4321,
    );

    my $conf = $server->render_config(
        name => 'render', load_modules => ['/m/a.so', '/m/b.so'],
        workers => 1, master_process => 'off', log_level => 'info',
        env => ['FOO'], main_config => '# main', http_config => '# http',
        config => '# server', worker_connections => 1024,
    );

    like($conf, qr{\A(?:\#[^\n]*\n)*
                   load_module\ /m/a\.so;\n
                   load_module\ /m/b\.so;\n}x,
         'runner: TEST_NGINX_LOAD_MODULES become load_module lines on top');
    like($conf, qr/^daemon\s+off;$/m, 'runner: daemon off');
    like($conf, qr/^error_log\s+\/srv\/x\/logs\/error\.log info;$/m,
         'runner: error_log in the server root at the log level');
    like($conf, qr/^env FOO;$/m, 'runner: env_to_nginx');
    like($conf, qr/^\s+client_body_temp_path \/srv\/x\/client_body_temp;$/m,
         'runner: temp paths in the server root');
    like($conf, qr/^\s+listen\s+127\.0\.0\.1:4321;$/m,
         'runner: listens on the loopback port');
    like($conf, qr/events \{\s+accept_mutex off;\s+worker_connections\s+1024;/,
         'runner: events block');
    like($conf, qr/location \/ \{\s+root \/srv\/x\/html;/,
         'runner: root location');
}

sub check_valgrind_judge {
    require Test::Nginx::Runner::Valgrind;

    my $clean = <<'_LOG_';
==7== LEAK SUMMARY:
==7==    definitely lost: 0 bytes in 0 blocks
==7==         suppressed: 245,768 bytes in 2 blocks
==7== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 2 from 2)
_LOG_

    my $invalid_read = <<'_LOG_';
==8== Invalid read of size 4
==8==    at 0x1: ngx_http_foo (ngx_http_foo.c:10)
==8==    definitely lost: 0 bytes in 0 blocks
==8== ERROR SUMMARY: 1 errors from 1 contexts (suppressed: 0 from 0)
_LOG_

    my $leak = <<'_LOG_';
==9==    definitely lost: 1,024 bytes in 1 blocks
==9== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)
_LOG_

    my $killed = "==10== Memcheck, a memory error detector\n";

    is_deeply([Test::Nginx::Runner::Valgrind::problems($clean, 1)], [],
              'runner: valgrind log without errors passes');
    like(join(';', Test::Nginx::Runner::Valgrind::problems($invalid_read, 1)),
         qr/1 valgrind error/, 'runner: valgrind error fails');
    like(join(';', Test::Nginx::Runner::Valgrind::problems($leak, 1)),
         qr/1024 bytes definitely lost/, 'runner: definite leak fails');
    like(join(';', Test::Nginx::Runner::Valgrind::problems($killed, 1)),
         qr/no ERROR SUMMARY/, 'runner: valgrind cut short fails');
}

# Runs a .t file with prove in a scratch server root on the next port;
# returns (exit code, output).
sub sub_prove {
    my ($code) = @_;

    my $dir = tempdir('runner-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $file = "$dir/sub.t";

    open my $out, '>', $file or die "cannot write $file: $!\n";
    print $out "use strict; use warnings;\nuse lib '$repo/t/lib';\n", $code;
    close $out;

    local $ENV{TEST_NGINX_SERVER_PORT} = $port + 1;
    local $ENV{TEST_NGINX_SERVROOT} = "$dir/servroot";
    # runner logic, not memory, is tested here: keep it quick
    local $ENV{TEST_NGINX_USE_VALGRIND};
    delete $ENV{TEST_NGINX_USE_VALGRIND};

    my $output = `prove -v '$file' 2>&1`;

    return ($? >> 8, $output, $file);
}

sub check_mismatches_fail {
    my ($rc, $output, $file) = sub_prove(<<'_T_');
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: wrong body
--- config
    location = /t { return 200 "actual\n"; }
--- request
GET /t
--- response_body
expected

=== TEST 2: wrong status
--- config
    location = /t { return 201 "created\n"; }
--- request
GET /t
--- response_body
created

=== TEST 3: wrong and unwanted headers
--- config
    location = /t { return 200 "x"; }
--- request
GET /t
--- response_headers
Content-Type: text/html
!Content-Length

=== TEST 4: body_like mismatch
--- config
    location = /t { return 200 "actual\n"; }
--- request
GET /t
--- response_body_like: ^expected$

=== TEST 5: headers_like mismatch
--- config
    location = /t { return 200 "x"; }
--- request
GET /t
--- response_headers_like
Server: apache/\d+

=== TEST 6: error_log line missing
--- config
    location = /t { return 200 "x"; }
--- request
GET /t
--- error_log
this line is never logged

=== TEST 7: no_error_log line present
--- config
    location = /t { return 200 "x"; }
--- request
GET /t
--- no_error_log
http request line

=== TEST 8: timeout without abort
--- config
    location = /t { proxy_pass http://127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT; }
--- request
GET /t
--- timeout: 200ms
--- ignore_response

=== TEST 9: nginx refuses the config
--- config
    bogus_directive on;
--- request
GET /t

=== TEST 10: nginx dies during the block
--- config
    location = /t { return 200 "x"; }
--- init
my $pid_file = server_root() . '/logs/nginx.pid';
my $pid = do { local (@ARGV, $/) = $pid_file; <> };
kill 'SEGV', $pid;
select undef, undef, undef, 0.1;
--- request
GET /t
--- ignore_response

=== TEST 11: the next block still runs
--- config
    location = /t { return 200 "fine\n"; }
--- request
GET /t
--- response_body
fine
_T_

    isnt($rc, 0, 'runner: a file with wrong expectations fails');
    like($output, qr/^Result: FAIL/m, 'runner: prove says FAIL');

    my %expected_failures = (
        1 => 'wrong body - response_body - response is expected',
        2 => 'wrong status - status code ok',
        3 => 'wrong and unwanted headers - header Content-Type ok',
        4 => 'body_like mismatch - response_body_like - response is '
             . 'expected',
        5 => 'headers_like mismatch - header Server like ok',
        6 => 'error_log line missing - pattern "this line is never logged" '
             . 'should match a line in error.log',
        7 => 'no_error_log line present - pattern "http request line" '
             . 'should not match any line in error.log',
        9 => 'nginx refuses the config - nginx (?:started|reloaded the '
             . 'configuration)',
        10 => 'nginx dies during the block - nginx exited before the end '
              . 'of the block \\(signal 11\\)',
    );

    for my $n (sort { $a <=> $b } keys %expected_failures) {
        like($output,
             qr/^not ok \d+ - \Q$file\E TEST $n: $expected_failures{$n}/m,
             "runner: detects TEST $n of the mismatch file");
    }

    my $absent = 'header Content-Length not present';
    like($output, qr/^not ok \d+ - \Q$file\E TEST 3: .* - \Q$absent\E/m,
         'runner: detects a header that must be absent');

    my $timed_out = "ERROR: client socket timed out - $file TEST 8:";
    like($output, qr/^not ok \d+ - \Q$timed_out\E/m,
         'runner: detects a request that times out');
    like($output, qr/unknown directive "bogus_directive"/,
         'runner: shows why nginx refused the config');
    my $body_ok = 'response_body - response is expected';
    like($output, qr/^ok \d+ - \Q$file\E TEST 11: .* - \Q$body_ok\E/m,
         'runner: a broken block does not break the next one');
    like($output, qr/strings begin to differ at char 1 \(line 1 column 1\)/,
         'runner: a body mismatch says where the strings differ');

    my $failures = () = $output =~ /^not ok /mg;
    is($failures, 11, 'runner: the mismatch file fails exactly 11 checks')
        or diag($output);
}

sub check_settings {
    my ($rc, $output, $file) = sub_prove(<<'_T_');
use Test::Nginx::Socket;

repeat_each(2);
no_shuffle();
no_root_location();
log_level('info');
master_on();
workers(2);
env_to_nginx('TEST_NGINX_GREETING');
# the repeated request sees the block's whole log, start-up included
check_accum_error_log();

# a block without --- request gets one
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(request => "GET /\n") if !defined $block->request
                                                && !defined $block->must_die;
});

plan tests => repeat_each() * (2 * blocks() + 2);

run_tests();

__DATA__

=== TEST 1: own "location /" (no_root_location), request by preprocessor
--- config
    location / { return 200 "mine\n"; }
--- response_body
mine
--- error_log
start worker processes

=== TEST 2: generated nginx.conf follows the settings
--- config
    location / { return 200 "settings\n"; }
--- init
my $conf = do { local (@ARGV, $/) = server_root() . '/conf/nginx.conf'; <> };
$conf =~ /^env TEST_NGINX_GREETING;$/m or die "no env line\n";
$conf =~ /^worker_processes\s+2;$/m or die "not 2 workers\n";
$conf =~ /^master_process\s+on;$/m or die "master not on\n";
--- response_body
settings
--- no_error_log
[debug]

=== TEST 3: without --- config, the previous block's nginx.conf
--- request
GET /again
--- response_body
settings

=== TEST 4: must_die
--- config
    bogus_directive on;
--- must_die
--- error_log
unknown directive "bogus_directive"
_T_

    is($rc, 0, 'runner: the settings file passes') or diag($output);
    like($output, qr/^1\.\.20$/m, 'runner: plan tests => N is honoured');
    my $repeated = 'response_body - response is expected (repeated req 1,';
    like($output, qr/^ok \d+ - \Q$file\E TEST 1: .* - \Q$repeated\E/m,
         'runner: repeat_each runs each block again');
    like($output, qr/^ok \d+ - \Q$file\E TEST 4: must_die - die as expected/m,
         'runner: must_die');
}

sub slurp {
    my ($path) = @_;

    open my $in, '<', $path or return '';
    local $/;
    return scalar <$in>;
}

__DATA__

=== TEST 1: plain response, default status, headers present and absent
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_headers
Content-Type: text/plain
Content-Length: 6
!X-Absent
--- response_body
hello
--- no_error_log
[error]

=== TEST 2: error_code, response_body_like, response_headers_like
--- config
    location = /t { return 404; }
--- request
GET /t
--- error_code: 404
--- response_headers_like
Server: nginx/[\d.]+
Content-Type: text/html
--- response_body_like
^<html>.*<title>404 Not Found</title>.*</html>\s*$

=== TEST 3: request eval and response_body eval
--- config
    location = /t { return 200 "args=$args\n"; }
--- request eval
"GET /t?a=" . "x" x 3
--- response_body eval
"args=a=" . "x" x 3 . "\n"

=== TEST 4: more_headers, and the generated Host and Connection
--- config
    location = /t {
        return 200 "$http_x_foo|$http_x_bar|$http_host|$http_connection\n";
    }
--- request
GET /t
--- more_headers
X-Foo: foo
# a comment line is no header
X-Bar: bar baz
--- response_body
foo|bar baz|localhost|close

=== TEST 5: request body gets a Content-Length (trimmed, as CPAN does)
--- config
    location = /echo {
        proxy_set_header X-Body $request_body;
        proxy_set_header X-Len $http_content_length;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location = /sink { return 200 "$http_x_len:$http_x_body\n"; }
--- request
POST /echo
hello world
--- response_body
11:hello world

=== TEST 6: raw_request eval with a chunked request body
--- config
    location = /echo {
        proxy_set_header X-Body $request_body;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
    }
    location = /sink { return 200 "$http_x_body\n"; }
--- raw_request eval
"POST /echo HTTP/1.1\r
Host: localhost\r
Connection: close\r
Transfer-Encoding: chunked\r
\r
5\r
hello\r
6\r
 world\r
0\r
\r
"
--- response_body
hello world

=== TEST 7: raw_request eval as packets, with raw_request_middle_delay
--- config
    location = /t { return 200 "$http_x_split\n"; }
--- raw_request eval
["GET /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Sp",
 "lit: two packets\r\n\r\n"]
--- raw_request_middle_delay: 0.01
--- response_body
two packets

=== TEST 8: user_files, chunked response, mtime
--- config
    location = /ssi.html {
        ssi on;
        set $greeting "hi";
        root html;
    }
--- user_files
>>> ssi.html
<!--# echo var="greeting" -->!
>>> sub/dated.txt 199801171935.33
dated
--- request
GET /ssi.html
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
hi!

=== TEST 9: the root location serves user_files with their mtime
--- config
--- user_files
>>> sub/dated.txt 199801171935.33
dated
--- request
GET /sub/dated.txt
--- response_headers
Last-Modified: Sat, 17 Jan 1998 19:35:33 GMT
--- response_body
dated

=== TEST 10: main_config, post_main_config and http_config
--- main_config
    thread_pool runner_main threads=1;
--- post_main_config
    thread_pool runner_post threads=1;
--- http_config
    map $uri $runner_mapped {
        default    "unmapped";
        /t         "mapped";
    }
--- config
    location = /t { aio threads=runner_main; return 200 "$runner_mapped\n"; }
    location = /u { aio threads=runner_post; return 200 "$runner_mapped\n"; }
--- request
GET /t
--- response_body
mapped

=== TEST 11: config eval and $TEST_NGINX_* expansion
--- config eval
'location = /t { return 200 "$TEST_NGINX_GREETING ' . ("ab" x 2) . '\n"; }'
--- request
GET /t
--- response_body
hello from env abab

=== TEST 12: $TEST_NGINX_SERVER_PORT in config and response_body
--- config
    location = /t { return 200 "port $TEST_NGINX_SERVER_PORT\n"; }
--- request
GET /t
--- response_body
port $TEST_NGINX_SERVER_PORT

=== TEST 13: error_log and no_error_log, plain lines
--- config
--- request
GET /missing.txt
--- error_code: 404
--- error_log
open() "
No such file or directory
--- no_error_log
[crit]
[emerg]

=== TEST 14: error_log and no_error_log eval, strings and regexes
--- config
    location = /log { return 200 "x"; }
--- request
GET /log?q=1
--- error_log eval
[qr{http request line: "GET /log\?q=1 HTTP/1\.1"}, 'http args: "q=1"']
--- no_error_log eval
[qr/\[(?:error|alert)\]/, "http args: \"q=2\""]

=== TEST 15: timeout with abort: the client gives up and that is fine
--- config
    location = /slow {
        proxy_pass http://127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT;
    }
--- request
GET /slow
--- timeout: 300ms
--- abort
--- ignore_response
--- wait: 0.2
--- error_log
client prematurely closed connection

=== TEST 16: init runs before the request
--- config
--- init
open my $fh, '>', html_dir() . '/from-init.txt' or die $!;
print $fh "written by init\n";
close $fh;
--- request
GET /from-init.txt
--- response_body
written by init

=== TEST 17: response_body_like is one regex with /s
--- config
    location = /t { return 200 "line1\nline2\n"; }
--- request
GET /t
--- response_body_like: ^line1.line2$

=== TEST 18: response_body_unlike
--- config
    location = /t { return 200 "all good\n"; }
--- request
GET /t
--- response_body_unlike: error

=== TEST 19: HEAD request: no body to wait for
--- config
    location = /t { return 200 "hello\n"; }
--- request
HEAD /t
--- response_headers
Content-Length: 6
--- response_body

=== TEST 20: several requests with arrays of expectations
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 404; }
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 404]
--- response_body_like eval
["^a\$", "404 Not Found"]

=== TEST 21: grep_error_log
--- config
    location = /g { return 200 "g\n"; }
--- request
GET /g
--- grep_error_log eval: qr/http uri: "[^"]+"/
--- grep_error_log_out
http uri: "/g"

=== TEST 22: log_level section
--- log_level: warn
--- config
    location = /t { return 200 "quiet\n"; }
--- request
GET /t
--- response_body
quiet
--- no_error_log
http request line

=== TEST 23: error_code_like and raw_response_headers_like
--- config
    location = /t { return 302 /elsewhere; }
--- request
GET /t
--- error_code_like: ^30[12]$
--- raw_response_headers_like: \r\nLocation: http://localhost(?::\d+)?/elsewhere\r\n
