# The suite's own servers (the HTTPS receivers, the DNS server) outlive no
# test process: one killed with SIGKILL runs no END block, and a receiver
# left behind would hold its port, so that the next run could not start
# it.  Each test below starts a server in a process of its own, kills that
# process with SIGKILL, and binds the server's port again.  No nginx.

use strict;
use warnings;

use lib 't/lib';

use IO::Socket::IP ();
use POSIX ();
use Test::More;
use Time::HiRes ();

use PartooTryout::DNS ();
use PartooTryout::Receiver ();

# the port bound again within "secs" seconds: the server that held it left
sub freed {
    my ($port, $proto, $secs) = @_;

    my $until = Time::HiRes::time() + $secs;

    while (Time::HiRes::time() < $until) {
        my $s = IO::Socket::IP->new(LocalHost => '127.0.0.1',
                                    LocalPort => $port,
                                    Proto     => $proto,
                                    $proto eq 'tcp'
                                    ? (Listen => 1, ReuseAddr => 1) : ());
        return 1 if $s;

        Time::HiRes::sleep(0.1);
    }

    return 0;
}

# runs "start" in a child that reports the port through a pipe and waits:
# the child's pid and the port
sub spawn {
    my ($start) = @_;

    pipe(my $r, my $w) or die "pipe: $!";

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        # a server that outlived it must not hold prove's output open
        close $r;
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        my $port = eval { $start->() };
        print {$w} ($port // 0), "\n";
        close $w;
        sleep 60;
        POSIX::_exit(0);
    }

    close $w;
    my $port = <$r> // 0;
    chomp $port;

    return ($pid, $port);
}

sub kill9 {
    my ($pid) = @_;

    kill 'KILL', $pid;
    waitpid $pid, 0;
}

my $rport = PartooTryout::Receiver::port(0);

my ($pid, $got) = spawn(sub {
    PartooTryout::Receiver::start(port => $rport);
    return $rport;
});

is($got, $rport, 'receiver started in a process of its own');
ok(!freed($rport, 'tcp', 0.01), 'receiver: holds its port');
kill9($pid);
ok(freed($rport, 'tcp', 5), 'receiver: port free again within 5 s of a kill');

SKIP: {
    eval { require Net::DNS; 1 }
        or skip('Net::DNS is not installed (libnet-dns-perl)', 3);

    my ($pid, $dport) = spawn(sub {
        defined PartooTryout::DNS::start() and return 0;
        return $ENV{TEST_NGINX_DNS_PORT};
    });

    ok($dport, 'DNS server started in a process of its own');
    ok(!freed($dport, 'udp', 0.01), 'DNS server: holds its port');
    kill9($pid);
    ok(freed($dport, 'udp', 5),
       'DNS server: port free again within 5 s of a kill');
}

done_testing();
