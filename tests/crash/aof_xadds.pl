#!/usr/bin/perl
# aof_xadds.pl KEY NEWKEY AOF_FILE...: every XADD to stream KEY that Redis
# wrote to its append-only files (RESP, no RDB preamble), given again as an
# XADD to NEWKEY with the same id and fields, in RESP for `redis-cli --pipe`.
# The outbox deletes settled entries (XDEL), so the crash test finds what
# was promised here: Redis logs XADD with the id it gave (never '*'), also
# from inside a script (effects replication).
use strict;
use warnings;

die "usage: aof_xadds.pl KEY NEWKEY AOF_FILE...\n" if @ARGV < 3;
my ($key, $newkey, @files) = @ARGV;
my $n = 0;
binmode STDOUT;

sub resp {
	my $s = '*' . scalar(@_) . "\r\n";
	$s .= '$' . length($_) . "\r\n$_\r\n" for @_;
	return $s;
}

for my $f (@files) {
	open(my $fh, '<:raw', $f) or die "$f: $!\n";
	local $/;
	my $buf = <$fh>;
	close($fh);
	my $pos = 0;
	my $len = length($buf);
	while ($pos < $len) {
		# One command: *N\r\n then N bulk strings $L\r\n<L bytes>\r\n.
		$buf =~ /\G\*(\d+)\r\n/gc or die "$f: offset $pos: not a RESP array\n";
		my $argc = $1;
		my @argv;
		for (1 .. $argc) {
			$buf =~ /\G\$(\d+)\r\n/gc or die "$f: offset " . pos($buf) .
			    ": not a bulk string\n";
			my $l = $1;
			my $at = pos($buf);
			last if $at + $l + 2 > $len;	# a torn tail (crash)
			push @argv, substr($buf, $at, $l);
			pos($buf) = $at + $l + 2;
		}
		last if @argv < $argc;
		$pos = pos($buf);
		next unless uc($argv[0]) eq 'XADD' && @argv > 2 && $argv[1] eq $key;
		# XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] n [LIMIT c]] id f v...
		my $i = 2;
		while ($i < @argv) {
			my $o = uc($argv[$i]);
			if ($o eq 'NOMKSTREAM') { $i++; next; }
			if ($o eq 'MAXLEN' || $o eq 'MINID') {
				$i++;
				$i++ if $argv[$i] eq '=' || $argv[$i] eq '~';
				$i++;
				next;
			}
			if ($o eq 'LIMIT') { $i += 2; next; }
			last;
		}
		die "$f: XADD without an explicit id\n" if $argv[$i] eq '*';
		print resp('XADD', $newkey, @argv[$i .. $#argv]);
		$n++;
	}
}
print STDERR "$n XADD to $key\n";
