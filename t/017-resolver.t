# Names resolved by nginx's own resolver (the "resolver" directive), on
# the native engine: a test DNS server on loopback (t/lib/PartooTryout/
# DNS.pm) answers NXDOMAIN, SERVFAIL, slowly, with one address, and with
# several of which the first is blocked or refused.  A failed lookup is
# dns_failure; every address is checked before it is connected to, and
# the next one is tried when one is blocked or refused.  The libcurl
# engines resolve with the system's resolver and never read "resolver".

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket;
use PartooTryout;
use PartooTryout::Receiver ();
use PartooTryout::DNS ();

if ($PartooTryout::ENGINE ne 'native') {
    plan skip_all => 'nginx\'s "resolver" is read by the native engine only';
} elsif (defined(my $why = PartooTryout::DNS::start())) {
    plan skip_all => $why;
} else {
    plan 'no_plan';
}

our $P = PartooTryout::Receiver::port(0);

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $P);

no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

sub url {
    my ($name, $path) = @_;
    return "https://$name.tryout.test:$P/t/$path";
}

sub deliver {
    my ($name, $path) = @_;
    return [PartooTryout::tryout_request(url => url($name, $path)),
            "GET /receiver/$path"];
}

# the answer, and what the receiver got (or nothing)
sub got {
    my ($name, $path, %answer) = @_;

    return [PartooTryout::tryout_answer_like(url => url($name, $path),
                                             %answer),
            $answer{error}
            ? '404 Not Found'
            : PartooTryout::exactly(PartooTryout::delivered_request(
                                        url => url($name, $path)))];
}

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config',
                      "    resolver 127.0.0.1:\$TEST_NGINX_DNS_PORT "
                      . "ipv6=off valid=1s;\n"
                      . "    resolver_timeout 1s;\n"
                      . ($block->http_config // ''));
});

run_tests();

__DATA__

=== TEST 1: a name with one address: delivered, with its Host and SNI
--- request eval
main::deliver('one', 'one')
--- response_body_like eval
main::got('one', 'one', response_status => 200)
--- no_error_log
[warn]
[error]



=== TEST 2: NXDOMAIN is dns_failure, nothing connected
--- request eval
main::deliver('nowhere', 'nowhere')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got('nowhere', 'nowhere', error => 'dns_failure')
--- error_log
failed (dns_failure): "nowhere.tryout.test" could not be resolved (3: Host not found)



=== TEST 3: SERVFAIL is dns_failure
--- request eval
main::deliver('servfail', 'servfail')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got('servfail', 'servfail', error => 'dns_failure')
--- error_log
failed (dns_failure): "servfail.tryout.test" could not be resolved (2: Server failure)



=== TEST 4: an answer slower than resolver_timeout is dns_failure, at resolver_timeout
--- request eval
main::deliver('slow', 'slow')
--- error_code eval
[200, 404]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => main::url('slow', 'slow'),
                                  error => 'dns_failure')
 . '(?<=,"duration_ms":1\d\d\d\}\]\})',
 '404 Not Found']
--- error_log
failed (dns_failure): "slow.tryout.test" could not be resolved (110: Operation timed out)



=== TEST 5: every address blocked is blocked_address, the first one logged
--- request eval
main::deliver('blocked', 'blocked')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got('blocked', 'blocked', error => 'blocked_address')
--- error_log
partoo_tryout: delivery to 10.0.0.1 blocked (10.0.0.0/8), see "partoo_tryout_allow_address"



=== TEST 6: a blocked address and an allowed one, in either order: delivered to the allowed one, never a connection to the blocked one
--- request eval
main::deliver('mixed', 'mixed')
--- response_body_like eval
main::got('mixed', 'mixed', response_status => 200)
--- no_error_log
[warn]
[error]



=== TEST 7: a refused address and a live one, in either order: delivered to the live one
--- config eval
$PartooTryout::DELIVERY_LOCATION =~ s/127\.0\.0\.1;/127.0.0.0\/8;/r
--- request eval
main::deliver('refused', 'refused')
--- response_body_like eval
main::got('refused', 'refused', response_status => 200)
--- no_error_log
[warn]



=== TEST 8: each failed lookup is counted as dns_failure by the status location
--- config eval
$PartooTryout::DELIVERY_LOCATION . <<'_EOC_';
    location = /metrics {
        partoo_tryout_status;
    }
_EOC_
--- request eval
[PartooTryout::tryout_request(url => main::url('nowhere', 'nowhere')),
 PartooTryout::tryout_request(url => main::url('servfail', 'servfail')),
 PartooTryout::tryout_request(url => main::url('one', 'counted')),
 "GET /metrics"]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => main::url('nowhere', 'nowhere'),
                                  error => 'dns_failure'),
 PartooTryout::tryout_answer_like(url => main::url('servfail', 'servfail'),
                                  error => 'dns_failure'),
 PartooTryout::tryout_answer_like(url => main::url('one', 'counted'),
                                  response_status => 200),
 '\npartoo_tryout_deliveries_total\{status="success",error="none"\} 1\n'
 . 'partoo_tryout_deliveries_total\{status="error",error="timeout"\} 0\n'
 . 'partoo_tryout_deliveries_total\{status="error",error="dns_failure"\} 2\n']
