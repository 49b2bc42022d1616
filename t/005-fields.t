# The fields step: items, url and event_type, every error of the first
# item at once, later items ignored.

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

=== TEST 1: an empty object lacks items
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



=== TEST 2: items null is not a list
--- request
POST /v2/webhooks/tryout
{"items":null}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"must be a list"}}}



=== TEST 3: items as an object is not a list
--- request
POST /v2/webhooks/tryout
{"items":{"url":"https://example.com/webhook","event_type":"business_created"}}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"must be a list"}}}



=== TEST 4: items as a string is not a list
--- request
POST /v2/webhooks/tryout
{"items":"https://example.com/webhook"}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"must be a list"}}}



=== TEST 5: an empty items list
--- request
POST /v2/webhooks/tryout
{"items":[]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"must contain at least one item"}}}



=== TEST 6: a number as the first item
--- request
POST /v2/webhooks/tryout
{"items":[1]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":"must be an object"}}}}



=== TEST 7: null as the first item
--- request
POST /v2/webhooks/tryout
{"items":[null]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":"must be an object"}}}}



=== TEST 8: an array as the first item
--- request
POST /v2/webhooks/tryout
{"items":[["https://example.com/webhook","business_created"]]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":"must be an object"}}}}



=== TEST 9: an empty item reports both required fields at once
--- request
POST /v2/webhooks/tryout
{"items":[{}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"is required","event_type":"is required"}}}}}



=== TEST 10: the contract's example: http url and no event_type
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"http://example.com/webhook"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"only HTTPS URLs are supported","event_type":"is required"}}}}}



=== TEST 11: a number where the url belongs
--- request
POST /v2/webhooks/tryout
{"items":[{"url":443,"event_type":"business_created"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a string"}}}}}



=== TEST 12: null where the url belongs
--- request
POST /v2/webhooks/tryout
{"items":[{"url":null,"event_type":"business_created"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a string"}}}}}



=== TEST 13: a number where the event type belongs
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://example.com/webhook","event_type":1}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"event_type":"must be a string"}}}}}



=== TEST 14: an unknown event type
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://example.com/webhook","event_type":"business_exploded"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"event_type":"must be one of: business_created, business_updated, business_deleted, message_updated, message_created, lead_received"}}}}}



=== TEST 15: event types are case-sensitive
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://example.com/webhook","event_type":"Business_Created"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"event_type":"must be one of: business_created, business_updated, business_deleted, message_updated, message_created, lead_received"}}}}}



=== TEST 16: every one of the six event types is accepted
--- request eval
[map { "POST /v2/webhooks/tryout\n"
       . qq({"items":[{"url":"https://127.0.0.1:1/webhook","event_type":"$_"}]}) }
 qw(business_created business_updated business_deleted message_updated
    message_created lead_received)]
--- error_code eval
[(200) x 6]
--- response_body eval
[map { PartooTryout::blocked_answer(undef, $_) }
 qw(business_created business_updated business_deleted message_updated
    message_created lead_received)]



=== TEST 17: an ftp url is not https
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"ftp://example.com/webhook","event_type":"lead_received"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"only HTTPS URLs are supported"}}}}}



=== TEST 18: an upper-case HTTPS scheme is https
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"HTTPS://127.0.0.1:1/webhook","event_type":"lead_received"}]}
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer('HTTPS://127.0.0.1:1/webhook', 'lead_received')



=== TEST 19: a url with a space is not a valid url
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://example.com/web hook","event_type":"lead_received"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a valid url"}}}}}



=== TEST 20: a url with a newline is not a valid url
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://example.com/\nHost: evil","event_type":"lead_received"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a valid url"}}}}}



=== TEST 21: a url without a host is not a valid url
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://","event_type":"lead_received"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a valid url"}}}}}



=== TEST 22: a relative url is not a valid url
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"/webhook","event_type":"lead_received"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a valid url"}}}}}



=== TEST 23: a bare host name is not a valid url
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"example.com","event_type":"lead_received"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a valid url"}}}}}



=== TEST 24: an empty url is not a valid url
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"","event_type":"lead_received"}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a valid url"}}}}}



=== TEST 25: a 2049-byte url is too long
--- request eval
"POST /v2/webhooks/tryout\n"
. '{"items":[{"url":"https://example.com/' . ('a' x (2049 - 20))
. '","event_type":"lead_received"}]}'
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be at most 2048 characters"}}}}}



=== TEST 26: a 2048-byte url is accepted
--- request eval
"POST /v2/webhooks/tryout\n"
. '{"items":[{"url":"https://127.0.0.1:1/' . ('a' x (2048 - 20))
. '","event_type":"lead_received"}]}'
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer('https://127.0.0.1:1/' . ('a' x (2048 - 20)), 'lead_received')



=== TEST 27: a url with a port, path and query is accepted
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://10.20.30.40:8443/webhooks/partoo/business_update?key=9fa91de19","event_type":"business_updated"}]}
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer(
    'https://10.20.30.40:8443/webhooks/partoo/business_update?key=9fa91de19',
    'business_updated')



=== TEST 28: an invalid second item is ignored
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://127.0.0.1:1/webhook","event_type":"business_created"},{"url":"ftp://x","event_type":7},42]}
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 29: only the first item's errors are reported
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"ftp://example.com"},{"url":7}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"only HTTPS URLs are supported","event_type":"is required"}}}}}



=== TEST 30: unknown fields are ignored at every level
--- request
POST /v2/webhooks/tryout
{"dry_run":true,"items":[{"url":"https://127.0.0.1:1/webhook","event_type":"business_created","secret":{"a":[1,2]}}]}
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 31: url, event type and header errors come together
--- request
POST /v2/webhooks/tryout
{"items":[{"url":"https://exa mple.com","event_type":"nope","custom_headers":{"X-Partoo-Id":"1"}}]}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"url":"must be a valid url","event_type":"must be one of: business_created, business_updated, business_deleted, message_updated, message_created, lead_received","custom_headers":{"X-Partoo-Id":"invalid header name"}}}}}}
