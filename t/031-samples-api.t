# The samples API: PUT stores the latest data of (org_id, event_type), GET
# returns its exact bytes, DELETE removes it; every refusal is JSON in the
# {"errors": ...} shape.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooSamples;

our $EVENTS = 'business_created, business_updated, business_deleted, '
              . 'message_updated, message_created, lead_received';
our @EVENT_TYPES = split /, /, $EVENTS;

# an API location of 6000 bytes at most whose mirror PUTs the body it gets
# into the same zone, as the sample of org 2, for a GET to show
our $MIRRORED = <<'_EOC_';
    location = /samples {
        mirror /mirror;
        mirror_request_body on;
        client_body_buffer_size 1k;
        partoo_tryout_samples_api samples max_size=6000;
    }
    location = /mirror {
        internal;
        proxy_pass http://127.0.0.1:$server_port/mirrored?org_id=2&event_type=lead_received;
    }
    location = /mirrored {
        client_body_buffer_size 16k;
        partoo_tryout_samples_api samples;
    }
_EOC_

no_shuffle();
no_long_string();
samples_defaults();
run_tests();

__DATA__

=== TEST 1: PUT creates (201), GET returns it, PUT replaces (204), DELETE
--- request eval
[
    ::sample_get(42, 'lead_received'),
    ::sample_put(42, 'lead_received', '{"id":1,"source":"chatbot"}'),
    ::sample_get(42, 'lead_received'),
    ::sample_put(42, 'lead_received', '{"id":2}'),
    ::sample_get(42, 'lead_received'),
    ::sample_delete(42, 'lead_received'),
    ::sample_get(42, 'lead_received'),
    ::sample_delete(42, 'lead_received'),
]
--- error_code eval
[404, 201, 200, 204, 200, 204, 404, 404]
--- response_body eval
[
    '{"errors":{"json":"sample not found"}}',
    '',
    '{"id":1,"source":"chatbot"}',
    '',
    '{"id":2}',
    '',
    '{"errors":{"json":"sample not found"}}',
    '{"errors":{"json":"sample not found"}}',
]
--- no_error_log
[error]



=== TEST 2: the answers' headers: JSON for a body, none for 201 and 204
--- request eval
[
    ::sample_put(7, 'business_created', '{"business":{}}'),
    ::sample_get(7, 'business_created'),
    ::sample_put(7, 'business_created', '{"business":{"id":"x"}}'),
    ::sample_get(8, 'business_created'),
]
--- error_code eval
[201, 200, 204, 404]
--- response_headers eval
[
    "Content-Length: 0\n!Content-Type",
    "Content-Type: application/json\nContent-Length: 15",
    "!Content-Length\n!Content-Type",
    "Content-Type: application/json\nContent-Length: 38",
]



=== TEST 3: unicode, escapes, whitespace and numbers come back byte-exact
--- init
PartooSamples::put_ok(42, 'message_created', $PartooSamples::UNICODE_SAMPLE, 201);
--- request eval
::sample_get(42, 'message_created')
--- response_body eval
$PartooSamples::UNICODE_SAMPLE
--- no_error_log
[error]



=== TEST 4: each org and each event type has its own sample
--- request eval
[
    ::sample_put(1, 'lead_received', '{"org":1}'),
    ::sample_put(2, 'lead_received', '{"org":2}'),
    ::sample_put(1, 'message_updated', '{"org":1,"event":"message_updated"}'),
    ::sample_get(1, 'lead_received'),
    ::sample_get(2, 'lead_received'),
    ::sample_get(1, 'message_updated'),
    ::sample_get(2, 'message_updated'),
    ::sample_get(3, 'lead_received'),
    ::sample_delete(1, 'lead_received'),
    ::sample_get(2, 'lead_received'),
    ::sample_get(1, 'message_updated'),
]
--- error_code eval
[201, 201, 201, 200, 200, 200, 404, 404, 204, 200, 200]
--- response_body eval
[
    '', '', '',
    '{"org":1}',
    '{"org":2}',
    '{"org":1,"event":"message_updated"}',
    '{"errors":{"json":"sample not found"}}',
    '{"errors":{"json":"sample not found"}}',
    '',
    '{"org":2}',
    '{"org":1,"event":"message_updated"}',
]



=== TEST 5: all six event types are accepted
--- request eval
[ (map { ::sample_put(5, $_, qq({"event":"$_"})) } @main::EVENT_TYPES),
  (map { ::sample_get(5, $_) } @main::EVENT_TYPES) ]
--- error_code eval
[(201) x 6, (200) x 6]
--- response_body eval
[('') x 6, map { qq({"event":"$_"}) } @main::EVENT_TYPES]



=== TEST 6: org_id and event_type missing: both reported at once
--- request
GET /samples
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body chomp
{"errors":{"query":{"org_id":"is required","event_type":"is required"}}}
--- no_error_log
[error]



=== TEST 7: org_id must be a positive integer that fits in 63 bits
--- request eval
[ map { "GET /samples?org_id=$_&event_type=lead_received" }
      ('0', '-1', '%2B1', 'abc', '1.5', '1e3', '', '0x10',
       '9223372036854775808', '99999999999999999999') ]
--- error_code eval
[(400) x 10]
--- response_body eval
[('{"errors":{"query":{"org_id":"must be an integer"}}}') x 10]



=== TEST 8: the largest org_id is 2^63 - 1; leading zeros are allowed
--- request eval
[
    ::sample_put('9223372036854775807', 'lead_received', '{"max":true}'),
    ::sample_get('9223372036854775807', 'lead_received'),
    ::sample_put('0042', 'lead_received', '{"org":42}'),
    ::sample_get(42, 'lead_received'),
]
--- error_code eval
[201, 200, 201, 200]
--- response_body eval
['', '{"max":true}', '', '{"org":42}']



=== TEST 9: an unknown event type lists the six
--- request eval
[
    "GET /samples?org_id=1&event_type=lead",
    "GET /samples?org_id=1&event_type=",
    "GET /samples?org_id=1&event_type=LEAD_RECEIVED",
    "DELETE /samples?org_id=1&event_type=message_deleted",
]
--- error_code eval
[400, 400, 400, 400]
--- response_body eval
[("{\"errors\":{\"query\":{\"event_type\":\"must be one of: $::EVENTS\"}}}")
 x 4]



=== TEST 10: both query errors at once, on PUT too, body unread
--- request
PUT /samples?org_id=x&event_type=y
{"a":1}
--- error_code: 400
--- response_body eval
"{\"errors\":{\"query\":{\"org_id\":\"must be an integer\","
. "\"event_type\":\"must be one of: $::EVENTS\"}}}"



=== TEST 11: a percent-encoded event type is decoded
--- request eval
[
    ::sample_put(3, 'lead%5Freceived', '{"id":3}'),
    ::sample_get(3, 'lead_received'),
]
--- error_code eval
[201, 200]
--- response_body eval
['', '{"id":3}']



=== TEST 12: other methods are 405 with Allow: GET, PUT, DELETE
--- request eval
[
    "POST /samples?org_id=1&event_type=lead_received\n{}",
    "PATCH /samples?org_id=1&event_type=lead_received\n{}",
    "OPTIONS /samples",
]
--- error_code eval
[405, 405, 405]
--- response_headers eval
[("Allow: GET, PUT, DELETE\nContent-Type: application/json") x 3]
--- response_body eval
[('{"errors":{"json":"method not allowed"}}') x 3]
--- no_error_log
[error]



=== TEST 13: HEAD is not among them
--- request
HEAD /samples?org_id=1&event_type=lead_received
--- error_code: 405
--- response_headers
Allow: GET, PUT, DELETE
--- response_body



=== TEST 14: PUT without Content-Type is 415
--- more_headers
X-Foo: bar
--- request
PUT /samples?org_id=1&event_type=lead_received
{"a":1}
--- error_code: 415
--- response_headers
Content-Type: application/json
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 15: PUT as text/plain is 415
--- more_headers
Content-Type: text/plain
--- request
PUT /samples?org_id=1&event_type=lead_received
{"a":1}
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 16: application/jsonx is not JSON
--- more_headers
Content-Type: application/jsonx
--- request
PUT /samples?org_id=1&event_type=lead_received
{"a":1}
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 17: media type parameters and letter case are fine
--- more_headers
Content-Type: Application/JSON; charset=utf-8
--- request
PUT /samples?org_id=1&event_type=lead_received
{"a":1}
--- error_code: 201
--- response_body



=== TEST 18: GET and DELETE need no Content-Type
--- init
PartooSamples::put_ok(1, 'lead_received', '{"no":"content-type"}', 201);
--- more_headers
X-Foo: bar
--- request eval
[
    ::sample_get(1, 'lead_received'),
    ::sample_delete(1, 'lead_received'),
    ::sample_get(1, 'lead_received'),
    ::sample_delete(1, 'lead_received'),
]
--- error_code eval
[200, 204, 404, 404]
--- response_body eval
[
    '{"no":"content-type"}',
    '',
    '{"errors":{"json":"sample not found"}}',
    '{"errors":{"json":"sample not found"}}',
]



=== TEST 19: bodies that are not a JSON object
--- request eval
[
    ::sample_put(1, 'lead_received', ''),
    ::sample_put(1, 'lead_received', '[]'),
    ::sample_put(1, 'lead_received', '"business"'),
    ::sample_put(1, 'lead_received', '42'),
    ::sample_put(1, 'lead_received', 'null'),
    ::sample_put(1, 'lead_received', '{"a":1,"a":2}'),
    ::sample_put(1, 'lead_received', '{"a":1} {"b":2}'),
    ::sample_put(1, 'lead_received', '{"a":1'),
    ::sample_put(1, 'lead_received', "{\"a\":\"\xff\"}"),
    ::sample_put(1, 'lead_received', "{\"a\":\"\xc3\"}"),
    ::sample_put(1, 'lead_received', "{'a':1}"),
    ::sample_put(1, 'lead_received', '{"a":NaN}'),
    ::sample_get(1, 'lead_received'),
]
--- error_code eval
[(400) x 12, 404]
--- response_body eval
[
    '{"errors":{"json":"invalid JSON body"}}',
    '{"errors":{"json":"must be an object"}}',
    '{"errors":{"json":"must be an object"}}',
    '{"errors":{"json":"must be an object"}}',
    '{"errors":{"json":"must be an object"}}',
    ('{"errors":{"json":"invalid JSON body"}}') x 7,
    '{"errors":{"json":"sample not found"}}',
]
--- no_error_log
[error]



=== TEST 20: 32 levels of nesting are stored, 33 are not
--- request eval
[
    ::sample_put(1, 'lead_received', ::nested_sample(32)),
    ::sample_put(2, 'lead_received', ::nested_sample(33)),
    ::sample_get(1, 'lead_received'),
]
--- error_code eval
[201, 400, 200]
--- response_body eval
['', '{"errors":{"json":"invalid JSON body"}}', ::nested_sample(32)]



=== TEST 21: a failed PUT leaves the stored sample as it was
--- request eval
[
    ::sample_put(1, 'lead_received', '{"kept":true}'),
    ::sample_put(1, 'lead_received', '[1]'),
    ::sample_put(1, 'lead_received', '{"kept":'),
    ::sample_get(1, 'lead_received'),
]
--- error_code eval
[201, 400, 400, 200]
--- response_body eval
['', '{"errors":{"json":"must be an object"}}',
 '{"errors":{"json":"invalid JSON body"}}', '{"kept":true}']



=== TEST 22: the default limit is 64k: exactly 64k is stored
--- request eval
[
    ::sample_put(1, 'lead_received', ::padded_sample(65536)),
    ::sample_get(1, 'lead_received'),
]
--- error_code eval
[201, 200]
--- response_body eval
['', ::padded_sample(65536)]



=== TEST 23: one byte over 64k is 413, and nothing is stored
--- request eval
[
    ::sample_put(1, 'lead_received', ::padded_sample(65537)),
    ::sample_get(1, 'lead_received'),
]
--- error_code eval
[413, 404]
--- response_body eval
['{"errors":{"json":"request body too large"}}',
 '{"errors":{"json":"sample not found"}}']
--- no_error_log
[error]



=== TEST 24: max_size= sets the limit
--- config
    location = /samples {
        partoo_tryout_samples_api samples max_size=100;
    }
--- request eval
[
    ::sample_put(1, 'lead_received', ::padded_sample(100)),
    ::sample_put(2, 'lead_received', ::padded_sample(101)),
    ::sample_get(1, 'lead_received'),
    ::sample_get(2, 'lead_received'),
]
--- error_code eval
[201, 413, 200, 404]
--- response_body eval
[
    '',
    '{"errors":{"json":"request body too large"}}',
    ::padded_sample(100),
    '{"errors":{"json":"sample not found"}}',
]



=== TEST 25: a chunked body at the limit is stored byte-exact
--- config
    location = /samples {
        partoo_tryout_samples_api samples max_size=100;
    }
--- init
PartooSamples::chunked_put_ok(3, 'lead_received', ::padded_sample(100, 'c'), 7, 201);
--- request eval
::sample_get(3, 'lead_received')
--- response_body eval
::padded_sample(100, 'c')



=== TEST 26: a chunked body over the limit is 413 and not stored
--- config
    location = /samples {
        partoo_tryout_samples_api samples max_size=100;
    }
--- init
PartooSamples::chunked_put_ok(4, 'lead_received', ::padded_sample(101), 7, 413);
--- request eval
::sample_get(4, 'lead_received')
--- error_code: 404



=== TEST 27: a large chunked body is dropped as it comes, never buffered
--- config
    client_body_buffer_size 1k;

    location = /samples {
        partoo_tryout_samples_api samples max_size=100;
    }
--- raw_request eval
::chunked_put(5, 'lead_received', ::padded_sample(50000), 1000)
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}
--- no_error_log
[error]
a client request body is buffered to a temporary file



=== TEST 28: a Content-Length over the limit is refused before reading
--- config
    client_body_buffer_size 1k;

    location = /samples {
        partoo_tryout_samples_api samples max_size=100;
    }
--- request eval
::sample_put(1, 'lead_received', ::padded_sample(1000000))
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}
--- no_error_log
[error]
a client request body is buffered to a temporary file



=== TEST 29: a body in a temporary file is read back whole
--- config
    client_body_buffer_size 1k;

    location = /samples {
        partoo_tryout_samples_api samples;
    }
--- init
PartooSamples::put_ok(1, 'lead_received', PartooSamples::padded_sample(20000, 'b'), 201);
--- request eval
::sample_get(1, 'lead_received')
--- response_body eval
::padded_sample(20000, 'b')
--- error_log
a client request body is buffered to a temporary file
--- no_error_log
[error]



=== TEST 30: a body on GET or DELETE is read and ignored
--- request eval
[
    ::sample_put(1, 'lead_received', '{"a":1}'),
    "GET /samples?org_id=1&event_type=lead_received\n{\"ignored\":true}",
    "DELETE /samples?org_id=1&event_type=lead_received\n{\"ignored\":true}",
]
--- error_code eval
[201, 200, 204]
--- response_body eval
['', '{"a":1}', '']



=== TEST 31: allow/deny guard the API: a denied client gets nginx's 403
--- config
    location = /samples {
        partoo_tryout_samples_api samples;
        allow 10.0.0.1;
        deny all;
    }
--- request eval
::sample_put(1, 'lead_received', '{"a":1}')
--- error_code: 403
--- error_log
access forbidden by rule



=== TEST 32: an allowed client reaches it
--- config
    location = /samples {
        partoo_tryout_samples_api samples;
        allow 127.0.0.1;
        deny all;
    }
--- request eval
::sample_put(1, 'lead_received', '{"a":1}')
--- error_code: 201



=== TEST 33: a wrong media type is 415 even when the body is also too large
--- config
    location = /samples {
        partoo_tryout_samples_api samples max_size=100;
    }
--- more_headers
Content-Type: text/plain
--- request eval
[
    ::sample_put(1, 'lead_received', ::padded_sample(1000)),
    ::sample_get(1, 'lead_received'),
]
--- error_code eval
[415, 404]
--- response_body eval
['{"errors":{"json":"Unsupported media type. Please use application/json"}}',
 '{"errors":{"json":"sample not found"}}']
--- no_error_log
[error]



=== TEST 34: org_id is read as the tryout reads it: exact name, given once
--- request eval
[
    "GET /samples?org_id=1&org_id=2&event_type=lead_received",
    "GET /samples?ORG_ID=1&event_type=lead_received",
    "GET /samples?event_type=lead_received&org_id=007",
]
--- error_code eval
[400, 400, 404]
--- response_body eval
[
    '{"errors":{"query":{"org_id":"must be an integer"}}}',
    '{"errors":{"query":{"org_id":"is required"}}}',
    '{"errors":{"json":"sample not found"}}',
]



=== TEST 35: with mirror, a PUT announcing 100 MB is 413 before any body byte
Only the head is sent: the answer must come without the body, which
mirror would otherwise read first, to a temporary file.  nginx then waits
for the body it discards, so the client stops reading after 1 s.
--- config
    location = /samples {
        mirror /mirror;
        mirror_request_body on;
        client_body_buffer_size 1k;
        partoo_tryout_samples_api samples;
    }
    location = /mirror {
        internal;
        return 204;
    }
--- raw_request eval
"PUT /samples?org_id=1&event_type=lead_received HTTP/1.1\r\n"
. "Host: localhost\r\nConnection: close\r\n"
. "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
--- timeout: 1
--- abort
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}
--- no_error_log
a client request body is buffered to a temporary file
[error]



=== TEST 36: with mirror, a chunked PUT is read before mirror runs, and mirror sends it whole
The module reads a chunked body in the access phase; mirror, in the
precontent phase, then sends that body, byte for byte, with its
Content-Length: here to the same zone, under org 2.
--- config eval
$::MIRRORED
--- init
PartooSamples::chunked_put_ok(1, 'lead_received', ::padded_sample(6000, 'm'), 700, 201);
--- request eval
[::sample_get(1, 'lead_received'), ::sample_get(2, 'lead_received')]
--- response_body eval
[::padded_sample(6000, 'm'), ::padded_sample(6000, 'm')]
--- no_error_log
a client request body is buffered to a temporary file
[error]



=== TEST 37: with mirror, a chunked PUT over the limit is 413 and mirror never sends it
--- config eval
$::MIRRORED
--- init
PartooSamples::chunked_put_ok(1, 'lead_received', ::padded_sample(6001), 700, 413);
--- request eval
[::sample_get(1, 'lead_received'), ::sample_get(2, 'lead_received')]
--- error_code eval
[404, 404]
--- no_error_log
a client request body is buffered to a temporary file
[error]
