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

our @EXPORT = qw(tryout_defaults chunked_request padded_body key_file
                 rewrite_and_hup
                 $TRYOUT_URI $VALID_BODY $API_KEY %KEYS);

our $TRYOUT_URI = '/v2/webhooks/tryout';
our $VALID_BODY = '{"items":[{"url":"https://example.com/webhook",'
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
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;

        if (!defined $block->config) {
            $block->set_value('config', $TRYOUT_LOCATION);
        }

        my $http_config = $block->http_config // '';

        if ($http_config !~ /zone=tryout_keys:/) {
            $block->set_value('http_config', $KEYS_ZONE . $http_config);
        }

        add_user_file($block, $KEY_FILE_NAME, $DEFAULT_KEY_FILE);

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
