# What "nginx -t" says about the payload, samples, zone and signing directives:
# each bad value is refused with a message that names the directive, the
# value or file, and the problem.  Plain Test::More: it writes configs and
# runs $TEST_NGINX_BINARY -t itself, under valgrind too when
# TEST_NGINX_USE_VALGRIND is set.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }

use Cwd qw(getcwd);
use File::Spec;
use File::Temp qw(tempdir);
use Test::More;

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = map { File::Spec->rel2abs($_) }
              grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';
my $dir = tempdir('partoo-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $repo = getcwd();

my $valgrind = $ENV{TEST_NGINX_USE_VALGRIND}
               && eval { require Test::Nginx::Runner::Valgrind; 1 };

my $events = 'business_created, business_updated, business_deleted, '
             . 'message_updated, message_created, lead_received';

sub write_file {
    my ($name, $data) = @_;

    my $path = "$dir/$name";

    open my $fh, '>:raw', $path or die "cannot write $path: $!";
    print $fh $data;
    close $fh;

    return $path;
}

sub openssl {
    my ($cmd) = @_;

    system("openssl $cmd >/dev/null 2>&1") == 0
        or die "openssl $cmd failed\n";
}

# The files the directives are pointed at.

openssl("genpkey -algorithm ed25519 -out $dir/ed25519.pem");
openssl("pkey -in $dir/ed25519.pem -pubout -out $dir/ed25519.pub");
openssl("genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret "
        . "-out $dir/encrypted.pem");
openssl("genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 "
        . "-out $dir/rsa.pem");

write_file('garbage.pem', "not a key at all\n");
write_file('lead.json', qq({"id":7,"source":"form"}\n));
write_file('envelope.json',
           qq({"type": "lead_received", "payload": {"id": 8}}\n));
write_file('big.json', '{"pad":"' . ('a' x 65527) . '"}');
write_file('fits.json', '{"pad":"' . ('a' x 65526) . '"}');
write_file('broken.json', qq({"id": 1,\n "source": }\n));
write_file('array.json', qq([{"id": 1}]\n));
write_file('dup.json', qq({"id": 1, "id": 2}\n));
write_file('empty.json', '');
write_file('deep.json', '{"a":' . ('[' x 32) . (']' x 32) . '}');
write_file('created.json',
           qq({"type":"business_created","payload":{"business":{}}}));
mkdir "$dir/adir";

# A config with the module loaded and $http inside http{}; $loc goes in
# a location of a server.
sub conf_test {
    my ($http, $loc, $server) = @_;

    my $conf = join '', map { "load_module $_;\n" } @modules;

    $conf .= <<"_EOC_";
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    $http
    server {
        listen 127.0.0.1:4999;
        ${\ ($server // '')}
        location = /t {
            $loc
        }
    }
}
_EOC_

    my $file = write_file('nginx.conf', $conf);

    my @cmd = ($nginx, '-p', "$dir/", '-c', $file, '-t');

    if ($valgrind) {
        unshift @cmd, Test::Nginx::Runner::Valgrind::command_prefix(
                          log_file     => "$dir/valgrind.log",
                          suppressions => "$repo/valgrind.suppress");
        unlink "$dir/valgrind.log";
    }

    my $out = qx{@cmd 2>&1};
    my $status = $? >> 8;

    if ($valgrind) {
        open my $fh, '<', "$dir/valgrind.log" or die "no valgrind log: $!";
        my $log = do { local $/; <$fh> };
        my @problems = Test::Nginx::Runner::Valgrind::problems($log, 1);
        ok(!@problems, "valgrind is clean") or diag("@problems\n$log");
    }

    return ($status, $out);
}

sub conf_ok {
    my ($name, $http, $loc, $server) = @_;

    my ($status, $out) = conf_test($http, $loc, $server);

    is($status, 0, "$name: nginx -t passes") or diag($out);
    like($out, qr/test is successful/, "$name: test is successful");
}

# $expect: the text the "[emerg]" line must hold, or a qr// for it; the
# line must end with " in <nginx.conf>:<line>" unless $no_line.
sub conf_fails {
    my ($name, $http, $loc, $expect, $server, $no_line) = @_;

    my ($status, $out) = conf_test($http, $loc, $server);

    isnt($status, 0, "$name: nginx -t fails");

    my $re = ref $expect ? $expect : qr/\Q$expect\E/;
    my $at = $no_line ? qr// : qr/ in \Q$dir\E\/nginx\.conf:\d+$/m;

    like($out, qr/\[emerg\] (?:\d+#\d+: )?.*$re.*$at/m, "$name: says why")
        or diag($out);
}

my $zone = 'partoo_tryout_samples_zone zone=samples:64k;';

# partoo_tryout needs its keys zone
write_file('keys.json', '{"keys":[{"key_sha256":"' . ('0' x 64) . '",'
                        . '"user_id":"u","role":"ORG_ADMIN","org_id":1}]}');
my $keys = "partoo_tryout_keys_zone zone=keys:1m file=$dir/keys.json;";
my $tryout = 'partoo_tryout keys=keys';
my $dp = 'partoo_tryout_default_payload';
my $sk = 'partoo_tryout_signing_key';

# partoo_tryout_default_payload

conf_ok('an override file', '', "$dp lead_received $dir/lead.json;");

conf_ok('an override file relative to the prefix', '',
        "$dp lead_received lead.json;");

conf_ok('an override holding the whole envelope of its event', '',
        "$dp lead_received $dir/envelope.json;");

conf_ok('overrides at every level',
        "$dp lead_received $dir/lead.json;",
        "$dp business_created $dir/created.json;",
        "$dp message_created $dir/lead.json;");

conf_fails('an unknown event type', '', "$dp lead $dir/lead.json;",
           qq("$dp": invalid event type "lead", must be one of: $events));

conf_fails('a missing file', '', "$dp lead_received $dir/nope.json;",
           qq("$dp": open() "$dir/nope.json" failed )
           . '(2: No such file or directory)');

conf_fails('a directory', '', "$dp lead_received $dir/adir;",
           qq("$dp": "$dir/adir" is not a regular file));

conf_fails('a file over 64k', '', "$dp lead_received $dir/big.json;",
           qq("$dp": "$dir/big.json" is 65537 bytes, )
           . 'more than the 65536 a payload may have');

conf_ok('a file of exactly 64k', '', "$dp lead_received $dir/fits.json;");

conf_fails('a file that is not JSON', '',
           "$dp lead_received $dir/broken.json;",
           qr/"$dp lead_received": "\Q$dir\E\/broken\.json": invalid JSON: (?#
              )unexpected token near '\}' at line 2, column 12/);

conf_fails('an empty file', '', "$dp lead_received $dir/empty.json;",
           qq("$dir/empty.json": invalid JSON: ));

conf_fails('an array', '', "$dp lead_received $dir/array.json;",
           qq("$dir/array.json": not a JSON object));

conf_fails('duplicate keys', '', "$dp lead_received $dir/dup.json;",
           qq("$dir/dup.json": invalid JSON: duplicate object key));

conf_fails('nesting deeper than 32', '',
           "$dp lead_received $dir/deep.json;",
           qq("$dir/deep.json": JSON nested deeper than 32 levels));

conf_fails('the envelope of another event', '',
           "$dp lead_received $dir/created.json;",
           qq("$dp lead_received": "$dir/created.json" holds a )
           . '"business_created" payload');

conf_fails('the same event twice in one place', '',
           "$dp lead_received $dir/lead.json;\n"
           . "$dp lead_received $dir/lead.json;",
           qq("$dp lead_received" is duplicate));

conf_fails('a missing argument', '', "$dp lead_received;",
           qq(invalid number of arguments in "$dp" directive));

# partoo_tryout_signing_key

conf_ok('an Ed25519 private key', '', "$sk $dir/ed25519.pem;");

conf_ok('a key at http level, off in a location',
        "$sk $dir/ed25519.pem;", "$sk off;");

conf_fails('a missing key file', '', "$sk $dir/nope.pem;",
           qq("$sk" "$dir/nope.pem": cannot open: No such file or directory));

conf_fails('a directory for a key', '', "$sk $dir/adir;",
           qq("$sk" "$dir/adir": not a regular file));

conf_fails('a public key', '', "$sk $dir/ed25519.pub;",
           qq("$sk" "$dir/ed25519.pub": public key, expected an Ed25519 )
           . 'private key');

conf_fails('an RSA key', '', "$sk $dir/rsa.pem;",
           qq("$sk" "$dir/rsa.pem": RSA key, expected an Ed25519 private ));

conf_fails('an encrypted key', '', "$sk $dir/encrypted.pem;",
           qq("$sk" "$dir/encrypted.pem": encrypted private key, a )
           . 'passphrase cannot be given');

conf_fails('a file that is no PEM', '', "$sk $dir/garbage.pem;",
           qq("$sk" "$dir/garbage.pem": not a PEM file));

conf_fails('two keys in one place', '',
           "$sk $dir/ed25519.pem;\n$sk $dir/ed25519.pem;",
           qq("$sk" directive is duplicate));

SKIP: {
    skip 'root reads any file', 2 if $> == 0;

    openssl("genpkey -algorithm ed25519 -out $dir/secret.pem");
    chmod 0000, "$dir/secret.pem";

    conf_fails('an unreadable key', '', "$sk $dir/secret.pem;",
               qq("$sk" "$dir/secret.pem": cannot open: Permission denied));
}

# partoo_tryout_samples_zone

conf_ok('a samples zone, its API and a tryout using it', "$keys\n$zone",
        "$tryout samples=samples;",
        "location = /samples { partoo_tryout_samples_api samples; }");

conf_ok('the zone declared after its users', $keys,
        "$tryout samples=samples;",
        "location = /samples { partoo_tryout_samples_api samples; }\n"
        . "} $zone server { listen 127.0.0.1:4998;");

conf_fails('no zone parameter', 'partoo_tryout_samples_zone samples:64k;',
           '', 'invalid parameter "samples:64k"');

# both zone directives read "zone=NAME:SIZE" alike and say the same

for my $d ('partoo_tryout_samples_zone %s;',
           "partoo_tryout_keys_zone %s file=$dir/keys.json;")
{
    my ($directive) = $d =~ /^(\S+)/;

    conf_fails("$directive: a zone without a size", sprintf($d, 'zone=s'),
               '', 'invalid zone size "zone=s"');

    conf_fails("$directive: a zone with a bad size",
               sprintf($d, 'zone=s:lots'), '', 'invalid zone "zone=s:lots"');

    conf_fails("$directive: a zone without a name",
               sprintf($d, 'zone=:1m'), '', 'invalid zone "zone=:1m"');

    conf_fails("$directive: a zone too small", sprintf($d, 'zone=s:16k'),
               '', 'zone "zone=s:16k" is too small, at least 32k');
}

conf_fails('the same zone twice', "$zone\n$zone", '',
           'partoo_tryout_samples_zone "samples" is duplicate');

conf_fails('a zone name another module uses',
           "limit_req_zone \$binary_remote_addr zone=samples:64k rate=1r/s;"
           . "\n$zone", '',
           'the shared memory zone "samples" is already declared for a '
           . 'different use');

conf_fails('a zone in a server block', '', '',
           '"partoo_tryout_samples_zone" directive is not allowed here',
           $zone);

# partoo_tryout_samples_api and partoo_tryout samples=: an unknown zone is
# found once the http block is read, and named with where it was used

conf_fails('the API of an unknown zone', $zone,
           'partoo_tryout_samples_api nope;',
           '"partoo_tryout_samples_api" names an unknown samples zone "nope" '
           . "in $dir/nginx.conf:", undef, 1);

conf_fails('a tryout with an unknown zone', "$keys\n$zone",
           "$tryout samples=nope;",
           '"partoo_tryout" names an unknown samples zone "nope" '
           . "in $dir/nginx.conf:", undef, 1);

conf_fails('a tryout with an empty zone name', "$keys\n$zone",
           "$tryout samples=;",
           '"partoo_tryout": empty samples zone name');

conf_fails('a tryout naming its zone twice', "$keys\n$zone",
           "$tryout samples=samples samples=samples;",
           'duplicate parameter "samples=samples" in "partoo_tryout"');

conf_fails('a tryout naming its keys twice', "$keys\n$zone",
           "$tryout samples=samples keys=keys;",
           'duplicate parameter "keys=keys" in "partoo_tryout"');

# samples_source=URI [samples_ttl=TIME]: the source needs a zone to keep
# what it answered, the TTL a source; the URI is one of this server's

conf_ok('a samples source with its TTL', "$keys\n$zone",
        "$tryout samples=samples samples_source=/source samples_ttl=30s;");

conf_ok('a samples source with the default TTL', "$keys\n$zone",
        "$tryout samples=samples samples_source=/partoo/samples;");

conf_fails('a samples source without a samples zone', "$keys\n$zone",
           "$tryout samples_source=/source;",
           '"samples_source" in "partoo_tryout" requires "samples=NAME": '
           . 'the zone keeps what the source answered');

conf_fails('a TTL without a samples source', "$keys\n$zone",
           "$tryout samples=samples samples_ttl=1m;",
           '"samples_ttl" in "partoo_tryout" requires "samples_source=URI"');

conf_fails('a samples source that is no URI', "$keys\n$zone",
           "$tryout samples=samples samples_source=http://backend/s;",
           'invalid "samples_source=http://backend/s" in "partoo_tryout": '
           . 'must be a URI starting with "/", without arguments');

conf_fails('a samples source with its own arguments', "$keys\n$zone",
           "$tryout samples=samples samples_source=/source?a=1;",
           'invalid "samples_source=/source?a=1" in "partoo_tryout": '
           . 'must be a URI starting with "/", without arguments');

conf_fails('an empty samples source', "$keys\n$zone",
           "$tryout samples=samples samples_source=;",
           'invalid "samples_source=" in "partoo_tryout": '
           . 'must be a URI starting with "/", without arguments');

conf_fails('a samples source twice', "$keys\n$zone",
           "$tryout samples=samples samples_source=/a samples_source=/b;",
           'duplicate parameter "samples_source=/b" in "partoo_tryout"');

conf_fails('a bad samples TTL', "$keys\n$zone",
           "$tryout samples=samples samples_source=/s samples_ttl=soon;",
           'invalid "samples_ttl=soon" in "partoo_tryout": '
           . 'must be a time such as 1m');

conf_fails('a zero samples TTL', "$keys\n$zone",
           "$tryout samples=samples samples_source=/s samples_ttl=0s;",
           'invalid "samples_ttl=0s" in "partoo_tryout": '
           . 'must be a time such as 1m');

conf_fails('a samples TTL twice', "$keys\n$zone",
           "$tryout samples=samples samples_source=/s samples_ttl=1s "
           . "samples_ttl=2s;",
           'duplicate parameter "samples_ttl=2s" in "partoo_tryout"');

conf_fails('a tryout with an unknown parameter', "$keys\n$zone",
           "$tryout sample=samples;",
           'invalid parameter "sample=samples" in "partoo_tryout"');

conf_fails('the API with a bad max_size', $zone,
           'partoo_tryout_samples_api samples max_size=big;',
           'invalid max_size "max_size=big" in "partoo_tryout_samples_api"');

conf_fails('the API with an unknown parameter', $zone,
           'partoo_tryout_samples_api samples size=1k;',
           'invalid parameter "size=1k" in "partoo_tryout_samples_api"');

conf_fails('the API twice in one location', $zone,
           "partoo_tryout_samples_api samples;\n"
           . "partoo_tryout_samples_api samples;",
           '"partoo_tryout_samples_api" directive is duplicate');

done_testing();
