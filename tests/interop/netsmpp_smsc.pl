#!/usr/bin/perl
#
# netsmpp_smsc: an SMSC played by Perl's Net::SMPP (Debian's
# libnet-smpp-perl), an SMPP stack tnsgw's authors did not write. It takes
# the daemon's bind (one transceiver, or a transmitter and a receiver),
# plays one scenario in one USSD dialect, prints "ok - ..." / "not ok - ..."
# lines and exits 0 when all passed. Loopback only, bounded in time.
#
# usage: netsmpp_smsc.pl --port P --dialect D --mode trx|txrx --scenario S
#   D: ussd_service_op | its_session_info | its_session_info_only |
#      user_message_reference | msisdn | opx (the test config's own profile:
#      ussd_service_op codes 0x01 in / 0x20 continue / 0x22 abort, dial
#      string in destination_addr, service_type USSD, data_sm both ways,
#      data_coding 0x0F / 0x48 out)
#   S: dialog    a three-screen USSD dialog (a shortcut without its dates)
#      throttle  the same, the first screen refused ESME_RTHROTTLED once
#      sms       a case-B dial: the OTP SMS is answered and a delivery
#                receipt sent for it (the shell test checks Redis)
#
use strict;
use warnings;
use Getopt::Long;
use IO::Select;
use Net::SMPP;
use Time::HiRes qw(time);

my %o = (port => 0, dialect => 'ussd_service_op', mode => 'trx',
    scenario => 'dialog', timeout => 15, msisdn => '212600000901',
    ready => '');
GetOptions(\%o, 'port=i', 'dialect=s', 'mode=s', 'scenario=s', 'timeout=i',
    'msisdn=s', 'ready=s') or die "bad options\n";
$o{port} or die "--port is required\n";

my $deadline = time + $o{timeout};
my ($npass, $nfail) = (0, 0);

sub check {
	my ($ok, $what) = @_;
	if ($ok) { $npass++; print "ok - $o{dialect}/$o{mode}/$o{scenario}: $what\n"; }
	else { $nfail++; print "not ok - $o{dialect}/$o{mode}/$o{scenario}: $what\n"; }
	return $ok;
}

sub finish {
	print "# $npass passed, $nfail failed\n";
	exit($nfail == 0 && $npass > 0 ? 0 : 1);
}

$SIG{ALRM} = sub { check(0, "timed out"); finish(); };
alarm($o{timeout} + 5);

# ---- the dialects, as this side sees them ----------------------------------

my %D = (
	ussd_service_op => { op => 1, begin => "\x01", cont => "\x12",
	    out_cont => "\x02", out_end => "\x11" },
	its_session_info => { op => 1, its => 1, begin => "\x01", cont => "\x12",
	    out_cont => "\x02", out_end => "\x11" },
	its_session_info_only => { op => 0, its => 1 },
	user_message_reference => { op => 1, umr => 1, begin => "\x01",
	    cont => "\x12", out_cont => "\x02", out_end => "\x11" },
	msisdn => { op => 1, begin => "\x01", cont => "\x12", out_cont => "\x02",
	    out_end => "\x11", bare => 1 },
	opx => { op => 1, begin => "\x01", cont => "\x20", out_cont => "\x02",
	    out_end => "\x11", data_sm => 1, dest_dial => 1, stype => 'USSD',
	    dcs_gsm => 0x0F, dcs_ucs2 => 0x48, bare => 1 },
);
my $d = $D{$o{dialect}} or die "unknown dialect $o{dialect}\n";
my $its_sess = 0x2A;
my $its_seq = 0;
my $umr = 0x1234;

# ---- connections -----------------------------------------------------------

my $listen = Net::SMPP->new_listen('127.0.0.1', port => $o{port},
    smpp_version => 0x34) or die "listen on $o{port}: $!\n";
if ($o{ready} ne '') {
	open(my $fh, '>', $o{ready}) or die "$o{ready}: $!\n";
	close($fh);
}
my $sel = IO::Select->new($listen);
my ($rx, $tx);
my @conns;
my @pending;	# PDUs read but not consumed: [conn, pdu]

sub handle_admin {
	my ($c, $pdu) = @_;
	my $cmd = $pdu->{cmd};
	if ($cmd == 0x00000015) {		# enquire_link
		$c->enquire_link_resp(seq => $pdu->{seq});
		return 1;
	}
	if ($cmd == 0x00000006) {		# unbind
		$c->unbind_resp(seq => $pdu->{seq});
		return 1;
	}
	if ($cmd == 0x00000009 || $cmd == 0x00000001 || $cmd == 0x00000002) {
		my $resp = { 9 => 'bind_transceiver_resp',
		    1 => 'bind_receiver_resp', 2 => 'bind_transmitter_resp' };
		my $m = $resp->{$cmd};
		$c->$m(seq => $pdu->{seq}, system_id => 'NETSMPP');
		$rx = $c if $cmd == 9 || $cmd == 1;
		$tx = $c if $cmd == 9 || $cmd == 2;
		return 1;
	}
	return 0;
}

# Wait for a PDU the test wants (pred returns true), answering the
# link's own PDUs meanwhile; undef at the deadline.
sub wait_for {
	my ($pred, $secs) = @_;
	my $until = time + ($secs // 5);
	$until = $deadline if $until > $deadline;
	for (my $i = 0; $i < @pending; $i++) {
		if ($pred->(@{$pending[$i]})) {
			my $hit = splice(@pending, $i, 1);
			return @$hit;
		}
	}
	while (time < $until) {
		for my $fh ($sel->can_read($until - time)) {
			if ($fh == $listen) {
				my $c = $listen->accept or next;
				push @conns, $c;
				$sel->add($c);
				next;
			}
			my $pdu = $fh->read_pdu;
			if (!defined $pdu) {
				$sel->remove($fh);
				next;
			}
			next if handle_admin($fh, $pdu);
			return ($fh, $pdu) if $pred->($fh, $pdu);
			push @pending, [$fh, $pdu];
		}
	}
	return;
}

sub wait_bound {
	my $want_tx = 1;
	my $until = time + 10;
	while (time < $until && !(defined $rx && defined $tx)) {
		wait_for(sub { 0 }, 0.2);
	}
	check(defined $rx && defined $tx, "bound (" .
	    ($o{mode} eq 'txrx' ? 'transmitter + receiver' : 'transceiver') . ")")
	    or finish();
	if ($o{mode} eq 'txrx') {
		check($rx != $tx, "receiver and transmitter are two sessions");
	} else {
		check($rx == $tx, "one transceiver session");
	}
}

# ---- one MO and the screen that answers it ---------------------------------

sub mo {
	my ($text, $kind) = @_;		# kind: begin | cont
	my @tlv;
	if ($d->{op}) {
		push @tlv, ussd_service_op => ($kind eq 'begin' ? $d->{begin} : $d->{cont});
	}
	if ($d->{its}) {
		$its_seq = 0 if $kind eq 'begin';
		push @tlv, its_session_info => pack('CC', $its_sess, $its_seq << 1);
		$its_seq += 2;
	}
	push @tlv, user_message_reference => pack('n', $umr) if $d->{umr};
	my %m = (service_type => $d->{stype} // '', source_addr_ton => 1,
	    source_addr_npi => 1, source_addr => $o{msisdn}, dest_addr_ton => 0,
	    dest_addr_npi => 0, esm_class => 0, data_coding => 0, async => 1);
	my $dest = '1515';
	if ($d->{dest_dial} && $kind eq 'begin') {
		$dest = $text;
		$text = '';
	}
	my $seq;
	if ($d->{data_sm}) {
		$seq = $rx->data_sm(%m, destination_addr => $dest,
		    registered_delivery => 0, message_payload => $text, @tlv);
	} else {
		$seq = $rx->deliver_sm(%m, destination_addr => $dest,
		    short_message => $text, @tlv);
	}
	my ($c, $r) = wait_for(sub { $_[1]{cmd} == ($d->{data_sm} ? 0x80000103 :
	    0x80000005) && $_[1]{seq} == $seq }, 5);
	check(defined $r && $r->{status} == 0,
	    "$kind MO answered ESME_ROK" . (defined $r ? sprintf(" (0x%x)",
	    $r->{status}) : " (no response)"));
	return $seq;
}

# The next screen on the transmitter; answered with $status (default 0).
sub screen {
	my ($want_end, $status, $what) = @_;
	my $want_cmd = $d->{data_sm} ? 0x00000103 : 0x00000004;
	# The caller's screen: an SMS (the OTP to the phone on record, the
	# outcome sent again to the caller) may come first: it carries no
	# USSD field and waits in @pending.
	my ($c, $p) = wait_for(sub { $_[1]{cmd} == $want_cmd &&
	    ($_[1]{destination_addr} // '') eq $o{msisdn} &&
	    ($d->{data_sm} || defined $_[1]{ussd_service_op} ||
	    defined $_[1]{its_session_info}) }, 6);
	check(defined $p, "$what: a " . ($d->{data_sm} ? 'data_sm' : 'submit_sm')
	    . " screen came") or return;
	check($c == $tx, "$what: on the transmitter session");
	my $m = $d->{data_sm} ? 'data_sm_resp' : 'submit_sm_resp';
	$c->$m(seq => $p->{seq}, message_id => 'abc' . $p->{seq},
	    status => $status // 0);
	my $text = $d->{data_sm} ? ($p->{message_payload} // '') :
	    ($p->{short_message} // '');
	check(length($text) > 0, "$what: the screen has text");
	check($p->{destination_addr} eq $o{msisdn}, "$what: sent to the caller");
	if ($d->{op}) {
		my $op = $p->{ussd_service_op} // '';
		check($op eq ($want_end ? $d->{out_end} : $d->{out_cont}),
		    sprintf("$what: ussd_service_op is the byte 0x%02x",
		    ord($want_end ? $d->{out_end} : $d->{out_cont})));
	}
	if ($d->{its}) {
		my $its = $p->{its_session_info};
		check(defined $its && length($its) == 2, "$what: its_session_info echoed");
		if (defined $its && length($its) == 2) {
			my ($s, $q) = unpack('CC', $its);
			check($s == $its_sess, "$what: its session number kept");
			check(($q & 1) == ($want_end ? 1 : 0), "$what: its end bit "
			    . ($want_end ? 'set' : 'clear'));
		}
	}
	if ($d->{umr}) {
		check(($p->{user_message_reference} // '') eq pack('n', $umr),
		    "$what: user_message_reference echoed as two bytes");
	}
	if ($d->{bare}) {
		check(!defined $p->{its_session_info} &&
		    !defined $p->{user_message_reference},
		    "$what: no session TLV sent back");
	}
	if (defined $d->{dcs_gsm}) {
		check($p->{data_coding} == $d->{dcs_gsm}, sprintf(
		    "$what: data_coding 0x%02x", $d->{dcs_gsm}));
	}
	if (defined $d->{stype}) {
		check(($p->{service_type} // '') eq $d->{stype},
		    "$what: service_type $d->{stype}");
	}
	return { pdu => $p, text => $text };
}

# ---- scenarios ------------------------------------------------------------

wait_bound();

if ($o{scenario} eq 'dialog' || $o{scenario} eq 'throttle') {
	# AB123456 (case A) dialled without its dates: two questions, three
	# screens (expiry, birth date, the matricule).
	mo('*1515*1*AB123456#', 'begin');
	my $s1;
	if ($o{scenario} eq 'throttle') {
		my $t0 = time;
		$s1 = screen(0, 0x58, 'first screen, throttled');
		my $again = screen(0, 0, 'first screen again');
		check(defined $s1 && defined $again && $s1->{text} eq $again->{text},
		    'the throttled screen came back the same');
		check(time - $t0 < 3, sprintf('re-sent within 3 s (%.2f s)',
		    time - $t0));
	} else {
		$s1 = screen(0, 0, 'first screen');
	}
	check(defined $s1 && scalar($s1->{text} =~ /expiration|expiry/i),
	    'the first screen asks for the expiry date')
	    or print "# first screen: ", ($s1 ? $s1->{text} : '(none)'), "\n";
	mo('31052030', 'cont');
	my $s2 = screen(0, 0, 'second screen');
	check(defined $s2 && scalar($s2->{text} =~ /naissance|birth/i),
	    'the second screen asks for the birth date')
	    or print "# second screen: ", ($s2 ? $s2->{text} : '(none)'), "\n";
	mo('01021980', 'cont');
	my $s3 = screen(1, 0, 'last screen');
	check(defined $s3 && scalar($s3->{text} =~ /990000001/),
	    'the last screen shows the matricule')
	    or print "# last screen: ", ($s3 ? $s3->{text} : '(none)'), "\n";
} elsif ($o{scenario} eq 'sms') {
	# BE765432: case B, OTP by SMS to the phone on record 212600000102.
	mo('*1515*1*BE765432*30112029*14071975#', 'begin');
	my $s1 = screen(0, 0, 'code screen');
	my ($c, $p) = wait_for(sub { $_[1]{cmd} == 0x00000004 &&
	    $_[1]{destination_addr} eq '212600000102' }, 6);
	check(defined $p, 'an SMS to the phone on record came') or finish();
	check($c == $tx, 'the SMS came on the transmitter session');
	check(!defined $p->{ussd_service_op}, 'the SMS carries no USSD operation');
	check(($p->{registered_delivery} // 0) & 1, 'the SMS asks for a receipt');
	$c->submit_sm_resp(seq => $p->{seq}, message_id => '4242');
	# the receipt, on the receiver, SMPP 3.4 appendix B text
	my $seq = $rx->deliver_sm(source_addr_ton => 1, source_addr_npi => 1,
	    source_addr => '212600000102', destination_addr => '1515',
	    esm_class => 0x04, data_coding => 0, async => 1,
	    short_message => 'id:4242 sub:001 dlvrd:001 submit date:2612041200 '
	    . 'done date:2612041201 stat:DELIVRD err:000 text:');
	my ($c2, $r) = wait_for(sub { $_[1]{cmd} == 0x80000005 &&
	    $_[1]{seq} == $seq }, 5);
	check(defined $r && $r->{status} == 0, 'the receipt answered ESME_ROK');
} else {
	die "unknown scenario $o{scenario}\n";
}
finish();
