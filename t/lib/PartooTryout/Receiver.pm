package PartooTryout::Receiver;

# Local HTTPS receivers for the delivery tests, on 127.0.0.1 only.
#
# setup() makes a test PKI with the openssl command in a temporary
# directory (a CA; a good certificate for 127.0.0.1, ::1 and localhost; an
# expired one; one for another host name; a self-signed one) and exports
# its path as $TEST_NGINX_RECEIVER_DIR for the blocks' configurations.
# start() forks one receiver per port: port(0) .. port(3), counted from
# $TEST_NGINX_RECEIVER_PORT (3985 by default), so that suites run side by
# side on one machine with ports of their own.  Each records every request
# it gets, byte for byte (request line, headers in order, body), appended to
# requests/NAME for a url path /t/NAME, and a line per request naming its
# connection to requests/NAME.conn, one with the connection's TLS server
# name (SNI, "-" for none) to requests/NAME.sni and one saying whether its
# TLS session was resumed (1 or 0) to requests/NAME.resumed, before it
# answers; and answers as the query string says:
#
#   status=N      the status (200)
#   delay=MS      wait before answering
#   trickle=MS    send the response head one byte every MS
#   size=N        a body of N bytes, with Content-Length
#   body=TEXT     that body (percent-decoded: any bytes), with Content-Length
#   headers=N     N headers more: X-Extra-001: hhh... (300 bytes), then
#                 X-Extra-002: 2 and on
#   endless=1     a chunked body that never ends
#   hang=1        never answer; wait for the client to go
#   location=URL  a Location header (for 3xx)
#   quit_worker=1 send SIGQUIT to the nginx worker first (graceful shutdown)
#   idle=MS       after answering, close the connection if no request
#                 comes within MS (a keep-alive timeout)
#   close=1       answer with "Connection: close", then close
#   fault=NAME    misbehave instead of answering, one of (see faults()):
#                 reset_head, reset_body, status_close, continue, http10,
#                 bad_chunk, huge_head, no_close_notify
#
# records(NAME) reads requests/NAME back as [head, body] pairs, for checks
# made after the blocks (JSON fields, signatures).
#
# Nothing here depends on a Test::Nginx implementation: it works with the
# project's runner and with CPAN's Test::Nginx::Socket.

use strict;
use warnings;

use Exporter 'import';
use Fcntl qw(:flock);
use File::Temp ();
use IO::Select ();
use IO::Socket::IP ();
use IO::Socket::SSL ();
use POSIX ();
use Socket ();
use Time::HiRes ();

our @EXPORT_OK = qw(setup start port refused_port receiver_config
                    blocked_name records wait_readable);

# exported, for "$TEST_NGINX_RECEIVER_PORT" in the blocks' configurations
$ENV{TEST_NGINX_RECEIVER_PORT} ||= 3985;

my $Dir;
my @Servers;
my $Refused;

# the port of receiver $n (0 .. 3)
sub port {
    my ($n) = @_;

    return $ENV{TEST_NGINX_RECEIVER_PORT} + ($n // 0);
}

# A port of 127.0.0.1 where a connection is refused: bound by this process
# and never listened on, so nobody else can take it while the tests run.
# Exported as $TEST_NGINX_REFUSED_PORT too.
sub refused_port {
    if (!defined $Refused) {
        $Refused = IO::Socket::IP->new(LocalHost => '127.0.0.1',
                                       LocalPort => 0,
                                       Proto     => 'tcp')
            or die "receiver: cannot bind a refused port: $!\n";

        $ENV{TEST_NGINX_REFUSED_PORT} = $Refused->sockport;
    }

    return $Refused->sockport;
}

sub setup {
    return $Dir if defined $Dir;

    $Dir = File::Temp::tempdir('partoo-receiver-XXXXXX', TMPDIR => 1,
                               CLEANUP => 1);

    # read by nginx workers, whatever user they run as
    chmod 0755, $Dir;
    mkdir "$Dir/requests" or die "mkdir: $!";
    chmod 0777, "$Dir/requests";

    make_pki("$Dir/pki");

    $ENV{TEST_NGINX_RECEIVER_DIR} = $Dir;

    return $Dir;
}

sub openssl {
    my ($dir, @args) = @_;

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        chdir $dir or POSIX::_exit(1);
        open STDOUT, '>', '/dev/null';
        open STDERR, '>>', 'openssl.log';
        exec('openssl', @args) or POSIX::_exit(127);
    }

    waitpid $pid, 0;
    die "openssl @args failed, see $dir/openssl.log\n" if $?;
}

sub write_file {
    my ($path, $text) = @_;

    open my $out, '>', $path or die "$path: $!";
    print $out $text;
    close $out;
}

# EC P-256 keys: quick to make, and what a modern receiver would use
sub make_pki {
    my ($pki) = @_;

    mkdir $pki or die "mkdir $pki: $!";
    chmod 0755, $pki;

    my @key = qw(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes);

    openssl($pki, 'req', '-x509', @key, '-keyout', 'ca.key',
            '-out', 'ca.crt', '-days', '30', '-subj', '/CN=Tryout Test CA',
            '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign,cRLSign');

    write_file("$pki/good.ext",
               "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,"
               . "DNS:*.tryout.localhost,DNS:*.tryout.test\n"
               . "extendedKeyUsage=serverAuth\n");
    write_file("$pki/wronghost.ext",
               "subjectAltName=DNS:wrong.example\n"
               . "extendedKeyUsage=serverAuth\n");

    for my $name (qw(good wronghost expired)) {
        my $cn = $name eq 'wronghost' ? 'wrong.example' : '127.0.0.1';
        openssl($pki, 'req', @key, '-keyout', "$name.key",
                '-out', "$name.csr", '-subj', "/CN=$cn");
    }

    for my $name (qw(good wronghost)) {
        openssl($pki, 'x509', '-req', '-in', "$name.csr", '-CA', 'ca.crt',
                '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30',
                '-extfile', "$name.ext", '-out', "$name.crt");
    }

    # "openssl ca" is the tool that takes dates in the past
    write_file("$pki/index.txt", '');
    write_file("$pki/serial", "1000\n");
    write_file("$pki/ca.cnf", <<'_EOC_');
[ ca ]
default_ca       = test_ca

[ test_ca ]
dir              = .
database         = ./index.txt
new_certs_dir    = .
serial           = ./serial
default_md       = sha256
policy           = any
unique_subject   = no
copy_extensions  = none

[ any ]
commonName       = supplied
_EOC_

    openssl($pki, 'ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt',
            '-keyfile', 'ca.key', '-in', 'expired.csr', '-out', 'expired.crt',
            '-startdate', '20200101000000Z', '-enddate', '20200201000000Z',
            '-extfile', 'good.ext', '-notext');

    openssl($pki, 'req', '-x509', @key, '-keyout', 'selfsigned.key',
            '-out', 'selfsigned.crt', '-days', '30', '-subj', '/CN=127.0.0.1',
            '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost');

    chmod 0644, glob("$pki/*");
}

# start(port => N (default port(0)),
#       cert => good|expired|wronghost|selfsigned,
#       pid_file => the nginx master's pid file, for quit_worker)
sub start {
    my (%o) = @_;

    my $dir = setup();
    my $port = $o{port} // port(0);
    my $cert = $o{cert} // 'good';

    my $listen = IO::Socket::IP->new(LocalHost => '127.0.0.1',
                                     LocalPort => $port,
                                     Listen    => 256,
                                     ReuseAddr => 1)
        or die "receiver: cannot listen on 127.0.0.1:$port: $!\n";

    my $parent = $$;
    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        setpgrp(0, 0);
        $SIG{CHLD} = 'IGNORE';
        $SIG{TERM} = sub { POSIX::_exit(0) };

        my %cfg = (dir => $dir, port => $port, pid_file => $o{pid_file},
                   cert => "$dir/pki/$cert.crt", key => "$dir/pki/$cert.key");

        # resume => 1: one TLS context made before the connections' forks,
        # so that each connection's process takes the session tickets
        # another issued
        if ($o{resume}) {
            $cfg{ctx} = IO::Socket::SSL::SSL_Context->new(
                            SSL_server    => 1,
                            SSL_cert_file => $cfg{cert},
                            SSL_key_file  => $cfg{key})
                or die "receiver: $IO::Socket::SSL::SSL_ERROR\n";
        }

        while (1) {
            wait_readable($listen, $parent) or next;
            my $c = $listen->accept or next;
            my $child = fork;

            if (defined $child && $child == 0) {
                close $listen;
                eval { serve(\%cfg, $c) };
                POSIX::_exit(0);
            }

            close $c;
        }
    }

    close $listen;
    push @Servers, $pid;

    return $pid;
}

# true once $fh is readable; false after a second without; exits when the
# test process $parent is gone: a prove killed with SIGKILL runs no END
# block, and a server left behind would hold its port against the next run
sub wait_readable {
    my ($fh, $parent) = @_;

    POSIX::_exit(0) if getppid() != $parent;

    return IO::Select->new($fh)->can_read(1);
}

sub serve {
    my ($cfg, $sock) = @_;

    my $c = IO::Socket::SSL->start_SSL($sock,
                                      SSL_server    => 1,
                                      $cfg->{ctx}
                                      ? (SSL_reuse_ctx => $cfg->{ctx})
                                      : (SSL_cert_file => $cfg->{cert},
                                         SSL_key_file  => $cfg->{key}),
                                      Timeout       => 10)
        or return;

    my $buf = '';
    my $idle;

    while (1) {
        if (defined $idle && $buf eq '' && !$c->pending) {
            my $rin = '';
            vec($rin, fileno($c), 1) = 1;

            # TLS close_notify, then FIN, as nginx ends idle connections
            if (!select($rin, undef, undef, $idle / 1000)) {
                $c->close;
                return;
            }
        }

        while ($buf !~ /\r\n\r\n/) {
            my $n = sysread($c, $buf, 65536, length $buf);
            return if !$n;
        }

        my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
        my $len = $head =~ /^content-length:[ \t]*(\d+)/mi ? $1 : 0;

        while (length $rest < $len) {
            my $n = sysread($c, $rest, 65536, length $rest);
            return if !$n;
        }

        my $body = substr($rest, 0, $len);
        $buf = substr($rest, $len);

        my ($target) = $head =~ /^\S+ (\S+)/;
        my ($path, $query) = split /\?/, $target // '/', 2;
        my %q = map { /^([^=]*)=?(.*)$/ ? ($1 => unescape($2)) : () }
                split /&/, $query // '';

        record($cfg, $path, "$head\r\n\r\n$body",
               $c->get_servername // '-', $c->get_session_reused ? 1 : 0);

        if ($q{quit_worker}) {
            quit_worker($cfg->{pid_file});
        }

        if ($q{fault}) {
            fault($c, $q{fault});
            return;
        }

        if ($q{hang}) {
            # until the client gives up
            1 while sysread($c, my $junk, 4096);
            return;
        }

        Time::HiRes::sleep($q{delay} / 1000) if $q{delay};

        answer($c, \%q) or return;

        return if $q{close};

        $idle = $q{idle};
    }
}

# The faults of the fault matrix (t/040-faults.t): what a broken or
# hostile receiver does after it has read a whole request.  Written
# against the wire, so they hold for any delivery engine.
my %Faults = (
    # the connection reset (RST) in the middle of the response head
    reset_head => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.1 200 OK\r\nContent-Ty");
        reset_after($c);
    },

    # the head whole, 10 of 100 body bytes, then a reset
    reset_body => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                      . 'b' x 10);
        reset_after($c);
    },

    # the status line and nothing more: TLS close_notify, then FIN
    status_close => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.1 204 No Content\r\n");
        Time::HiRes::sleep(0.1);
        $c->close;
    },

    # an interim 100 before the final answer (not asked for: the request
    # has no "Expect"); a client must skip it
    continue => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.1 100 Continue\r\n\r\n");
        Time::HiRes::sleep(0.05);
        write_all($c, "HTTP/1.1 204 No Content\r\n\r\n");
        drain($c);
    },

    # HTTP/1.0, the body delimited by the end of the connection
    http10 => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                      . "delimited by close\n");
        $c->close;
    },

    # a chunk size that is not hexadecimal
    bad_chunk => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      . "zz\r\nhello\r\n0\r\n\r\n");
        drain($c);
    },

    # 1 MB of response headers, 1024 lines of 1 KB
    huge_head => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.1 200 OK\r\n") or return;
        for my $n (1 .. 1024) {
            write_all($c, sprintf("X-Fill-%04d: %s\r\n", $n, 'f' x 1009))
                or return;
        }
        write_all($c, "Content-Length: 0\r\n\r\n") or return;
        drain($c);
    },

    # a body delimited by the end of the connection, ended by a TCP FIN
    # without TLS close_notify: a truncation nobody can tell from the end
    no_close_notify => sub {
        my ($c) = @_;
        write_all($c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                      . "cut here?\n");
        Time::HiRes::sleep(0.1);
        $c->close(SSL_no_shutdown => 1);
    },
);

sub fault {
    my ($c, $name) = @_;

    my $f = $Faults{$name} or die "receiver: unknown fault \"$name\"\n";

    $f->($c);
}

# RST rather than FIN: linger on, zero seconds, and no TLS shutdown
sub reset_after {
    my ($c) = @_;

    Time::HiRes::sleep(0.1);
    setsockopt($c, Socket::SOL_SOCKET(), Socket::SO_LINGER(),
               pack('ii', 1, 0));
    $c->close(SSL_no_shutdown => 1);
}

# read until the client goes, 10 s at most
sub drain {
    my ($c) = @_;

    my $until = Time::HiRes::time() + 10;

    while (Time::HiRes::time() < $until) {
        my $rin = '';
        vec($rin, fileno($c), 1) = 1;
        next if !select($rin, undef, undef, 0.5);
        last if !sysread($c, my $junk, 4096);
    }
}

sub unescape {
    my ($s) = @_;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

sub record {
    my ($cfg, $path, $raw, $sni, $resumed) = @_;

    (my $name = $path) =~ s{^/t/}{};
    $name =~ s/[^A-Za-z0-9_.-]/_/g;
    $name = '_' if $name eq '' || $name =~ /^\./;

    my $file = "$cfg->{dir}/requests/$name";

    open my $out, '>>', $file or die "$file: $!";
    flock $out, LOCK_EX;
    binmode $out;
    print $out $raw;
    close $out;
    chmod 0644, $file;

    # one process per connection: its pid tells connections apart
    open $out, '>>', "$file.conn" or die "$file.conn: $!";
    flock $out, LOCK_EX;
    print $out "$$\n";
    close $out;
    chmod 0644, "$file.conn";

    open $out, '>>', "$file.sni" or die "$file.sni: $!";
    flock $out, LOCK_EX;
    print $out "$sni\n";
    close $out;
    chmod 0644, "$file.sni";

    open $out, '>>', "$file.resumed" or die "$file.resumed: $!";
    flock $out, LOCK_EX;
    print $out "$resumed\n";
    close $out;
    chmod 0644, "$file.resumed";
}

sub answer {
    my ($c, $q) = @_;

    my $status = $q->{status} || 200;
    my $head = "HTTP/1.1 $status Tryout\r\n";
    my $body = '';

    $head .= "Location: $q->{location}\r\n" if defined $q->{location};
    $head .= "Connection: close\r\n" if $q->{close};
    $head .= sprintf("X-Extra-%03d: %s\r\n", $_, $_ == 1 ? 'h' x 300 : $_)
        for 1 .. ($q->{headers} || 0);

    if ($q->{endless}) {
        $head .= "Transfer-Encoding: chunked\r\n\r\n";

    } else {
        $body = $q->{body} // 'a' x ($q->{size} || 0);
        $head .= "Content-Length: " . length($body) . "\r\n"
                 if $status != 204 && $status != 304;
        $head .= "\r\n";
    }

    if ($q->{trickle}) {
        for my $byte (split //, $head) {
            syswrite($c, $byte) or return 0;
            Time::HiRes::sleep($q->{trickle} / 1000);
        }

    } else {
        write_all($c, $head) or return 0;
    }

    if ($q->{endless}) {
        my $chunk = sprintf("%x\r\n%s\r\n", 16384, 'e' x 16384);
        for (1 .. 100_000) {
            write_all($c, $chunk) or return 0;
        }
        return 0;
    }

    return write_all($c, $body);
}

sub write_all {
    my ($c, $data) = @_;

    while (length $data) {
        my $n = syswrite($c, $data);
        return 0 if !$n;
        substr($data, 0, $n) = '';
    }

    return 1;
}

# the worker is the master's child; one worker in these tests
sub quit_worker {
    my ($pid_file) = @_;

    open my $in, '<', $pid_file or return;
    my $master = <$in>;
    chomp $master;

    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $s, '<', $stat or next;
        my $line = <$s> // next;

        if ($line =~ /^(\d+) \(.*\) \S+ (\d+) / && $2 == $master) {
            kill 'QUIT', $1;
        }
    }
}

# The requests recorded for a url path /t/NAME, in order: [head, body]
# pairs, the head with its CRLFs and without the blank line.
sub records {
    my ($name) = @_;

    my $file = "$Dir/requests/$name";

    open my $in, '<:raw', $file or return ();
    my $data = do { local $/; <$in> };
    close $in;

    my @out;

    while ($data =~ /\G([A-Z]+ [^\r]*\r\n(?:[^\r]+\r\n)*)\r\n/gc) {
        my $head = $1;
        my $len = $head =~ /^content-length:[ \t]*(\d+)\r$/mi ? $1 : 0;
        my $body = substr($data, pos($data), $len);

        pos($data) += $len;
        push @out, [$head, $body];
    }

    return @out;
}

# the nginx snippet that serves what the receivers recorded
sub receiver_config {
    return <<'_EOC_';
    location /receiver/ {
        alias $TEST_NGINX_RECEIVER_DIR/requests/;
        default_type text/plain;
        log_not_found off;
    }
_EOC_
}

# A host name, not "localhost" (which libcurl resolves itself), that the
# system resolver maps to a loopback address: the machine's own name, or
# another /etc/hosts entry.
sub blocked_name {
    my @names;

    my $host = `hostname 2>/dev/null` // '';
    chomp $host;
    push @names, $host if $host ne '';

    if (open my $hosts, '<', '/etc/hosts') {
        while (<$hosts>) {
            s/#.*//;
            my ($addr, @aliases) = split;
            next if !defined $addr || $addr !~ /^(127\.|::1$)/;
            push @names, @aliases;
        }
    }

    for my $name (@names) {
        next if $name =~ /(^|\.)localhost$/i || $name !~ /^[A-Za-z0-9.-]+$/;

        my ($err, @res) = Socket::getaddrinfo($name, 443,
                              { socktype => Socket::SOCK_STREAM() });
        next if $err || !@res;

        my $loop = grep {
            my ($e, $ip) = Socket::getnameinfo($_->{addr},
                                               Socket::NI_NUMERICHOST());
            !$e && ($ip =~ /^127\./ || $ip eq '::1');
        } @res;

        return $name if $loop == @res;
    }

    return undef;
}

END {
    kill 'TERM', -$_ for @Servers;
}

1;
