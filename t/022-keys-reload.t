# Reload (SIGHUP): the new key file replaces the key set at once for every
# worker, old ones included; a bad file, or one the zone cannot hold, is
# refused by nginx and the previous keys stay in force.
#
# Keys: A and B in the first file, A and C in the second.

use strict;
use warnings;

BEGIN {
    $ENV{TEST_NGINX_USE_HUP} = 1;
    push @INC, 't/lib';
}

use Test::Nginx::Socket 'no_plan';
use PartooTryout;

our $V1 = PartooTryout::key_file(['reload-key-a', 'u-a', 'ORG_ADMIN', 42],
                                 ['reload-key-b', 'u-b', 'ORG_ADMIN', 42]);
our $V2 = PartooTryout::key_file(['reload-key-a', 'u-a', 'ORG_ADMIN', 42],
                                 ['reload-key-c', 'u-c', 'ORG_ADMIN', 42]);

our $ZONE = "    partoo_tryout_keys_zone zone=tryout_keys:1m "
            . "file=../html/reload.json;\n";

our @ABC = ("POST /v2/webhooks/tryout\n{}") x 3;

sub headers {
    return [map { "Content-Type: application/json\nx-APIKey: reload-key-$_" }
            @_];
}

our $OK = '{"errors":{"json":{"items":"is required"}}}';
our $NO = '{"errors":{"authentication":"User not authenticated"}}';

no_shuffle();
no_long_string();
check_accum_error_log();
tryout_defaults();
run_tests();

__DATA__

=== TEST 1: the first file: A and B are accepted, C is not
--- http_config eval: $::ZONE
--- user_files eval
[["reload.json", $::V1]]
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[400, 400, 401]
--- response_body eval
[$::OK, $::OK, $::NO]



=== TEST 2: reloaded with A and C: B, removed, is refused, C, new, accepted
--- http_config eval: $::ZONE
--- user_files eval
[["reload.json", $::V2]]
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[400, 401, 400]
--- response_body eval
[$::OK, $::NO, $::OK]
--- error_log
partoo_tryout_keys_zone "tryout_keys": 2 keys from



=== TEST 3: a reload with a bad key file is refused, and A and C stay in force
--- http_config eval: $::ZONE
--- user_files eval
[["reload.json", $::V2]]
--- init
PartooTryout::rewrite_and_hup(server_root(), 'reload.json',
    '{"keys":[{"key":"reload-key-b","user_id":"u-b","role":"ADMIN",'
    . '"org_id":42}]}', qr/\[emerg\]/);
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[400, 401, 400]
--- response_body eval
[$::OK, $::NO, $::OK]
--- error_log eval
qr{\[emerg\] .*key file "[^"]*/html/reload\.json", keys\[0\]: unknown role "ADMIN"}



=== TEST 4: a reload with more keys than the zone holds is refused, and A and C stay
--- http_config eval: $::ZONE
--- user_files eval
[["reload.json", $::V2]]
--- init
PartooTryout::rewrite_and_hup(server_root(), 'reload.json',
    PartooTryout::key_file(map { ["k$_", "u-$_", 'ORG_ADMIN', 42] }
                                1 .. 20000),
    qr/\[emerg\]/);
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[400, 401, 400]
--- response_body eval
[$::OK, $::NO, $::OK]
--- error_log eval
qr{\[emerg\] .*partoo_tryout_keys_zone "tryout_keys" is too small for the 20000 keys of}



=== TEST 5: an old worker in the middle of a request sees the new keys at once
--- http_config eval: $::ZONE
--- user_files eval
[["reload.json", $::V2]]
--- init
use IO::Socket::INET;

# a request whose headers are not complete yet: the old worker holds it
# through the reload and reads the x-APIKey after the new set is current
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                 PeerPort => $ENV{TEST_NGINX_SERVER_PORT},
                                 Timeout => 5)
    or die "connect: $!";
$sock->autoflush(1);
print $sock "POST /v2/webhooks/tryout HTTP/1.1\r\nHost: localhost\r\n";

PartooTryout::rewrite_and_hup(server_root(), 'reload.json',
    PartooTryout::key_file(['reload-key-c', 'u-c', 'ORG_ADMIN', 42]),
    qr/start worker process/);

print $sock "Content-Type: application/json\r\n"
            . "x-APIKey: reload-key-a\r\nContent-Length: 2\r\n"
            . "Connection: close\r\n\r\n{}";

local $/;
my $res = <$sock> // '';
close $sock;

Test::More::like($res, qr{^HTTP/1\.1 401 .*\r\n\r\n\Q$::NO\E$}s,
                 "TEST 5: the old worker refuses the key removed by the "
                 . "reload");
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[401, 401, 400]
--- response_body eval
[$::NO, $::NO, $::OK]



=== TEST 6: twelve reloads of a half-full zone: each old set is freed, none fails
--- http_config eval: $::ZONE
--- user_files eval
[["reload.json", $::V2]]
--- init
my $file = PartooTryout::key_file(
    ['reload-key-a', 'u-a', 'ORG_ADMIN', 42],
    map { ["k$_", "u-$_", 'ORG_ADMIN', 42] } 1 .. 3000);

for my $i (1 .. 12) {
    my $log = PartooTryout::rewrite_and_hup(server_root(), 'reload.json',
                  $file, qr/start worker process|\[emerg\]/);
    die "reload $i failed: $log" if $log =~ /\[emerg\]/;
}
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[400, 401, 401]
--- response_body eval
[$::OK, $::NO, $::NO]
--- no_error_log
[emerg]



=== TEST 7: a plaintext key added by a reload works and is warned about
--- http_config eval: $::ZONE
--- user_files
>>> reload.json
{"keys":[{"key":"reload-key-b","user_id":"u-b","role":"ORG_ADMIN","org_id":42}]}
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[401, 400, 401]
--- response_body eval
[$::NO, $::OK, $::NO]
--- error_log eval
qr{keys\[0\] \(user_id "u-b"\): plaintext "key" hashed at load}
--- no_error_log eval
qr/\[(?:info|notice|warn|error|crit|alert|emerg)\].*reload-key-b/



=== TEST 8: a new zone size makes a fresh zone with the new keys
--- http_config
    partoo_tryout_keys_zone zone=tryout_keys:2m file=../html/reload.json;
--- user_files eval
[["reload.json", $::V1]]
--- request eval: \@::ABC
--- more_headers eval: main::headers(qw(a b c))
--- error_code eval
[400, 400, 401]
--- response_body eval
[$::OK, $::OK, $::NO]
--- error_log eval
qr{partoo_tryout_keys_zone "tryout_keys": 2 keys from .* of 20\d\dK used}
