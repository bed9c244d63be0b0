#!/usr/bin/env bash
# Interop against an SMPP stack we did not write: Perl's Net::SMPP (Debian
# libnet-smpp-perl) plays the SMSC (tests/interop/netsmpp_smsc.pl). For each
# built-in dialect and one profile of the config: a USSD dialog of two
# screens; a transmitter+receiver operator; screens throttled on their first
# submit; an OTP SMS with its delivery receipt. A real redis-server with the
# sample registry and the real daemon, on loopback; every run bounded.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
PL="$TOP/tests/interop/netsmpp_smsc.pl"

if ! perl -MNet::SMPP -e 1 2>/dev/null; then
	not_ok "Net::SMPP is installed (libnet-smpp-perl: tools/setup.sh)"
	echo "# $T_PASS passed, $T_FAIL failed"
	exit 1
fi

RPORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; cat "$T_DIR/load.log"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || { not_ok "key files"; exit 1; }

# The profile "opx" of the script, as an operator's document would give it.
OPX='	dialects = (
		{ name = "opx"; base = "msisdn"; op_continue = [ 0x12, 0x20 ];
		  op_abort = [ 0x81, 0x22 ]; command = "data_sm";
		  dial = "destination_addr"; service_type = "USSD";
		  out_dcs_gsm7 = 0x0F; out_dcs_ucs2 = 0x48; }
	);'

# play DIALECT MODE SCENARIO: one daemon bound to one Net::SMPP SMSC; a
# caller of its own each time (the per-MSISDN limit is 10 lookups an hour).
NCALL=10
play() {
	local dialect=$1 mode=$2 scen=$3 sport conf log mline out rc
	local tag="$dialect-$mode-$scen"
	sport=$(t_free_port)
	conf="$T_DIR/$tag.conf"
	log="$T_DIR/$tag.log"
	t_conf "$RPORT" "$sport" "$conf" "" "$T_DIR/keys" || { not_ok "$tag: config"; return; }
	mline='transceiver'
	[ "$mode" = txrx ] && mline='transmitter+receiver'
	# One outbox consumer per run: a run under the name of the previous
	# one would take its unsent SMS back at once (daemon.instance).
	sed -i -e "s|^daemon\s*[:=]\s*{|&\n  instance = \"$tag\";|" \
	    -e "s/^\(\s*dialect\s*=\s*\).*/\1\"$dialect\";/" \
	    -e "s/^\(\s*mode\s*=\s*\).*/\1\"$mline\";/" \
	    -e 's/^\(\s*reconnect_min_s\s*=\s*\).*/\11;/' "$conf"
	if [ "$dialect" = opx ]; then
		awk -v block="$OPX" '{ print } /^smpp = \{/ { print block }' \
		    "$conf" >"$conf.new" && mv "$conf.new" "$conf"
	fi
	"$TOP/$B/tnsgw" -t -c "$conf" >"$T_DIR/$tag.t" 2>&1 ||
	    { not_ok "$tag: tnsgw -t ($(cat "$T_DIR/$tag.t"))"; return; }
	rm -f "$T_DIR/$tag.ready"
	NCALL=$((NCALL + 1))
	timeout 40 perl "$PL" --port "$sport" --dialect "$dialect" \
	    --mode "$mode" --scenario "$scen" --timeout 25 \
	    --msisdn "2126000009$NCALL" \
	    --ready "$T_DIR/$tag.ready" >"$T_DIR/$tag.out" 2>"$T_DIR/$tag.err" &
	local spid=$!
	for _ in $(seq 1 100); do [ -e "$T_DIR/$tag.ready" ] && break; sleep 0.1; done
	"$TOP/$B/tnsgw" -f -c "$conf" 2>"$log" &
	local dpid=$!
	wait "$spid"; rc=$?
	kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
	# The script's own checks, one line each.
	while IFS= read -r out; do
		case "$out" in
		"ok - "*) ok "${out#ok - }";;
		"not ok - "*) not_ok "${out#not ok - }";;
		esac
	done <"$T_DIR/$tag.out"
	if [ "$rc" -ne 0 ]; then
		not_ok "$tag: the Net::SMPP SMSC exited $rc"
		sed 's/^/    /' "$T_DIR/$tag.err" | tail -n 8
		sed 's/^/    daemon: /' "$log" | tail -n 12
	fi
	check "$tag: the daemon logged no document number or birth date" \
	    bash -c "! grep -Eq 'AB123456|BE765432|01021980|14071975' '$log'"
}

for d in ussd_service_op its_session_info its_session_info_only \
    user_message_reference msisdn opx; do
	play "$d" trx dialog
done
play ussd_service_op txrx dialog
play its_session_info txrx dialog
play ussd_service_op trx throttle
play its_session_info txrx throttle
play ussd_service_op txrx sms

# The SMS of the last run: sent on the transmitter, then the receipt for
# message id 4242 (decimal; canonical 1092) made its state "delivered".
id=$(redis-cli -p "$RPORT" --raw GET "tns:outbox:mid:sim:1092")
check "the OTP SMS's id maps to its outbox entry ($id)" [ -n "$id" ]
st=$(redis-cli -p "$RPORT" --raw HGET "tns:outbox:st:$id" state)
check "its delivery receipt was applied (state $st)" [ "$st" = delivered ]

echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
