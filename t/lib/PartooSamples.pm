package PartooSamples;

# Shared pieces of the samples, payload and signing tests: a samples zone
# and API location unless a block says otherwise, and request builders.
# Works with the project's runner and with CPAN's Test::Nginx::Socket alike.

use strict;
use warnings;

use Exporter 'import';
use IO::Socket::INET;
use Test::Nginx::Socket ();
use PartooTryout ();

our @EXPORT = qw(samples_defaults sample_put sample_get sample_delete
                 chunked_put chunked_put_ok put_ok raw_exchange padded_sample
                 nested_sample);

our $API = '/samples';

# Raw UTF-8, every JSON escape, odd numbers and whitespace: a sample must
# come back, and be sent, byte for byte.  The test runners trim a request
# body: PUT it with put_ok() from a block's --- init.
our $UNICODE_SAMPLE =
    " \t{\"name\":\"Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\",\n"
    . "  \"escaped\" : \"Caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ "
    . "\\n\\t\\r\\b\\f \\u0000\",\r\n"
    . "\t\"numbers\": [1.0e+10, -0, 1409925979.5, 1.5E-3, "
    . "12345678901234567890123],\n"
    . "  \"empty\": {}, \"list\": [ ], \"t\": true, \"f\": false, "
    . "\"z\": null }\r\n";

my $HTTP_CONFIG = <<'_EOC_';
    partoo_tryout_samples_zone zone=samples:1m;
_EOC_

my $CONFIG = <<'_EOC_';
    location = /samples {
        partoo_tryout_samples_api samples;
    }
_EOC_

sub samples_defaults {
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;

        if (!defined $block->http_config) {
            $block->set_value('http_config', $HTTP_CONFIG);
        }

        if (!defined $block->config) {
            $block->set_value('config', $CONFIG);
        }

        if (!defined $block->more_headers) {
            $block->set_value('more_headers',
                              'Content-Type: application/json');
        }

        # a tryout location needs its keys: t/lib/PartooTryout.pm's
        if ($block->config =~ /\bkeys=tryout_keys\b/) {
            PartooTryout::add_keys($block);
        }
    });
}

sub query {
    my ($org, $event) = @_;

    return "org_id=$org&event_type=$event";
}

sub sample_put {
    my ($org, $event, $body, $uri) = @_;

    return "PUT " . ($uri // $API) . "?" . query($org, $event) . "\n$body";
}

sub sample_get {
    my ($org, $event, $uri) = @_;

    return "GET " . ($uri // $API) . "?" . query($org, $event);
}

sub sample_delete {
    my ($org, $event, $uri) = @_;

    return "DELETE " . ($uri // $API) . "?" . query($org, $event);
}

# A raw HTTP/1.1 PUT whose body is sent in chunks of $size bytes.
sub chunked_put {
    my ($org, $event, $body, $size, $uri) = @_;

    my $req = "PUT " . ($uri // $API) . "?" . query($org, $event)
              . " HTTP/1.1\r\nHost: localhost\r\n"
              . "Content-Type: application/json\r\n"
              . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

    for (my $off = 0; $off < length $body; $off += $size) {
        my $chunk = substr($body, $off, $size);
        $req .= sprintf("%x\r\n%s\r\n", length $chunk, $chunk);
    }

    return $req . "0\r\n\r\n";
}

# Sends one raw request to the nginx under test (from a block's --- init,
# for what a block's own requests cannot do) and returns the response.
sub raw_exchange {
    my ($raw) = @_;

    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1',
        PeerPort => Test::Nginx::Socket::server_port(),
        Proto    => 'tcp',
        Timeout  => 5,
    ) or die "cannot connect to nginx: $!\n";

    print $sock $raw;

    local $/;
    my $res = <$sock>;

    close $sock;

    return $res // '';
}

sub chunked_put_ok {
    my ($org, $event, $body, $size, $status) = @_;

    my $res = raw_exchange(chunked_put($org, $event, $body, $size));

    $res =~ m{^HTTP/1\.1 $status }
        or die "chunked PUT: expected $status, got: "
               . substr($res, 0, 200) . "\n";
}

sub put_ok {
    my ($org, $event, $body, $status) = @_;

    my $res = raw_exchange("PUT $API?" . query($org, $event) . " HTTP/1.1\r\n"
                           . "Host: localhost\r\n"
                           . "Content-Type: application/json\r\n"
                           . "Content-Length: " . length($body) . "\r\n"
                           . "Connection: close\r\n\r\n$body");

    $res =~ m{^HTTP/1\.1 $status }
        or die "PUT: expected $status, got: " . substr($res, 0, 200) . "\n";
}

# {"pad":"aaa..."} of exactly $len bytes.
sub padded_sample {
    my ($len, $fill) = @_;

    my $pad = $len - length('{"pad":""}');

    die "padded_sample: $len is too short" if $pad < 0;

    return '{"pad":"' . (($fill // 'a') x $pad) . '"}';
}

# An object whose deepest value sits $depth levels down.
sub nested_sample {
    my ($depth) = @_;

    return '{"a":' . ('[' x ($depth - 1)) . (']' x ($depth - 1)) . '}';
}

1;
