package Test::Nginx::Runner::Valgrind;

# Runs nginx under valgrind memcheck for the project's Test::Nginx::Socket
# runner and judges valgrind's log: any memory error or definite leak that
# valgrind.suppress does not cover fails the block.

use strict;
use warnings;

our $VERSION = '0.01';

# The command prefix to run nginx under memcheck, logging to $log_file.
sub command_prefix {
    my (%args) = @_;

    my @cmd = (
        'valgrind',
        '--tool=memcheck',
        '--leak-check=full',
        '--show-leak-kinds=definite',
        '--errors-for-leak-kinds=definite',
        '--num-callers=50',
        # names the stack of an unsuppressed error ready to paste into
        # valgrind.suppress when it is nginx's own
        '--gen-suppressions=all',
        "--log-file=$args{log_file}",
    );

    if (defined $args{suppressions} && -f $args{suppressions}) {
        push @cmd, "--suppressions=$args{suppressions}";
    }

    push @cmd, grep { length } split /\s+/, $args{extra_opts}
        if defined $args{extra_opts};

    return @cmd;
}

# Looks at a piece of a valgrind log (several processes may have written to
# it, each line tagged "==PID==").  Returns a list of problems, each a short
# sentence; the list is empty when the log shows neither errors nor definite
# leaks.  $expect_summary says every process in the piece must have exited
# (so each wrote an "ERROR SUMMARY").
sub problems {
    my ($text, $expect_summary) = @_;

    my (%summary_seen, %pids, @problems);

    for my $line (split /\n/, $text) {
        next if $line !~ /^==(\d+)== ?(.*)$/;

        my ($pid, $msg) = ($1, $2);

        $pids{$pid} = 1;

        if ($msg =~ /^ERROR SUMMARY: ([\d,]+) errors?/) {
            (my $n = $1) =~ tr/,//d;
            $summary_seen{$pid} = 1;
            push @problems, "process $pid: $n valgrind error(s)" if $n > 0;

        } elsif ($msg =~ /^\s*definitely lost: ([\d,]+) bytes in ([\d,]+)/) {
            (my $bytes = $1) =~ tr/,//d;
            push @problems, "process $pid: $bytes bytes definitely lost"
                if $bytes > 0;
        }
    }

    if ($expect_summary) {
        for my $pid (sort keys %pids) {
            push @problems, "process $pid: no ERROR SUMMARY (killed before "
                            . "valgrind could finish?)"
                if !$summary_seen{$pid};
        }
    }

    return @problems;
}

# The part of the log worth printing: everything but the banner and blank
# lines, the first $max_lines of them.
sub report {
    my ($text, $max_lines) = @_;

    $max_lines ||= 300;

    my $banner = join '|', map { quotemeta }
                 'Memcheck, a memory error detector', 'Copyright',
                 'Using Valgrind', 'Command:', 'Parent PID:';

    my @lines = grep { !/^==\d+== *$/ && !/^==\d+== (?:$banner)/ }
                split /\n/, $text;

    if (@lines > $max_lines) {
        my $cut = @lines - $max_lines;
        @lines = (@lines[0 .. $max_lines - 1], "... ($cut more lines) ...");
    }

    return join "\n", @lines;
}

1;
