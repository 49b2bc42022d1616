# Deliveries that fail: refused, silent and slow receivers, endless and
# large answers, TLS that does not verify, http:// urls.  Each block also
# reads what the receiver got (the second request).

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();

# the receivers' ports, and one where connections are refused
our ($GOOD, $EXPIRED, $WRONGHOST, $SELFSIGNED)
    = map { PartooTryout::Receiver::port($_) } 0 .. 3;
our $REFUSED = PartooTryout::Receiver::refused_port();

our $R = "https://127.0.0.1:$GOOD/t";

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $GOOD, cert => 'good');
PartooTryout::Receiver::start(port => $EXPIRED, cert => 'expired');
PartooTryout::Receiver::start(port => $WRONGHOST, cert => 'wronghost');
PartooTryout::Receiver::start(port => $SELFSIGNED, cert => 'selfsigned');

no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

sub deliver {
    my ($url, $name) = @_;

    return [PartooTryout::tryout_request(url => $url),
            "GET /receiver/$name"];
}

# the receiver got the request, or (with no $url) nothing at all
sub got {
    my ($answer, $url) = @_;

    return [PartooTryout::tryout_answer_like(%$answer),
            defined $url
            ? PartooTryout::exactly(PartooTryout::delivered_request(
                                        url => $url))
            : '404 Not Found'];
}

run_tests();

__DATA__

=== TEST 1: connection refused
--- request eval
main::deliver("https://127.0.0.1:$main::REFUSED/t/refused", 'refused')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got({ url => "https://127.0.0.1:$main::REFUSED/t/refused",
            error => 'connection_failed' })
--- error_log eval
qq{partoo_tryout: delivery to "https://127.0.0.1:$main::REFUSED/t/refused"}
. " failed (connection_failed)"



=== TEST 2: a receiver that accepts and never answers is a timeout
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_timeout 1s;
    }
--- request eval
main::deliver("$main::R/hang?hang=1", 'hang')
--- response_body_like eval
main::got({ url => "$main::R/hang?hang=1", error => 'timeout' },
          "$main::R/hang?hang=1")
--- error_log eval
'failed (timeout): '
. PartooTryout::by_engine(native => 'timed out after 1000 ms',
                          thread => 'Operation timed out after')



=== TEST 3: slow response headers are a timeout, no status
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_timeout 1s;
    }
--- request eval
main::deliver("$main::R/slow?trickle=200", 'slow')
--- response_body_like eval
main::got({ url => "$main::R/slow?trickle=200", error => 'timeout' },
          "$main::R/slow?trickle=200")



=== TEST 4: the connect timeout does not limit the wait for the answer
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_connect_timeout 1s;
        partoo_tryout_timeout 5s;
    }
--- request eval
main::deliver("$main::R/late?delay=1500&status=204", 'late')
--- response_body_like eval
main::got({ url => "$main::R/late?delay=1500&status=204",
            response_status => 204 },
          "$main::R/late?delay=1500&status=204")



=== TEST 5: an endless response body is cut: response_too_large
--- request eval
main::deliver("$main::R/endless?endless=1", 'endless')
--- response_body_like eval
main::got({ url => "$main::R/endless?endless=1", response_status => 200,
            error => 'response_too_large' },
          "$main::R/endless?endless=1")
--- error_log
failed (response_too_large)



=== TEST 6: a response body of exactly 64k is read and thrown away
--- request eval
main::deliver("$main::R/b64k?size=65536", 'b64k')
--- response_body_like eval
main::got({ url => "$main::R/b64k?size=65536", response_status => 200 },
          "$main::R/b64k?size=65536")



=== TEST 7: one byte more is response_too_large, from its Content-Length
--- request eval
main::deliver("$main::R/b64k1?size=65537&status=201", 'b64k1')
--- response_body_like eval
main::got({ url => "$main::R/b64k1?size=65537&status=201",
            response_status => 201, error => 'response_too_large' },
          "$main::R/b64k1?size=65537&status=201")



=== TEST 8: partoo_tryout_max_response_size
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_max_response_size 1k;
    }
--- request eval
[PartooTryout::tryout_request(url => "$main::R/k1?size=1024"),
 PartooTryout::tryout_request(url => "$main::R/k1?size=1025"),
 PartooTryout::tryout_request(url => "$main::R/k1?endless=1")]
--- response_body_like eval
[PartooTryout::tryout_answer_like(url => "$main::R/k1?size=1024",
                                  response_status => 200),
 PartooTryout::tryout_answer_like(url => "$main::R/k1?size=1025",
                                  response_status => 200,
                                  error => 'response_too_large'),
 PartooTryout::tryout_answer_like(url => "$main::R/k1?endless=1",
                                  response_status => 200,
                                  error => 'response_too_large')]



=== TEST 9: a self-signed receiver is a tls_failure, and gets nothing
--- request eval
main::deliver("https://127.0.0.1:$main::SELFSIGNED/t/selfsigned",
              'selfsigned')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got({ url => "https://127.0.0.1:$main::SELFSIGNED/t/selfsigned",
            error => 'tls_failure' })
--- error_log
self-signed certificate



=== TEST 10: a certificate for another host name is a tls_failure
--- request eval
main::deliver("https://127.0.0.1:$main::WRONGHOST/t/wronghost", 'wronghost')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got({ url => "https://127.0.0.1:$main::WRONGHOST/t/wronghost",
            error => 'tls_failure' })
--- error_log eval
PartooTryout::by_engine(
    native => 'failed (tls_failure): the certificate does not match '
              . '"127.0.0.1"',
    thread => 'no alternative certificate subject name matches target host '
            . 'name')



=== TEST 11: an expired certificate is a tls_failure
--- request eval
main::deliver("https://127.0.0.1:$main::EXPIRED/t/expired", 'expired')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got({ url => "https://127.0.0.1:$main::EXPIRED/t/expired",
            error => 'tls_failure' })
--- error_log
certificate has expired



=== TEST 12: the system bundle is the default, and does not know the test CA
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
    }
--- request eval
main::deliver("$main::R/untrusted", 'untrusted')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got({ url => "$main::R/untrusted", error => 'tls_failure' })



=== TEST 13: the same TLS failures on the thread-pool engine
--- main_config
thread_pool tryout threads=2;
--- config eval
$PartooTryout::THREAD_LOCATION
--- request eval
[map { PartooTryout::tryout_request(url => "https://127.0.0.1:$_/t/x") }
 $main::EXPIRED, $main::WRONGHOST, $main::SELFSIGNED]
--- response_body_like eval
[map { PartooTryout::tryout_answer_like(url => "https://127.0.0.1:$_/t/x",
                                        error => 'tls_failure') }
 $main::EXPIRED, $main::WRONGHOST, $main::SELFSIGNED]



=== TEST 14: an http:// url is refused before any delivery
--- request eval
main::deliver("http://127.0.0.1:$main::GOOD/t/plain", 'plain')
--- error_code eval
[400, 404]
--- response_body_like eval
[PartooTryout::exactly('{"errors":{"json":{"items":{"0":{"url":'
                       . '"only HTTPS URLs are supported"}}}}}'),
 '404 Not Found']



=== TEST 15: nor is any other scheme, nor an upgrade through a redirect
--- request eval
[PartooTryout::tryout_request(url => "ftp://127.0.0.1:$main::GOOD/t/ftp"),
 @{ main::deliver("$main::R/up?status=302&location="
                  . "http://127.0.0.1:$main::GOOD/t/plain2", 'plain2') }]
--- error_code eval
[400, 200, 404]
--- response_body_like eval
[PartooTryout::exactly('{"errors":{"json":{"items":{"0":{"url":'
                       . '"only HTTPS URLs are supported"}}}}}'),
 @{ main::got({ url => "$main::R/up?status=302&location="
                       . "http://127.0.0.1:$main::GOOD/t/plain2",
                response_status => 302, error => 'redirect' }) }]



=== TEST 16: proxy variables of the environment are ignored
--- main_config
env https_proxy=http://127.0.0.1:$TEST_NGINX_REFUSED_PORT;
env HTTPS_PROXY=http://127.0.0.1:$TEST_NGINX_REFUSED_PORT;
env all_proxy=http://127.0.0.1:$TEST_NGINX_REFUSED_PORT;
--- request eval
main::deliver("$main::R/noproxy?status=204", 'noproxy')
--- response_body_like eval
main::got({ url => "$main::R/noproxy?status=204", response_status => 204 },
          "$main::R/noproxy?status=204")



=== TEST 17: the log shows a failed delivery's url without userinfo, query or fragment, at every level
--- request eval
PartooTryout::tryout_request(url => "https://user:SECRETPW\@127.0.0.1:"
                             . "$main::REFUSED/t/secret?token=SECRETQ#SECRETF")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://user:SECRETPW\@127.0.0.1:$main::REFUSED/t/secret"
           . "?token=SECRETQ#SECRETF",
    error => 'connection_failed')
--- grep_error_log eval
qr/partoo_tryout: delivery to "[^"]*" (?:started|failed|done)/
--- grep_error_log_out eval
qq{partoo_tryout: delivery to "https://127.0.0.1:$main::REFUSED/t/secret" started\n}
. qq{partoo_tryout: delivery to "https://127.0.0.1:$main::REFUSED/t/secret" failed\n}
. qq{partoo_tryout: delivery to "https://127.0.0.1:$main::REFUSED/t/secret" done\n}
--- no_error_log
SECRETPW
SECRETQ
SECRETF



=== TEST 18: and a delivered one's
--- request eval
PartooTryout::tryout_request(url => "https://user:SECRETPW\@127.0.0.1:"
                             . "$main::GOOD/t/secret2?status=204&token=SECRETQ")
--- response_body_like eval
PartooTryout::tryout_answer_like(
    url => "https://user:SECRETPW\@127.0.0.1:$main::GOOD/t/secret2"
           . "?status=204&token=SECRETQ",
    response_status => 204)
--- grep_error_log eval
qr/partoo_tryout: delivery to "[^"]*" (?:started|failed|done)/
--- grep_error_log_out eval
qq{partoo_tryout: delivery to "https://127.0.0.1:$main::GOOD/t/secret2" started\n}
. qq{partoo_tryout: delivery to "https://127.0.0.1:$main::GOOD/t/secret2" done\n}
--- no_error_log
SECRETPW
SECRETQ



=== TEST 19: API keys are never logged by the module: at debug level the only lines with the key are nginx's own header lines
--- request eval
main::deliver("https://127.0.0.1:$main::REFUSED/t/keyed", 'keyed')
--- error_code eval
[200, 404]
--- response_body_like eval
main::got({ url => "https://127.0.0.1:$main::REFUSED/t/keyed",
            error => 'connection_failed' })
--- grep_error_log eval
qr/[^\n]*\Q$PartooTryout::API_KEY\E[^\n]*/
--- grep_error_log_out eval
qr/\A(?:[^\n]*\[debug\] [^\n]* http header: "x-APIKey: \Q$PartooTryout::API_KEY\E"\n)*\z/



=== TEST 20: without an answer the duration is set and the status is empty
Refused, timed out, TLS failed: $partoo_tryout_duration is the time spent,
$partoo_tryout_response_status stays empty.
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_timeout 1s;
        add_header X-Error "$partoo_tryout_error";
        add_header X-Response-Status "[$partoo_tryout_response_status]";
        add_header X-Duration "[$partoo_tryout_duration]";
    }
--- request eval
[map { PartooTryout::tryout_request(url => $_) }
 "https://127.0.0.1:$main::REFUSED/t/refused",
 "$main::R/hang?hang=1",
 "https://127.0.0.1:$main::SELFSIGNED/t/selfsigned"]
--- response_headers_like eval
[map { "X-Error: $_\nX-Response-Status: \\[\\]\nX-Duration: \\[\\d+\\]" }
 qw(connection_failed timeout tls_failure)]
