# partoo_tryout_status: the counters after a known sequence of requests,
# line by line; promtool's check of the page; the same numbers in JSON;
# the formats a client asks for, and the methods allowed.  Each block
# starts a fresh nginx, so every counter starts at 0.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();
use PartooMetrics;
use Config;

our $R = 'https://127.0.0.1:' . PartooTryout::Receiver::port(0) . '/t';

# a receiver whose certificate no CA signed, one port where connections
# are refused
our $SELFSIGNED = 'https://127.0.0.1:' . PartooTryout::Receiver::port(3)
                  . '/t';
our $REFUSED = 'https://127.0.0.1:' . PartooTryout::Receiver::refused_port()
               . '/t';

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => PartooTryout::Receiver::port(0));
PartooTryout::Receiver::start(port => PartooTryout::Receiver::port(3),
                              cert => 'selfsigned');

# the module's version, as the Makefile reads it
our $VERSION = do {
    open my $in, '<', 'ngx_http_partoo_tryout_module.c' or die "$!";
    my ($v) = join('', <$in>) =~ /NGX_HTTP_PARTOO_TRYOUT_VERSION\s+"([^"]+)"/;
    $v;
};

our $STATUS = <<'_EOC_';
    location = /metrics {
        partoo_tryout_status;
    }
_EOC_

# refused by the SSRF policy though the location allows 127.0.0.1
our $BLOCKED = 'https://10.1.2.3/webhook';

our $OK = '{"errors":{"json":{"items":"is required"}}}';
our $NO = '{"errors":{"authentication":"User not authenticated"}}';

no_shuffle();
no_long_string();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config()
                          . $STATUS);

# every delivery error but those named, at 0
sub deliveries {
    my (%n) = @_;

    return map { "partoo_tryout_deliveries_total{status=\"error\","
                 . "error=\"$_\"} " . ($n{$_} // 0) }
           qw(timeout dns_failure connection_failed tls_failure
              blocked_address redirect http_status response_too_large);
}

# a 3000-byte sample: one page of a samples zone, of which a 32k zone on a
# 64-bit machine with 4k pages has five (see t/032)
our $NOT_4K = `getconf PAGESIZE` != 4096 || $Config{ptrsize} != 8;

sub fill {
    my ($org) = @_;

    my $pad = 3000 - length('{"pad":""}');

    return '{"pad":"' . (chr(ord('a') + $org % 26) x $pad) . '"}';
}

# the delivery location with more directives
sub location_with {
    my $extra = join '', map { "        $_\n" } @_;

    (my $config = $PartooTryout::DELIVERY_LOCATION) =~ s/(    \}\n)\z/$extra$1/;

    return $config;
}

run_tests();

__DATA__

=== TEST 1: a 401, a 400, a 405, a blocked address and two deliveries: each counted once, by code and by result
--- request eval
[
    "POST /v2/webhooks/tryout\n{}",
    "POST /v2/webhooks/tryout\n{}",
    "GET /v2/webhooks/tryout",
    PartooTryout::tryout_request(url => $::BLOCKED),
    PartooTryout::tryout_request(url => "$main::R/m1?status=204"),
    PartooTryout::tryout_request(url => "$main::R/m2?status=204"),
    "GET /metrics",
]
--- more_headers eval
["Content-Type: application/json\nx-APIKey: not-a-key", (undef) x 6]
--- error_code eval
[401, 400, 405, 200, 200, 200, 200]
--- response_body_like eval
[
    PartooTryout::exactly($::NO),
    PartooTryout::exactly($::OK),
    '"method not allowed"',
    PartooTryout::exactly(PartooTryout::blocked_answer($::BLOCKED)),
    PartooTryout::tryout_answer_like(url => "$main::R/m1?status=204",
                       response_status => 204),
    PartooTryout::tryout_answer_like(url => "$main::R/m2?status=204",
                       response_status => 204),
    PartooMetrics::has_lines(
        "partoo_tryout_info{version=\"$::VERSION\"} 1",
        'partoo_tryout_requests_total{code="200"} 3',
        'partoo_tryout_requests_total{code="400"} 1',
        'partoo_tryout_requests_total{code="401"} 1',
        'partoo_tryout_requests_total{code="403"} 0',
        'partoo_tryout_requests_total{code="405"} 1',
        'partoo_tryout_requests_total{code="413"} 0',
        'partoo_tryout_requests_total{code="415"} 0',
        'partoo_tryout_requests_total{code="429"} 0',
        'partoo_tryout_requests_total{code="503"} 0',
        'partoo_tryout_deliveries_total{status="success",error="none"} 2',
        main::deliveries(blocked_address => 1),
        'partoo_tryout_delivery_duration_seconds_bucket{le="+Inf"} 3',
        'partoo_tryout_delivery_duration_seconds_count 3',
        'partoo_tryout_deliveries_in_flight{worker="0"} 0',
        'partoo_tryout_max_in_flight 1024',
        'partoo_tryout_connections_opened_total 1',
        'partoo_tryout_connections_reused_total 1',
        'partoo_tryout_connections{state="active"} 0',
        'partoo_tryout_connections{state="idle"} '
            . PartooTryout::by_engine(native => 1, thread => 0),
        'partoo_tryout_keys{zone="tryout_keys"} 7',
        'partoo_tryout_keys_loads_total{zone="tryout_keys",result="ok"} 1',
        'partoo_tryout_keys_loads_total{zone="tryout_keys",result="error"} 0',
    ),
]
--- no_error_log
[error]



=== TEST 2: promtool finds the page clean, and the JSON form has the same samples, number for number
--- init
my $t = PartooMetrics::fetch("POST /v2/webhooks/tryout HTTP/1.0\n"
                             . "Content-Type: application/json\n"
                             . "x-APIKey: $PartooTryout::API_KEY\n"
                             . "Content-Length: 2\n\n{}");
die "tryout: $t->[0]" if $t->[0] != 400;

my ($page, $h) = PartooMetrics::scrape('/metrics');
my $check = PartooMetrics::promtool_check($page);

Test::More::is($check->[0], 0, "TEST 2: promtool check metrics exits 0")
    or Test::More::diag($check->[1]);
Test::More::is($check->[1], '', "TEST 2: promtool has nothing to say");
Test::More::is($h->{'content-type'}, 'text/plain; version=0.0.4',
               "TEST 2: the text format's Content-Type");

my ($json, $jh) = PartooMetrics::scrape('/metrics?format=json');

Test::More::is($jh->{'content-type'}, 'application/json',
               "TEST 2: JSON's Content-Type");
Test::More::is_deeply([PartooMetrics::json_samples($json)],
                      [PartooMetrics::text_samples($page)],
                      "TEST 2: the JSON form has the text's samples");
--- request
GET /metrics?format=json
--- response_headers
Content-Type: application/json
--- response_body_like eval
'^\[\{"name":"partoo_tryout_info","help":"[^"]+","type":"gauge",'
. '"metrics":\[\{"labels":\{"version":"' . quotemeta($::VERSION)
. '"\},"value":1\}\]\},'
. '\{"name":"partoo_tryout_requests_total","help":"[^"]+","type":"counter",'
. '"metrics":\[\{"labels":\{"code":"200"\},"value":0\},'
. '\{"labels":\{"code":"400"\},"value":1\},'
. '.*\{"name":"partoo_tryout_delivery_duration_seconds","help":"[^"]+",'
. '"type":"histogram","metrics":\[\{"buckets":\{"0\.005":0,"0\.01":0,'
. '"0\.025":0,"0\.05":0,"0\.1":0,"0\.25":0,"0\.5":0,"1":0,"2\.5":0,"5":0,'
. '"10":0,"\+Inf":0\},"sum":0\.0,"count":0\}\]\},'



=== TEST 3: Accept: application/json asks for JSON; ?format= wins over it; another format is a 400
--- request eval
[
    "GET /metrics",
    "GET /metrics?format=prometheus",
    "GET /metrics?format=xml",
    "GET /metrics?format=",
]
--- more_headers eval
[("Accept: text/html, application/json;q=0.9") x 4]
--- error_code eval
[200, 200, 400, 400]
--- response_headers eval
[
    "Content-Type: application/json",
    "Content-Type: text/plain; version=0.0.4",
    "Content-Type: application/json",
    "Content-Type: application/json",
]
--- response_body_like eval
[
    '^\[\{"name":"partoo_tryout_info",.*\]$',
    '^# HELP partoo_tryout_info .*\n$',
    PartooTryout::exactly('{"errors":{"query":{"format":'
                          . '"must be prometheus or json"}}}'),
    PartooTryout::exactly('{"errors":{"query":{"format":'
                          . '"must be prometheus or json"}}}'),
]



=== TEST 4: GET and HEAD only: a POST is a 405 in the module's JSON, with Allow
--- request eval
[
    "POST /metrics\n{}",
    "HEAD /metrics",
]
--- error_code eval
[405, 200]
--- response_headers eval
[
    "Allow: GET, HEAD\nContent-Type: application/json",
    "Content-Type: text/plain; version=0.0.4",
]
--- response_body eval
['{"errors":{"json":"method not allowed"}}', '']



=== TEST 5: limit_req's 429, answered by a named location, is a tryout answer too
--- http_config
    limit_req_zone $binary_remote_addr zone=per_addr:1m rate=1r/m;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;

        limit_req        zone=per_addr;
        limit_req_status 429;
        error_page       429 = @partoo_429;
    }

    location @partoo_429 {
        default_type application/json;
        return       429 '{"errors":{"json":"too many requests"}}';
    }
--- request eval
[
    "POST /v2/webhooks/tryout\n{}",
    "POST /v2/webhooks/tryout\n{}",
    "GET /metrics",
]
--- error_code eval
[400, 429, 200]
--- response_body_like eval
[
    PartooTryout::exactly($::OK),
    PartooTryout::exactly('{"errors":{"json":"too many requests"}}'),
    PartooMetrics::has_lines(
        'partoo_tryout_requests_total{code="400"} 1',
        'partoo_tryout_requests_total{code="429"} 1',
        'partoo_tryout_requests_total{code="200"} 0',
    ),
]



=== TEST 6: the samples API's answers by method and code, the samples stored, one eviction
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- config
    location = /samples {
        partoo_tryout_samples_api samples;
    }
--- request eval
[
    (map { "PUT /samples?org_id=$_&event_type=lead_received\n"
           . main::fill($_) } 1 .. 6),
    (map { "GET /samples?org_id=$_&event_type=lead_received" } 1 .. 2),
    "DELETE /samples?org_id=2&event_type=lead_received",
    "POST /samples?org_id=2&event_type=lead_received\n{}",
    "GET /metrics",
]
--- error_code eval
[(201) x 6, 404, 200, 204, 405, 200]
--- response_body_like eval
[
    ('^$') x 6, 'sample not found', '^\{"pad"', '^$', 'method not allowed',
    PartooMetrics::has_lines(
        'partoo_tryout_samples{zone="samples"} 4',
        'partoo_tryout_samples_evictions_total{zone="samples"} 1',
        'partoo_tryout_samples_api_requests_total{method="PUT",code="201"} 6',
        'partoo_tryout_samples_api_requests_total{method="GET",code="200"} 1',
        'partoo_tryout_samples_api_requests_total{method="GET",code="404"} 1',
        'partoo_tryout_samples_api_requests_total{method="DELETE",code="204"} 1',
        'partoo_tryout_samples_api_requests_total{method="other",code="405"} 1',
        'partoo_tryout_requests_total{code="200"} 0',
    ),
]
--- skip_eval: 1: $::NOT_4K



=== TEST 7: a delivery in flight shows in its worker's gauge against partoo_tryout_max_in_flight, and the 503 it causes is counted
--- config eval: main::location_with('partoo_tryout_max_in_flight 1;')
--- init
use IO::Socket::INET;

# a tryout whose receiver answers in 3 s; its client waits
our $SLOW = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $ENV{TEST_NGINX_SERVER_PORT},
                                  Timeout => 5)
    or die "connect: $!";

print $SLOW PartooTryout::raw_tryout_request(
                url => "$main::R/slow?status=204&delay=3000");

Test::More::is(PartooMetrics::wait_metric(
                   'partoo_tryout_deliveries_in_flight{worker="0"}', 1),
               1, "TEST 7: the delivery is in flight");
--- request eval
[
    PartooTryout::tryout_request(url => "$main::R/busy?status=204"),
    "GET /metrics",
]
--- error_code eval
[503, 200]
--- response_body_like eval
[
    PartooTryout::exactly(
        '{"errors":{"json":"too many deliveries in progress"}}'),
    PartooMetrics::has_lines(
        'partoo_tryout_deliveries_in_flight{worker="0"} 1',
        'partoo_tryout_max_in_flight 1',
        'partoo_tryout_requests_total{code="503"} 1',
        'partoo_tryout_connections{state="active"} '
            . PartooTryout::by_engine(native => 1, thread => 0),
        'partoo_tryout_deliveries_total{status="success",error="none"} 0',
    ),
]



=== TEST 8: every way a delivery ends but a failed name lookup, one each, counted under its error
The hanging receiver's timeout is 1 s, 5 s under valgrind, where a first
TLS handshake alone can take most of a second.
--- config eval
main::location_with('partoo_tryout_timeout '
                    . ($ENV{TEST_NGINX_USE_VALGRIND} ? '5s;' : '1s;'),
                    'partoo_tryout_max_response_size 1k;')
--- request eval
[
    (map { PartooTryout::tryout_request(url => $_) }
         "$main::R/e1?status=204",
         "$main::R/e2?hang=1",
         "$main::REFUSED/e3",
         "$main::SELFSIGNED/e4",
         $main::BLOCKED,
         "$main::R/e5?status=301&location=/x",
         "$main::R/e6?status=500",
         "$main::R/e7?status=200&size=2000"),
    "GET /metrics",
]
--- error_code eval
[(200) x 9]
--- response_body_like eval
[
    (map { qr/"error":$_,/ } 'null',
         map { qq("$_") } qw(timeout connection_failed tls_failure
                             blocked_address redirect http_status
                             response_too_large)),
    PartooMetrics::has_lines(
        'partoo_tryout_requests_total{code="200"} 8',
        'partoo_tryout_deliveries_total{status="success",error="none"} 1',
        main::deliveries(timeout => 1, connection_failed => 1,
                         tls_failure => 1, blocked_address => 1,
                         redirect => 1, http_status => 1,
                         response_too_large => 1),
        'partoo_tryout_delivery_duration_seconds_count 8',
        'partoo_tryout_deliveries_in_flight{worker="0"} 0',
    ),
]



=== TEST 9: partoo_tryout_status twice in a location is refused
--- config
    location = /twice {
        partoo_tryout_status;
        partoo_tryout_status;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"partoo_tryout_status" directive is duplicate in \S+nginx\.conf:\d+/



=== TEST 10: the zone's name is the module's: another zone of that name is refused
--- http_config
    limit_req_zone $binary_remote_addr zone=partoo_tryout_status:1m rate=1r/s;
--- must_die
--- error_log eval
qr/\[emerg\] .*the shared memory zone "partoo_tryout_status" is already declared for a different use/
