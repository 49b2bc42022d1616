# The samples zone survives a reload (SIGHUP to the master, new workers)
# when its name and size stay the same, and is seen by every worker.  The
# blocks run in order on one nginx that each block reloads.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooSamples;

no_shuffle();
no_long_string();
use_hup();
workers(2);
samples_defaults();
run_tests();

__DATA__

=== TEST 1: samples stored before the reload
--- init
PartooSamples::put_ok(42, 'message_created', $PartooSamples::UNICODE_SAMPLE, 201);
--- request eval
[
    ::sample_put(42, 'lead_received', '{"id":1,"kept":"over reloads"}'),
    ::sample_put(43, 'lead_received', '{"id":2}'),
    ::sample_delete(43, 'lead_received'),
]
--- error_code eval
[201, 201, 204]



=== TEST 2: a reload with another location keeps them, in every worker
--- config
    location = /samples {
        partoo_tryout_samples_api samples;
    }

    location = /other {
        return 204;
    }
--- request eval
[
    (map { ::sample_get(42, 'lead_received') } 1 .. 8),
    ::sample_get(42, 'message_created'),
    ::sample_get(43, 'lead_received'),
]
--- error_code eval
[(200) x 9, 404]
--- response_body eval
[
    ('{"id":1,"kept":"over reloads"}') x 8,
    $PartooSamples::UNICODE_SAMPLE,
    '{"errors":{"json":"sample not found"}}',
]
--- no_error_log
[error]
[alert]



=== TEST 3: a sample stored in one worker is read by all
--- request eval
[
    ::sample_put(42, 'lead_received', '{"id":3}'),
    (map { ::sample_get(42, 'lead_received') } 1 .. 8),
]
--- error_code eval
[204, (200) x 8]
--- response_body eval
['', ('{"id":3}') x 8]



=== TEST 4: a new zone beside it does not disturb it
--- http_config
    partoo_tryout_samples_zone zone=samples:1m;
    partoo_tryout_samples_zone zone=more:64k;
--- request eval
::sample_get(42, 'lead_received')
--- response_body: {"id":3}



=== TEST 5: the same name with another size is a new, empty zone
--- http_config
    partoo_tryout_samples_zone zone=samples:2m;
--- request eval
::sample_get(42, 'lead_received')
--- error_code: 404
--- response_body: {"errors":{"json":"sample not found"}}
