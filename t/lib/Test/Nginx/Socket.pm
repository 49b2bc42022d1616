package Test::Nginx::Socket;

# The project's own runner for Test::Nginx::Socket test files, for machines
# without CPAN's Test::Nginx (Debian does not package it).  It reads the
# same block format with Debian's Test::Base and follows CPAN's section
# names and semantics, so a .t file runs unchanged under either; the POD at
# the end lists what is supported and where it differs.

use strict;
use warnings;

use Test::Base -base;

use File::Spec ();
use List::Util qw(shuffle);
use Time::HiRes qw(sleep);
use IO::Socket::INET ();

use Test::Nginx::Runner::HTTP ();
use Test::Nginx::Runner::Server ();
use Test::Nginx::Runner::Valgrind ();

our $VERSION = '0.01';

our @EXPORT = qw(
    run_tests run_test plan blocks
    repeat_each no_shuffle no_long_string log_level
    master_on master_off master_process_enabled workers worker_connections
    env_to_nginx add_block_preprocessor no_root_location config_preamble
    server_port server_port_for_client server_addr server_name
    html_dir server_root timeout use_hup check_accum_error_log
    expand_env_in_text is_str bail_out no_nginx_manager
    add_cleanup_handler add_test_cleanup_handler
    $ServerPort $ServerPortForClient $ServerAddr $ServerName $ServRoot
    $NginxBinary $NoLongString $RepeatEach
);

sub run_test ($);
sub expand_env_in_text ($$$);
sub is_str (@);

# The repository root, home of valgrind.suppress: this file is
# <root>/t/lib/Test/Nginx/Socket.pm.
my $RepoRoot = do {
    my $here = File::Spec->rel2abs(__FILE__);
    (my $root = $here) =~ s{/t/lib/Test/Nginx/Socket\.pm$}{};
    $root;
};

our $ServerAddr = '127.0.0.1';
our $ServerName = 'localhost';
our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                  || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NginxBinary = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $ServRoot = File::Spec->rel2abs($ENV{TEST_NGINX_SERVROOT}
                                    || 't/servroot');
our $UseValgrind = $ENV{TEST_NGINX_USE_VALGRIND};
our $UseHup = $ENV{TEST_NGINX_USE_HUP};
our $RepeatEach = 1;
our $NoShuffle = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $NoLongString;
our $LogLevel = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $Workers = 1;
our $WorkerConnections = 1024;
our $NoRootLocation = 0;
our $CheckAccumErrLog = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $ConfigPreamble = '';
our $Timeout = $ENV{TEST_NGINX_TIMEOUT};
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;
our @TestCleanupHandlers;

$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

my $Server;          # Test::Nginx::Runner::Server, made by run_tests
my $PrevConfText;    # nginx.conf of the previous block, for config-less ones
my $PrevBlockName;   # who the leaks of exiting HUP workers belong to
my $ValgrindOffset = 0;
my $RandPorts = {};  # $TEST_NGINX_RAND_PORT_N -> port, for the current block

# ---------------------------------------------------------------------------
# Settings, as CPAN's Test::Nginx exports them
# ---------------------------------------------------------------------------

sub repeat_each (@) {
    $RepeatEach = shift if @_;
    return $RepeatEach;
}

sub no_shuffle ()     { $NoShuffle = 1 }
sub no_long_string () { $NoLongString = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub use_hup ()        { $UseHup = 1 }
sub no_nginx_manager () { }    # nginx is always managed here
sub master_on ()      { $MasterProcessEnabled = 'on' }
sub master_off ()     { $MasterProcessEnabled = 'off' }

sub master_process_enabled (@) {
    $MasterProcessEnabled = shift() ? 'on' : 'off' if @_;
    return $MasterProcessEnabled;
}

sub log_level (@) {
    $LogLevel = shift if @_;
    return $LogLevel;
}

sub workers (@) {
    $Workers = shift if @_;
    return $Workers;
}

sub worker_connections (@) {
    $WorkerConnections = shift if @_;
    return $WorkerConnections;
}

sub config_preamble ($) { $ConfigPreamble = shift }

sub server_port (@) {
    $ServerPort = shift if @_;
    return $ServerPort;
}

sub server_port_for_client (@) {
    $ServerPortForClient = shift if @_;
    return $ServerPortForClient;
}

sub server_addr (@) {
    $ServerAddr = shift if @_;
    return $ServerAddr;
}

sub server_name (@) {
    $ServerName = shift if @_;
    return $ServerName;
}

sub html_dir ()    { "$ServRoot/html" }
sub server_root () { $ServRoot }

sub timeout (@) {
    $Timeout = shift if @_;
    return default_timeout();
}

sub env_to_nginx (@) {
    die "env_to_nginx: no arguments\n" if !@_;

    for my $var (@_) {
        die "env_to_nginx: bad argument \"$var\"\n"
            if $var !~ /^[A-Za-z_]/ || $var =~ /\n/;
        push @EnvToNginx, $var =~ /\s/ ? "'$var'" : $var;
    }
}

sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($)    { unshift @CleanupHandlers, shift }
sub add_test_cleanup_handler ($) { unshift @TestCleanupHandlers, shift }

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

# ---------------------------------------------------------------------------
# Running the blocks
# ---------------------------------------------------------------------------

sub default_timeout {
    return $Timeout if defined $Timeout;
    return $UseValgrind ? 10 : 3;
}

# Base interval for polling the error log until nginx has written it all.
sub sleep_time {
    return $ENV{TEST_NGINX_SLEEP} if $ENV{TEST_NGINX_SLEEP};
    return $UseValgrind ? 0.05 : 0.005;
}

sub server {
    return $Server if $Server;

    $Server = Test::Nginx::Runner::Server->new(
        binary        => $NginxBinary,
        servroot      => $ServRoot,
        addr          => $ServerAddr,
        port          => $ServerPort,
        valgrind      => $UseValgrind,
        valgrind_opts => join(' ', grep { defined && length }
                              $ENV{TEST_NGINX_VALGRIND_OPTS},
                              ($UseValgrind && $UseValgrind !~ /^\d+$/
                               ? $UseValgrind : undef)),
        suppressions  => "$RepoRoot/valgrind.suppress",
        start_timeout => $UseValgrind ? 60 : 10,
        stop_timeout  => $UseValgrind ? 60 : 10,
    );

    return $Server;
}

sub run_tests () {
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        if !defined $ENV{TEST_NGINX_SERVER_PORT};

    my $server = server();
    $server->kill_stale;

    # nginx runs in its own process group: take it down on ^C too
    local $SIG{INT} = sub { cleanup(); exit 130 };
    local $SIG{TERM} = sub { cleanup(); exit 143 };

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks if !$NoShuffle;

    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value(name => "$0 " . $block->name);
        run_test($block);
        $_->($block) for @TestCleanupHandlers;
    }

    cleanup();
}

sub run_test ($) {
    my ($block) = @_;

    my $name = $block->name;

    my $ok = eval { run_block($block); 1 };

    if (!$ok) {
        my $err = $@;
        $err =~ s/\s+$//;
        Test::More::fail("$name - $err");

        if (!$UseHup) {
            server()->stop;
        }
    }

    $PrevBlockName = $name;
}

# Sections of CPAN's Test::Nginx this runner does not implement: a block
# using one fails rather than passing without the check.
my @UnsupportedSections = qw(
    pipelined_requests access_log no_access_log
    shutdown_error_log no_shutdown_error_log
    stap stap_out stap_out_like stap_out_unlike
    tcp_listen tcp_reply tcp_query tcp_query_len tcp_shutdown
    udp_listen udp_reply udp_query
    http2 http3 curl response_body_filters response_body_json_sort
    skip_nginx skip_nginx2 skip_openssl skip_slave todo todo_nginx
    reload_fails server_addr_for_client request_eval response_body_eval
);

sub run_block {
    my ($block) = @_;

    my $name = $block->name;
    my $server = server();

    for my $section (@UnsupportedSections) {
        die "--- $section is not supported by the project's runner\n"
            if exists $block->{$section};
    }

    return if skip_block($block);

    local $LogLevel = defined $block->log_level
                      ? trim_value($block->log_level) : $LogLevel;

    my $rand_ports = $RandPorts = {};

    if (defined $block->must_die) {
        return run_must_die($block, $rand_ports);
    }

    my $conf_text;

    if (defined $block->config) {
        $conf_text = render_block_config($block, $rand_ports);

    } elsif (defined $PrevConfText) {
        # CPAN keeps the previous block's nginx for a block without config
        $conf_text = $PrevConfText;

    } else {
        die "no --- config section, and no earlier block to take it from\n";
    }

    $PrevConfText = $conf_text;

    my $log_offset = 0;

    if ($UseHup && $server->is_running) {
        $log_offset = Test::Nginx::Runner::Server::file_size(
                          $server->error_log);
        $server->prepare_root(1);
        write_user_files($block, $rand_ports);
        $server->write_config($conf_text);

        my $err = $server->reload($log_offset);

        if ($UseValgrind) {
            check_valgrind($PrevBlockName, 0);
        }

        if ($err) {
            Test::More::fail("$name - nginx reloaded the configuration");
            Test::More::diag("$err\n--- error.log since the reload:\n"
                . Test::Nginx::Runner::Server::tail($server->error_log, 30,
                                                     $log_offset));
            return;
        }

    } else {
        $server->stop;
        $server->prepare_root(0);
        $ValgrindOffset = 0;
        write_user_files($block, $rand_ports);
        $server->write_config($conf_text);

        my $err = $server->start;

        if ($err) {
            Test::More::fail("$name - nginx started");
            Test::More::diag(startup_report($err));
            check_valgrind($name, 1) if $UseValgrind;
            return;
        }
    }

    if (defined $block->init) {
        my $code = $block->init;
        eval "package main; $code; 1"
            or die "--- init failed: $@";
    }

    my $state = { block_offset => $log_offset, log_offset => $log_offset };

    for my $rep (0 .. $RepeatEach - 1) {
        write_user_files($block, $rand_ports) if $rep > 0;
        run_requests($block, $rep, $state);
    }

    if (!$server->is_running) {
        # a crash shows as failed checks above; say why
        Test::More::fail("$name - nginx exited before the end of the block "
            . "(" . Test::Nginx::Runner::Server::describe_status(
                        $server->{exit_status}) . ")");
        Test::More::diag("--- tail of " . $server->error_log . ":\n"
            . Test::Nginx::Runner::Server::tail($server->error_log, 20,
                                                 $log_offset));
    }

    return if $UseHup;

    my $err = $server->stop;

    if ($err) {
        Test::More::fail("$name - nginx exited on SIGQUIT");
        Test::More::diag($err);
    }

    check_valgrind($name, 1) if $UseValgrind;
}

sub startup_report {
    my ($err) = @_;

    my $server = server();
    my $report = "$err\n--- tail of " . $server->error_log . ":\n"
                 . Test::Nginx::Runner::Server::tail($server->error_log, 20);

    my $stderr = Test::Nginx::Runner::Server::tail($server->stderr_log, 20);
    $report .= "\n--- nginx's stderr:\n$stderr" if $stderr =~ /\S/;

    return $report;
}

# --- skip_eval: "N: perl code"; when the code is true the block's N tests
# are reported as skipped and the block is not run.
sub skip_block {
    my ($block) = @_;

    my $spec = $block->skip_eval;

    return 0 if !defined $spec;

    my ($count, $code) = $spec =~ /^\s*(\d+)\s*:\s*(.*)$/s
        or die "bad --- skip_eval \"$spec\": want \"N: perl code\"\n";

    my $skip = eval "package main; $code";
    die "--- skip_eval failed: $@" if $@;

    return 0 if !$skip;

    SKIP: {
        Test::More::skip($block->name . " - skip_eval", $count);
    }

    return 1;
}

# --- must_die [exit code]: nginx must refuse to start with this config.
sub run_must_die {
    my ($block, $rand_ports) = @_;

    my $name = $block->name;
    my $server = server();

    # nginx runs bare for this one, whatever the mode
    if ($server->is_running) {
        $server->stop;
        check_valgrind($PrevBlockName, 1) if $UseValgrind;
    }
    local $server->{valgrind} = 0;

    my $conf_text = render_block_config($block, $rand_ports);

    # CPAN runs it repeat_each times too
    for my $rep (0 .. $RepeatEach - 1) {
        $server->prepare_root(0);
        write_user_files($block, $rand_ports);
        $server->write_config($conf_text);

        my $err = $server->start;

        if (!defined $err) {
            Test::More::fail("$name - die as expected");
            Test::More::diag("nginx started although --- must_die says "
                             . "it must not");
            $server->stop;

        } elsif (!defined $server->{exit_status}) {
            Test::More::fail("$name - die as expected");
            Test::More::diag($err);

        } else {
            my $expected = trim_value(scalar $block->must_die);

            if ($expected =~ /^\d+$/) {
                Test::More::is($server->{exit_status} >> 8, $expected,
                               "$name - die with the expected exit code");
            } else {
                Test::More::isnt($server->{exit_status}, 0,
                                 "$name - die as expected");
            }
        }

        check_error_log($block, $rep, { block_offset => 0,
                                        log_offset => 0 });
    }

    undef $PrevConfText;
}

sub render_block_config {
    my ($block, $rand_ports) = @_;

    my $name = $block->name;
    my $expand = sub { expand_env_in_text($_[0], $name, $rand_ports) };

    # relative to the current directory, not to nginx's prefix (servroot)
    my @modules = map { File::Spec->rel2abs($_) }
                  grep { length }
                  split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} || '');

    return server()->render_config(
        name               => $name,
        load_modules       => \@modules,
        workers            => $Workers,
        master_process     => $UseHup ? 'on' : $MasterProcessEnabled,
        log_level          => $LogLevel,
        env                => \@EnvToNginx,
        main_config        => $expand->(scalar $block->main_config),
        http_config        => $expand->(scalar $block->http_config),
        config             => $expand->(scalar $block->config),
        post_main_config   => $expand->(scalar $block->post_main_config),
        preamble           => $ConfigPreamble,
        no_root_location   => $NoRootLocation,
        worker_connections => $WorkerConnections,
    );
}

# --- user_files: ">>> name [mtime]" lines each start a file under html/
# (or an absolute path); "--- user_files eval" may give
# [[name, body, mtime], ...] instead.
sub write_user_files {
    my ($block, $rand_ports) = @_;

    my $spec = $block->user_files;

    return if !$spec;

    my @files;

    if (!ref $spec) {
        for my $line (split /^/m, $spec) {
            if ($line =~ /^>>> (\S+)(?:[ \t]+(\S.*?))?\s*$/) {
                push @files, [$1, '', $2];

            } elsif (@files) {
                $files[-1][1] .= $line;
            }
        }

    } elsif (ref $spec eq 'ARRAY') {
        @files = map { [@$_] } @$spec;

    } else {
        die "--- user_files must be text or an array of [name, body]\n";
    }

    for my $file (@files) {
        my ($fname, $body, $mtime) = @$file;
        $body = expand_env_in_text(defined $body ? $body : '',
                                   $block->name, $rand_ports);
        server()->write_file($fname, $body, $mtime);
    }
}

# The expected value in section $section for request $idx of the block.
sub expected {
    my ($block, $section, $idx, $need_array) = @_;

    return get_indexed_value($block->name, scalar $block->$section, $idx,
                             $need_array);
}

sub get_indexed_value {
    my ($name, $value, $idx, $need_array) = @_;

    if ($need_array) {
        die "several requests need arrays of expected values\n"
            if ref $value ne 'ARRAY';
        return $value->[$idx];
    }

    return ref $value eq 'ARRAY' ? $value->[0] : $value;
}

# The requests of a block, each an array of packets to write.
sub block_requests {
    my ($block) = @_;

    my $raw = $block->raw_request;

    if (defined $raw) {
        return ([ref $raw eq 'ARRAY' ? @$raw : $raw]);
    }

    my $request = $block->request;

    die "no --- request or --- raw_request section\n" if !defined $request;

    my $more = $block->more_headers;
    my @list = ref $request eq 'ARRAY' ? @$request : ($request);
    my @out;

    for my $i (0 .. $#list) {
        die "--- request packet arrays are not supported by this runner; "
            . "use --- raw_request eval\n" if ref $list[$i];

        my $headers = ref $more eq 'ARRAY' ? $more->[$i] : $more;

        push @out, [Test::Nginx::Runner::HTTP::build_request(
            request      => $list[$i],
            more_headers => $headers,
            host         => $ServerName,
        )];
    }

    return @out;
}

sub parse_time {
    my ($tm) = @_;

    return undef if !defined $tm;

    $tm =~ s/^\s+|\s+$//g;

    return $1 / 1000 if $tm =~ /^([\d.]+)ms$/;
    return $1 if $tm =~ /^([\d.]+)s?$/;

    die "bad time \"$tm\": want e.g. 5, 1.5s or 500ms\n";
}

sub run_requests {
    my ($block, $rep, $state) = @_;

    my $name = $block->name;
    my @requests = block_requests($block);
    my $need_array = @requests > 1;
    my $timeout = parse_time(scalar $block->timeout);

    $timeout = default_timeout() if !defined $timeout;

    for my $i (0 .. $#requests) {
        my $packets = $requests[$i];
        my $is_head = join('', @$packets) =~ /^\s*HEAD\s/;

        my $result = Test::Nginx::Runner::HTTP::exchange(
            addr         => $ServerAddr,
            port         => $ServerPortForClient,
            packets      => $packets,
            timeout      => $timeout,
            middle_delay =>
                parse_time(scalar $block->raw_request_middle_delay),
        );

        if ($result->{timed_out} && !defined $block->abort) {
            Test::More::fail("ERROR: client socket timed out - $name");
        }

        if (defined $result->{error}) {
            Test::More::diag("$name - $result->{error}");
        }

        if (!defined $block->ignore_response) {
            my $res = Test::Nginx::Runner::HTTP::parse_response(
                          $result->{raw}, $is_head);

            if (defined $res->{left} && !$need_array) {
                (my $left = $res->{left})
                    =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
                Test::More::diag("WARNING: $name - unexpected extra bytes "
                                 . "after the response: \"$left\"");
            }

            if ($res->{truncated} && !$result->{timed_out}) {
                Test::More::diag("WARNING: $name - response body "
                                 . "truncated");
            }

            if (defined $res->{error}) {
                Test::More::fail("$name - $res->{error}");
            }

            check_error_code($block, $res, $i, $need_array);
            check_raw_response_headers($block, $res, $i, $need_array);
            check_response_headers($block, $res, $i, $need_array);
            check_response_body($block, $res, $i, $rep, $need_array);
        }

        if ($i < $#requests) {
            sleep parse_time(scalar $block->wait) if $block->wait;
            check_error_log($block, $rep, $state);
        }
    }

    sleep parse_time(scalar $block->wait) if $block->wait;

    check_error_log($block, $rep, $state);
}

# ---------------------------------------------------------------------------
# Checks; the test names are CPAN's
# ---------------------------------------------------------------------------

sub check_error_code {
    my ($block, $res, $idx, $need_array) = @_;

    my $name = $block->name;
    my $code = defined $res->{status} ? $res->{status} : '';

    if (defined $block->error_code_like) {
        my $pat = expected($block, 'error_code_like', $idx, $need_array);
        Test::More::like($code, qr/$pat/sm, "$name - status code ok");

    } elsif (defined $block->error_code) {
        my $expected = expected($block, 'error_code', $idx, $need_array);

        Test::More::is($code, $expected, "$name - status code ok")
            or $expected =~ /\n/ && Test::More::diag(
                   "the expected code ends with a newline: write it as "
                   . "\"--- error_code: $code\"");

    } else {
        Test::More::is($code, 200, "$name - status code ok");
    }
}

sub check_raw_response_headers {
    my ($block, $res, $idx, $need_array) = @_;

    my $name = $block->name;

    if (defined $block->raw_response_headers_like) {
        my $pat = expected($block, 'raw_response_headers_like', $idx,
                           $need_array);
        Test::More::like($res->{raw_headers}, qr/$pat/s,
                         "$name - raw resp headers like");
    }

    if (defined $block->raw_response_headers_unlike) {
        my $pat = expected($block, 'raw_response_headers_unlike', $idx,
                           $need_array);
        Test::More::unlike($res->{raw_headers}, qr/$pat/s,
                           "$name - raw resp headers unlike");
    }
}

# "Name: value" lines in order; "!Name" (or a name without a colon) gives
# an undef value, meaning the header must be absent.
sub parse_header_spec {
    my ($text) = @_;

    my @out;

    for my $line (split /\n/, defined $text ? $text : '') {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';

        if ($line =~ s/^!\s*//) {
            push @out, [$line, undef];
            next;
        }

        my ($key, $val) = split /\s*:\s*/, $line, 2;
        push @out, [$key, $val];
    }

    return @out;
}

sub check_response_headers {
    my ($block, $res, $idx, $need_array) = @_;

    my $name = $block->name;

    if (defined $block->response_headers) {
        my $spec = expected($block, 'response_headers', $idx, $need_array);

        for my $pair (parse_header_spec($spec)) {
            my ($key, $val) = @$pair;

            if (!defined $val) {
                Test::More::unlike($res->{raw_headers},
                                   qr/^\s*\Q$key\E\s*:/ms,
                                   "$name - header $key not present in the "
                                   . "raw headers");
                next;
            }

            $val =~ s/\$ServerPort\b/$ServerPort/g;
            $val =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;

            my $actual = Test::Nginx::Runner::HTTP::header_value($res, $key);
            Test::More::is(defined $actual ? $actual : '', $val,
                           "$name - header $key ok");
        }

    } elsif (defined $block->response_headers_like) {
        my $spec = expected($block, 'response_headers_like', $idx,
                            $need_array);

        for my $pair (parse_header_spec($spec)) {
            my ($key, $val) = @$pair;
            $val = '' if !defined $val;

            my $actual = Test::Nginx::Runner::HTTP::header_value($res, $key);
            Test::More::like(defined $actual ? $actual : '', qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
}

sub check_response_body {
    my ($block, $res, $idx, $rep, $need_array) = @_;

    my $name = $block->name;
    my $content = $res->{body};

    if (defined $block->response_body) {
        my $expected = expected($block, 'response_body', $idx, $need_array);

        if (defined $expected && !ref $expected) {
            $expected =~ s/\$ServerPort\b/$ServerPort/g;
            $expected =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            $expected = expand_env_in_text($expected, $name, $RandPorts);
        }

        my $desc = "$name - response_body - response is expected "
                   . "(repeated req $rep, req $idx)";

        if (ref $expected) {
            Test::More::like($content, $expected,
                             "$name - response_body - like (repeated req "
                             . "$rep, req $idx)");
        } else {
            is_str($content, $expected, $desc);
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $like = defined $block->response_body_like;
        my $type = $like ? 'like' : 'unlike';
        my $pat = expected($block, "response_body_$type", $idx, $need_array);

        $pat =~ s/\$ServerPort\b/$ServerPort/g;
        $pat =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;

        my $summary = defined $content ? $content : '';
        $summary =~ s/^\s+|\s+$//g;
        $summary =~ s/\s+/ /g;
        $summary = substr($summary, 0, 77) . '...' if length $summary > 80;

        my $desc = "$name - response_body_$type - response is expected "
                   . "($summary)";

        if ($like) {
            Test::More::like($content, qr/$pat/s, $desc);
        } else {
            Test::More::unlike($content, qr/$pat/s, $desc);
        }
    }
}

# Waits until nginx has stopped writing to the error log, then returns the
# lines written since the last look (or since the block began, with
# check_accum_error_log).
sub error_log_lines {
    my ($state) = @_;

    my $path = server()->error_log;
    my $nap = sleep_time();
    my $size = Test::Nginx::Runner::Server::file_size($path);

    for (1 .. 200) {
        sleep $nap;
        my $now = Test::Nginx::Runner::Server::file_size($path);
        last if $now == $size;
        $size = $now;
    }

    my $from = $CheckAccumErrLog ? $state->{block_offset}
                                 : $state->{log_offset};
    my $data = Test::Nginx::Runner::Server::read_from($path, $from);

    $state->{log_offset} = $from + length $data;

    return [split /^/m, $data];
}

sub log_patterns {
    my ($spec) = @_;

    return [$spec] if ref $spec eq 'Regexp';
    return [@$spec] if ref $spec eq 'ARRAY';

    (my $text = $spec) =~ s/\n+\z//;

    return [split /\n+/, $text];
}

sub line_matches {
    my ($line, $pat) = @_;

    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub mentions {
    my ($spec, $what) = @_;

    return 0 if !defined $spec;

    for my $pat (@{ log_patterns($spec) }) {
        return 1 if defined $pat && index("$pat", $what) >= 0;
    }

    return 0;
}

sub fmt_str {
    my ($str) = @_;

    chomp $str;
    $str =~ s/"/\\"/g;
    $str =~ s/\r/\\r/g;
    $str =~ s/\n/\\n/g;

    return $str;
}

sub check_error_log {
    my ($block, $rep, $state) = @_;

    my $name = $block->name;
    my $lines = error_log_lines($state);

    if (defined $block->grep_error_log) {
        my $grep = $block->grep_error_log;
        my $expected = $block->grep_error_log_out;

        die "--- grep_error_log needs --- grep_error_log_out\n"
            if !defined $expected;

        $grep = $grep->[$rep] if ref $grep eq 'ARRAY';
        $expected = $expected->[$rep] if ref $expected eq 'ARRAY';
        $expected = expand_env_in_text($expected, $name, $RandPorts)
            if !ref $expected;

        my $matched = '';

        for my $line (@$lines) {
            if (ref $grep ? $line =~ $grep : $line =~ /\Q$grep\E/) {
                $matched .= "$&\n" if $& !~ /\n/;
            }
        }

        if (ref $expected eq 'Regexp') {
            Test::More::like($matched, $expected,
                             "$name - grep_error_log_out (req $rep)");
        } else {
            is_str($matched, $expected,
                   "$name - grep_error_log_out (req $rep)");
        }
    }

    if (defined $block->error_log) {
        my @pats = grep { defined } @{ log_patterns($block->error_log) };

        for my $pat (@pats) {
            if (grep { line_matches($_, $pat) } @$lines) {
                Test::More::pass("$name - pattern \"$pat\" matches a line in "
                                 . "error.log (req $rep)");
            } else {
                Test::More::fail("$name - pattern \"$pat\" should match a "
                                 . "line in error.log (req $rep)");
                Test::More::diag(log_excerpt($lines));
            }
        }
    }

    if (defined $block->no_error_log) {
        my @pats = grep { defined } @{ log_patterns($block->no_error_log) };

        for my $pat (@pats) {
            my @hits = grep { line_matches($_, $pat) } @$lines;
            my $p = fmt_str("$pat");

            if (@hits) {
                Test::More::fail("$name - pattern \"$p\" should not match any "
                                 . "line in error.log but matches line \""
                                 . fmt_str($hits[0]) . "\" (req $rep)");
                if (@hits > 1) {
                    Test::More::diag(scalar(@hits) . " matching lines:\n"
                                     . join '', @hits[0 .. ($#hits < 9
                                                            ? $#hits : 9)]);
                }

            } else {
                Test::More::pass("$name - pattern \"$p\" does not match a "
                                 . "line in error.log (req $rep)");
            }
        }
    }

    # like CPAN: say so when nginx complains and the block does not expect
    # it
    for my $level (qw(alert crit emerg)) {
        next if mentions(scalar $block->error_log, "[$level")
                || mentions(scalar $block->no_error_log, "[$level");

        for my $line (grep { /\[$level\]/ } @$lines) {
            Test::More::diag("WARNING: $name - " . fmt_str($line));
        }
    }
}

sub log_excerpt {
    my ($lines) = @_;

    my @tail = @$lines > 30 ? @$lines[-30 .. -1] : @$lines;

    return "error.log of this request"
           . (@$lines > 30 ? " (last 30 of " . @$lines . " lines)" : '')
           . ":\n" . join('', @tail);
}

# Under valgrind: fails the block when the valgrind log written since the
# last look shows errors or definite leaks.
sub check_valgrind {
    my ($name, $all_exited) = @_;

    my $path = server()->valgrind_log;
    my $text = Test::Nginx::Runner::Server::read_from($path, $ValgrindOffset);

    $ValgrindOffset += length $text;

    my @problems = Test::Nginx::Runner::Valgrind::problems($text,
                                                           $all_exited);

    return if !@problems;

    $name = $0 if !defined $name;

    Test::More::fail("$name - valgrind: " . join('; ', @problems));
    Test::More::diag("$path:\n"
                     . Test::Nginx::Runner::Valgrind::report($text));
}

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

sub trim_value {
    my ($value) = @_;

    return $value if !defined $value || ref $value;

    $value =~ s/^\s+|\s+$//g;

    return $value;
}

# Replaces $TEST_NGINX_FOO with $ENV{TEST_NGINX_FOO}; each distinct
# $TEST_NGINX_RAND_PORT_N of a block gets a free port.
sub expand_env_in_text ($$$) {
    my ($text, $name, $rand_ports) = @_;

    return undef if !defined $text;
    return $text if ref $text;

    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;

        if ($var =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            $rand_ports->{$var} ||= free_port($rand_ports);
        } elsif (!defined $ENV{$var}) {
            die "no environment variable $var, used in the block\n";
        } else {
            $ENV{$var};
        }
    }ge;

    return $text;
}

sub free_port {
    my ($taken) = @_;

    my %used = map { $_ => 1 } $ServerPort, grep { defined } values %$taken;

    for (1 .. 1000) {
        my $port = 10000 + int rand 50000;

        next if $used{$port};

        my $sock = IO::Socket::INET->new(
            LocalAddr => '127.0.0.1',
            LocalPort => $port,
            Proto     => 'tcp',
            Listen    => 1,
            ReuseAddr => 1,
        ) or next;

        close $sock;

        return $port;
    }

    die "cannot find a free port for \$TEST_NGINX_RAND_PORT_N\n";
}

# is() for long strings: on a mismatch, shows where they start to differ
# instead of both strings whole (CPAN uses Test::LongString for this).
sub is_str (@) {
    my ($got, $expected, $desc) = @_;

    if (ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }

    if ($NoLongString || !defined $got || !defined $expected) {
        return Test::More::is($got, $expected, $desc);
    }

    return Test::More::pass($desc) if $got eq $expected;

    my $at = 0;
    my $max = length $got < length $expected ? length $got : length $expected;
    $at++ while $at < $max
                && substr($got, $at, 1) eq substr($expected, $at, 1);

    my $before = substr($got, 0, $at);
    my $line = 1 + ($before =~ tr/\n//);
    my $column = $at - (rindex($before, "\n") + 1) + 1;
    my $from = $at > 20 ? $at - 20 : 0;

    my $show = sub {
        my ($s) = @_;
        my $part = substr($s, $from, 60);
        $part =~ s/\\/\\\\/g;
        $part =~ s/\n/\\n/g;
        $part =~ s/\r/\\r/g;
        $part =~ s/\t/\\t/g;
        $part =~ s/([\0-\037\177-\377])/sprintf('\x{%02x}', ord $1)/eg;
        return ($from ? '...' : '') . "\"$part\""
               . ($from + 60 < length $s ? '...' : '');
    };

    my $ok = Test::More::ok(0, $desc);

    Test::More::diag(sprintf("         got: %s\n      length: %d\n"
                             . "    expected: %s\n      length: %d\n"
                             . "    strings begin to differ at char %d "
                             . "(line %d column %d)",
                             $show->($got), length $got,
                             $show->($expected), length $expected,
                             $at + 1, $line, $column));

    return $ok;
}

sub cleanup {
    $_->() for @CleanupHandlers;

    return if !$Server;

    my $was_running = $Server->is_running;
    my $err = $Server->stop;

    if ($UseValgrind && $UseHup && $was_running) {
        check_valgrind("$0 - nginx exit", 1);
    }

    Test::More::diag("WARNING: $err") if $err;
}

END {
    local $?;
    # a test file that died half-way must not leave nginx behind
    $Server->stop if $Server;
}

1;

__END__

=head1 NAME

Test::Nginx::Socket - the project's runner for Test::Nginx::Socket test files

=head1 SYNOPSIS

    use strict; use warnings;
    BEGIN { push @INC, 't/lib' }
    use Test::Nginx::Socket 'no_plan';

    run_tests();

    __DATA__

    === TEST 1: hello
    --- config
        location = /t { return 200 "hello\n"; }
    --- request
    GET /t
    --- response_body
    hello
    --- no_error_log
    [error]

=head1 DESCRIPTION

CPAN's Test::Nginx is not packaged by Debian, so the project carries this
compatible subset, built on Debian's Test::Base.  C<t/lib> comes last in
C<@INC>, so an installed CPAN Test::Nginx::Socket wins and the same files
run under it.

Per block nginx is started with C<master_process off> and C<daemon off> as
a child of the runner, the request is sent, the checks run, and nginx is
stopped with SIGQUIT.  The error log is fresh for each block.

=head2 Functions

C<run_tests>, C<run_test>, C<plan> (also C<'no_plan'> or C<tests =E<gt> N>
as import arguments), C<blocks>, C<repeat_each>, C<no_shuffle> (blocks are
shuffled otherwise, as in CPAN), C<no_long_string>, C<log_level>,
C<master_on>, C<master_off>, C<master_process_enabled>, C<workers>,
C<worker_connections>, C<env_to_nginx>, C<add_block_preprocessor>,
C<no_root_location>, C<config_preamble>, C<server_port>,
C<server_port_for_client>, C<server_addr>, C<server_name>, C<html_dir>,
C<server_root>, C<timeout>, C<use_hup>, C<check_accum_error_log>,
C<expand_env_in_text>, C<is_str>, C<bail_out>, C<add_cleanup_handler>,
C<add_test_cleanup_handler>; variables C<$ServerPort>,
C<$ServerPortForClient>, C<$ServRoot>, C<$NginxBinary>.

=head2 Sections

C<main_config>, C<http_config>, C<config>, C<post_main_config> (all with
C<$TEST_NGINX_*> expansion, C<$TEST_NGINX_RAND_PORT_N> included),
C<request> (a string, or with C<eval> an array of requests), C<raw_request>
(a string, or with C<eval> an array of packets, see
C<raw_request_middle_delay>), C<more_headers>, C<error_code>,
C<error_code_like>, C<response_headers>, C<response_headers_like>,
C<raw_response_headers_like>, C<raw_response_headers_unlike>,
C<response_body>, C<response_body_like>, C<response_body_unlike>,
C<error_log>, C<no_error_log>, C<grep_error_log>, C<grep_error_log_out>,
C<timeout>, C<abort>, C<ignore_response>, C<wait>, C<user_files>, C<init>,
C<log_level>, C<must_die>, C<skip_eval>.  Test::Base's own C<ONLY>,
C<SKIP> and C<LAST> and its filters (C<eval>, C<chomp>, ...) work as
usual.

=head2 Environment

C<TEST_NGINX_BINARY> (default C<nginx> in C<PATH>),
C<TEST_NGINX_SERVER_PORT> (default 1984, exported for configs),
C<TEST_NGINX_CLIENT_PORT>, C<TEST_NGINX_SERVROOT> (default C<t/servroot>),
C<TEST_NGINX_LOAD_MODULES> (space-separated C<.so> paths), 
C<TEST_NGINX_LOG_LEVEL>, C<TEST_NGINX_MASTER_PROCESS>,
C<TEST_NGINX_NO_SHUFFLE>, C<TEST_NGINX_TIMEOUT> (default 3 s, 10 s under
valgrind), C<TEST_NGINX_SLEEP> (error log polling interval),
C<TEST_NGINX_CHECK_ACCUM_ERR_LOG>.

C<TEST_NGINX_USE_VALGRIND=1> runs nginx under valgrind memcheck with
C<valgrind.suppress> from the repository root and
C<TEST_NGINX_VALGRIND_OPTS> appended; any error or definite leak in
F<logs/valgrind.log> fails the block.

C<TEST_NGINX_USE_HUP=1> starts nginx (master on) once and moves it from
block to block with SIGHUP, waiting until the old workers are gone; each
block's log checks see the error log lines written since its reload.

=head2 Behaviour worth knowing (as in CPAN)

The body after the request line gets a C<Content-Length> unless
C<--- more_headers> sends it chunked or has its own; that body is stripped
of leading and trailing whitespace, with or without C<eval>.
C<--- timeout> bounds each wait for I/O, not the whole exchange.
C<--- response_body_like> is one regex with C</s>.  C<--- response_headers>
and C<--- response_headers_like> exclude each other.  With C<--- abort> and
no C<--- ignore_response>, the status and body checks still run on
whatever arrived.  Blocks are shuffled unless C<no_shuffle()>.

=head2 Differences from CPAN's Test::Nginx

nginx listens on C<127.0.0.1> only, runs in the foreground, and is taken to
be up once it has written its pid file (its sockets are listening by then).
It is stopped after every block, so a block without C<--- config> gets a
fresh nginx with the previous block's configuration rather than the still
running one.  Under C<TEST_NGINX_USE_HUP> the block's error log is what
nginx appended since the reload began (CPAN reopens the logs with SIGUSR1
instead).  C<--- init> and C<--- skip_eval> run in package C<main>.
Relative C<TEST_NGINX_LOAD_MODULES> paths are taken from the current
directory.  Interim 1xx responses are skipped.  A crash of nginx during a
block, and any valgrind finding, fail the block with a test of their own.

Not implemented, and failing the block when used: HTTP/2, HTTP/3,
C<pipelined_requests>, packet arrays inside C<--- request>, C<stap*>,
C<tcp_*>/C<udp_*> mock servers, C<access_log>, C<shutdown_error_log>,
C<curl>, C<skip_nginx>, C<skip_openssl>, C<todo>, C<response_body_filters>;
nor are the check-leak and benchmark modes.

=cut
