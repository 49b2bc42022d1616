# X-Partoo-Signature-v1: base64(Ed25519(body)) over the exact bytes sent,
# for defaults and samples alike, computed once per document.  Ed25519 is
# deterministic, so each block expects the very signature "openssl pkeyutl
# -sign" makes of the expected body.  After the blocks every signature a
# receiver got is verified with the public key, and fails once one byte of
# the body changes.
#
# The samples blocks: a sample PUT through the samples API is what the
# tryout of that org sends (receiver body == answer payload == the
# envelope around the sample's bytes); other orgs get the default.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();
use PartooSamples ();
use PartooSigning;
use Test::More ();

# $TEST_NGINX_RECEIVER_PORT lets suites of other worktrees run alongside
our $PORT = $ENV{TEST_NGINX_RECEIVER_PORT} || 3985;
our $R = "https://127.0.0.1:$PORT/t";

our %KEY = map { $_ => $PartooTryout::KEYS{$_}[0] } keys %PartooTryout::KEYS;

our $SAMPLE = '{"business":{"id":"sample-1","org_id":42,'
              . '"name":"Latest shop","status":"open"}}';

our $SAMPLES_ZONE = "    partoo_tryout_samples_zone zone=samples:1m;\n";

our $SAMPLES_API = <<'_EOC_';
    location = /samples {
        partoo_tryout_samples_api samples;
    }
_EOC_

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $PORT);
PartooSigning::setup();

no_shuffle();
no_long_string();

# a block's log checks see what its --- init did too
check_accum_error_log();

tryout_defaults(location => $PartooSigning::SIGNED_LOCATION,
                append => PartooTryout::Receiver::receiver_config()
                          . $SAMPLES_API);

Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;

    my $http_config = $block->http_config // '';

    if ($http_config !~ /zone=samples:/) {
        $block->set_value('http_config', $SAMPLES_ZONE . $http_config);
    }
});

# the tryout that delivers to /t/NAME
sub tryout {
    my ($name, $event, %a) = @_;

    return tryout_request(url => "$R/$name", event => $event,
                          uri => $a{uri});
}

# [the tryout, the receiver's record of NAME]
sub deliver {
    my ($name, $event, %a) = @_;

    return [tryout($name, $event, %a), "GET /receiver/$name"];
}

sub sample_document {
    my ($event, $sample) = @_;

    return qq({"type":"$event","payload":$sample});
}

# the answer of a delivery to /t/NAME that sent $a{payload} (else the
# default document of $a{org})
sub answer {
    my ($name, $event, %a) = @_;

    return tryout_answer_like(url => "$R/$name", event => $event,
                              response_status => 200,
                              payload => $a{payload}
                                         // payload_document($event,
                                                             $a{org}));
}

# the receiver's record of NAME: $a{times} signed requests of that document
sub record {
    my ($name, $event, %a) = @_;

    my $doc = $a{payload} // payload_document($event, $a{org});
    my $sig = exists $a{signature} ? $a{signature}
                                   : PartooSigning::sign($doc);

    return exactly(delivered_request(url => "$R/$name", event => $event,
                                     payload => $doc, signature => $sig)
                   x ($a{times} // 1));
}

# [the answer, the request the receiver got]
sub got {
    my ($name, $event, %a) = @_;

    return [answer($name, $event, %a), record($name, $event, %a)];
}

# A tryout sent from a block's --- init, with the key named $key; dies
# unless it is answered 200.
sub tryout_ok {
    my ($name, $event, $key) = @_;

    my $raw = raw_tryout_request(url => "$R/$name", event => $event);

    $raw =~ s/^x-APIKey: [^\r]*\r$/x-APIKey: $KEY{$key}\r/m if $key;

    my $res = PartooSamples::raw_exchange($raw);

    $res =~ m{^HTTP/1\.[01] 200 }
        or die "tryout $name: " . substr($res, 0, 200) . "\n";
}

sub key_header {
    my ($key) = @_;

    return "Content-Type: application/json\nx-APIKey: $KEY{$key}";
}

run_tests();

PartooSigning::verify_records(qw(created updated deleted msg_updated
                                 msg_created lead cached lead42 lead7
                                 sample42 default7 stored replaced1
                                 replaced2 unicode provider43 provider42
                                 admin42 nosamples orgsig42 orgsig7));

for my $r (PartooTryout::Receiver::records('unsigned')) {
    Test::More::unlike($r->[0], qr/^X-Partoo-Signature/mi,
                       'receiver unsigned: no signature header');
}

__DATA__

=== TEST 1: business_created is signed
--- request eval
main::deliver('created', 'business_created')
--- error_code eval
[200, 200]
--- response_body_like eval
main::got('created', 'business_created')
--- no_error_log
[error]



=== TEST 2: business_updated
--- request eval
main::deliver('updated', 'business_updated')
--- response_body_like eval
main::got('updated', 'business_updated')
--- no_error_log
[error]



=== TEST 3: business_deleted
--- request eval
main::deliver('deleted', 'business_deleted')
--- response_body_like eval
main::got('deleted', 'business_deleted')
--- no_error_log
[error]



=== TEST 4: message_updated
--- request eval
main::deliver('msg_updated', 'message_updated')
--- response_body_like eval
main::got('msg_updated', 'message_updated')
--- no_error_log
[error]



=== TEST 5: message_created
--- request eval
main::deliver('msg_created', 'message_created')
--- response_body_like eval
main::got('msg_created', 'message_created')
--- no_error_log
[error]



=== TEST 6: lead_received
--- request eval
main::deliver('lead', 'lead_received')
--- response_body_like eval
main::got('lead', 'lead_received')
--- no_error_log
[error]



=== TEST 7: the second tryout of a default document reuses its signature
--- init
main::tryout_ok('cached', 'business_created');
--- request eval
[main::tryout('cached', 'business_created'), "GET /receiver/cached"]
--- error_code eval
[200, 200]
--- response_body_like eval
[main::answer('cached', 'business_created'),
 main::record('cached', 'business_created', times => 2)]
--- error_log
partoo_tryout: cached signature of the default business_created document for org 42
--- no_error_log
[error]



=== TEST 8: lead_received has no org_id: one signature serves every org
--- init
main::tryout_ok('lead42', 'lead_received', 'org_admin');
--- request eval
[@{ main::deliver('lead7', 'lead_received') }, "GET /receiver/lead42"]
--- more_headers eval
main::key_header('other_org')
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[@{ main::got('lead7', 'lead_received', org => 7) },
 main::record('lead42', 'lead_received')]
--- error_log
partoo_tryout: cached signature of the default lead_received document for org 7
--- no_error_log
[error]



=== TEST 9: partoo_tryout_signing_key off where the server signs
--- config
    partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys samples=samples;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_signing_key off;
    }
--- request eval
main::deliver('unsigned', 'lead_received')
--- response_body_like eval
main::got('unsigned', 'lead_received', signature => undef)
--- no_error_log
[error]



=== TEST 10: org 42's sample goes to org 42, signed; org 7 gets the default
--- init
PartooSamples::put_ok(42, 'business_updated', $main::SAMPLE, 201);
--- request eval
[@{ main::deliver('sample42', 'business_updated') },
 @{ main::deliver('default7', 'business_updated') }]
--- more_headers eval
[main::key_header('org_admin'), '',
 main::key_header('other_org'), '']
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[@{ main::got('sample42', 'business_updated',
              payload => main::sample_document('business_updated',
                                               $main::SAMPLE)) },
 @{ main::got('default7', 'business_updated', org => 7) }]
--- error_log
partoo_tryout: business_updated sample of org 42, new signature
--- no_error_log
[error]



=== TEST 11: a sample's signature is kept with it in the zone
--- init
PartooSamples::put_ok(42, 'business_updated', $main::SAMPLE, 201);
main::tryout_ok('stored', 'business_updated');
--- request eval
[main::tryout('stored', 'business_updated'), "GET /receiver/stored"]
--- error_code eval
[200, 200]
--- response_body_like eval
my $doc = main::sample_document('business_updated', $main::SAMPLE);
[main::answer('stored', 'business_updated', payload => $doc),
 main::record('stored', 'business_updated', payload => $doc, times => 2)]
--- error_log
partoo_tryout: business_updated sample of org 42, new signature
partoo_tryout: business_updated sample of org 42, stored signature
--- no_error_log
[error]



=== TEST 12: a replaced sample is sent and signed anew
--- request eval
[PartooSamples::sample_put(42, 'lead_received', '{"id":1}'),
 main::tryout('replaced1', 'lead_received'),
 PartooSamples::sample_put(42, 'lead_received', '{"id":2}'),
 main::tryout('replaced2', 'lead_received'),
 "GET /receiver/replaced1",
 "GET /receiver/replaced2"]
--- error_code eval
[201, 200, 204, 200, 200, 200]
--- response_body_like eval
my $one = main::sample_document('lead_received', '{"id":1}');
my $two = main::sample_document('lead_received', '{"id":2}');
['^$',
 main::answer('replaced1', 'lead_received', payload => $one),
 '^$',
 main::answer('replaced2', 'lead_received', payload => $two),
 main::record('replaced1', 'lead_received', payload => $one),
 main::record('replaced2', 'lead_received', payload => $two)]
--- no_error_log
[error]



=== TEST 13: unicode and escapes in a sample reach the receiver byte-exact
--- init
PartooSamples::put_ok(42, 'message_created', $PartooSamples::UNICODE_SAMPLE,
                      201);
--- request eval
main::deliver('unicode', 'message_created')
--- response_body_like eval
main::got('unicode', 'message_created',
          payload => main::sample_document('message_created',
                                           $PartooSamples::UNICODE_SAMPLE))
--- no_error_log
[error]



=== TEST 14: samples are per org: a PROVIDER's org 43 sample is not org 42's
--- request eval
[PartooSamples::sample_put(43, 'lead_received', '{"id":43}'),
 @{ main::deliver('provider43', 'lead_received',
                  uri => "$PartooTryout::TRYOUT_URI?org_id=43") },
 @{ main::deliver('provider42', 'lead_received',
                  uri => "$PartooTryout::TRYOUT_URI?org_id=42") },
 @{ main::deliver('admin42', 'lead_received') }]
--- more_headers eval
['Content-Type: application/json',
 main::key_header('provider'), '',
 main::key_header('provider'), '',
 main::key_header('org_admin'), '']
--- error_code eval
[201, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
['^$',
 @{ main::got('provider43', 'lead_received',
              payload => main::sample_document('lead_received',
                                               '{"id":43}')) },
 @{ main::got('provider42', 'lead_received') },
 @{ main::got('admin42', 'lead_received') }]
--- no_error_log
[error]



=== TEST 15: a tryout location without samples= sends the default
--- config
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_signing_key $TEST_NGINX_SIGN_DIR/ed25519.pem;
    }
--- request eval
[PartooSamples::sample_put(42, 'business_updated', $main::SAMPLE),
 @{ main::deliver('nosamples', 'business_updated') }]
--- error_code eval
[201, 200, 200]
--- response_body_like eval
['^$', @{ main::got('nosamples', 'business_updated') }]
--- no_error_log
[error]



=== TEST 16: the default document's signature is cached per organization
org 42's business_created carries "org_id":42, org 7's "org_id":7: each
is signed over its own body, also once the other's signature is cached.
--- init
main::tryout_ok('orgsig42', 'business_created', 'org_admin');
--- request eval
[main::tryout('orgsig42', 'business_created'),
 @{ main::deliver('orgsig7', 'business_created') }, "GET /receiver/orgsig42"]
--- more_headers eval
[main::key_header('org_admin'), main::key_header('other_org'), '', '']
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[main::answer('orgsig42', 'business_created', org => 42),
 @{ main::got('orgsig7', 'business_created', org => 7) },
 main::record('orgsig42', 'business_created', org => 42, times => 2)]
--- error_log
partoo_tryout: cached signature of the default business_created document for org 42
--- no_error_log
[error]
partoo_tryout: cached signature of the default business_created document for org 7

