# partoo_tryout_diagnostics on: the answer's item gains "diagnostics", what
# the engine saw of the delivery (reason, request head, the answer's head
# and first KiB, timings, address, reuse).  Off, the answer is unchanged:
# the other delivery tests run with it off.  The request and response
# members are the native engine's; the thread-pool engine writes them null.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();
use PartooSigning;

our ($GOOD, $EXPIRED, $WRONGHOST, $SELFSIGNED)
    = map { PartooTryout::Receiver::port($_) } 0 .. 3;
our $REFUSED = PartooTryout::Receiver::refused_port();

our $R = "https://127.0.0.1:$GOOD/t";

# a JSON body, percent-encoded for the receiver's body=
our $NF = "$R/nf?status=404&body="
          . '%7B%22error%22%3A%22no%20such%20hook%22%7D';
our $NATIVE = $PartooTryout::ENGINE eq 'native';

# libcurl gives no connect time to a connection whose TLS failed
our $TLS_FAILED = $NATIVE ? [qw(dns connect)] : ['dns'];

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $GOOD, cert => 'good');
PartooTryout::Receiver::start(port => $EXPIRED, cert => 'expired');
PartooTryout::Receiver::start(port => $WRONGHOST, cert => 'wronghost');
PartooTryout::Receiver::start(port => $SELFSIGNED, cert => 'selfsigned');
PartooSigning::setup();

our $LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_diagnostics on;
    }
_EOC_

no_shuffle();
no_long_string();
tryout_defaults(location => $LOCATION);

sub j { PartooTryout::json_string($_[0]) }

# OpenSSL's verify result, as each engine words it
sub tls_reason {
    my ($code, $text) = @_;

    return $NATIVE ? quotemeta("certificate verify error: ($code:$text)")
                   : quotemeta("SSL certificate problem: $text");
}

# The answer with its "diagnostics", an anchored pattern.  reason: a
# pattern (undef: null); request: the head as delivered_request() writes
# it (undef: null); status, headers, body: the answer (status undef:
# null); timings: which of dns, connect, tls, first_byte were reached;
# address: the port connected to (undef: null); base64, truncated.
sub answer {
    my (%a) = @_;

    my $re = PartooTryout::tryout_answer_like(%a);
    $re =~ s/\\\}\\\]\\\}\$$//;

    my $request = 'null';

    if ($NATIVE && $a{request}) {
        my ($line, @headers) = split /\r\n/,
            (split /\r\n\r\n/, PartooTryout::delivered_request(
                                   url => $a{url},
                                   signature => $a{signature},
                                   headers => $a{custom}))[0];
        $request = quotemeta('{"request_line":' . j($line)
                             . ',"headers":[' . join(',', map { j($_) }
                                                           @headers)
                             . ']}');
    }

    my $response = 'null';

    if ($NATIVE && defined $a{status}) {
        $response = quotemeta('{"status_line":'
                    . j("HTTP/1.1 $a{status} Tryout")
                    . ',"headers":[' . join(',', map { j($_) }
                                             @{ $a{headers} || [] })
                    . '],"body":' . j($a{body} // '')
                    . ',"body_base64":' . ($a{base64} ? 'true' : 'false')
                    . ',"body_truncated":'
                    . ($a{truncated} ? 'true' : 'false') . '}');
    }

    my %reached = map { $_ => 1 } @{ $a{timings} || [] };
    my $timings = '\{' . join(',', map {
                      qq("${_}_ms":) . ($reached{$_} ? '\d+' : 'null')
                  } qw(dns connect tls first_byte)) . ',"total_ms":\d+\}';

    return $re . quotemeta(',"diagnostics":{"reason":')
           . (defined $a{reason} ? '"' . $a{reason} . '"' : 'null')
           . quotemeta(',"request":') . $request
           . quotemeta(',"response":') . $response
           . quotemeta(',"timings":') . $timings
           . quotemeta(',"address":')
           . (defined $a{address}
              ? quotemeta(qq("127.0.0.1:$a{address}")) : 'null')
           . quotemeta(',"reused":') . ($a{reused} ? 'true' : 'false')
           . '\}\}\]\}$';
}

run_tests();

__DATA__

=== TEST 1: a success: no reason, the head sent, the answer's head and body
--- request eval
PartooTryout::tryout_request(url => "$main::R/ok?body=thanks")
--- response_body_like eval
main::answer(url => "$main::R/ok?body=thanks", response_status => 200,
             request => 1, status => 200,
             headers => ['Content-Length: 6'], body => 'thanks',
             timings => [qw(dns connect tls first_byte)],
             address => $main::GOOD)



=== TEST 2: http_status: the receiver's status, headers and body come back
--- request eval
PartooTryout::tryout_request(url => $main::NF)
--- response_body_like eval
main::answer(
    url => $main::NF,
    response_status => 404, error => 'http_status',
    reason => 'the receiver answered 404, not a 2xx',
    request => 1, status => 404, headers => ['Content-Length: 24'],
    body => '{"error":"no such hook"}',
    timings => [qw(dns connect tls first_byte)], address => $main::GOOD)



=== TEST 3: a body that is not UTF-8 comes back in base64
--- request eval
PartooTryout::tryout_request(url => "$main::R/bin?status=500&body=%FF%FEab")
--- response_body_like eval
main::answer(url => "$main::R/bin?status=500&body=%FF%FEab",
             response_status => 500, error => 'http_status',
             reason => 'the receiver answered 500, not a 2xx',
             request => 1, status => 500, headers => ['Content-Length: 4'],
             body => '//5hYg==', base64 => 1,
             timings => [qw(dns connect tls first_byte)],
             address => $main::GOOD)



=== TEST 4: the first KiB of a longer body; at most 32 headers, each cut at 256 bytes
--- request eval
PartooTryout::tryout_request(url => "$main::R/big?size=3000&headers=40")
--- response_body_like eval
main::answer(url => "$main::R/big?size=3000&headers=40",
             response_status => 200, request => 1, status => 200,
             headers => ['X-Extra-001: ' . 'h' x 256,
                         map { sprintf('X-Extra-%03d: %d', $_, $_) } 2 .. 32],
             body => 'a' x 1024, truncated => 1,
             timings => [qw(dns connect tls first_byte)],
             address => $main::GOOD)



=== TEST 5: a timeout: what it waited for, no answer
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_timeout 3s;
        partoo_tryout_diagnostics on;
    }
--- timeout: 10
--- request eval
PartooTryout::tryout_request(url => "$main::R/hang?hang=1")
--- response_body_like eval
main::answer(url => "$main::R/hang?hang=1", error => 'timeout',
             reason => $main::NATIVE
                       ? 'timed out after 3000 ms waiting for the status line'
                       : 'Operation timed out after \d+ milliseconds.*',
             request => 1, timings => [qw(dns connect tls)],
             address => $main::GOOD)



=== TEST 6: connection refused: no address, no request
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::REFUSED/t/r")
--- response_body_like eval
main::answer(url => "https://127.0.0.1:$main::REFUSED/t/r",
             error => 'connection_failed',
             reason => $main::NATIVE
                 ? "connect\\(\\) failed to 127\\.0\\.0\\.1:$main::REFUSED "
                   . '\(111: Connection refused\)'
                 : 'Failed to connect to 127\.0\.0\.1 port '
                   . "$main::REFUSED.*",
             timings => ['dns'])



=== TEST 7: an expired certificate: OpenSSL's reason
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::EXPIRED/t/x")
--- response_body_like eval
main::answer(url => "https://127.0.0.1:$main::EXPIRED/t/x",
             error => 'tls_failure',
             reason => main::tls_reason(10, 'certificate has expired'),
             timings => $main::TLS_FAILED, address => $main::EXPIRED)



=== TEST 8: a self-signed certificate: OpenSSL's reason
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::SELFSIGNED/t/x")
--- response_body_like eval
main::answer(url => "https://127.0.0.1:$main::SELFSIGNED/t/x",
             error => 'tls_failure',
             reason => main::tls_reason(18, 'self-signed certificate'),
             timings => $main::TLS_FAILED, address => $main::SELFSIGNED)



=== TEST 9: a certificate for another name
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::WRONGHOST/t/x")
--- response_body_like eval
main::answer(url => "https://127.0.0.1:$main::WRONGHOST/t/x",
             error => 'tls_failure',
             reason => $main::NATIVE
                 ? 'the certificate does not match \\\\"127\.0\.0\.1\\\\"'
                 : '.*no alternative certificate subject name matches.*',
             timings => $main::TLS_FAILED, address => $main::WRONGHOST)



=== TEST 10: a blocked address: the address and the range that blocks it
--- request eval
PartooTryout::tryout_request(url => "https://10.0.0.5:$main::GOOD/t/b")
--- response_body_like eval
main::answer(url => "https://10.0.0.5:$main::GOOD/t/b",
             error => 'blocked_address',
             reason => 'no address allowed: 10\.0\.0\.5 is in 10\.0\.0\.0/8',
             timings => $main::NATIVE ? ['dns'] : [])



=== TEST 11: the next tryout on a kept connection says so
--- request eval
[(PartooTryout::tryout_request(url => "$main::R/kept?status=204")) x 2]
--- response_body_like eval
[main::answer(url => "$main::R/kept?status=204", response_status => 204,
              request => 1, status => 204,
              timings => [qw(dns connect tls first_byte)],
              address => $main::GOOD, reused => 0),
 main::answer(url => "$main::R/kept?status=204", response_status => 204,
              request => 1, status => 204,
              timings => [qw(dns connect tls first_byte)],
              address => $main::GOOD, reused => 1)]



=== TEST 12: off, the answer is Partoo's, byte for byte
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_diagnostics off;
    }
--- request eval
PartooTryout::tryout_request(url => "$main::R/nf?status=404&body=x")
--- response_body_like eval
PartooTryout::tryout_answer_like(url => "$main::R/nf?status=404&body=x",
                                 response_status => 404,
                                 error => 'http_status')



=== TEST 13: on|off only
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_diagnostics yes;
    }
--- must_die
--- error_log
invalid value "yes" in "partoo_tryout_diagnostics" directive, it must be "on" or "off"



=== TEST 14: the head sent has the signature and the caller's own headers, in order
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
        partoo_tryout_diagnostics on;
    }
--- request eval
PartooTryout::tryout_request(url => "$main::R/signed?status=204",
    custom_headers => '{"X-Client":"acme","X-Trace":"t-1"}')
--- response_body_like eval
main::answer(url => "$main::R/signed?status=204", response_status => 204,
             request => 1, status => 204,
             signature => PartooSigning::sign(
                              PartooTryout::payload_document(
                                  'business_created')),
             custom => [['X-Client', 'acme'], ['X-Trace', 't-1']],
             timings => [qw(dns connect tls first_byte)],
             address => $main::GOOD)



=== TEST 15: on the thread-pool engine: libcurl's reason, no head
--- main_config
thread_pool tryout threads=2;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool tryout;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_diagnostics on;
    }
--- request eval
PartooTryout::tryout_request(url => "https://127.0.0.1:$main::EXPIRED/t/x")
--- response_body_like eval
local $main::NATIVE = 0;
main::answer(url => "https://127.0.0.1:$main::EXPIRED/t/x",
             error => 'tls_failure',
             reason => 'SSL certificate problem: certificate has expired',
             timings => ['dns'], address => $main::EXPIRED)
