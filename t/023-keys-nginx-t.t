# "nginx -t" itself, as an operator runs it before a reload: a bad key file
# or too small a zone fails the test with exactly one [emerg] line naming
# the file, the entry and the problem; a good file passes, and a plaintext
# key warns by user_id without printing the key.
#
# Plain Test::More: the Test::Nginx blocks (t/021-keys-config.t) start
# nginx; this runs the binary with -t as is, in its own prefix.

use strict;
use warnings;

use Test::More;
use File::Path qw(make_path remove_tree);
use File::Spec;
use Digest::SHA qw(sha256_hex);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = map { File::Spec->rel2abs($_) }
              grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} || '');
my $port = ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + 11;

my $root = File::Spec->rel2abs('t/servroot-nginx-t');

remove_tree($root);
make_path("$root/conf", "$root/logs");

sub write_file {
    my ($path, $text) = @_;

    open my $out, '>', $path or die "$path: $!";
    binmode $out;
    print $out $text;
    close $out;
}

# runs "nginx -t" on a keys zone of $zone over a key file of $keys;
# returns (exit status, stderr lines)
sub nginx_t {
    my ($keys, $zone) = @_;

    write_file("$root/conf/keys.json", $keys);

    my $load = join '', map { "load_module $_;\n" } @modules;

    write_file("$root/conf/nginx.conf", <<"_EOC_");
$load
error_log $root/logs/error.log notice;
pid $root/logs/nginx.pid;
events { worker_connections 16; }
http {
    client_body_temp_path $root/logs;
    partoo_tryout_keys_zone zone=tryout_keys:${\ ($zone // '1m')}
                            file=keys.json;
    server {
        listen 127.0.0.1:$port;
        location = /v2/webhooks/tryout {
            partoo_tryout keys=tryout_keys;
        }
    }
}
_EOC_

    my $cmd = "'$nginx' -t -p '$root/' -c '$root/conf/nginx.conf' "
              . "-e '$root/logs/error.log' 2>&1";
    my @out = `$cmd`;

    return ($? >> 8, @out);
}

sub entry {
    my ($key, $user, $role, $org) = @_;

    my $orgs = ref $org ? '"org_ids":[' . join(',', @$org) . ']'
                        : "\"org_id\":$org";

    return "{\"key_sha256\":\"" . sha256_hex($key)
           . "\",\"user_id\":\"$user\",\"role\":\"$role\",$orgs}";
}

my $good = '{"keys":[' . entry('k-1', 'u-1', 'ORG_ADMIN', 42) . ','
           . entry('k-2', 'p-1', 'PROVIDER', [42, 43]) . ']}';

my ($rc, @out) = nginx_t($good);

is($rc, 0, 'a good key file passes nginx -t');
ok((grep { /test is successful/ } @out), '... and nginx says so');
ok(!(grep { /\[emerg\]/ } @out), '... with no [emerg]');

my @bad = (
    ['an unknown role',
     '{"keys":[' . entry('k-1', 'u-1', 'ORG_ADMIN', 42) . ','
     . entry('k-2', 'u-2', 'ADMIN', 42) . ']}',
     qr{^nginx: \[emerg\] key file "\Q$root\E/conf/keys\.json", keys\[1\]: unknown role "ADMIN" in \Q$root\E/conf/nginx\.conf:\d+$}],

    ['a short digest',
     '{"keys":[{"key_sha256":"' . substr(sha256_hex('k'), 1)
     . '","user_id":"u-1","role":"ORG_ADMIN","org_id":42}]}',
     qr{^nginx: \[emerg\] key file "[^"]+", keys\[0\]: "key_sha256" must be 64 hexadecimal digits in }],

    ['a duplicate key',
     '{"keys":[' . entry('k-1', 'u-1', 'ORG_ADMIN', 42) . ','
     . entry('k-2', 'u-2', 'ORG_ADMIN', 42) . ','
     . entry('k-1', 'u-3', 'ORG_ADMIN', 42) . ']}',
     qr{^nginx: \[emerg\] key file "[^"]+", keys\[2\]: the same key as keys\[0\] in }],

    ['a PROVIDER without org_ids',
     '{"keys":[{"key_sha256":"' . sha256_hex('k')
     . '","user_id":"p-1","role":"PROVIDER"}]}',
     qr{^nginx: \[emerg\] key file "[^"]+", keys\[0\]: "org_ids" is required for a PROVIDER in }],

    ['invalid JSON',
     "{\"keys\":[\n" . entry('k-1', 'u-1', 'ORG_ADMIN', 42) . ",\n]}",
     qr{^nginx: \[emerg\] key file "[^"]+": invalid JSON at line 3, column 1: }],
);

for my $case (@bad) {
    my ($what, $keys, $line) = @$case;

    ($rc, @out) = nginx_t($keys);

    isnt($rc, 0, "$what fails nginx -t");

    my @emerg = grep { /\[emerg\]/ } @out;

    is(scalar @emerg, 1, "... with one [emerg] line")
        or diag(@out);
    like($emerg[0] // '', $line, "... naming the file, entry and problem");
    ok((grep { /test failed/ } @out), '... and nginx says the test failed');
}

# a missing file

nginx_t($good);
unlink "$root/conf/keys.json";
@out = `'$nginx' -t -p '$root/' -c '$root/conf/nginx.conf' -e '$root/logs/error.log' 2>&1`;
isnt($? >> 8, 0, 'a missing key file fails nginx -t');
like((grep { /\[emerg\]/ } @out)[0] // '',
     qr{^nginx: \[emerg\] key file "\Q$root\E/conf/keys\.json": open\(\) failed \(2: No such file or directory\) in },
     '... naming the file and the error');

# too small a zone: the keys that fit and the size that would do

my $many = '{"keys":[' . join(',', map { entry("k$_", "u-$_", 'ORG_ADMIN', 42) }
                                   1 .. 20000) . ']}';

($rc, @out) = nginx_t($many, '1m');

isnt($rc, 0, 'a 1m zone for 20000 keys fails nginx -t');
is(scalar(grep { /\[emerg\]/ } @out), 1, '... with one [emerg] line');
like((grep { /\[emerg\]/ } @out)[0] // '',
     qr{^nginx: \[emerg\] partoo_tryout_keys_zone "tryout_keys" is too small for the 20000 keys of "\Q$root\E/conf/keys\.json": it has room for about (\d+), since a reload builds the new keys beside the current ones; use at least (\d+)m$},
     '... saying how many fit and the size to use');

my ($size) = (grep { /\[emerg\]/ } @out)[0] =~ /use at least (\d+)m/;

($rc, @out) = nginx_t($many, "${size}m");
is($rc, 0, "... and a ${size}m zone, the size it asks for, passes");

($rc, @out) = nginx_t($many, ($size - 1) . 'm');
isnt($rc, 0, '... while ' . ($size - 1) . 'm still fails');

# a plaintext key: accepted, warned about by user_id, never printed

($rc, @out) = nginx_t('{"keys":[{"key":"nginx-t-plain-secret","user_id":'
                      . '"u-plain","role":"ORG_ADMIN","org_id":42}]}');

is($rc, 0, 'a plaintext key passes nginx -t');
like(join('', @out),
     qr{\[warn\] key file "[^"]+", keys\[0\] \(user_id "u-plain"\): plaintext "key" hashed at load; store its "key_sha256" instead},
     '... with a warning naming the entry and its user_id');
unlike(join('', @out), qr/nginx-t-plain-secret/, '... and without the key');

my $log = do { local (@ARGV, $/) = "$root/logs/error.log"; <> };
unlike($log, qr/nginx-t-plain-secret/, '... in the error log too');

remove_tree($root);

done_testing();
