# $partoo_tryout_org_id and $partoo_tryout_user_id: resolved from the
# x-APIKey on first use, so they serve limit_req_zone (preaccess phase) and
# log_format as well as the handler; and Partoo's per-organization rate
# limit built from them with nginx's limit_req (conf-examples/rate-limit.conf).
# Each block has a limit_req zone of its own: under TEST_NGINX_USE_HUP the
# zones, and what they counted, outlive the block.

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

=== TEST 1: an ORG_ADMIN key: its org and user_id
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        add_header X-Org $partoo_tryout_org_id always;
        add_header X-User $partoo_tryout_user_id always;
    }
--- request
POST /v2/webhooks/tryout
{}
--- error_code: 400
--- response_headers
X-Org: 42
X-User: u-admin
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 2: no key: both variables are empty
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        add_header X-Org $partoo_tryout_org_id always;
        add_header X-User $partoo_tryout_user_id always;
    }
--- request
POST /v2/webhooks/tryout
{}
--- no_api_key
--- error_code: 401
--- response_headers
!X-Org
!X-User
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}



=== TEST 3: a PROVIDER acting on one of its orgs: that org
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        add_header X-Org $partoo_tryout_org_id always;
        add_header X-User $partoo_tryout_user_id always;
    }
--- request
POST /v2/webhooks/tryout?org_id=43
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_headers
X-Org: 43
X-User: p-1
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}



=== TEST 4: a PROVIDER with an org not among its own: no org, the user_id still
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        add_header X-Org $partoo_tryout_org_id always;
        add_header X-User $partoo_tryout_user_id always;
    }
--- request
POST /v2/webhooks/tryout?org_id=44
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 403
--- response_headers
!X-Org
X-User: p-1
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 5: a PROVIDER without org_id: no org
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        add_header X-Org $partoo_tryout_org_id always;
        add_header X-User $partoo_tryout_user_id always;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers eval
"Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"
--- error_code: 400
--- response_headers
!X-Org
X-User: p-1
--- response_body chomp
{"errors":{"query":{"org_id":"is required"}}}



=== TEST 6: a non-PROVIDER naming another org: its own org (the request is 403)
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        add_header X-Org $partoo_tryout_org_id always;
    }
--- request
POST /v2/webhooks/tryout?org_id=43
{}
--- error_code: 403
--- response_headers
X-Org: 42
--- response_body chomp
{"errors":{"authorization":"Operation not allowed"}}



=== TEST 7: in log_format, written by the log phase
--- http_config
    log_format tryout "tryout access org=$partoo_tryout_org_id "
                      "user=$partoo_tryout_user_id status=$status";
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        access_log logs/error.log tryout;
    }
--- request
POST /v2/webhooks/tryout
{}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- error_log
tryout access org=42 user=u-admin status=400



=== TEST 8: in log_format, a 401 logs empty values
--- http_config
    log_format tryout "tryout access org=$partoo_tryout_org_id "
                      "user=$partoo_tryout_user_id status=$status";
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        access_log logs/error.log tryout;
    }
--- request
POST /v2/webhooks/tryout
{}
--- more_headers
Content-Type: application/json
x-APIKey: tryout-key-nobody
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}
--- error_log
tryout access org=- user=- status=401



=== TEST 9: outside a partoo_tryout location the variables are empty
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
    location = /other {
        add_header X-Org $partoo_tryout_org_id always;
        return 200 "user=[$partoo_tryout_user_id]\n";
    }
--- request
GET /other
--- response_headers
!X-Org
--- response_body
user=[]



=== TEST 10: the rate limit: 1r/m per org, the second request is 429 with Retry-After: 60 and a JSON body
--- http_config
    limit_req_zone $partoo_tryout_org_id zone=tryout_per_org_10:1m rate=1r/m;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;

        limit_req zone=tryout_per_org_10;
        limit_req_status 429;
        error_page 429 = @partoo_429;
    }

    location @partoo_429 {
        default_type application/json;
        add_header Retry-After 60 always;
        return 429 '{"errors":{"json":"too many requests"}}';
    }
--- request eval
["POST /v2/webhooks/tryout\n{}", "POST /v2/webhooks/tryout\n{}"]
--- error_code eval
[400, 429]
--- response_headers eval
["!Retry-After", "Retry-After: 60\nContent-Type: application/json"]
--- response_body eval
['{"errors":{"json":{"items":"is required"}}}',
 '{"errors":{"json":"too many requests"}}']



=== TEST 11: the limit is per org: another org keeps its own budget
--- http_config
    limit_req_zone $partoo_tryout_org_id zone=tryout_per_org_11:1m rate=1r/m;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;

        limit_req zone=tryout_per_org_11;
        limit_req_status 429;
        error_page 429 = @partoo_429;
    }

    location @partoo_429 {
        default_type application/json;
        add_header Retry-After 60 always;
        return 429 '{"errors":{"json":"too many requests"}}';
    }
--- request eval
["POST /v2/webhooks/tryout\n{}", "POST /v2/webhooks/tryout\n{}",
 "POST /v2/webhooks/tryout\n{}", "POST /v2/webhooks/tryout?org_id=43\n{}",
 "POST /v2/webhooks/tryout?org_id=42\n{}"]
--- more_headers eval
["Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_admin}[0]",
 "Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{org_manager}[0]",
 "Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{other_org}[0]",
 "Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]",
 "Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{provider}[0]"]
--- error_code eval
[400, 429, 400, 400, 429]
--- response_body eval
['{"errors":{"json":{"items":"is required"}}}',
 '{"errors":{"json":"too many requests"}}',
 '{"errors":{"json":{"items":"is required"}}}',
 '{"errors":{"json":{"items":"is required"}}}',
 '{"errors":{"json":"too many requests"}}']



=== TEST 12: unauthenticated requests have no org: they are never limited, always 401
--- http_config
    limit_req_zone $partoo_tryout_org_id zone=tryout_per_org_12:1m rate=1r/m;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;

        limit_req zone=tryout_per_org_12;
        limit_req_status 429;
        error_page 429 = @partoo_429;
    }

    location @partoo_429 {
        default_type application/json;
        add_header Retry-After 60 always;
        return 429 '{"errors":{"json":"too many requests"}}';
    }
--- request eval
["POST /v2/webhooks/tryout\n{}", "POST /v2/webhooks/tryout\n{}",
 "POST /v2/webhooks/tryout\n{}"]
--- no_api_key
--- error_code eval
[401, 401, 401]
--- response_body eval
['{"errors":{"authentication":"User not authenticated"}}',
 '{"errors":{"authentication":"User not authenticated"}}',
 '{"errors":{"authentication":"User not authenticated"}}']
--- no_error_log
limiting requests



=== TEST 13: a 429 still knows the org and user: the context outlives error_page's redirect
--- http_config
    limit_req_zone $partoo_tryout_org_id zone=tryout_per_org_13:1m rate=1r/m;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;

        limit_req zone=tryout_per_org_13;
        limit_req_status 429;
        error_page 429 = @partoo_429;
    }

    location @partoo_429 {
        default_type application/json;
        add_header Retry-After 60 always;
        add_header X-Org $partoo_tryout_org_id always;
        add_header X-User $partoo_tryout_user_id always;
        return 429 '{"errors":{"json":"too many requests"}}';
    }
--- request eval
["POST /v2/webhooks/tryout\n{}", "POST /v2/webhooks/tryout\n{}"]
--- error_code eval
[400, 429]
--- response_headers eval
["!X-Org", "X-Org: 42\nX-User: u-admin\nRetry-After: 60"]
--- response_body eval
['{"errors":{"json":{"items":"is required"}}}',
 '{"errors":{"json":"too many requests"}}']
