#!/usr/bin/env bash
# Every caller gets through (DESIGN.md §1), on both channels: the four
# outcomes by USSD (demo_*.scn) and by SMS; the help text, once an hour per
# MSISDN; the no-match answer, byte for byte the same for an unknown number
# and for a wrong date, on USSD and by SMS; a digits-only number; an OTP
# typed after a re-dial; an Arabic D with a long reason read whole; case C's
# documents and proximity points by SMS. A real redis-server with the
# sample, the daemon and the simulator on loopback.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; cat "$T_DIR/load.log"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || { not_ok "key files"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" "$T_DIR/keys" || exit 1
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"

play() {	# tag scenario...: one simulator run, its output kept
	local tag=$1 args=() f; shift
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout 90 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    -t 60 --sms-log "$T_DIR/$tag.sms" "${args[@]}" >"$T_DIR/$tag.out" 2>&1
}
scenario() {	# scenario...: one check per file
	local f
	for f in "$@"; do
		if play "${f%.scn}" "$f"; then ok "scenario $f"; else
			not_ok "scenario $f"; sed 's/^/    /' "$T_DIR/${f%.scn}.out" | tail -n 25
		fi
	done
}

scenario demo_a.scn demo_b.scn demo_c.scn demo_d.scn c_digits_only.scn \
    c_otp_redial.scn c_arabic_d.scn s_outcomes.scn s_help.scn s_arabic.scn

# The no-match answer tells nothing: the same bytes for a number that is
# not in the registry and for a registered one with a wrong date.
last_box() {	# the last USSD screen drawn in a run's output
	awk '/^\+-- USSD/ { box = ""; on = 1 } on { box = box $0 "\n" }
	    /^\+-+\+$/ { on = 0 } END { printf "%s", box }' "$1" | sed 1d
}
scenario c_nomatch_unknown.scn c_nomatch_wrongdate.scn
a=$(last_box "$T_DIR/c_nomatch_unknown.out")
b=$(last_box "$T_DIR/c_nomatch_wrongdate.out")
check "USSD no-match: the same screen for an unknown number and a wrong date" \
    bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$a" "$b"
scenario s_nomatch_unknown.scn s_nomatch_wrongdate.scn
a=$(cut -f2- "$T_DIR/s_nomatch_unknown.sms")
b=$(cut -f2- "$T_DIR/s_nomatch_wrongdate.sms")
check "SMS no-match: the same SMS for an unknown number and a wrong date" \
    bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$a" "$b"
u=$(redis-cli -p "$RPORT" --raw GET \
    "tns:rl:f:PASSPORT:$(t_idhash "$T_DIR/keys" PASSPORT ZZ7777777)")
w=$(redis-cli -p "$RPORT" --raw GET \
    "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB123456)")
check "both no-matches count a failed attempt for their number ($u, $w)" \
    bash -c '[ "${1:-0}" -ge 1 ] && [ "${2:-0}" -ge 1 ]' _ "$u" "$w"

# What the runs counted.
http_get() {
	exec 3<>"/dev/tcp/127.0.0.1/$APORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
	timeout 5 cat <&3
	exec 3>&-
}
m=$(http_get /metrics)
check "/metrics: help texts sent" grep -Eq '^tnsgw_sms_help_total\{state="sent"\} [1-9]' <<<"$m"
check "/metrics: a second help text within the hour held back" \
    grep -Eq '^tnsgw_sms_help_total\{state="held"\} [1-9]' <<<"$m"
check "/metrics: SMS identity requests counted" \
    grep -Eq '^tnsgw_sms_requests_total\{kind="identity"\} [1-9]' <<<"$m"
check "audit: SMS outcomes on channel sms" \
    bash -c "redis-cli -p $RPORT XRANGE tns:audit - + | grep -qx sms"
check "daemon still running" kill -0 "$T_DAEMON"
check "daemon log has no document number, birth date or code" \
    bash -c "! grep -Eq 'AB123456|BE765432|DA100002|ZZ7777777|123456|01021980|14071975|02021972' '$T_DIR/tnsgw.log'"
check "daemon log has no error-level line" bash -c "! grep -Eq '^<[0-3]>' '$T_DIR/tnsgw.log'"
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
