# The media type step: application/json, parameters allowed, else 415.

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

=== TEST 1: no Content-Type is 415
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
X-Nothing: here
--- error_code: 415
--- response_headers
Content-Type: application/json
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}
--- no_error_log
[error]



=== TEST 2: text/plain is 415
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
Content-Type: text/plain
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 3: application/json is accepted
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
Content-Type: application/json
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 4: application/json; charset=utf-8 is accepted
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
Content-Type: application/json; charset=utf-8
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 5: the media type is case-insensitive
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
Content-Type: Application/JSON;charset=UTF-8
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 6: application/jsonx is not application/json
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
Content-Type: application/jsonx
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 7: application/merge-patch+json is 415
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
Content-Type: application/merge-patch+json
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 8: form data is 415 and its body is discarded, not read as JSON
The connection is kept: the next request on it is read where the form's
body ends, so a body left unread would be taken for a request line.
--- raw_request eval
my $form = 'url=https://example.com&event_type=business_created';
"POST /v2/webhooks/tryout HTTP/1.1\r\nHost: localhost\r\n"
. "Content-Type: application/x-www-form-urlencoded\r\n"
. "x-APIKey: $PartooTryout::API_KEY\r\n"
. "Content-Length: " . length($form) . "\r\n\r\n$form"
. "GET /after-the-form HTTP/1.1\r\nHost: localhost\r\n"
. "Connection: close\r\n\r\n"
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}
--- error_log
html/after-the-form" failed (2: No such file or directory)
--- no_error_log
client sent invalid method



=== TEST 9: a media type with a prefix before it is 415
--- request eval
"POST /v2/webhooks/tryout\n$PartooTryout::VALID_BODY"
--- more_headers
Content-Type: text/application/json
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 10: a wrong media type is 415 even when the body is also too large
--- request eval
"POST /v2/webhooks/tryout\n" . PartooTryout::padded_body(65537)
--- more_headers
Content-Type: text/plain
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}
--- no_error_log
[error]
