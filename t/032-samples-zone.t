# The samples zone: a full zone evicts its least recently used samples so
# that a PUT never fails for lack of room; only a sample larger than the
# whole zone is refused, before anything is evicted.
#
# A 32k zone on a 64-bit machine with 4k pages keeps 5 free pages: five
# 3000-byte samples (one page each) fill it, and the largest sample it can
# hold is 5 pages less the sample header, 20279 bytes.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooSamples;
use Config;

our $NOT_4K = `getconf PAGESIZE` != 4096 || $Config{ptrsize} != 8;

sub fill {
    my ($org) = @_;

    return ::padded_sample(3000, chr(ord('a') + $org % 26));
}

no_shuffle();
no_long_string();
samples_defaults();
run_tests();

__DATA__

=== TEST 1: the zone says how large a sample it can hold
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
::sample_get(1, 'lead_received')
--- error_code: 404
--- error_log eval
qr/\[notice\] .*partoo_tryout: samples zone "samples" holds samples of up to \d+ bytes/



=== TEST 2: the sixth sample evicts the oldest, the newest five stay
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
[
    (map { ::sample_put($_, 'lead_received', main::fill($_)) } 1 .. 6),
    (map { ::sample_get($_, 'lead_received') } 1 .. 6),
]
--- error_code eval
[(201) x 6, 404, (200) x 5]
--- response_body eval
[
    ('') x 6,
    '{"errors":{"json":"sample not found"}}',
    (map { main::fill($_) } 2 .. 6),
]
--- no_error_log
[error]
[crit]



=== TEST 3: an eviction is logged at info level
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- init
PartooSamples::put_ok($_, 'lead_received', main::fill($_), 201) for 1 .. 5;
--- request eval
::sample_put(6, 'business_updated', main::fill(6))
--- error_code: 201
--- error_log eval
qr/\[info\] .*partoo_tryout: samples zone "samples" is full, evicted the lead_received sample of org 1,/
--- no_error_log
sample of org 2



=== TEST 4: a GET is a use: the sample read last is evicted last
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
[
    (map { ::sample_put($_, 'lead_received', main::fill($_)) } 1 .. 5),
    ::sample_get(1, 'lead_received'),
    ::sample_put(6, 'lead_received', main::fill(6)),
    ::sample_put(7, 'lead_received', main::fill(7)),
    (map { ::sample_get($_, 'lead_received') } 1 .. 7),
]
--- error_code eval
[(201) x 5, 200, 201, 201, 200, 404, 404, (200) x 4]
--- response_body eval
[('') x 5, main::fill(1), '', '', main::fill(1),
 ('{"errors":{"json":"sample not found"}}') x 2,
 map { main::fill($_) } 4 .. 7]



=== TEST 5: replacing a sample makes it the most recent
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
[
    (map { ::sample_put($_, 'lead_received', main::fill($_)) } 1 .. 5),
    ::sample_put(1, 'lead_received', main::fill(11)),
    ::sample_put(6, 'lead_received', main::fill(6)),
    ::sample_get(1, 'lead_received'),
    ::sample_get(2, 'lead_received'),
]
--- error_code eval
[(201) x 5, 204, 201, 200, 404]
--- response_body eval
[('') x 7, main::fill(11), '{"errors":{"json":"sample not found"}}']



=== TEST 6: PUTs never fail for lack of room: 40 samples through 5 places
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
[
    (map { ::sample_put($_, 'message_created', main::fill($_)) } 1 .. 40),
    (map { ::sample_get($_, 'message_created') } 35 .. 40),
]
--- error_code eval
[(201) x 40, 404, (200) x 5]
--- no_error_log
[error]
[crit]



=== TEST 7: samples of every size share the zone, evicting as needed
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
[
    (map { ::sample_put($_, 'lead_received', ::padded_sample(16 + $_ * 97)) }
         1 .. 60),
    ::sample_put(61, 'lead_received', ::padded_sample(15000)),
    ::sample_put(62, 'lead_received', ::padded_sample(100)),
    ::sample_put(63, 'lead_received', ::padded_sample(5000)),
    ::sample_get(61, 'lead_received'),
    ::sample_get(62, 'lead_received'),
    ::sample_get(63, 'lead_received'),
]
--- error_code eval
[(201) x 63, 404, 200, 200]
--- response_body eval
[('') x 63, '{"errors":{"json":"sample not found"}}', ::padded_sample(100),
 ::padded_sample(5000)]
--- no_error_log
[error]
[crit]



=== TEST 8: a sample larger than the zone can hold is 413; nothing evicted
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
[
    ::sample_put(1, 'lead_received', '{"kept":1}'),
    ::sample_put(2, 'lead_received', ::padded_sample(30000)),
    ::sample_get(1, 'lead_received'),
    ::sample_get(2, 'lead_received'),
]
--- error_code eval
[201, 413, 200, 404]
--- response_body_like eval
[
    '^$',
    '^\{"errors":\{"json":"sample too large for the samples zone '
    . '\(at most \d+ bytes\)"\}\}$',
    '^\{"kept":1\}$',
    'sample not found',
]
--- no_error_log
[error]
evicted



=== TEST 9: the limit is exact: 20279 bytes fit a 32k zone, 20280 do not
--- skip_eval: 20: $::NOT_4K
--- http_config
    partoo_tryout_samples_zone zone=samples:32k;
--- request eval
[
    (map { ::sample_put($_, 'lead_received', main::fill($_)) } 1 .. 5),
    ::sample_put(9, 'lead_received', ::padded_sample(20280)),
    ::sample_get(1, 'lead_received'),
    ::sample_put(9, 'lead_received', ::padded_sample(20279)),
    ::sample_get(9, 'lead_received'),
    ::sample_get(5, 'lead_received'),
]
--- error_code eval
[(201) x 5, 413, 200, 201, 200, 404]
--- response_body eval
[
    ('') x 5,
    '{"errors":{"json":"sample too large for the samples zone '
    . '(at most 20279 bytes)"}}',
    main::fill(1),
    '',
    ::padded_sample(20279),
    '{"errors":{"json":"sample not found"}}',
]



=== TEST 10: two API locations and a tryout share one zone
--- http_config
    partoo_tryout_samples_zone zone=samples:1m;
--- config
    location = /samples {
        partoo_tryout_samples_api samples;
    }

    location = /admin/samples {
        partoo_tryout_samples_api samples max_size=1k;
    }

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples;
    }
--- request eval
[
    ::sample_put(1, 'lead_received', '{"via":"samples"}'),
    ::sample_get(1, 'lead_received', '/admin/samples'),
    ::sample_put(1, 'lead_received', ::padded_sample(2000), '/admin/samples'),
    ::sample_delete(1, 'lead_received', '/admin/samples'),
    ::sample_get(1, 'lead_received'),
]
--- error_code eval
[201, 200, 413, 204, 404]
--- response_body eval
['', '{"via":"samples"}', '{"errors":{"json":"request body too large"}}',
 '', '{"errors":{"json":"sample not found"}}']



=== TEST 11: two zones are separate
--- http_config
    partoo_tryout_samples_zone zone=one:64k;
    partoo_tryout_samples_zone zone=two:64k;
--- config
    location = /one {
        partoo_tryout_samples_api one;
    }

    location = /two {
        partoo_tryout_samples_api two;
    }
--- request eval
[
    ::sample_put(1, 'lead_received', '{"zone":1}', '/one'),
    ::sample_get(1, 'lead_received', '/two'),
    ::sample_get(1, 'lead_received', '/one'),
]
--- error_code eval
[201, 404, 200]
--- response_body eval
['', '{"errors":{"json":"sample not found"}}', '{"zone":1}']
