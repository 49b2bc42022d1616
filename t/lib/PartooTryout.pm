package PartooTryout;

# Shared defaults of the module's Test::Nginx files: a tryout location and
# a JSON Content-Type unless a block says otherwise.  Works with the
# project's runner and with CPAN's Test::Nginx::Socket alike.

use strict;
use warnings;

use Exporter 'import';
use Test::Nginx::Socket ();

our @EXPORT = qw(tryout_defaults chunked_request padded_body $TRYOUT_URI
                 $VALID_BODY);

our $TRYOUT_URI = '/v2/webhooks/tryout';
our $VALID_BODY = '{"items":[{"url":"https://example.com/webhook",'
                  . '"event_type":"business_created"}]}';

my $TRYOUT_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout;
    }
_EOC_

sub tryout_defaults {
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;

        if (!defined $block->config) {
            $block->set_value('config', $TRYOUT_LOCATION);
        }

        if (!defined $block->more_headers) {
            $block->set_value('more_headers',
                              'Content-Type: application/json');
        }
    });
}

# A raw HTTP/1.1 request whose body is sent in chunks of $size bytes.
sub chunked_request {
    my ($body, $size, $content_type) = @_;

    my $req = "POST $TRYOUT_URI HTTP/1.1\r\nHost: localhost\r\n"
              . "Content-Type: " . ($content_type // 'application/json')
              . "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

    for (my $off = 0; $off < length $body; $off += $size) {
        my $chunk = substr($body, $off, $size);
        $req .= sprintf("%x\r\n%s\r\n", length $chunk, $chunk);
    }

    return $req . "0\r\n\r\n";
}

# The valid body padded with an unknown field to exactly $len bytes.
sub padded_body {
    my ($len) = @_;

    my $head = substr($VALID_BODY, 0, -1) . ',"pad":"';
    my $pad = $len - length($head) - 2;

    die "padded_body: $len is too short" if $pad < 0;

    return $head . ('a' x $pad) . '"}';
}

1;
