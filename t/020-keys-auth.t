# The authenticate step: x-APIKey, hashed and looked up in the keys zone,
# before the media type and before the body is read.
#
# An authenticated request with "{}" goes on to the body and answers the
# validator's 400 for a missing "items": proof it passed every access step.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;

no_shuffle();
no_long_string();
tryout_defaults();
run_tests();

__DATA__

=== TEST 1: no x-APIKey is 401
--- request
POST /v2/webhooks/tryout
{}
--- no_api_key
--- error_code: 401
--- response_headers
Content-Type: application/json
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}
--- no_error_log
[error]



=== TEST 2: the same request with a valid key passes
--- request
POST /v2/webhooks/tryout
{}
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- no_error_log
[error]



=== TEST 3: an unknown key is 401
--- request
POST /v2/webhooks/tryout
{}
--- more_headers
Content-Type: application/json
x-APIKey: tryout-key-nobody
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}
--- no_error_log eval
[qr/\[error\]/,
 qr/\[(?:info|notice|warn|error|crit|alert|emerg)\].*tryout-key-nobody/]



=== TEST 4: an empty x-APIKey is 401
--- raw_request eval
"POST /v2/webhooks/tryout HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
x-APIKey: \r
Content-Length: 2\r
Connection: close\r
\r
{}"
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 5: the header name in capitals, X-APIKEY, is the same header
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nX-APIKEY: $PartooTryout::API_KEY"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 6: the header name in lower case, x-apikey, is the same header
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-apikey: $PartooTryout::API_KEY"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 7: the key itself is compared exactly: another letter case is 401
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: " . uc $PartooTryout::API_KEY
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 8: a key one byte short of a valid one is 401
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: "
. substr($PartooTryout::API_KEY, 0, -1)
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 9: two x-APIKey headers are 401, even when both are valid
--- raw_request eval
"POST /v2/webhooks/tryout HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
x-APIKey: $PartooTryout::API_KEY\r
X-APIKEY: $PartooTryout::API_KEY\r
Content-Length: 2\r
Connection: close\r
\r
{}"
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 10: a key in another header (Authorization) is not an x-APIKey
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\n"
. "Authorization: Bearer $PartooTryout::API_KEY"
--- no_api_key
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 11: the method step comes first: GET without a key is 405
--- request
GET /v2/webhooks/tryout
--- no_api_key
--- error_code: 405
--- response_headers
Allow: POST
--- response_body chomp
{"errors":{"json":"method not allowed"}}



=== TEST 12: authentication comes before the media type: bad key + text/plain
--- request
POST /v2/webhooks/tryout
{}
--- more_headers
Content-Type: text/plain
x-APIKey: tryout-key-nobody
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 13: with a valid key, text/plain reaches the media type step
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: text/plain\nx-APIKey: $PartooTryout::API_KEY"
--- error_code: 415
--- response_body chomp
{"errors":{"json":"Unsupported media type. Please use application/json"}}



=== TEST 14: authentication comes before the body: 2 MB with a bad key is 401, the body discarded unread
--- request eval
"POST /v2/webhooks/tryout\n" . ('x' x (2 * 1024 * 1024))
--- more_headers
Content-Type: application/json
x-APIKey: tryout-key-nobody
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}
--- no_error_log
[error]
a client request body is buffered to a temporary file



=== TEST 15: a 2 MB body with a good key goes on to the size step
--- request eval
"POST /v2/webhooks/tryout\n" . ('x' x (2 * 1024 * 1024))
--- error_code: 413
--- response_body chomp
{"errors":{"json":"request body too large"}}



=== TEST 16: a chunked body without a key is 401
--- raw_request eval
"POST /v2/webhooks/tryout HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Transfer-Encoding: chunked\r
Connection: close\r
\r
2\r
{}\r
0\r
\r
"
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 17: a chunked body with the key passes
--- raw_request eval
PartooTryout::chunked_request('{}', 1)
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 18: a location without partoo_tryout has no say on keys
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
    location = /other {
        return 200 "open\n";
    }
--- request
GET /other
--- no_api_key
--- error_code: 200
--- response_body
open
