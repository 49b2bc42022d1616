# The role, org_id and org scope steps: partoo_tryout_roles, the org_id
# query argument, and which orgs a key may act on.  Keys: t/lib's %KEYS
# (ORG_ADMIN, ORG_MANAGER, GROUP_MANAGER, BUSINESS_MANAGER, PUBLISHER of
# org 42; PROVIDER of 42, 43 and 2^63-1; ORG_ADMIN of org 7).
#
# "{}" answers the validator's 400 for "items": the request passed every
# access step.

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

=== TEST 1: default roles: ORG_ADMIN is allowed
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 2: default roles: ORG_MANAGER is allowed
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_manager}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 3: default roles: PROVIDER is allowed (with one of its orgs)
--- request
POST /v2/webhooks/tryout?org_id=42
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 4: default roles: GROUP_MANAGER is 403
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{group_manager}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 5: default roles: BUSINESS_MANAGER is 403
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{business_manager}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 6: default roles: PUBLISHER is 403
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{publisher}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}
--- response_headers
Content-Type: application/json
--- no_error_log
[error]



=== TEST 7: partoo_tryout_roles PUBLISHER allows PUBLISHER
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_roles PUBLISHER;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{publisher}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 8: partoo_tryout_roles PUBLISHER refuses ORG_ADMIN
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_roles PUBLISHER;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 9: partoo_tryout_roles from the server level allows GROUP_MANAGER
--- config
    partoo_tryout_roles GROUP_MANAGER BUSINESS_MANAGER;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{group_manager}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 10: partoo_tryout_roles from the server level allows BUSINESS_MANAGER
--- config
    partoo_tryout_roles GROUP_MANAGER BUSINESS_MANAGER;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{business_manager}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 11: partoo_tryout_roles from the server level refuses ORG_MANAGER
--- config
    partoo_tryout_roles GROUP_MANAGER BUSINESS_MANAGER;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_manager}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 12: all six roles listed: PUBLISHER passes
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_roles PROVIDER ORG_ADMIN ORG_MANAGER GROUP_MANAGER
                            BUSINESS_MANAGER PUBLISHER;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{publisher}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 13: the role step comes before org_id: a refused role with a bad org_id is 403
--- request
POST /v2/webhooks/tryout?org_id=abc
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{publisher}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 14: the role step comes before the media type
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: text/plain\nx-APIKey: $PartooTryout::KEYS{publisher}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 15: org_id=42, the key's own org, passes
--- request
POST /v2/webhooks/tryout?org_id=42
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 16: an empty org_id is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 17: org_id=-1 is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=-1
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 18: org_id=1e3 is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=1e3
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 19: org_id=42abc is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=42abc
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 20: org_id=0, not positive is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=0
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 21: org_id=+42 is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=+42
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 22: a percent-encoded digit is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=4%32
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 23: a leading encoded space is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=%2042
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 24: a decimal fraction is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=4.2
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 25: hexadecimal is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=0x2a
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 26: org_id without a value is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 27: 2^63, beyond 63 bits is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=9223372036854775808
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 28: far beyond 63 bits is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=99999999999999999999999
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 29: a repeated org_id, even the same is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=42&org_id=42
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 30: a repeated org_id among other arguments is 400 must be an integer
--- request
POST /v2/webhooks/tryout?a=1&org_id=42&b=2&org_id=43
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 31: org_id=042 is the decimal 42 and passes
--- request
POST /v2/webhooks/tryout?org_id=042
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 32: org_id among other arguments is found
--- request
POST /v2/webhooks/tryout?a=1&org_id=43&b=2
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 33: Org_Id is another argument: ignored, the request passes
--- request
POST /v2/webhooks/tryout?Org_Id=43
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 34: xorg_id and org_idx are other arguments: ignored
--- request
POST /v2/webhooks/tryout?xorg_id=43&org_idx=43
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 35: org_id is checked before the media type
--- request
POST /v2/webhooks/tryout?org_id=x
{}
--- more_headers eval
"Content-Type: text/plain\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 36: ORG_ADMIN with another org's org_id is 403
--- request
POST /v2/webhooks/tryout?org_id=43
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 37: ORG_ADMIN without org_id acts on its own org
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 38: ORG_MANAGER with its own org_id passes
--- request
POST /v2/webhooks/tryout?org_id=42
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_manager}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 39: ORG_MANAGER with another org's org_id is 403
--- request
POST /v2/webhooks/tryout?org_id=7
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_manager}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 40: an org_id 403 comes before the media type
--- request
POST /v2/webhooks/tryout?org_id=43
{}
--- more_headers eval
"Content-Type: text/plain\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 41: PROVIDER without org_id is 400 is required
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"is required"}}}
--- response_headers
Content-Type: application/json



=== TEST 42: PROVIDER with one of its orgs passes
--- request
POST /v2/webhooks/tryout?org_id=43
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 43: PROVIDER with the largest 63-bit org_id, one of its orgs, passes
--- request
POST /v2/webhooks/tryout?org_id=9223372036854775807
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 44: PROVIDER with an org not among its orgs is 403
--- request
POST /v2/webhooks/tryout?org_id=44
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 45: PROVIDER with another key's org is 403
--- request
POST /v2/webhooks/tryout?org_id=7
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 403
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 46: PROVIDER with org_id=abc is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=abc
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 47: PROVIDER with an empty org_id is 400 must be an integer, not is required
--- request
POST /v2/webhooks/tryout?org_id=
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 48: PROVIDER with a repeated org_id is 400 must be an integer
--- request
POST /v2/webhooks/tryout?org_id=42&org_id=43
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"must be an integer"}}}



=== TEST 49: PROVIDER is required comes before the media type
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: text/plain\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_body chomp
{"errors":{"query":{"org_id":"is required"}}}
