# Configuration: partoo_tryout keys=, partoo_tryout_keys_zone and
# partoo_tryout_roles, and every way a key file can be wrong.  nginx must
# refuse to start ("nginx -t" says the same) with one line naming the key
# file, the entry ("keys[N]", counted from 0) and the problem.

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

=== TEST 1: partoo_tryout without keys= fails: an endpoint that calls caller-chosen URLs must authenticate
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"partoo_tryout" must have "keys=NAME": an endpoint that sends requests to the URLs its callers choose must authenticate them in \S+nginx\.conf:\d+$}



=== TEST 2: an unknown partoo_tryout parameter fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys colour=blue;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "colour=blue" in }



=== TEST 3: keys= with no name fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid keys zone name "keys=" in }



=== TEST 4: keys= naming a zone nobody declares fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=nope;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"partoo_tryout" uses keys "nope", which no "partoo_tryout_keys_zone" declares}



=== TEST 5: partoo_tryout_keys_zone without file= fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "partoo_tryout_keys_zone" directive}



=== TEST 6: partoo_tryout_keys_zone with file= but no zone= fails
--- http_config
    partoo_tryout_keys_zone file=../html/tryout-keys.json file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"partoo_tryout_keys_zone" must have "zone" parameter}



=== TEST 7: partoo_tryout_keys_zone with an unknown parameter fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m mode=fast;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "mode=fast"}



=== TEST 8: a zone without a size fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid zone size "zone=tryout_keys"}



=== TEST 9: a zone under 8 pages fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:16k file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*zone "zone=tryout_keys:16k" is too small, at least 32k in }



=== TEST 10: the same zone declared twice fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*duplicate zone "tryout_keys"}



=== TEST 11: partoo_tryout_keys_zone is not allowed in a server
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    partoo_tryout_keys_zone zone=other_keys:1m file=../html/tryout-keys.json;
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"partoo_tryout_keys_zone" directive is not allowed here}



=== TEST 12: partoo_tryout_roles with an unknown role fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_roles ORG_ADMIN ADMIN;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown role "ADMIN" in "partoo_tryout_roles": one of PROVIDER, ORG_ADMIN, ORG_MANAGER, GROUP_MANAGER, BUSINESS_MANAGER, PUBLISHER in }



=== TEST 13: partoo_tryout_roles are upper case: org_admin fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_roles org_admin;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown role "org_admin" in "partoo_tryout_roles"}



=== TEST 14: a key file that does not exist fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/missing.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*\/html\/missing\.json": open\(\) failed \(2: No such file or directory\) in }



=== TEST 15: a key file that is a directory fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/keys.d;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> keys.d/placeholder
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*\/html\/keys\.d": not a regular file in }



=== TEST 16: invalid JSON fails with its line and column
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
  {"key_sha256": "09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef",}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 2, column \d+: .* in }



=== TEST 17: an empty file is invalid JSON
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json

--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line}



=== TEST 18: a top-level list fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
[{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}]
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": must be an object with a "keys" list in }



=== TEST 19: "keys" that is not a list fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": must be an object with a "keys" list}



=== TEST 20: no "keys" fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"key":[{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": must be an object with a "keys" list}



=== TEST 21: an entry that is not an object fails, with its index
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa"
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: must be an object in \S+nginx\.conf:\d+$}



=== TEST 22: a missing key_sha256 fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: "key_sha256" is required in \S+nginx\.conf:\d+$}



=== TEST 23: key and key_sha256 together fail
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key":"k","key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: has both "key" and "key_sha256" in \S+nginx\.conf:\d+$}



=== TEST 24: a short digest (63 hex digits) fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcff","user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: "key_sha256" must be 64 hexadecimal digits in \S+nginx\.conf:\d+$}



=== TEST 25: a long digest (65 hex digits) fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa0","user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "key_sha256" must be 64 hexadecimal digits in \S+nginx\.conf:\d+$}



=== TEST 26: a non-hex digest fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"g9bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: "key_sha256" must be 64 hexadecimal digits in \S+nginx\.conf:\d+$}



=== TEST 27: a digest that is not a string fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":42,"user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "key_sha256" must be 64 hexadecimal digits in \S+nginx\.conf:\d+$}



=== TEST 28: an empty plaintext key fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key":"","user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "key" must be a non-empty string in \S+nginx\.conf:\d+$}



=== TEST 29: a missing user_id fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "user_id" is required in \S+nginx\.conf:\d+$}



=== TEST 30: a user_id with a space fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u 2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "user_id" must be 1 to 255 printable ASCII characters without spaces in \S+nginx\.conf:\d+$}



=== TEST 31: a user_id of 256 characters fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "user_id" must be 1 to 255 printable ASCII characters without spaces in \S+nginx\.conf:\d+$}



=== TEST 32: a numeric user_id fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":12,"role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "user_id" must be 1 to 255 printable ASCII characters without spaces in \S+nginx\.conf:\d+$}



=== TEST 33: a missing role fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: "role" is required in \S+nginx\.conf:\d+$}



=== TEST 34: an unknown role fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: unknown role "ADMIN" in \S+nginx\.conf:\d+$}



=== TEST 35: roles are upper case: org_admin is unknown
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"org_admin","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: unknown role "org_admin" in \S+nginx\.conf:\d+$}



=== TEST 36: a role that is not a string fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":1,"org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "role" must be a string in \S+nginx\.conf:\d+$}



=== TEST 37: a missing org_id fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ORG_MANAGER"}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: "org_id" is required in \S+nginx\.conf:\d+$}



=== TEST 38: org_id 0 fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ORG_ADMIN","org_id":0}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "org_id" must be a positive integer in \S+nginx\.conf:\d+$}



=== TEST 39: org_id as a string fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ORG_ADMIN","org_id":"42"}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "org_id" must be a positive integer in \S+nginx\.conf:\d+$}



=== TEST 40: org_id 4.2 fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ORG_ADMIN","org_id":4.2}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "org_id" must be a positive integer in \S+nginx\.conf:\d+$}



=== TEST 41: a PROVIDER without org_ids fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"p-2","role":"PROVIDER"}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: "org_ids" is required for a PROVIDER in \S+nginx\.conf:\d+$}



=== TEST 42: a PROVIDER with empty org_ids fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"p-2","role":"PROVIDER","org_ids":[]}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "org_ids" must be a non-empty list of positive integers in \S+nginx\.conf:\d+$}



=== TEST 43: a PROVIDER with a string among its org_ids fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"p-2","role":"PROVIDER","org_ids":[42,"43"]}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: "org_ids" must be a non-empty list of positive integers in \S+nginx\.conf:\d+$}



=== TEST 44: a PROVIDER with org_id instead of org_ids fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"p-2","role":"PROVIDER","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: a PROVIDER has "org_ids", not "org_id" in \S+nginx\.conf:\d+$}



=== TEST 45: an ORG_ADMIN with org_ids fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ORG_ADMIN","org_id":42,"org_ids":[42]}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: only a PROVIDER has "org_ids" in \S+nginx\.conf:\d+$}



=== TEST 46: the same digest twice fails, naming both entries
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-2","role":"ORG_ADMIN","org_id":42},
{"key_sha256":"09BED00560DF1D318133A0021414B7FFE42A245F8C75C54FD356AC1CA53506EF","user_id":"u-3","role":"PUBLISHER","org_id":7}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[2\]: the same key as keys\[0\] in \S+nginx\.conf:\d+$}



=== TEST 47: a plaintext key and its own digest are the same key; the key is not logged
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
{"key":"tryout-key-org-admin","user_id":"u-2","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[1\]: the same key as keys\[0\] in \S+nginx\.conf:\d+$}
--- no_error_log
tryout-key-org-admin



=== TEST 48: a field twice in one entry is invalid JSON
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[{"key_sha256":"d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa","user_id":"u-1","user_id":"u-2","role":"ORG_ADMIN","org_id":42}]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 1, column \d+: duplicate object key}



=== TEST 49: a zone too small for its keys fails, saying how many fit and what size would do
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/big.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files eval
[["big.json", PartooTryout::key_file(map { ["k$_", "u-$_", "ORG_ADMIN", $_] } 1 .. 20000)]]
--- must_die
--- error_log eval
qr{\[emerg\] .*partoo_tryout_keys_zone "tryout_keys" is too small for the 20000 keys of "[^"]*\/html\/big\.json": it has room for about \d+, since a reload builds the new keys beside the current ones; use at least 3m$}



=== TEST 50: the load is logged: zone, key count, file, time and zone use
--- request
POST /v2/webhooks/tryout
{}
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- error_log eval
qr{\[notice\] .*partoo_tryout_keys_zone "tryout_keys": 7 keys from "[^"]*/html/tryout-keys\.json", parsed in \d+ms, stored in \d+ms, \d+K of \d+K used$}



=== TEST 51: a plaintext key is accepted, hashed, and warned about by user_id; the key is never logged
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/plain.json;
--- user_files
>>> plain.json
{"keys":[
{"key":"tryout-plain-secret","user_id":"u-plain","role":"ORG_ADMIN","org_id":42}
]}
--- request
POST /v2/webhooks/tryout
{}
--- more_headers
Content-Type: application/json
x-APIKey: tryout-plain-secret
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- error_log eval
qr{\[warn\] .*key file "[^"]*/html/plain\.json", keys\[0\] \(user_id "u-plain"\): plaintext "key" hashed at load; store its "key_sha256" instead$}
--- no_error_log eval
[qr/\[error\]/,
 qr/\[(?:info|notice|warn|error|crit|alert|emerg)\].*tryout-plain-secret/]



=== TEST 52: the same file stored as a digest: no warning
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/hashed.json;
--- user_files eval
[["hashed.json",
  PartooTryout::key_file(["tryout-plain-secret", "u-plain", "ORG_ADMIN", 42])]]
--- request
POST /v2/webhooks/tryout
{}
--- more_headers
Content-Type: application/json
x-APIKey: tryout-plain-secret
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- no_error_log
plaintext
[error]



=== TEST 53: many plaintext keys: 16 warnings, then a count
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/plain.json;
--- user_files eval
[["plain.json",
  '{"keys":[' . CORE::join(',', map { qq({"key":"plain-$_","user_id":"u-$_",)
                                . qq("role":"ORG_ADMIN","org_id":42}) }
                          0 .. 19) . ']}']]
--- request
POST /v2/webhooks/tryout
{}
--- more_headers
Content-Type: application/json
x-APIKey: plain-19
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- error_log eval
[qr{keys\[15\] \(user_id "u-15"\): plaintext "key" hashed at load},
 qr{key file "[^"]*/html/plain\.json": 4 more plaintext keys$}]
--- no_error_log
keys[16] (user_id



=== TEST 54: an empty key list is valid: nginx starts and every key is refused
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/empty.json;
--- user_files
>>> empty.json
{"keys":[]}
--- request
POST /v2/webhooks/tryout
{}
--- error_code: 401
--- response_body chomp
{"errors":{"authentication":"User not authenticated"}}
--- error_log
partoo_tryout_keys_zone "tryout_keys": 0 keys from



=== TEST 55: an upper-case digest, unknown fields and repeated org_ids are accepted
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/k.json;
--- user_files eval
[["k.json",
  '{"comment":"test keys","keys":[{"key_sha256":"'
  . uc(Digest::SHA::sha256_hex("tryout-key-x")) . '","user_id":"p-x",'
  . '"role":"PROVIDER","org_ids":[43,42,43,42],"note":"reseller"}]}']]
--- request
POST /v2/webhooks/tryout?org_id=43
{}
--- more_headers
Content-Type: application/json
x-APIKey: tryout-key-x
--- error_code: 400
--- response_body chomp
{"errors":{"json":{"items":"is required"}}}
--- no_error_log
[error]
[warn]



=== TEST 56: two zones, two locations: each location knows only its zone's keys
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
    partoo_tryout_keys_zone zone=staff_keys:1m file=../html/staff.json;
--- user_files eval
[["staff.json",
  PartooTryout::key_file(["staff-key", "u-staff", "ORG_ADMIN", 42])]]
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
    location = /staff/tryout {
        partoo_tryout keys=staff_keys;
    }
--- request eval
["POST /v2/webhooks/tryout\n{}", "POST /staff/tryout\n{}",
 "POST /v2/webhooks/tryout\n{}", "POST /staff/tryout\n{}"]
--- more_headers eval
["Content-Type: application/json\nx-APIKey: staff-key",
 "Content-Type: application/json\nx-APIKey: staff-key",
 "Content-Type: application/json\nx-APIKey: $PartooTryout::API_KEY",
 "Content-Type: application/json\nx-APIKey: $PartooTryout::API_KEY"]
--- error_code eval
[401, 400, 400, 401]
--- response_body eval
['{"errors":{"authentication":"User not authenticated"}}',
 '{"errors":{"json":{"items":"is required"}}}',
 '{"errors":{"json":{"items":"is required"}}}',
 '{"errors":{"authentication":"User not authenticated"}}']



=== TEST 57: one zone serves two locations with their own roles
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
    location = /readonly/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_roles PUBLISHER;
    }
--- request eval
["POST /v2/webhooks/tryout\n{}", "POST /readonly/tryout\n{}"]
--- more_headers eval
["Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{publisher}[0]",
 "Content-Type: application/json\nx-APIKey: $PartooTryout::KEYS{publisher}[0]"]
--- error_code eval
[403, 400]
--- response_body eval
['{"errors":{"authorization":"Operation not allowed"}}',
 '{"errors":{"json":{"items":"is required"}}}']



=== TEST 58: a trailing comma in the list is invalid JSON, placed at its line and column
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42},
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 3, column 1: invalid syntax in \S+nginx\.conf:\d+$}



=== TEST 59: a missing comma between entries is invalid JSON
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 3, column 1: \',\' or \']\' expected in \S+nginx\.conf:\d+$}



=== TEST 60: text after the object is invalid JSON
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}]}
more
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 2, column 1: end of file expected in \S+nginx\.conf:\d+$}



=== TEST 61: an unterminated object is invalid JSON
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}]
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 2, column 1: \',\' or \'\}\' expected near end of file in \S+nginx\.conf:\d+$}



=== TEST 62: "keys" twice fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[],"keys":[{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG_ADMIN","org_id":42}]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": "keys" appears twice in \S+nginx\.conf:\d+$}



=== TEST 63: invalid UTF-8 in a plaintext key is invalid JSON
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[{"key":"ÿ","user_id":"u-1","role":"ORG_ADMIN","org_id":42}]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 1, column 17: invalid UTF-8 in \S+nginx\.conf:\d+$}



=== TEST 64: another top-level member must be valid JSON too
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"comment": tru, "keys":[]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json": invalid JSON at line 1, column 15: invalid syntax in \S+nginx\.conf:\d+$}



=== TEST 65: role names match whole: "ORG" is no role, though ORG_ADMIN starts with it
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"ORG","org_id":42}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: unknown role "ORG" in \S+nginx\.conf:\d+$}



=== TEST 66: the empty role is no role, though every name starts with it
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/bad.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
--- user_files
>>> bad.json
{"keys":[
{"key_sha256":"09bed00560df1d318133a0021414b7ffe42a245f8c75c54fd356ac1ca53506ef","user_id":"u-1","role":"","org_ids":[42]}
]}
--- must_die
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/bad\.json", keys\[0\]: unknown role "" in \S+nginx\.conf:\d+$}



=== TEST 67: partoo_tryout_roles matches names whole: ORG fails
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:1m file=../html/tryout-keys.json;
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_roles ORG;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown role "ORG" in "partoo_tryout_roles": one of PROVIDER, ORG_ADMIN, ORG_MANAGER, GROUP_MANAGER, BUSINESS_MANAGER, PUBLISHER in \S+nginx\.conf:\d+$}
