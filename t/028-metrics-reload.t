# The counters are the workers' together, and outlive a reload (SIGHUP):
# two workers count into one zone and each serves the same numbers; the
# new workers of a reload carry on from them; a refused reload counts a
# failed load of the keys and keeps the keys' numbers.  The blocks run in
# order on one nginx that each block reloads.

use strict;
use warnings;

BEGIN {
    $ENV{TEST_NGINX_USE_HUP} = 1;
    push @INC, 't/lib';
}

use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooMetrics;

# every answer says which worker gave it
our $CONFIG = <<'_EOC_';
    add_header X-Worker $pid always;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }

    location = /metrics {
        partoo_tryout_status;
    }
_EOC_

our $NO_KEY = "POST /v2/webhooks/tryout HTTP/1.0\nContent-Type: "
              . "application/json\nx-APIKey: not-a-key\n"
              . "Content-Length: 2\n\n{}";

# 401s until both workers have answered some: how many were sent
our $SENT;

# scrapes until both workers have served one; each must show the same
# numbers: returns the pages by worker
sub scrape_both {
    my ($name) = @_;

    my %pages;

    for (1 .. 1000) {
        my $res = PartooMetrics::fetch("GET /metrics HTTP/1.0\n\n");

        die "$name: /metrics: $res->[0]" if $res->[0] != 200;

        $pages{ $res->[1]{'x-worker'} } //= $res->[2];
        last if keys %pages == 2;
    }

    Test::More::is(scalar keys %pages, 2,
                   "$name: both workers served the page");

    return %pages;
}

no_shuffle();
no_long_string();
workers(2);
tryout_defaults(location => $CONFIG);
run_tests();

__DATA__

=== TEST 1: 401s answered by two workers are counted once each in one zone, and both workers serve the total
--- init
my %by;

for (1 .. 1000) {
    my $res = PartooMetrics::fetch($::NO_KEY);
    die "tryout: $res->[0]" if $res->[0] != 401;

    $::SENT++;
    $by{ $res->[1]{'x-worker'} }++;
    last if keys %by == 2;
}

Test::More::is(scalar keys %by, 2, "TEST 1: both workers answered 401s");

Test::More::is(PartooMetrics::wait_metric(
                   'partoo_tryout_requests_total{code="401"}', $::SENT),
               $::SENT, "TEST 1: the $::SENT 401s counted");

my %pages = main::scrape_both('TEST 1');

for my $pid (sort keys %pages) {
    Test::More::is(PartooMetrics::metric($pages{$pid},
                       'partoo_tryout_requests_total{code="401"}'),
                   $::SENT, "TEST 1: worker $pid counts the $::SENT 401s");
}
--- request
GET /metrics
--- response_body_like eval
PartooMetrics::has_lines(
    'partoo_tryout_deliveries_in_flight{worker="0"} 0',
    'partoo_tryout_deliveries_in_flight{worker="1"} 0',
    'partoo_tryout_keys{zone="tryout_keys"} 7',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="ok"} 1',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="error"} 0',
)



=== TEST 2: after a reload the new workers show the counters of the old ones, and one more load of the keys
--- init
my %pages = main::scrape_both('TEST 2');

for my $pid (sort keys %pages) {
    Test::More::is(PartooMetrics::metric($pages{$pid},
                       'partoo_tryout_requests_total{code="401"}'),
                   $::SENT, "TEST 2: worker $pid still has the $::SENT 401s");
}
--- request
GET /metrics
--- response_body_like eval
PartooMetrics::has_lines(
    'partoo_tryout_keys{zone="tryout_keys"} 7',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="ok"} 2',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="error"} 0',
)



=== TEST 3: a reload refused for a bad key file counts an error; the keys in force and their load time stay
--- init
my $before = PartooMetrics::scrape('/metrics');

PartooTryout::rewrite_and_hup(server_root(), 'tryout-keys.json',
    '{"keys":[{"key":"k","user_id":"u","role":"ADMIN","org_id":42}]}',
    qr/\[emerg\]/);

my $after = PartooMetrics::scrape('/metrics');

for my $sample ('partoo_tryout_keys{zone="tryout_keys"}',
                'partoo_tryout_keys_last_load_timestamp_seconds'
                . '{zone="tryout_keys"}',
                'partoo_tryout_requests_total{code="401"}')
{
    Test::More::is(PartooMetrics::metric($after, $sample),
                   PartooMetrics::metric($before, $sample),
                   "TEST 3: $sample unchanged");
}
--- request
GET /metrics
--- response_body_like eval
PartooMetrics::has_lines(
    'partoo_tryout_keys{zone="tryout_keys"} 7',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="ok"} 3',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="error"} 1',
)
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/tryout-keys\.json", keys\[0\]: unknown role "ADMIN"}



=== TEST 4: so is a reload refused for more keys than the zone holds
--- init
PartooTryout::rewrite_and_hup(server_root(), 'tryout-keys.json',
    PartooTryout::key_file(map { ["k$_", "u-$_", 'ORG_ADMIN', 42] }
                           1 .. 20000),
    qr/\[emerg\]/);
--- request
GET /metrics
--- response_body_like eval
PartooMetrics::has_lines(
    'partoo_tryout_keys{zone="tryout_keys"} 7',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="ok"} 4',
    'partoo_tryout_keys_loads_total{zone="tryout_keys",result="error"} 2',
)
--- error_log eval
qr{\[emerg\] .*partoo_tryout_keys_zone "tryout_keys" is too small for the 20000 keys of}
