# The default payloads: each event type's built-in document reaches the
# receiver byte for byte, the answer's "payload" embeds the same bytes, and
# the caller's effective org_id is written where the event carries one.
# partoo_tryout_default_payload replaces a default with a file's bytes,
# less the whitespace around the document (a file's final newline).
# After the blocks, every body a receiver got is parsed as JSON and checked
# for the fields of Partoo's published examples.

use strict;
use warnings;

BEGIN { push @INC, 't/lib' }
use Test::Nginx::Socket 'no_plan';
use PartooTryout;
use PartooTryout::Receiver ();
use PartooPayloads ();
use JSON::PP ();
use Test::More ();

# $TEST_NGINX_RECEIVER_PORT lets suites of other worktrees run alongside
our $PORT = $ENV{TEST_NGINX_RECEIVER_PORT} || 3985;
our $R = "https://127.0.0.1:$PORT/t";

our %KEY = map { $_ => $PartooTryout::KEYS{$_}[0] } keys %PartooTryout::KEYS;

our $MAX_ORG = '9223372036854775807';

# Override files, with the whitespace, escapes and raw UTF-8 of a file a
# person wrote: sent as they are, but for the org_id value and the
# whitespace before and after the document.
our $LEAD_FILE = qq(\r\n \t{\n  "id": 7,\n  "source": "form",\n)
                 . qq(  "business_name": "Caf\xc3\xa9 \\u00e9 \\"Chez\\" \\/",\n)
                 . qq(  "values": [ ]\n}\n \t\r\n);

our $DELETED_FILE = qq({"business": {"org_id": "replaced", "status": "closed",)
                    . qq( "name": "Gone shop"}}\n);

our $ENVELOPE_FILE = qq({"type": "message_updated", "payload": {"message":)
                     . qq( {"id": 9, "status": "Failed"}, "org_id": 123}}\n);

our $NO_ORG_FILE = qq({"message": {"id": 1, "sender_type": "Consumer"}}\n);

PartooTryout::Receiver::setup();
PartooTryout::Receiver::start(port => $PORT);

no_shuffle();
no_long_string();
tryout_defaults(location => $PartooTryout::DELIVERY_LOCATION,
                append => PartooTryout::Receiver::receiver_config());

# [the tryout, the receiver's record of NAME]
sub deliver {
    my ($name, $event, %a) = @_;

    return [tryout_request(url => "$R/$name", event => $event,
                           uri => $a{uri}),
            "GET /receiver/$name"];
}

# [the answer, the request the receiver got], the same document in both
sub got {
    my ($name, $event, %a) = @_;

    my $doc = $a{payload} // payload_document($event, $a{org});

    return [tryout_answer_like(url => "$R/$name", event => $event,
                               response_status => 200, payload => $doc),
            exactly(delivered_request(url => "$R/$name", event => $event,
                                      payload => $doc))];
}

# The envelope of an override file's text, as sent: compact, so without
# the whitespace around the document.
sub wrapped {
    my ($event, $text) = @_;

    $text =~ s/^[ \t\r\n]+|[ \t\r\n]+\z//g;

    return qq({"type":"$event","payload":$text});
}

sub key_header {
    my ($key) = @_;

    return "Content-Type: application/json\nx-APIKey: $KEY{$key}";
}

run_tests();

# name => [event type, org_id written (undef: none)] of each default sent
my %SENT = (
    created     => ['business_created', 42],
    updated     => ['business_updated', 42],
    deleted     => ['business_deleted', 42],
    msg_updated => ['message_updated', 42],
    msg_created => ['message_created', 42],
    lead        => ['lead_received', undef],
    provider    => ['business_updated', 43],
    provider_m  => ['message_created', 43],
    max_org     => ['message_updated', $MAX_ORG],
    other_org   => ['business_deleted', 7],
    other_lead  => ['lead_received', undef],
);

my $json = JSON::PP->new->allow_bignum;

for my $name (sort keys %SENT) {
    my ($event, $org) = @{ $SENT{$name} };
    my @records = PartooTryout::Receiver::records($name);

    Test::More::ok(@records > 0, "$name: the receiver got the tryout");

    for my $r (@records) {
        my $doc = eval { $json->decode($r->[1]) };

        Test::More::ok(ref $doc eq 'HASH', "$name: the body parses as JSON")
            or next;

        check_document($name, $event, $org, $doc);
    }
}

# the overrides: JSON as well, whatever their fields
for my $name (qw(override override_org envelope no_org)) {
    my @records = PartooTryout::Receiver::records($name);

    Test::More::ok(@records > 0, "$name: the receiver got the tryout");

    for my $r (@records) {
        Test::More::ok(eval { $json->decode($r->[1]); 1 },
                       "$name: the body parses as JSON");
    }
}

sub has_fields {
    my ($what, $obj, @fields) = @_;

    my @missing = grep { !exists $obj->{$_} } @fields;

    Test::More::ok(!@missing, "$what has its fields")
        or Test::More::diag("missing: @missing");
}

sub check_document {
    my ($name, $event, $org, $doc) = @_;

    Test::More::is(join(',', sort keys %$doc), 'payload,type',
                   "$name: the envelope is type and payload only");
    Test::More::is($doc->{type}, $event, "$name: type is $event");

    my $p = $doc->{payload};

    if ($event =~ /^business_/) {
        my $b = $p->{business};

        Test::More::is(ref $b, 'HASH', "$name: payload.business");
        has_fields("$name: payload.business", $b,
                   qw(id created modified code status org_id group_id name
                      address address_full address2 city zipcode region
                      country default_lang open_hours specific_hours
                      description_short description_long website_url
                      facebook_url twitter_url google_location_id
                      facebook_page_id national_identification_number
                      logo_url contacts photos lat long subscriptions
                      features videos siret completion_rate news promos));
        Test::More::is("$b->{org_id}", $org,
                       "$name: payload.business.org_id is the caller's");
        Test::More::is($b->{status},
                       $event eq 'business_deleted' ? 'closed' : 'open',
                       "$name: payload.business.status");
        Test::More::is(ref $b->{open_hours}{monday}, 'ARRAY',
                       "$name: open_hours by day");

    } elsif ($event =~ /^message_/) {
        has_fields("$name: payload", $p, qw(message conversation org_id));
        has_fields("$name: payload.message", $p->{message},
                   qw(id conversation_id date content_type sender_type
                      sender_label status is_deleted content user_id
                      custom_channel));
        has_fields("$name: payload.conversation", $p->{conversation},
                   qw(id consumer_img consumer_name business
                      messaging_partner custom_channel));
        Test::More::is("$p->{org_id}", $org,
                       "$name: payload.org_id is the caller's");
        Test::More::is($p->{message}{conversation_id},
                       $p->{conversation}{id},
                       "$name: the message is in the conversation");

        my ($sender, $status) = $event eq 'message_created'
                                ? ('Consumer', 'Success')
                                : ('User', 'Sending');

        Test::More::is($p->{message}{sender_type}, $sender,
                       "$name: sender_type");
        Test::More::is($p->{message}{status}, $status, "$name: status");

    } else {
        has_fields("$name: payload", $p,
                   qw(id source created_at chatbot_id chatbot_name
                      business_name store_code values));
        Test::More::ok(!exists $p->{org_id}, "$name: a lead has no org_id");
        Test::More::is(ref $p->{values}, 'ARRAY', "$name: values");
        has_fields("$name: values[0]", $p->{values}[0],
                   qw(id type name value));
    }
}

__DATA__

=== TEST 1: business_created: the business object, the key's org 42
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



=== TEST 3: business_deleted: a closed business
--- request eval
main::deliver('deleted', 'business_deleted')
--- response_body_like eval
main::got('deleted', 'business_deleted')
--- no_error_log
[error]



=== TEST 4: message_updated: message, conversation, org_id
--- request eval
main::deliver('msg_updated', 'message_updated')
--- response_body_like eval
main::got('msg_updated', 'message_updated')
--- no_error_log
[error]



=== TEST 5: message_created: a consumer's message
--- request eval
main::deliver('msg_created', 'message_created')
--- response_body_like eval
main::got('msg_created', 'message_created')
--- no_error_log
[error]



=== TEST 6: lead_received: the lead object, no org_id in it
--- request eval
main::deliver('lead', 'lead_received')
--- response_body_like eval
main::got('lead', 'lead_received')
--- no_error_log
[error]



=== TEST 7: a PROVIDER acting for org 43 gets 43 written
--- request eval
[@{ main::deliver('provider', 'business_updated',
                  uri => "$PartooTryout::TRYOUT_URI?org_id=43") },
 @{ main::deliver('provider_m', 'message_created',
                  uri => "$PartooTryout::TRYOUT_URI?org_id=43") }]
--- more_headers eval
main::key_header('provider')
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[@{ main::got('provider', 'business_updated', org => 43) },
 @{ main::got('provider_m', 'message_created', org => 43) }]
--- no_error_log
[error]



=== TEST 8: the largest org_id is written whole
--- request eval
main::deliver('max_org', 'message_updated',
              uri => "$PartooTryout::TRYOUT_URI?org_id=$main::MAX_ORG")
--- more_headers eval
main::key_header('provider')
--- response_body_like eval
main::got('max_org', 'message_updated', org => $main::MAX_ORG)
--- no_error_log
[error]



=== TEST 9: another org's key gets its own org_id, and the same lead
--- request eval
[@{ main::deliver('other_org', 'business_deleted') },
 @{ main::deliver('other_lead', 'lead_received') }]
--- more_headers eval
main::key_header('other_org')
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[@{ main::got('other_org', 'business_deleted', org => 7) },
 @{ main::got('other_lead', 'lead_received', org => 7) }]
--- no_error_log
[error]



=== TEST 10: an override is sent byte for byte, less the whitespace around
--- user_files eval
">>> lead.json\n$main::LEAD_FILE"
--- config eval
"    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            \$TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_default_payload lead_received ../html/lead.json;
    }
"
--- request eval
main::deliver('override', 'lead_received')
--- response_body_like eval
main::got('override', 'lead_received',
          payload => main::wrapped('lead_received', $main::LEAD_FILE))
--- no_error_log
[error]



=== TEST 11: a server-level override's org_id becomes the caller's number
--- user_files eval
">>> deleted.json\n$main::DELETED_FILE"
--- config eval
"    partoo_tryout_default_payload business_deleted ../html/deleted.json;

    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            \$TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
"
--- request eval
[@{ main::deliver('override_org', 'business_deleted',
                  uri => "$PartooTryout::TRYOUT_URI?org_id=43") },
 @{ main::deliver('override_other', 'business_created',
                  uri => "$PartooTryout::TRYOUT_URI?org_id=43") }]
--- more_headers eval
main::key_header('provider')
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
(my $sent = $main::DELETED_FILE) =~ s/"replaced"/43/;
[@{ main::got('override_org', 'business_deleted',
              payload => main::wrapped('business_deleted', $sent)) },
 @{ main::got('override_other', 'business_created', org => 43) }]
--- no_error_log
[error]



=== TEST 12: a whole envelope pasted from Partoo's page is unwrapped
--- user_files eval
">>> updated.json\n$main::ENVELOPE_FILE"
--- config eval
"    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            \$TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_default_payload message_updated ../html/updated.json;
    }
"
--- request eval
main::deliver('envelope', 'message_updated')
--- response_body_like eval
main::got('envelope', 'message_updated',
          payload => main::wrapped('message_updated',
                         '{"message": {"id": 9, "status": "Failed"}, '
                         . '"org_id": 42}'))
--- no_error_log
[error]



=== TEST 13: an override without org_id gets none added
--- user_files eval
">>> created.json\n$main::NO_ORG_FILE"
--- config eval
"    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            \$TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
        partoo_tryout_default_payload message_created ../html/created.json;
    }
"
--- request eval
main::deliver('no_org', 'message_created')
--- response_body_like eval
main::got('no_org', 'message_created',
          payload => main::wrapped('message_created', $main::NO_ORG_FILE))
--- no_error_log
[error]
