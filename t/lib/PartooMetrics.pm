package PartooMetrics;

# Helpers of the metrics tests: the status page fetched from a block's
# --- init, parsed, checked by promtool, compared with its JSON form.
# Works with the project's runner and with CPAN's Test::Nginx::Socket.

use strict;
use warnings;

use Exporter 'import';
use IO::Socket::INET ();
use IPC::Open3 ();
use JSON::PP ();
use Symbol ();

our @EXPORT = qw(has_lines fetch scrape metric wait_metric promtool_check
                 json_samples text_samples);

# A pattern that matches a page holding each of these lines, exactly.
sub has_lines {
    return '(?ms)\A' . join('', map { '(?=.*^' . quotemeta($_) . '$)' } @_);
}

# A request to nginx on its test port: [status, {headers}, body].
sub fetch {
    my ($request) = @_;

    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $ENV{TEST_NGINX_SERVER_PORT},
                                     Timeout => 10)
        or die "fetch: connect: $!";

    $request =~ s/\n/\r\n/g;
    print $sock $request;

    local $/;
    my $res = <$sock> // '';
    close $sock;

    my ($head, $body) = split /\r\n\r\n/, $res, 2;
    my ($status) = $head =~ m{^HTTP/1\.\d (\d+)}
        or die "fetch: no status line in \"$res\"";

    my %headers;

    for my $line (split /\r\n/, $head) {
        $headers{lc $1} = $2 if $line =~ /^([^:]+):\s*(.*)$/;
    }

    return [$status, \%headers, $body // ''];
}

# The status page at $uri (/metrics), its body; dies unless a 200.
sub scrape {
    my ($uri, @headers) = @_;

    my $res = fetch("GET " . ($uri // '/metrics') . " HTTP/1.0\n"
                    . join('', map { "$_\n" } @headers) . "\n");

    die "scrape: $res->[0]" if $res->[0] != 200;

    return wantarray ? ($res->[2], $res->[1]) : $res->[2];
}

# The value of one sample ("name{labels}" as written) in a page, or undef.
sub metric {
    my ($page, $sample) = @_;

    return $page =~ /^\Q$sample\E (\S+)$/m ? $1 : undef;
}

# An answer is counted when nginx logs it, which may be after the client
# read it (a lingering close): the sample's value once it is $value, or
# the last one seen after $timeout seconds.
sub wait_metric {
    my ($sample, $value, $timeout) = @_;

    my $deadline = time + ($timeout // 10);
    my $got;

    while (time < $deadline) {
        $got = metric(scalar scrape('/metrics'), $sample);
        last if defined $got && $got eq $value;
        select undef, undef, undef, 0.05;
    }

    return $got;
}

# promtool's verdict on a page: [exit status, what it printed].
sub promtool_check {
    my ($page) = @_;

    my $err = Symbol::gensym();
    my $pid = IPC::Open3::open3(my $in, my $out, $err, 'promtool', 'check',
                                'metrics');

    print $in $page;
    close $in;

    local $/;
    my $said = (<$out> // '') . (<$err> // '');
    waitpid $pid, 0;

    return [$? >> 8, $said];
}

# The samples of a page as "name{labels} value" lines, labels sorted by
# name, the lines sorted: to compare with json_samples().
sub text_samples {
    my ($page) = @_;
    my @lines;

    for my $line (split /\n/, $page) {
        next if $line =~ /^#/;

        my ($name, $labels, $value) = $line =~ /^(\w+)(?:\{(.*)\})? (\S+)$/
            or die "text_samples: \"$line\"";

        my @pairs = ($labels // '') =~ /(\w+="[^"]*")/g;
        @pairs = sort @pairs;

        push @lines, $name . (@pairs ? '{' . join(',', @pairs) . '}' : '')
                     . " $value";
    }

    @lines = sort @lines;

    return @lines;
}

# The JSON form as "name{labels} value" lines, sorted, labels sorted by
# name (a histogram as its _bucket, _sum and _count lines).
sub json_samples {
    my ($json) = @_;

    my $families = JSON::PP->new->decode($json);
    my @lines;

    for my $f (@$families) {
        for my $m (@{ $f->{metrics} }) {
            if ($f->{type} eq 'histogram') {
                for my $le (keys %{ $m->{buckets} }) {
                    push @lines, "$f->{name}_bucket{le=\"$le\"} "
                                 . $m->{buckets}{$le};
                }

                push @lines, sprintf("%s_sum %.3f", $f->{name}, $m->{sum}),
                             "$f->{name}_count $m->{count}";
                next;
            }

            my $labels = join ',', map { "$_=\"$m->{labels}{$_}\"" }
                                   sort keys %{ $m->{labels} };

            push @lines, $f->{name} . ($labels ne '' ? "{$labels}" : '')
                         . " $m->{value}";
        }
    }

    @lines = sort @lines;

    return @lines;
}

1;
