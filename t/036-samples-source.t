# partoo_tryout ... samples_source=URI samples_ttl=TIME: a tryout whose
# org has no sample in the zone asks the source through a subrequest, a
# location of the same server proxied to a local receiver here, which
# answers as its query says and records every request it gets: the
# number of fetches is the number of lines of its ".conn" record.
#
# 200 with a JSON object: that document is sent, signed, and kept for the
# TTL; 404: the default, and the miss kept for the TTL; anything else: the
# default and an [error] line naming the source and why.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();
use PartooSamples ();
use PartooMetrics ();
use PartooSigning;

our $PORT = $ENV{TEST_NGINX_RECEIVER_PORT} || 3985;
our $R = "https://127.0.0.1:$PORT/t";

# How much slower the blocks that race a slow source wait under valgrind,
# where a tryout takes a good part of a second to reach its fetch
our $SLOW = $ENV{TEST_NGINX_USE_VALGRIND} ? 5 : 1;

our $SOURCE = '{"lead":{"id":"src-1","name":"From the source",'
              . '"note":"caf\u00e9 \u65e5"}}';

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $PORT);
PartooSigning::setup();

no_shuffle();
no_long_string();
check_accum_error_log();

tryout_defaults(append => PartooTryout::Receiver::receiver_config() . <<'_EOC_');
    location = /samples {
        partoo_tryout_samples_api samples;
    }

    location = /metrics {
        partoo_tryout_status;
    }
_EOC_

Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config',
                      "    partoo_tryout_samples_zone zone=samples:1m;\n"
                      . ($block->http_config // ''));
});

sub escape {
    my ($s) = @_;

    $s =~ s/([^A-Za-z0-9])/sprintf('%%%02X', ord $1)/ge;

    return $s;
}

# The tryout location asking /source, which the receiver's /t/NAME serves
# as QUERY says (see t/lib/PartooTryout/Receiver.pm).
sub source_config {
    my ($name, $query, %a) = @_;

    my $ttl = $a{ttl} // '1m';
    my $timeout = $a{timeout} // '10s';

    return <<"_EOC_";
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/source
                      samples_ttl=$ttl;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            \$TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_signing_key \$TEST_NGINX_SIGN_DIR/ed25519.pem;
        add_header X-Payload-Source \$partoo_tryout_payload_source always;
        add_header X-Source-Result \$partoo_tryout_source_result always;
    }

    location = /source {
        internal;
        subrequest_output_buffer_size 128k;
        proxy_read_timeout $timeout;
        proxy_pass https://127.0.0.1:\$TEST_NGINX_RECEIVER_PORT/t/$name?$query&\$args;
    }
_EOC_
}

sub tryout {
    my ($name) = @_;

    return tryout_request(url => "$R/$name", event => 'lead_received');
}

sub source_document {
    return qq({"type":"lead_received","payload":$main::SOURCE});
}

# the answer of a delivery to /t/NAME of $doc (the default: undef)
sub answer {
    my ($name, $doc) = @_;

    return tryout_answer_like(url => "$R/$name", event => 'lead_received',
                              response_status => 200,
                              payload => $doc
                                         // payload_document('lead_received'));
}

# what the receiver /t/NAME got: $times signed deliveries of $doc
sub record {
    my ($name, $doc, $times) = @_;

    $doc //= payload_document('lead_received');

    return exactly(delivered_request(url => "$R/$name",
                                     event => 'lead_received',
                                     payload => $doc,
                                     signature => PartooSigning::sign($doc))
                   x ($times // 1));
}

# the receiver's .conn record of $n requests: the number of fetches
sub fetches {
    my ($n) = @_;

    return '^' . ('\d+\n' x $n) . '$';
}

# A tryout sent from a block's --- init; dies unless answered 200 with a
# head that matches $head.
sub tryout_ok {
    my ($name, $head) = @_;

    my $res = PartooSamples::raw_exchange(
                  raw_tryout_request(url => "$R/$name",
                                     event => 'lead_received'));

    $res =~ m{^HTTP/1\.[01] 200 } && $res =~ $head
        or die "tryout $name: " . substr($res, 0, 300) . "\n";
}

run_tests();

__DATA__

=== TEST 1: the source's document is sent signed, byte for byte, and kept: the second tryout asks nothing
--- config eval: main::source_config('src1', 'body=' . main::escape($main::SOURCE))
--- init
main::tryout_ok('s1a', qr/\r\nX-Payload-Source: source\r\nX-Source-Result: ok\r\n/);
--- request eval
[main::tryout('s1b'),
 "GET /receiver/s1a", "GET /receiver/s1b",
 "GET /receiver/src1.conn", "GET /receiver/src1"]
--- error_code eval
[(200) x 5]
--- response_body_like eval
my $doc = main::source_document();
[main::answer('s1b', $doc),
 main::record('s1a', $doc), main::record('s1b', $doc),
 main::fetches(1),
 # the org and event type asked, and none of the caller's headers
 '^GET /t/src1\?body=\S+&org_id=42&event_type=lead_received HTTP/1\.[01]\r\n'
 . '(?![\s\S]*x-apikey)(?![\s\S]*content-length)']
--- response_headers eval
["X-Payload-Source: sample\n!X-Source-Result",
 "!X-Payload-Source", "!X-Payload-Source", "!X-Payload-Source",
 "!X-Payload-Source"]
--- error_log
lead_received sample of org 42, new signature
lead_received sample of org 42, stored signature
--- no_error_log
[error]



=== TEST 2: a 404 sends the default, and is kept: no second fetch within the TTL
--- config eval: main::source_config('src2', 'status=404')
--- request eval
[main::tryout('s2a'), main::tryout('s2b'), "GET /receiver/src2.conn",
 "GET /samples?org_id=42&event_type=lead_received", "GET /metrics"]
--- error_code eval
[200, 200, 200, 404, 200]
--- response_body_like eval
[main::answer('s2a'), main::answer('s2b'), main::fetches(1),
 'sample not found',
 PartooMetrics::has_lines(
     'partoo_tryout_samples_source_fetches_total{zone="samples",result="ok"} 0',
     'partoo_tryout_samples_source_fetches_total{zone="samples",result="not_found"} 1',
     'partoo_tryout_samples_source_fetches_total{zone="samples",result="error"} 0')]
--- response_headers eval
["X-Payload-Source: default\nX-Source-Result: not_found",
 "X-Payload-Source: default\n!X-Source-Result",
 "!X-Payload-Source", "!X-Payload-Source", "!X-Payload-Source"]
--- no_error_log
[error]



=== TEST 3: a 500 sends the default, logged and counted
--- config eval: main::source_config('src3', 'status=500')
--- request eval
[main::tryout('s3'), "GET /receiver/s3", "GET /metrics"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[main::answer('s3'), main::record('s3'),
 PartooMetrics::has_lines(
     'partoo_tryout_samples_source_fetches_total{zone="samples",result="error"} 1')]
--- response_headers eval
["X-Payload-Source: default\nX-Source-Result: error", "!X-Payload-Source",
 "!X-Payload-Source"]
--- error_log
partoo_tryout: samples_source "/source" for the lead_received sample of org 42: answered 500, the default payload is sent



=== TEST 4: a source slower than proxy_read_timeout: the default
--- config eval: main::source_config('src4', 'delay=3000&body=%7B%7D', timeout => '1s')
--- request eval
main::tryout('s4')
--- response_body_like eval
main::answer('s4')
--- response_headers
X-Payload-Source: default
X-Source-Result: error
--- error_log
upstream timed out
partoo_tryout: samples_source "/source" for the lead_received sample of org 42: answered 504, the default payload is sent



=== TEST 5: a document larger than a sample may be: the default
--- config eval: main::source_config('src5', 'size=65537')
--- request eval
main::tryout('s5')
--- response_body_like eval
main::answer('s5')
--- error_log
partoo_tryout: samples_source "/source" for the lead_received sample of org 42: the document is larger than 65536 bytes, the default payload is sent



=== TEST 6: a document that is not JSON: the default
--- config eval: main::source_config('src6', 'body=' . main::escape('{"lead": '))
--- request eval
main::tryout('s6')
--- response_body_like eval
main::answer('s6')
--- error_log
partoo_tryout: samples_source "/source" for the lead_received sample of org 42: the document is not valid JSON, the default payload is sent



=== TEST 7: a JSON array: the default
--- config eval: main::source_config('src7', 'body=' . main::escape('[{"id":1}]'))
--- request eval
main::tryout('s7')
--- response_body_like eval
main::answer('s7')
--- error_log
partoo_tryout: samples_source "/source" for the lead_received sample of org 42: the document is not a JSON object, the default payload is sent



=== TEST 8: once the TTL is over the samples API has no sample, and the next tryout asks again
--- config eval: main::source_config('src8', 'body=' . main::escape($main::SOURCE), ttl => '1s')
--- init
main::tryout_ok('s8a', qr/\r\nX-Payload-Source: source\r\n/);
select undef, undef, undef, 1.2;
--- request eval
["GET /samples?org_id=42&event_type=lead_received", main::tryout('s8b'),
 "GET /samples?org_id=42&event_type=lead_received",
 "GET /receiver/src8.conn", "GET /receiver/s8b"]
--- error_code eval
[404, 200, 200, 200, 200]
--- response_body_like eval
['sample not found', main::answer('s8b', main::source_document()),
 main::exactly($main::SOURCE), main::fetches(2),
 main::record('s8b', main::source_document())]
--- no_error_log
[error]



=== TEST 9: concurrent tryouts missing the same sample wait for one fetch
--- config eval: main::source_config('src9', 'delay=' . 500 * $main::SLOW . '&body=' . main::escape($main::SOURCE))
--- init
my $url = "$main::R/s9";
my (undef, @answers) = PartooTryout::concurrent_tryouts(
    url => $url, event => 'lead_received', n => 5,
    port => Test::Nginx::Socket::server_port_for_client());
my $pattern = main::answer('s9', main::source_document());
my $ok = grep { /\r\n\r\n(.*)\z/s && $1 =~ /$pattern/ } @answers;
$ok == 5 or die "concurrent tryouts: $ok of 5 sent the source's document:\n"
                . join("\n", @answers);
--- request eval
["GET /receiver/src9.conn", "GET /receiver/s9"]
--- response_body_like eval
[main::fetches(1), main::record('s9', main::source_document(), 5)]
--- error_log
waits for the source's lead_received sample of org 42
--- no_error_log
[error]



=== TEST 10: a PUT replaces what the source answered, and the source is not asked for it
--- config eval: main::source_config('src10', 'body=' . main::escape($main::SOURCE))
--- request eval
[main::tryout('s10a'),
 PartooSamples::sample_put(42, 'lead_received', '{"id":"put"}'),
 main::tryout('s10b'), "GET /receiver/src10.conn"]
--- error_code eval
[200, 204, 200, 200]
--- response_body_like eval
[main::answer('s10a', main::source_document()), '^$',
 main::answer('s10b', '{"type":"lead_received","payload":{"id":"put"}}'),
 main::fetches(1)]
--- response_headers eval
["X-Payload-Source: source", "!X-Payload-Source",
 "X-Payload-Source: sample\n!X-Source-Result", "!X-Payload-Source"]
--- no_error_log
[error]



=== TEST 11: a PUT stored first is sent, the source never asked
--- config eval: main::source_config('src11', 'body=' . main::escape($main::SOURCE))
--- request eval
[PartooSamples::sample_put(42, 'lead_received', '{"id":"put"}'),
 main::tryout('s11'), "GET /receiver/src11.conn"]
--- error_code eval
[201, 200, 404]
--- response_body_like eval
['^$', main::answer('s11', '{"type":"lead_received","payload":{"id":"put"}}'),
 '']
--- no_error_log
[error]



=== TEST 12: the client of the tryout that asked the source goes away: the tryout waiting for it asks again, and gets its answer
--- config eval: main::source_config('src12', 'delay=' . 1000 * $main::SLOW . '&body=' . main::escape($main::SOURCE))
--- init
use IO::Socket::INET;

my $port = Test::Nginx::Socket::server_port_for_client();
my @raw = map { PartooTryout::raw_tryout_request(url => "$main::R/$_",
                                                 event => 'lead_received') }
          qw(s12a s12b);

my $owner = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
    or die "connect: $!";
syswrite($owner, $raw[0]);
select undef, undef, undef, 0.3 * $main::SLOW;

my $waiter = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                   Timeout => 10)
    or die "connect: $!";
syswrite($waiter, $raw[1]);
select undef, undef, undef, 0.3 * $main::SLOW;

close $owner;

my $res = '';
$waiter->timeout(10);
while (sysread($waiter, $res, 65536, length $res)) { }

my $pattern = main::answer('s12b', main::source_document());
$res =~ /\r\n\r\n(.*)\z/s && $1 =~ /$pattern/
    or die "the waiter's answer: $res\n";
--- request eval
["GET /receiver/src12.conn", "GET /receiver/s12b", "GET /receiver/s12a"]
--- error_code eval
[200, 200, 404]
--- response_body_like eval
[main::fetches(2), main::record('s12b', main::source_document()), '']
--- error_log
waits for the source's lead_received sample of org 42
--- no_error_log
[error]
[alert]



=== TEST 13: a source answering 204, a success but no document: the default, logged with that status
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples samples_source=/source;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
        add_header X-Payload-Source $partoo_tryout_payload_source always;
        add_header X-Source-Result $partoo_tryout_source_result always;
    }

    location = /source {
        internal;
        return 204;
    }
--- request eval
[main::tryout('s13'), "GET /receiver/s13"]
--- error_code eval
[200, 200]
--- response_body_like eval
[main::answer('s13'), main::record('s13')]
--- response_headers eval
["X-Payload-Source: default\nX-Source-Result: error", "!X-Payload-Source"]
--- error_log
partoo_tryout: samples_source "/source" for the lead_received sample of org 42: answered 204, the default payload is sent



=== TEST 14: two locations sharing a zone ask their own sources: a tryout of one never waits for the other's fetch
--- config eval
main::source_config('src14', 'delay=' . 1000 * $main::SLOW . '&body=' . main::escape($main::SOURCE))
. <<'_EOC_'
    location = /other/tryout {
        partoo_tryout keys=tryout_keys samples=samples
                      samples_source=/other/source;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
    }

    location = /other/source {
        internal;
        subrequest_output_buffer_size 128k;
        proxy_pass https://127.0.0.1:$TEST_NGINX_RECEIVER_PORT/t/src14o?body=%7B%22id%22%3A%22other%22%7D&$args;
    }
_EOC_
--- init
use IO::Socket::INET;

my $port = Test::Nginx::Socket::server_port_for_client();
my $first = PartooTryout::raw_tryout_request(url => "$main::R/s14a",
                                             event => 'lead_received');
my $other = PartooTryout::raw_tryout_request(uri => '/other/tryout',
                                             url => "$main::R/s14b",
                                             event => 'lead_received');

my $a = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                              Timeout => 10)
    or die "connect: $!";
syswrite($a, $first);
select undef, undef, undef, 0.3 * $main::SLOW;

my $b = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                              Timeout => 10)
    or die "connect: $!";
syswrite($b, $other);

my %res = ($a => '', $b => '');
for my $s ($b, $a) {
    $s->timeout(10);
    while (sysread($s, $res{$s}, 65536, length $res{$s})) { }
}

my %want = (
    $a => main::answer('s14a', main::source_document()),
    $b => main::answer('s14b',
                       '{"type":"lead_received","payload":{"id":"other"}}'),
);

for my $s ($a, $b) {
    $res{$s} =~ /\r\n\r\n(.*)\z/s && $1 =~ /$want{$s}/
        or die "tryout: $res{$s}\n";
}
--- request eval
["GET /receiver/src14.conn", "GET /receiver/src14o.conn"]
--- response_body_like eval
[main::fetches(1), main::fetches(1)]
--- no_error_log
waits for the source's
[error]
