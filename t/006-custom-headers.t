# custom_headers: at most 5, X- names outside the reserved X-Partoo prefix,
# 128-character names, 512-character values without control characters.

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

# a body whose first item carries the given custom_headers JSON
sub with_headers {
    my ($headers) = @_;

    return "POST /v2/webhooks/tryout\n"
           . '{"items":[{"url":"https://127.0.0.1:1/webhook",'
           . '"event_type":"business_created","custom_headers":'
           . $headers . '}]}';
}

run_tests();

__DATA__

=== TEST 1: five headers are accepted
--- request eval
main::with_headers('{"X-A":"1","X-B":"2","X-C":"3","X-D":"4","X-E":"5"}')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 2: six headers are too many
--- request eval
main::with_headers('{"X-A":"1","X-B":"2","X-C":"3","X-D":"4","X-E":"5","X-F":"6"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":"must have at most 5 headers"}}}}}
--- no_error_log
[error]



=== TEST 3: null custom_headers means none
--- request eval
main::with_headers('null')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 4: an empty object is accepted
--- request eval
main::with_headers('{}')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 5: a list of headers is not an object
--- request eval
main::with_headers('[{"X-A":"1"}]')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":"must be an object"}}}}}



=== TEST 6: a string is not an object
--- request eval
main::with_headers('"X-A: 1"')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":"must be an object"}}}}}



=== TEST 7: a 128-character name is accepted
--- request eval
main::with_headers('{"X-' . ('n' x 126) . '":"v"}')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 8: a 129-character name is too long
--- request eval
main::with_headers('{"X-' . ('n' x 127) . '":"v"}')
--- error_code: 400
--- response_body eval
'{"errors":{"json":{"items":{"0":{"custom_headers":{"X-' . ('n' x 127)
. '":"must be at most 128 characters"}}}}}}'



=== TEST 9: a 512-character value is accepted
--- request eval
main::with_headers('{"X-Long":"' . ('v' x 512) . '"}')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 10: a 513-character value is too long
--- request eval
main::with_headers('{"X-Long":"' . ('v' x 513) . '"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-Long":"must be at most 512 characters"}}}}}}



=== TEST 11: 512 two-byte characters are 512 characters
--- request eval
main::with_headers('{"X-Long":"' . ("\xc3\xa9" x 512) . '"}')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 12: X-Partoo-Foo is reserved
--- request eval
main::with_headers('{"X-Partoo-Foo":"1"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-Partoo-Foo":"invalid header name"}}}}}}



=== TEST 13: x-partoo-foo is reserved
--- request eval
main::with_headers('{"x-partoo-foo":"1"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"x-partoo-foo":"invalid header name"}}}}}}



=== TEST 14: X-PARTOO-FOO is reserved
--- request eval
main::with_headers('{"X-PARTOO-FOO":"1"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-PARTOO-FOO":"invalid header name"}}}}}}



=== TEST 15: x-PaRtOo-fOo is reserved
--- request eval
main::with_headers('{"x-PaRtOo-fOo":"1"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"x-PaRtOo-fOo":"invalid header name"}}}}}}



=== TEST 16: X-Partoo alone is reserved
--- request eval
main::with_headers('{"X-Partoo":"1"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-Partoo":"invalid header name"}}}}}}



=== TEST 17: X-Partner is not the reserved prefix
--- request eval
main::with_headers('{"X-Partner":"1","X-Part":"2","X-My-Partoo":"3"}')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()



=== TEST 18: a name without the X- prefix is invalid
--- request eval
main::with_headers('{"Authorization":"Bearer x"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"Authorization":"invalid header name"}}}}}}



=== TEST 19: separators in a name are invalid
--- request eval
main::with_headers('{"X-A B":"1","X-C:D":"2","X-E(F)":"3","X-G/H":"4","X-I=J":"5"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-A B":"invalid header name","X-C:D":"invalid header name","X-E(F)":"invalid header name","X-G/H":"invalid header name","X-I=J":"invalid header name"}}}}}}



=== TEST 20: a non-ASCII name is invalid
--- request eval
main::with_headers(qq({"X-Caf\xc3\xa9":"1"}))
--- error_code: 400
--- response_body eval
qq({"errors":{"json":{"items":{"0":{"custom_headers":{"X-Caf\xc3\xa9":"invalid header name"}}}}}})



=== TEST 21: a control character in a name is invalid
--- request eval
main::with_headers('{"X-A\u0001B":"1"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-A\u0001B":"invalid header name"}}}}}}



=== TEST 22: CR in a value
--- request eval
main::with_headers('{"X-A":"1\r2"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-A":"must not contain control characters"}}}}}}



=== TEST 23: LF in a value (header injection)
--- request eval
main::with_headers('{"X-A":"1\nX-Partoo-Signature-v1: forged"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-A":"must not contain control characters"}}}}}}



=== TEST 24: NUL in a value
--- request eval
main::with_headers('{"X-A":"1\u00002"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-A":"must not contain control characters"}}}}}}



=== TEST 25: TAB and DEL in values
--- request eval
main::with_headers('{"X-A":"1\t2","X-B":"3\u007f"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-A":"must not contain control characters","X-B":"must not contain control characters"}}}}}}



=== TEST 26: duplicate names differing in case
--- request eval
main::with_headers('{"X-Trace":"1","x-trace":"2"}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"x-trace":"duplicate header name"}}}}}}



=== TEST 27: a number where a header value belongs
--- request eval
main::with_headers('{"X-Count":5}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-Count":"must be a string"}}}}}}



=== TEST 28: null where a header value belongs
--- request eval
main::with_headers('{"X-Count":null}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-Count":"must be a string"}}}}}}



=== TEST 29: every header error is reported, valid ones are not
--- request eval
main::with_headers('{"X-Ok":"fine","X-Partoo-X":"1","X-Bad":"a\r\nb","X-Num":1}')
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":{"0":{"custom_headers":{"X-Partoo-X":"invalid header name","X-Bad":"must not contain control characters","X-Num":"must be a string"}}}}}}



=== TEST 30: an empty value and lower-case x- are accepted
--- request eval
main::with_headers('{"x-empty":"","X-Quote":"\"quoted\" value; with = signs"}')
--- error_code: 200
--- response_body eval
PartooTryout::blocked_answer()
