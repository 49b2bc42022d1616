package Test::Nginx::Runner::HTTP;

# The HTTP client side of the project's Test::Nginx::Socket runner: turns a
# "--- request" section into bytes the way CPAN's Test::Nginx does, sends
# them over a plain TCP socket, and parses what nginx answers.

use strict;
use warnings;

use Errno qw(EAGAIN EWOULDBLOCK EINTR EINPROGRESS);
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes qw(time sleep);

our $VERSION = '0.01';

# "--- more_headers" text -> (header block with CRLFs, is_chunked).
sub format_more_headers {
    my ($text) = @_;

    my ($out, $is_chunked) = ('', 0);

    for my $line (split /\n+/, defined $text ? $text : '') {
        next if $line =~ /^\s*#/;

        my ($key, $val) = split /:\s*/, $line, 2;
        next if !defined $key || $key eq '';
        $val = '' if !defined $val;

        $is_chunked = 1
            if lc $key eq 'transfer-encoding' && lc $val eq 'chunked';

        $out .= "$key: $val\r\n";
    }

    return ($out, $is_chunked);
}

# "--- request" text -> the raw request.  The first line is
# "METHOD [URI [VERSION]]", the rest is the body.  Host and Connection are
# added unless --- more_headers has them, and Content-Length when there is
# a body that is not sent chunked (the body is then trimmed, as CPAN does).
sub build_request {
    my (%args) = @_;

    my $text = $args{request};
    my $host = defined $args{host} ? $args{host} : 'localhost';
    my $connection = $args{connection} || 'close';

    die "empty --- request section\n" if !defined $text;

    # leading blank and comment lines are not part of the request
    1 while $text =~ s/^\s*#[^\n]*\n|^\s+//s;

    my ($first, $body) = split /\n/, $text, 2;

    die "empty --- request section\n" if !defined $first || $first eq '';

    $first =~ s/\r$//;

    my ($method, $uri, $version, $extra) = split ' ', $first;

    die "bad request line \"$first\": want \"METHOD [URI [VERSION]]\"\n"
        if defined $extra;

    $uri = '/' if !defined $uri;
    $version = 'HTTP/1.1' if !defined $version;
    $body = '' if !defined $body;

    my ($more, $is_chunked) = format_more_headers($args{more_headers});

    my $headers = '';
    $headers .= "Host: $host\r\n" if $more !~ /(?:^|\n)Host\s*:/i;
    $headers .= "Connection: $connection\r\n"
        if $more !~ /(?:^|\n)Connection\s*:/i;
    $headers .= $more;

    if (!$is_chunked && $body ne ''
        && $more !~ /(?:^|\n)Content-Length\s*:/i)
    {
        $body =~ s/^\s+|\s+$//gs;
        $headers .= "Content-Length: " . length($body) . "\r\n";
    }

    return "$method $uri $version\r\n$headers\r\n$body";
}

# Sends the packets (an array of strings, written one after the other with
# $args{middle_delay} seconds between them) and reads until the server
# closes the connection.  As in CPAN's Test::Nginx, $args{timeout} bounds the
# wait for each I/O event, not the whole exchange.
#
# Returns { raw => bytes read, timed_out => bool, error => message|undef }.
sub exchange {
    my (%args) = @_;

    my $timeout = $args{timeout};
    my @packets = @{ $args{packets} };
    my $result = { raw => '', timed_out => 0, error => undef };

    local $SIG{PIPE} = 'IGNORE';

    my $sock = IO::Socket::INET->new(
        PeerAddr => $args{addr},
        PeerPort => $args{port},
        Proto    => 'tcp',
        Timeout  => $timeout,
    );

    if (!$sock) {
        $result->{error} = "cannot connect to $args{addr}:$args{port}: $@";
        return $result;
    }

    $sock->blocking(0);

    my $select = IO::Select->new($sock);
    my $buf = shift @packets;
    my $offset = 0;
    my $writing = defined $buf;

    while (1) {
        my ($readable, $writable) = IO::Select->select(
            $select, $writing ? $select : undef, undef, $timeout);

        if (!$readable && !$writable) {
            next if $! == EINTR;
            $result->{timed_out} = 1;
            last;
        }

        if ($writable && @$writable) {
            my $n = syswrite $sock, $buf, length($buf) - $offset, $offset;

            if (!defined $n) {
                if ($! != EAGAIN && $! != EWOULDBLOCK && $! != EINTR) {
                    # nginx may answer and close before reading it all
                    $writing = 0;
                }

            } else {
                $offset += $n;

                if ($offset >= length $buf) {
                    $buf = shift @packets;
                    $offset = 0;

                    if (!defined $buf) {
                        $writing = 0;

                    } elsif ($args{middle_delay}) {
                        sleep $args{middle_delay};
                    }
                }
            }
        }

        if ($readable && @$readable) {
            my $n = sysread $sock, my $chunk, 65536;

            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                $result->{error} = "read failed: $!";
                last;
            }

            last if $n == 0;

            $result->{raw} .= $chunk;
        }
    }

    close $sock;

    return $result;
}

# Parses a raw HTTP/1.x response.  Interim 1xx responses (except 101) are
# skipped.  Returns a hash:
#   status       status code or undef
#   raw_headers  the header block as received
#   headers      [ [name, value], ... ] in order
#   body         decoded body (chunked encoding removed)
#   left         bytes after the end of the message, if any
#   error        a message when the body is malformed
sub parse_response {
    my ($raw, $is_head) = @_;

    my $res = {
        status      => undef,
        raw_headers => '',
        headers     => [],
        body        => undef,
        left        => undef,
        error       => undef,
    };

    $raw = '' if !defined $raw;

    while (1) {
        my ($head, $rest);

        if ($raw =~ /\A(.*?\r?\n)\r?\n(.*)\z/s) {
            ($head, $rest) = ($1, $2);

        } else {
            ($head, $rest) = ($raw, '');
        }

        $res->{raw_headers} = $head;
        $res->{headers} = [];
        $res->{status} = undef;

        my @lines = split /\r?\n/, $head;
        my $status_line = shift @lines;

        if (defined $status_line
            && $status_line =~ m{^HTTP/\d+\.\d+\s+(\d{3})\b})
        {
            $res->{status} = $1;
        }

        for my $line (@lines) {
            if ($line =~ /^([^:\s]+)\s*:\s*(.*?)\s*$/) {
                push @{ $res->{headers} }, [$1, $2];
            }
        }

        if (defined $res->{status} && $res->{status} =~ /^1/
            && $res->{status} != 101 && $rest ne '')
        {
            $raw = $rest;
            next;
        }

        $res->{body} = $rest;
        last;
    }

    my $status = $res->{status};

    return $res if !defined $status;

    if ($is_head || $status == 204 || $status == 304 || $status =~ /^1/) {
        if ($res->{body} ne '') {
            $res->{left} = $res->{body};
        }
        $res->{body} = '';
        return $res;
    }

    my $te = header_value($res, 'Transfer-Encoding');
    my $len = header_value($res, 'Content-Length');

    if (defined $te && $te =~ /\bchunked\b/i) {
        decode_chunked($res);

    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $res->{body} > $len) {
            $res->{left} = substr $res->{body}, $len;
            $res->{body} = substr $res->{body}, 0, $len;

        } elsif (length $res->{body} < $len) {
            $res->{truncated} = 1;
        }
    }

    return $res;
}

sub decode_chunked {
    my ($res) = @_;

    my $raw = $res->{body};
    my $decoded = '';
    my $pos = 0;

    while (1) {
        pos($raw) = $pos;

        if ($raw !~ /\G[ \t]*([0-9A-Fa-f]+)[^\r\n]*\r\n/gc) {
            $res->{error} = 'invalid chunked body: no chunk size at offset '
                            . $pos;
            last;
        }

        my $size = hex $1;
        $pos = pos $raw;

        if ($size == 0) {
            # trailer fields, then the final CRLF
            pos($raw) = $pos;
            1 while $raw =~ /\G[^\r\n]+\r\n/gc;

            if ($raw !~ /\G\r\n/gc) {
                $res->{error} = 'invalid chunked body: no final CRLF';
                last;
            }

            $pos = pos $raw;
            $res->{left} = substr $raw, $pos if $pos < length $raw;
            last;
        }

        if ($pos + $size + 2 > length $raw) {
            $res->{error} = 'invalid chunked body: chunk of ' . $size
                            . ' bytes is truncated';
            last;
        }

        $decoded .= substr $raw, $pos, $size;
        $pos += $size;

        if (substr($raw, $pos, 2) ne "\r\n") {
            $res->{error} = 'invalid chunked body: no CRLF after chunk data';
            last;
        }

        $pos += 2;
    }

    $res->{body} = $decoded;
}

# All values of a header, case-insensitively, joined with ", " (as
# HTTP::Headers does in scalar context); undef when absent.
sub header_value {
    my ($res, $name) = @_;

    my @values = map { $_->[1] }
                 grep { lc $_->[0] eq lc $name } @{ $res->{headers} || [] };

    return @values ? join(', ', @values) : undef;
}

1;
