package PartooTryout;

# Shared defaults of the module's Test::Nginx files: a tryout location, a
# keys zone with a key for each role, a valid x-APIKey and a JSON
# Content-Type unless a block says otherwise.  Works with the project's
# runner and with CPAN's Test::Nginx::Socket alike.
#
# A block opts out of the default x-APIKey with a "--- no_api_key" section
# or by sending its own x-APIKey in "--- more_headers".

use strict;
use warnings;

use Exporter 'import';
use Digest::SHA qw(sha256_hex);
use Test::Nginx::Socket ();
use PartooPayloads ();

our @EXPORT = qw(tryout_defaults chunked_request padded_body $TRYOUT_URI
                 $VALID_BODY $VALID_URL payload_document tryout_answer
                 tryout_answer_like blocked_answer tryout_request
                 delivered_request exactly concurrent_tryouts
                 raw_tryout_request key_file rewrite_and_hup $API_KEY
                 %KEYS $ENGINE by_engine);

our $TRYOUT_URI = '/v2/webhooks/tryout';

# The delivery engine of every block: $TEST_NGINX_PARTOO_ENGINE, native
# (the module's default) or thread, which puts "partoo_tryout_thread_pool"
# in every block's http{}, on a pool of $ENGINE_THREADS threads declared in
# its main_config.  A location with its own partoo_tryout_thread_pool is on
# the thread engine anyway.
our $ENGINE = $ENV{TEST_NGINX_PARTOO_ENGINE} || 'native';

die "TEST_NGINX_PARTOO_ENGINE: native or thread, not $ENGINE\n"
    if $ENGINE ne 'native' && $ENGINE ne 'thread';

# as many threads as the most deliveries a block keeps in flight at once
# (t/014: 24 at a time), so that none waits in the queue for a thread;
# fewer under valgrind, where each thread takes long to start (see
# add_keys) and the blocks' limits allow for a queue
our $ENGINE_POOL = 'tryout_thread_engine';
our $ENGINE_THREADS = $ENV{TEST_NGINX_USE_VALGRIND} ? 8 : 32;

# by_engine(native => X, thread => Y): what the current engine says, for
# the few log lines worded by the engine itself
sub by_engine {
    my (%by) = @_;
    return $by{$ENGINE};
}

# An IP literal that the SSRF policy refuses: a valid body is delivered at
# once, with no connection, to a deterministic "blocked_address" answer.
our $VALID_URL = 'https://127.0.0.1:1/webhook';
our $VALID_BODY = '{"items":[{"url":"' . $VALID_URL . '",'
                  . '"event_type":"business_created"}]}';

# One key per role; the default (ORG_ADMIN of org 42) passes every
# authorization step with the default partoo_tryout_roles.
our %KEYS = (
    org_admin        => ['tryout-key-org-admin', 'u-admin', 'ORG_ADMIN', 42],
    org_manager      => ['tryout-key-org-manager', 'u-manager',
                         'ORG_MANAGER', 42],
    group_manager    => ['tryout-key-group-manager', 'u-group',
                         'GROUP_MANAGER', 42],
    business_manager => ['tryout-key-business-manager', 'u-business',
                         'BUSINESS_MANAGER', 42],
    publisher        => ['tryout-key-publisher', 'u-publisher',
                         'PUBLISHER', 42],
    provider         => ['tryout-key-provider', 'p-1', 'PROVIDER',
                         [42, 43, 9223372036854775807]],
    other_org        => ['tryout-key-other-org', 'u-other', 'ORG_ADMIN', 7],
);

our $API_KEY = $KEYS{org_admin}[0];

our $KEY_FILE_NAME = 'tryout-keys.json';

# the conf directory is the prefix's conf/; user_files go to html/
our $KEYS_ZONE = "    partoo_tryout_keys_zone zone=tryout_keys:1m "
                 . "file=../html/$KEY_FILE_NAME;\n";

my $TRYOUT_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
    }
_EOC_

# For delivery tests: the test receivers' CA is trusted and 127.0.0.1 is
# allowed; t/lib/PartooTryout/Receiver.pm sets $TEST_NGINX_RECEIVER_DIR.
our $DELIVERY_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
_EOC_

# The same on the thread-pool engine, with "thread_pool tryout" declared
# in the block's main_config.
our $THREAD_LOCATION = <<'_EOC_';
    location = /v2/webhooks/tryout {
        partoo_tryout keys=tryout_keys;
        partoo_tryout_thread_pool tryout;
        partoo_tryout_allow_address 127.0.0.1;
        partoo_tryout_ssl_trusted_certificate
            $TEST_NGINX_RECEIVER_DIR/pki/ca.crt;
    }
_EOC_

# tryout_defaults(location => TEXT, append => TEXT): the default location
# of blocks without a config, and text added to every block's config.

# A key file of [plaintext key, user_id, role, org_id or [org_ids]],
# stored as digests.
sub key_file {
    my @entries;

    for my $k (@_) {
        my ($key, $user, $role, $org) = @$k;
        my $orgs = ref $org
                   ? '"org_ids":[' . join(',', @$org) . ']'
                   : "\"org_id\":$org";

        push @entries, '{"key_sha256":"' . sha256_hex($key)
                       . "\",\"user_id\":\"$user\",\"role\":\"$role\",$orgs}";
    }

    return "{\"keys\":[\n" . join(",\n", @entries) . "\n]}\n";
}

my $DEFAULT_KEY_FILE = key_file(map { $KEYS{$_} } sort keys %KEYS);

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

        add_keys($block);

        my $headers = $block->more_headers;
        my $no_key = defined $block->no_api_key;

        if (ref $headers eq 'ARRAY') {
            $block->set_value('more_headers',
                              [map { default_headers($_, $no_key) }
                               @$headers]);
        } else {
            $block->set_value('more_headers',
                              default_headers($headers, $no_key));
        }
    });
}

# The keys zone "tryout_keys" of %KEYS in a block, unless its http_config
# declares one.
sub add_keys {
    my ($block) = @_;

    my $http_config = $block->http_config // '';

    if ($http_config !~ /zone=tryout_keys:/) {
        $http_config = $KEYS_ZONE . $http_config;
    }

    my $main_config = $block->main_config // '';

    if ($ENGINE eq 'thread') {
        $http_config = "    partoo_tryout_thread_pool $ENGINE_POOL;\n"
                       . $http_config;
        $main_config = "thread_pool $ENGINE_POOL threads=$ENGINE_THREADS;\n"
                       . $main_config;
    }

    $block->set_value('http_config', $http_config);

    # Under valgrind, nginx's 32 threads of the pool "default" (the native
    # engine's lookups) take seconds to start, more than blocks with a 1 s
    # timeout wait for the worker: a smaller pool for the same work.
    if ($ENV{TEST_NGINX_USE_VALGRIND}
        && $main_config !~ /thread_pool\s+default\b/)
    {
        $main_config = "thread_pool default threads=2;\n$main_config";
    }

    $block->set_value('main_config', $main_config);

    add_user_file($block, $KEY_FILE_NAME, $DEFAULT_KEY_FILE);
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
# order (X-Partoo-Signature-v1 when a signature is given), the custom ones
# (a list of [name, value]) after them.
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

    $head .= "X-Partoo-Signature-v1: $a{signature}\r\n"
        if defined $a{signature};

    for my $h (@{ $a{headers} || [] }) {
        $head .= $h->[1] eq '' ? "$h->[0]:\r\n" : "$h->[0]: $h->[1]\r\n";
    }

    return $head . "Content-Length: " . length($body) . "\r\n\r\n$body";
}

# The document a tryout sends for an event type when the org has no
# sample: the built-in default with $org (the default key's org when not
# given) as its org_id.
sub payload_document {
    my ($event, $org) = @_;

    return PartooPayloads::default_document($event,
                                            $org // $KEYS{org_admin}[3]);
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

# tryout_request() as raw HTTP/1.0 bytes with the default x-APIKey, for a
# client of one's own.
sub raw_tryout_request {
    my (%a) = @_;

    my ($line, $body) = split /\n/, tryout_request(%a), 2;

    return "$line HTTP/1.0\r\nHost: localhost\r\n"
           . "Content-Type: application/json\r\n"
           . "x-APIKey: $API_KEY\r\n"
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

sub default_headers {
    my ($headers, $no_key) = @_;

    $headers //= "Content-Type: application/json\n";

    if (!$no_key && $headers !~ /^x-apikey\s*:/im) {
        $headers .= "\n" if length $headers && $headers !~ /\n\z/;
        $headers .= "x-APIKey: $API_KEY\n";
    }

    return $headers;
}

# Adds a file to "--- user_files" unless the block has one of that name.
sub add_user_file {
    my ($block, $name, $content) = @_;

    my $files = $block->user_files;

    if (ref $files eq 'ARRAY') {
        return if grep { $_->[0] eq $name } @$files;
        $block->set_value('user_files', [@$files, [$name, $content]]);
        return;
    }

    $files //= '';
    return if $files =~ /^>>> \Q$name\E\s*$/m;

    $files .= "\n" if length $files && $files !~ /\n\z/;
    $block->set_value('user_files', "$files>>> $name\n$content");
}

# For reload tests (nginx under TEST_NGINX_USE_HUP): writes $content to
# html/$file, sends SIGHUP to the master and waits until the error log
# written since then matches $done; returns that log text.
sub rewrite_and_hup {
    my ($root, $file, $content, $done, $timeout) = @_;

    my $log = "$root/logs/error.log";
    my $offset = -s $log // 0;

    open my $out, '>', "$root/html/$file" or die "$root/html/$file: $!";
    print $out $content;
    close $out;

    open my $in, '<', "$root/logs/nginx.pid" or die "nginx.pid: $!";
    my $pid = <$in>;
    close $in;
    chomp $pid;

    kill 'HUP', $pid or die "kill -HUP $pid: $!";

    $timeout //= 30;

    my $deadline = time + $timeout;
    my $text = '';

    while (time < $deadline) {
        open my $fh, '<', $log or die "$log: $!";
        seek $fh, $offset, 0;
        local $/;
        $text = <$fh> // '';
        close $fh;

        return $text if $text =~ $done;

        select undef, undef, undef, 0.05;
    }

    die "no \"$done\" in the error log ${timeout}s after SIGHUP:\n$text";
}

# A raw HTTP/1.1 request whose body is sent in chunks of $size bytes.
sub chunked_request {
    my ($body, $size, $content_type) = @_;

    my $req = "POST $TRYOUT_URI HTTP/1.1\r\nHost: localhost\r\n"
              . "Content-Type: " . ($content_type // 'application/json')
              . "\r\nx-APIKey: $API_KEY"
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
