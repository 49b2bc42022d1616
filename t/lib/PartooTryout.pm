package PartooTryout;

# Shared defaults of the module's Test::Nginx files: a tryout location and
# a JSON Content-Type unless a block says otherwise.  Works with the
# project's runner and with CPAN's Test::Nginx::Socket alike.

use strict;
use warnings;

use Exporter 'import';
use Test::Nginx::Socket ();

our @EXPORT = qw(tryout_defaults chunked_request padded_body $TRYOUT_URI
                 $VALID_BODY $VALID_URL payload_document tryout_answer
                 tryout_answer_like blocked_answer tryout_request
                 delivered_request exactly concurrent_tryouts
                 raw_tryout_request);

our $TRYOUT_URI = '/v2/webhooks/tryout';

# An IP literal that the SSRF policy refuses: a valid body is delivered at
# once, with no connection, to a deterministic "blocked_address" answer.
our $VALID_URL = 'https://127.0.0.1:1/webhook';
our $VALID_BODY = '{"items":[{"url":"' . $VALID_URL . '",'
                  . '"event_type":"business_created"}]}';

my $TRYOUT_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout;
    }
_EOC_

# For delivery tests: the test receivers' CA is trusted and 127.0.0.1 is
# allowed; t/lib/PartooTryout/Receiver.pm sets $TEST_NGINX_RECEIVER_DIR.
our $DELIVERY_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
_EOC_

# The same on the thread-pool engine, with "thread_pool tryout" declared
# in the block's main_config.
our $THREAD_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout;
        partoo_tryout_thread_pool tryout;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
_EOC_

# tryout_defaults(location => TEXT, append => TEXT): the default location
# of blocks without a config, and text added to every block's config.
sub tryout_defaults {
    my (%opt) = @_;

    my $location = $opt{location} // $TRYOUT_LOCATION;
    my $append = $opt{append} // '';

    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;

        if (!defined $block->config) {
            $block->set_value('config', $location);
        }

        if ($append ne '') {
            $block->set_value('config', $block->config . $append);
        }

        if (!defined $block->more_headers) {
            $block->set_value('more_headers',
                              'Content-Type: application/json');
        }
    });
}

# The tryout request for one item; custom_headers is JSON text.
sub tryout_request {
    my (%a) = @_;

    my $uri = $a{uri} // $TRYOUT_URI;

    return "POST $uri\n" . '{"items":[{"url":' . json_string($a{url})
           . ',"event_type":"' . ($a{event} // 'business_created') . '"'
           . (defined $a{custom_headers}
              ? ',"custom_headers":' . $a{custom_headers} : '')
           . '}]}';
}

# What a receiver gets, byte for byte: the module's headers in their
# order, the custom ones (a list of [name, value]) after them.
sub delivered_request {
    my (%a) = @_;

    my ($host, $target) = $a{url} =~ m{^https://([^/]+)(/.*)$}i
        or die "delivered_request: bad url $a{url}";
    my $body = $a{payload} // payload_document($a{event}
                                               // 'business_created');

    my $head = "POST $target HTTP/1.1\r\nHost: $host\r\n"
               . "Content-Type: application/json\r\n"
               . "User-Agent: "
               . ($a{user_agent} // 'Partoo-Webhooks-Tryout/1.0') . "\r\n"
               . "X-Partoo-Webhook-Tryout: true\r\n";

    for my $h (@{ $a{headers} || [] }) {
        $head .= $h->[1] eq '' ? "$h->[0]:\r\n" : "$h->[0]: $h->[1]\r\n";
    }

    return $head . "Content-Length: " . length($body) . "\r\n\r\n$body";
}

# The payload document a tryout sends for an event type.
sub payload_document {
    my ($event) = @_;

    return qq({"type":"$event","payload":{}});
}

sub json_string {
    my ($s) = @_;

    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge;

    return qq("$s");
}

# The 200 answer, byte for byte.  Fields: url, event (business_created),
# error (undef: success), response_status (undef: null), duration_ms (0),
# payload (the payload document).
sub tryout_answer {
    my (%a) = @_;

    my $event = $a{event} // 'business_created';
    my $payload = $a{payload} // payload_document($event);

    return '{"items":[{"payload":' . $payload
           . ',"event_type":"' . $event . '"'
           . ',"url":' . json_string($a{url} // $VALID_URL)
           . ',"status":"' . (defined $a{error} ? 'error' : 'success') . '"'
           . ',"response_status":' . ($a{response_status} // 'null')
           . ',"error":' . (defined $a{error} ? qq("$a{error}") : 'null')
           . ',"duration_ms":' . ($a{duration_ms} // 0) . '}]}';
}

# The same as an anchored pattern, for a duration_ms that varies.
sub tryout_answer_like {
    my (%a) = @_;

    my ($head, $tail) = split /\@DURATION\@/,
                        tryout_answer(%a, duration_ms => '@DURATION@');

    return '^' . quotemeta($head) . '\d+' . quotemeta($tail) . '$';
}

# An anchored pattern matching exactly $text.
sub exactly {
    my ($text) = @_;

    return '^' . quotemeta($text) . '$';
}

# The answer to a valid body whose url host is a blocked IP literal.
sub blocked_answer {
    my ($url, $event) = @_;

    return tryout_answer(url => $url, event => $event,
                         error => 'blocked_address');
}

# tryout_request() as raw HTTP/1.0 bytes, for a client of one's own; with
# the default x-APIKey once API keys exist.
sub raw_tryout_request {
    my (%a) = @_;

    no strict 'refs';
    my $key = ${ __PACKAGE__ . '::API_KEY' };

    my ($line, $body) = split /\n/, tryout_request(%a), 2;

    return "$line HTTP/1.0\r\nHost: localhost\r\n"
           . "Content-Type: application/json\r\n"
           . (defined $key ? "x-APIKey: $key\r\n" : '')
           . "Content-Length: " . length($body) . "\r\n\r\n$body";
}

# Sends $a{n} tryouts for $a{url} at once, each on its own connection,
# to nginx on 127.0.0.1:$a{port}; waits for every answer ($a{timeout}
# seconds at most).  Returns the seconds it took and the raw answers.
sub concurrent_tryouts {
    my (%a) = @_;

    require IO::Select;
    require IO::Socket::INET;
    require Time::HiRes;

    my $raw = raw_tryout_request(%a);

    my $start = Time::HiRes::time();
    my (@socks, %answers);

    for (1 .. $a{n}) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $a{port})
            or die "concurrent_tryouts: connect: $!";
        syswrite($s, $raw) == length $raw or die "write: $!";
        push @socks, $s;
        $answers{$s} = '';
    }

    my $select = IO::Select->new(@socks);
    my $deadline = $start + ($a{timeout} // 60);

    while ($select->count && Time::HiRes::time() < $deadline) {
        for my $s ($select->can_read(0.5)) {
            my $n = sysread($s, $answers{$s}, 65536, length $answers{$s});

            if (!$n) {
                $select->remove($s);
                close $s;
            }
        }
    }

    return (Time::HiRes::time() - $start, map { $answers{$_} } @socks);
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
