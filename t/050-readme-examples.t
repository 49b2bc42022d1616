# Every ```nginx example of README.md passes "nginx -t" with the module
# loaded, so the reference never shows a configuration nginx refuses.
#
# Each example is put in the context its top-level lines call for (main,
# http, server or location) inside an otherwise complete nginx.conf; what
# it names but does not declare (a keys zone, a samples zone, a thread pool)
# is declared as an operator's configuration would, and its files under
# /etc/nginx/partoo/ are replaced by fixtures.
#
# Plain Test::More, on any runner.  No server is started, so it runs nginx
# plainly under TEST_NGINX_USE_VALGRIND too.

use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use File::Basename qw(basename dirname);
use File::Spec;
use File::Temp qw(tempdir);
use Test::More;

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = map { File::Spec->rel2abs($_) }
              grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';

plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set: no module to load '
                 . 'into the examples'
    unless @modules;

my $MODULE_FILE = 'ngx_http_partoo_tryout_module.so';

my $readme = File::Spec->catfile(dirname(File::Spec->rel2abs(__FILE__)),
                                 File::Spec->updir, 'README.md');
my $root = tempdir('partoo-readme-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub write_file {
    my ($path, $data) = @_;

    open my $fh, '>:raw', $path or die "cannot write $path: $!";
    print $fh $data;
    close $fh;

    return $path;
}

# The example paths and what stands for them: a valid key file (README's
# "The key file"), a real Ed25519 key, and a lead payload object (README's
# "The payload document").  A path of /etc/nginx/partoo/ not listed here
# fails the test, so a new example gets its fixture.

my %fixture = (
    'keys.json' => write_file("$root/keys.json",
                       '{"keys":[{"key_sha256":"' . sha256_hex('readme-key')
                       . '","user_id":"u-1","role":"ORG_ADMIN",'
                       . '"org_id":42}]}' . "\n"),
    'lead.json' => write_file("$root/lead.json",
                       '{"id":7,"source":"form","created_at":"2024-01-01'
                       . 'T00:00:00Z","values":[]}' . "\n"),
    'ed25519.pem' => "$root/ed25519.pem",
);

system('openssl', 'genpkey', '-algorithm', 'ed25519',
       '-out', $fixture{'ed25519.pem'}) == 0
    or die "openssl genpkey -algorithm ed25519 failed\n";

# The other places a bare nginx -t would write to or chown: Debian's
# compiled-in /var/lib/nginx temp paths and /var/log/nginx/access.log.
my $nginx_v = `'$nginx' -V 2>&1`;
my @temp_paths = ('client_body',
                  grep { $nginx_v !~ /--without-http_${_}_module/ }
                  qw(proxy fastcgi uwsgi scgi));

# The documented contexts of the module's directives, from the README's
# "Syntax: ... Context: ..." entries.

open my $fh, '<', $readme or die "cannot read $readme: $!";
my @lines = <$fh>;
close $fh;

my %contexts;

for my $n (0 .. $#lines - 2) {
    $lines[$n] =~ /^\s+Syntax:\s+(\w+)/ or next;
    my $name = $1;

    # "Default:" comes between
    for (@lines[$n + 1, $n + 2]) {
        $contexts{$name} = { map { $_ => 1 } split /,\s*/, $1 }
            if /^\s+Context:\s+(.*\S)/;
    }
}

# nginx's own directives of the http{} level only, and the module's
my %http_only = map { $_ => 1 }
                qw(server upstream map geo split_clients log_format
                   limit_req_zone limit_conn_zone proxy_cache_path),
                grep { keys %{ $contexts{$_} } == 1 && $contexts{$_}{http} }
                keys %contexts;

# The first word of each statement outside any {}: what decides the context.
sub top_level_names {
    my ($text) = @_;

    my ($depth, $start, @names) = (0, 1);

    pos($text) = 0;

    while (pos($text) < length $text) {
        $text =~ /\G(?:\s+|#[^\n]*)/gc and next;

        if ($text =~ /\G([{};])/gc) {
            $depth += $1 eq '{' ? 1 : $1 eq '}' ? -1 : 0;
            $start = 1;
            next;
        }

        # a quoted string, or a word
        $text =~ /\G("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'
                    |[^\s{};"'][^\s{};]*)/gcsx
            or die "cannot read the example at: " . substr($text, pos $text);

        push @names, $1 if $start && $depth == 0;
        $start = 0;
    }

    return @names;
}

sub context_of {
    my (@names) = @_;

    return 'main' if grep { $_ eq 'http' } @names;
    return 'load_module' unless grep { $_ ne 'load_module' } @names;
    return 'http' if grep { $http_only{$_} } @names;
    return 'server' unless grep { $_ ne 'location' } @names;

    # other directives: at http, unless one is documented for less
    return (grep { $contexts{$_} && !$contexts{$_}{http} } @names)
           ? 'location' : 'http';
}

# nginx.conf around an example, with the declarations it lacks
sub nginx_conf {
    my ($text, $context, $dir) = @_;

    (my $fixtures = $text) =~ s{/etc/nginx/partoo/([^\s;]+)}{
        $fixture{$1} // die "no fixture for /etc/nginx/partoo/$1\n"
    }ge;

    my ($main, $http) = ('', '');

    $http .= "    access_log $dir/access.log;\n";
    $http .= "    ${_}_temp_path $dir/${_}_temp;\n" for @temp_paths;

    # each zone or pool the example names once, however often it uses it
    my %uses = (keys => {}, samples => {}, pool => {});

    $uses{keys}{$_} = 1 for $fixtures =~ /\bkeys=(\w+)/g;
    $uses{samples}{$_} = 1
        for $fixtures =~ /(?:\bsamples=|partoo_tryout_samples_api\s+)(\w+)/g;
    $uses{pool}{$_} = 1 for $fixtures =~ /partoo_tryout_thread_pool\s+(\w+)/g;

    # a keys zone over the fixture key file
    for my $name (sort keys %{ $uses{keys} }) {
        next if $fixtures =~ /partoo_tryout_keys_zone\s[^;]*zone=$name:/;
        $http .= "    partoo_tryout_keys_zone zone=$name:1m "
                 . "file=$fixture{'keys.json'};\n";
    }

    # a samples zone, the smallest a sample of 64k fits in
    for my $name (sort keys %{ $uses{samples} }) {
        next if $fixtures =~ /partoo_tryout_samples_zone\s[^;]*zone=$name:/;
        $http .= "    partoo_tryout_samples_zone zone=$name:1m;\n";
    }

    # a thread pool, in the main context
    for my $name (sort keys %{ $uses{pool} }) {
        next if $name eq 'off' || $fixtures =~ /^\s*thread_pool\s+$name\s/m;
        $main .= "thread_pool $name threads=1;\n";
    }

    my $conf = $fixtures;

    if ($context eq 'main') {
        $conf =~ s/^\s*load_module\s[^;]*;[^\n]*\n//mg;
        $conf =~ s/^(\s*http\s*\{[^\n]*\n)/$1$http/m;

    } else {
        $conf = "location /readme-example {\n$conf}\n"
            if $context eq 'location';
        $conf = "server {\n$conf}\n" if $context ne 'http';
        $conf = "http {\n$http$conf}\n";
    }

    my %has = map { $_ => 1 } top_level_names($conf);

    $main .= "error_log $dir/error.log;\n" unless $has{error_log};
    $main .= "pid $dir/nginx.pid;\n" unless $has{pid};
    $main .= "events {}\n" unless $has{events};

    return join('', map { "load_module $_;\n" } @modules) . $main . $conf;
}

sub nginx_t {
    my ($dir) = @_;

    my $pid = open(my $out, '-|') // die "cannot fork: $!";

    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        exec($nginx, '-t', '-p', $dir, '-c', "$dir/nginx.conf")
            or print "cannot run $nginx: $!\n";
        exit 127;
    }

    my $text = do { local $/; <$out> };
    close $out;

    return ($? >> 8, $text);
}

# the ```nginx blocks: [line of the fence, text]
my (@examples, $open);

for my $n (0 .. $#lines) {
    if (defined $open) {
        if ($lines[$n] =~ /^```\s*$/) {
            push @examples, [$open + 1, join '', @lines[$open + 1 .. $n - 1]];
            undef $open;
        }
    } elsif ($lines[$n] =~ /^```nginx\s*$/) {
        $open = $n;
    }
}

ok(@examples, scalar(@examples) . ' nginx examples in README.md');

for my $example (@examples) {
    my ($line, $text) = @$example;

    my @names = eval { top_level_names($text) };

    if ($@) {
        fail("README.md:$line: $@");
        next;
    }

    my $context = context_of(@names);

    # replaced by the module under test, so only its name is checked
    for ($text =~ /^\s*load_module\s+([^;\s]+)\s*;/mg) {
        is(basename($_), $MODULE_FILE,
           "README.md:$line: load_module names the module's file");
    }

    next if $context eq 'load_module';

    my $dir = tempdir('example-XXXXXX', DIR => $root);
    my $conf = eval { nginx_conf($text, $context, $dir) };

    if (!defined $conf) {
        fail("README.md:$line: $@");
        next;
    }

    write_file("$dir/nginx.conf", $conf);

    my ($status, $out) = nginx_t($dir);

    ok($status == 0 && $out =~ /test is successful/,
       "README.md:$line: nginx -t accepts the example ($context context)")
        or diag("--- nginx.conf\n$conf--- nginx -t (exit $status)\n$out");
}

done_testing();
