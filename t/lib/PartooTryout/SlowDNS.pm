package PartooTryout::SlowDNS;

# Name lookups that hang, for the tests of a delivery whose name is still
# being resolved: builds t/lib/PartooTryout/slowdns.c, a getaddrinfo()
# that takes 8 s for any name under "slow.test", and preloads it into
# nginx through $TEST_NGINX_LD_PRELOAD (as CPAN's Test::Nginx does).
#
# preload() returns undef when it is in place, else why not: the test
# file then skips, e.g.
#
#     my $why = PartooTryout::SlowDNS::preload();
#     plan skip_all => $why if defined $why;

use strict;
use warnings;

use File::Spec ();
use File::Temp ();

our $SECONDS = 8;

my $Dir;

sub preload {
    my $src = File::Spec->rel2abs('t/lib/PartooTryout/slowdns.c');

    return "no $src" if !-f $src;

    $Dir //= File::Temp::tempdir('partoo-slowdns-XXXXXX', TMPDIR => 1,
                                 CLEANUP => 1);
    chmod 0755, $Dir;

    my $so = "$Dir/slowdns.so";
    my $cc = $ENV{CC} || 'cc';

    if (!-f $so) {
        my $out = `$cc -shared -fPIC -O1 -o '$so' '$src' -ldl 2>&1`;
        return "cannot build the slow resolver with $cc: $out" if $?;
        chmod 0755, $so;
    }

    $ENV{TEST_NGINX_LD_PRELOAD} = $so;

    return undef;
}

1;
