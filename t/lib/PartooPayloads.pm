package PartooPayloads;

# The built-in default payload objects, byte for byte as the module sends
# them (src/ngx_http_partoo_tryout_payload.c): the tests' expected bodies.
# The org_id values here are the built-in ones; a tryout writes the
# caller's org_id in their place.

use strict;
use warnings;

use Exporter 'import';

our @EXPORT = qw(default_payload default_document);

our %DEFAULT;
$DEFAULT{business_created} =
    '{"business":{"id":"5409c35a97bbc544d8e26737","created":1409925979.5,'
    . '"modified":1561335111.681374,"code":"CS-75019","status":"open",'
    . '"org_id":42,"group_id":23,"name":"Corner shop",'
    . '"address":"rue du coquelicot",'
    . '"address_full":"12 bis rue du coquelicot","address2":"Batiment B",'
    . '"city":"Paris","zipcode":"75019","region":"Ile-de-France",'
    . '"country":"FR","default_lang":"fr",'
    . '"open_hours":{"monday":["10:00-14:00"],"tuesday":["10:00-14:00"],'
    . '"wednesday":["10:00-14:00"],"thursday":["10:00-14:00"],'
    . '"friday":["10:00-14:00"],"saturday":["10:00-14:00"],'
    . '"sunday":["10:00-14:00"]},'
    . '"specific_hours":{"open":[{"starts_at":"2020-01-20",'
    . '"ends_at":"2020-01-20","open_hours":["10:00-14:00"]}],'
    . '"close":[{"starts_at":"2020-01-20","ends_at":"2020-01-22"}]},'
    . '"description_short":"lorem ipsum",'
    . '"description_long":"lorem ipsum dolor sit amet",'
    . '"website_url":"https://www.corner-shop.co/",'
    . '"facebook_url":"https://www.facebook.com/the-corner-shop",'
    . '"twitter_url":"https://www.twitter.com/the-corner-shop",'
    . '"google_location_id":"4158937432812345678",'
    . '"facebook_page_id":"104958162837",'
    . '"national_identification_number":"123456789",'
    . '"logo_url":"https://www.corner-shop.co/logo.png",'
    . '"contacts":[{"name":"Hubert Bonisseur de la Bath",'
    . '"email":"hubert@oss117.fr","phone_numbers":["+33302060628"],'
    . '"fax":"+33302060629"}],'
    . '"photos":{"LOGO":"https://www.corner-shop.co/logo.png",'
    . '"primary":"https://www.corner-shop.co/front.jpg",'
    . '"secondary":["https://www.corner-shop.co/inside.jpg"]},'
    . '"lat":-3.585993,"long":47.870341,'
    . '"subscriptions":{"presence_management":{"active":true},'
    . '"review_management":{"active":true},'
    . '"review_booster":{"active":false},"messages":{"active":false}},'
    . '"features":["business_edition","diffusion","review_management",'
    . '"review_invite","messages"],'
    . '"videos":["https://www.corner-shop.co/tour.mp4"],'
    . '"siret":"12345678900012","completion_rate":77,'
    . '"news":[{"description":"Open on Sundays from 10:00"}],'
    . '"promos":[{"title":"10% off this week"}]}}';
$DEFAULT{business_updated} = $DEFAULT{business_created};
# the business as it was, closed
($DEFAULT{business_deleted} = $DEFAULT{business_created})
    =~ s/"status":"open"/"status":"closed"/ or die;
$DEFAULT{message_updated} =
    '{"message":{"id":123,"conversation_id":123,'
    . '"date":"2023-01-31 16:22:17.327878+00:00","content_type":"Text",'
    . '"sender_type":"User","sender_label":"Jane Doe","status":"Sending",'
    . '"is_deleted":false,"content":"Yes,'
    . ' we are open on Sunday from 10:00 to 14:00.",'
    . '"user_id":"5e4fd3a1c2b5a60012345678","custom_channel":null},'
    . '"conversation":{"id":123,'
    . '"consumer_img":"https://www.example.com/profile-picture.jpg",'
    . '"consumer_name":"John Doe","business":{"id":123},'
    . '"messaging_partner":"Facebook","custom_channel":null},"org_id":123}';
$DEFAULT{message_created} =
    '{"message":{"id":122,"conversation_id":123,'
    . '"date":"2023-01-31 16:20:05.104112+00:00","content_type":"Text",'
    . '"sender_type":"Consumer","sender_label":"John Doe",'
    . '"status":"Success","is_deleted":false,"content":"Hello,'
    . ' is the shop open on Sunday?","user_id":null,"custom_channel":null},'
    . '"conversation":{"id":123,'
    . '"consumer_img":"https://www.example.com/profile-picture.jpg",'
    . '"consumer_name":"John Doe","business":{"id":123},'
    . '"messaging_partner":"Facebook","custom_channel":null},"org_id":123}';
$DEFAULT{lead_received} =
    '{"id":1,"source":"chatbot",'
    . '"created_at":"2024-11-27T16:10:44.929678Z","chatbot_id":1,'
    . '"chatbot_name":"Jim","business_name":"Partoo",'
    . '"store_code":"Partoo123","values":[{"id":1,"type":"TEXT",'
    . '"name":"Your firstname","value":"John"}]}';

# The payload object of $event, with $org written as its org_id (the
# business's for business events, the payload's for message events).
sub default_payload {
    my ($event, $org) = @_;

    my $payload = $DEFAULT{$event} // die "no default for \"$event\"";

    $payload =~ s/"org_id":\d+/"org_id":$org/ if defined $org;

    return $payload;
}

# The document a tryout sends when the org has no sample.
sub default_document {
    my ($event, $org) = @_;

    return qq({"type":"$event","payload":) . default_payload($event, $org)
           . '}';
}

1;
