# The JSON and shape steps: parse errors, duplicate keys, invalid UTF-8,
# nesting, and a top level that is not an object.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;

# every block is one request that leaves nothing behind: each runs twice,
# as a second client would see it
repeat_each(2);
no_shuffle();
no_long_string();
tryout_defaults();
run_tests();

__DATA__

=== TEST 1: an empty body is invalid JSON
--- request
POST /v2/webhooks/tryout
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}
--- no_error_log
[error]



=== TEST 2: a truncated object is invalid JSON
--- request
POST /v2/webhooks/tryout
{"items": [{"url": "https://example.com/webhook"
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 3: garbage after the document is invalid JSON
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY x"
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 4: duplicate keys are invalid JSON
--- request
POST /v2/webhooks/tryout
{"items":[],"items":[{"url":"https://example.com/webhook","event_type":"business_created"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 5: duplicate keys inside an item are invalid JSON
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://example.com/webhook","url":"https://example.org/","event_type":"business_created"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 6: invalid UTF-8 in a string is invalid JSON
--- request eval
"POST /v2/webhooks/tryout\n" . '{"items":[{"url":"https://example.com/' . "\xff\xfe" . '","event_type":"business_created"}]}'
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 7: an overlong UTF-8 encoding is invalid JSON
--- request eval
"POST /v2/webhooks/tryout\n" . '{"items":[{"url":"https://example.com/' . "\xc0\xaf" . '","event_type":"business_created"}]}'
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 8: valid UTF-8 in an unknown field is accepted
--- request eval
"POST /v2/webhooks/tryout\n" . '{"note":"caf' . "\xc3\xa9 \xe2\x82\xac" . '","items":[{"url":"https://127.0.0.1:1/webhook","event_type":"business_created"}]}'
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 9: nesting 33 deep is invalid JSON
--- request eval
"POST /v2/webhooks/tryout\n" . '{"items":[{"url":"https://example.com/webhook","event_type":"business_created"}],"deep":' . ('[' x 32) . (']' x 32) . '}'
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}



=== TEST 10: nesting 32 deep is accepted
--- request eval
"POST /v2/webhooks/tryout\n" . '{"items":[{"url":"https://127.0.0.1:1/webhook","event_type":"business_created"}],"deep":' . ('[' x 31) . (']' x 31) . '}'
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 11: null is not an object
--- request
POST /v2/webhooks/tryout
null
--- error_code: 400
--- response_body chomp
{"errors":{"json":"must be an object"}}



=== TEST 12: an array is not an object
--- request eval
"POST /v2/webhooks/tryout\n[$PartooTryout::VALID_BODY]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":"must be an object"}}



=== TEST 13: a number is not an object
--- request
POST /v2/webhooks/tryout
42
--- error_code: 400
--- response_body chomp
{"errors":{"json":"must be an object"}}



=== TEST 14: a string is not an object
--- request
POST /v2/webhooks/tryout
"items"
--- error_code: 400
--- response_body chomp
{"errors":{"json":"must be an object"}}



=== TEST 15: true is not an object
--- request
POST /v2/webhooks/tryout
true
--- error_code: 400
--- response_body chomp
{"errors":{"json":"must be an object"}}



=== TEST 16: whitespace around a valid document is fine
--- request eval
"POST /v2/webhooks/tryout\n \r\n\t$PartooTryout::VALID_BODY \n"
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 17: a NUL byte outside strings is invalid JSON
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY\0"
--- error_code: 400
--- response_body chomp
{"errors":{"json":"invalid JSON body"}}
