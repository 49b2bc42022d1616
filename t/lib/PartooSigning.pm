package PartooSigning;

# The signing tests' key pair and checks: setup() makes an Ed25519 key with
# the openssl command and exports its directory as $TEST_NGINX_SIGN_DIR;
# sign() is what the module must send for a body; verify_records() checks
# what the receivers got with "openssl pkeyutl -verify -rawin", as a
# receiver holding only the public key would.

use strict;
use warnings;

use File::Temp ();
use MIME::Base64 qw(encode_base64 decode_base64);
use Test::More ();
use PartooTryout::Receiver ();

# a tryout location that signs, with the samples of zone "samples"
our $SIGNED_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
    }
_EOC_

my $Dir;
my $Seq = 0;

sub openssl {
    my (@args) = @_;

    system('openssl', @args) == 0 or die "openssl @args failed\n";
}

sub setup {
    return $Dir if defined $Dir;

    $Dir = File::Temp::tempdir('partoo-sign-XXXXXX', TMPDIR => 1,
                               CLEANUP => 1);

    # read by nginx workers, whatever user they run as
    chmod 0755, $Dir;

    openssl('genpkey', '-algorithm', 'ed25519', '-out', "$Dir/ed25519.pem");
    openssl('pkey', '-in', "$Dir/ed25519.pem", '-pubout',
            '-out', "$Dir/ed25519.pub");
    chmod 0644, "$Dir/ed25519.pem";

    $ENV{TEST_NGINX_SIGN_DIR} = $Dir;

    return $Dir;
}

sub write_file {
    my ($path, $data) = @_;

    open my $fh, '>:raw', $path or die "cannot write $path: $!";
    print $fh $data;
    close $fh;
}

sub read_file {
    my ($path) = @_;

    open my $fh, '<:raw', $path or die "cannot read $path: $!";
    local $/;
    return scalar <$fh>;
}

# base64(Ed25519(body)), as the module must compute it
sub sign {
    my ($body) = @_;

    my $n = $Seq++;

    write_file("$Dir/body.$n", $body);
    openssl('pkeyutl', '-sign', '-inkey', "$Dir/ed25519.pem", '-rawin',
            '-in', "$Dir/body.$n", '-out', "$Dir/sig.$n");

    my $sig = encode_base64(read_file("$Dir/sig.$n"), '');

    unlink "$Dir/body.$n", "$Dir/sig.$n";

    return $sig;
}

# 1 when "openssl pkeyutl -verify -rawin" accepts $sig (base64) for $body
sub verifies {
    my ($body, $sig) = @_;

    write_file("$Dir/vbody", $body);
    write_file("$Dir/vsig", decode_base64($sig));

    my $rc = system("openssl pkeyutl -verify -pubin -inkey '$Dir/ed25519.pub'"
                    . " -rawin -in '$Dir/vbody' -sigfile '$Dir/vsig'"
                    . " >/dev/null 2>&1");

    return $rc == 0;
}

# Every request the receiver recorded under these names carries a
# signature that the public key verifies, and that fails once one byte of
# the body changes.
sub verify_records {
    my (@names) = @_;

    for my $name (@names) {
        my @records = PartooTryout::Receiver::records($name);

        Test::More::ok(@records > 0, "receiver $name got a request");

        for my $r (@records) {
            my ($head, $body) = @$r;
            my ($sig) = $head =~ /^X-Partoo-Signature-v1: (\S+)\r$/mi;

            Test::More::ok(defined $sig && verifies($body, $sig),
                           "receiver $name: openssl verifies the signature");

            next if !defined $sig;

            my $changed = $body;
            my $i = int(length($changed) / 2);
            substr($changed, $i, 1) = chr(ord(substr($changed, $i, 1)) ^ 1);

            Test::More::ok(!verifies($changed, $sig),
                           "receiver $name: one byte changed, it fails");
        }
    }
}

1;
