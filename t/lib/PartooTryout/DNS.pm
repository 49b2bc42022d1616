package PartooTryout::DNS;

# A DNS server on loopback for nginx's "resolver": UDP on a free port of
# 127.0.0.1, exported as $TEST_NGINX_DNS_PORT.  It answers A queries from
# the table below (Net::DNS, Debian's libnet-dns-perl, builds and reads the
# packets); any other name is NXDOMAIN.  Each query is answered by a child
# of its own, so a slow answer holds no other.

use strict;
use warnings;

use IO::Socket::IP ();
use POSIX ();

use PartooTryout::Receiver ();

my $Pid;

# name => [rcode, delay in ms, addresses...]
our %ZONE = (
    'one.tryout.test'      => ['NOERROR', 0, '127.0.0.1'],
    'servfail.tryout.test' => ['SERVFAIL', 0],
    'slow.tryout.test'     => ['NOERROR', 3000, '127.0.0.1'],
    'blocked.tryout.test'  => ['NOERROR', 0, '10.0.0.1'],
    'mixed.tryout.test'    => ['NOERROR', 0, '10.0.0.1', '127.0.0.1'],
    'refused.tryout.test'  => ['NOERROR', 0, '127.0.0.3', '127.0.0.1'],
);

# why the tests cannot run, or undef once the server runs
sub start {
    eval { require Net::DNS; 1 }
        or return 'Net::DNS is not installed (libnet-dns-perl)';

    my $sock = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0,
                                   Proto => 'udp')
        or return "cannot bind a UDP socket on 127.0.0.1: $!";

    $ENV{TEST_NGINX_DNS_PORT} = $sock->sockport;

    my $parent = $$;
    $Pid = fork // die "fork: $!";

    if ($Pid == 0) {
        setpgrp(0, 0);
        $SIG{CHLD} = 'IGNORE';
        $SIG{TERM} = sub { POSIX::_exit(0) };

        while (1) {
            PartooTryout::Receiver::wait_readable($sock, $parent) or next;
            my $peer = $sock->recv(my $buf, 512) // next;
            my $child = fork;
            next if !defined $child || $child != 0;

            eval { answer($sock, $peer, $buf) };
            POSIX::_exit(0);
        }
    }

    close $sock;

    return undef;
}

sub answer {
    my ($sock, $peer, $buf) = @_;

    my $query = Net::DNS::Packet->new(\$buf) or return;
    my ($q) = $query->question or return;
    my $reply = $query->reply;
    my $entry = $ZONE{lc $q->qname} // ['NXDOMAIN', 0];
    my ($rcode, $delay, @addrs) = @$entry;

    $reply->header->rcode($rcode);
    $reply->header->aa(1);

    if ($rcode eq 'NOERROR' && $q->qtype eq 'A') {
        $reply->push(answer => Net::DNS::RR->new(
                         name => $q->qname, type => 'A', ttl => 1,
                         address => $_))
            for @addrs;
    }

    select undef, undef, undef, $delay / 1000 if $delay;

    $sock->send($reply->data, 0, $peer);
}

END {
    kill 'TERM', -$Pid if $Pid;
}

1;
