# The method step: only POST is served; anything else is 405 with Allow.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;

# every block is one request that leaves nothing behind: each runs twice,
# as a second client would see it
repeat_each(2);
no_shuffle();
tryout_defaults();
run_tests();

__DATA__

=== TEST 1: GET is refused with 405 and Allow: POST
--- request
GET /v2/webhooks/tryout
--- error_code: 405
--- response_headers
Allow: POST
Content-Type: application/json
--- response_body chomp
{"errors":{"json":"method not allowed"}}
--- no_error_log
[error]



=== TEST 2: POST with a valid body passes the method step
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- error_code: 200
--- response_headers
!Allow
Content-Type: application/json
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 3: PUT with a valid JSON body is still 405
--- request eval
"PUT /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- error_code: 405
--- response_headers
Allow: POST
--- response_body chomp
{"errors":{"json":"method not allowed"}}



=== TEST 4: DELETE is 405
--- request
DELETE /v2/webhooks/tryout
--- error_code: 405
--- response_body chomp
{"errors":{"json":"method not allowed"}}



=== TEST 5: OPTIONS is 405
--- request
OPTIONS /v2/webhooks/tryout
--- error_code: 405
--- response_headers
Allow: POST
--- response_body chomp
{"errors":{"json":"method not allowed"}}



=== TEST 6: HEAD is 405, headers only
--- request
HEAD /v2/webhooks/tryout
--- error_code: 405
--- response_headers
Allow: POST
Content-Type: application/json
Content-Length: 40
--- response_body



=== TEST 7: the method is checked before the media type
--- request
PATCH /v2/webhooks/tryout
{}
--- more_headers
Content-Type: text/plain
--- error_code: 405
--- response_body chomp
{"errors":{"json":"method not allowed"}}



=== TEST 8: a GET with a body is refused and the body discarded
--- request
GET /v2/webhooks/tryout
{"items":[{"url":"https://example.com/webhook"}]}
--- error_code: 405
--- response_body chomp
{"errors":{"json":"method not allowed"}}
--- no_error_log
[error]
