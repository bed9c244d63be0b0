#!/usr/bin/env bash
# Failure limits that hold (DESIGN.md §5), a real redis-server with the
# sample, the daemon and the simulator on loopback: a burst of 41
# concurrent dials on one CIN (40 wrong birth dates, then the right one,
# limit 5) has at most 5 dates checked and the right-date dial locked; an
# unknown number and a wrong date get byte-identical screens and both
# count; the phone on record still gets the matricule while the document
# is locked; tnsgw-backoffice unlock opens it again; the failure alarm
# rises on /metrics and in the log.
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
# The alarm at 8 failures a minute: the burst's 5, then a few more.
sed -i 's/^\(\s*failure_alarm_per_min\s*=\s*\)[0-9]*;/\18;/' "$T_DIR/tnsgw.conf"
grep -q 'failure_alarm_per_min = 8;' "$T_DIR/tnsgw.conf" || { not_ok "alarm threshold set"; exit 1; }
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
rc() { redis-cli -p "$RPORT" --raw "$@"; }

play() {	# tag scenario...: one simulator run, its output kept
	local tag=$1 args=() f; shift
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout 90 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    -t 60 "${args[@]}" >"$T_DIR/$tag.out" 2>&1
}
scenario() {	# scenario...: one check per file
	local f
	for f in "$@"; do
		if play "${f%.scn}" "$f"; then ok "scenario $f"; else
			not_ok "scenario $f"; sed 's/^/    /' "$T_DIR/${f%.scn}.out" | tail -n 25
		fi
	done
}

# --- the burst: 41 dials at once on CIN AB654321 (born 10/03/1985) -------
# 40 wrong birth dates (in April, not March) from 40 phones, the right
# one last from a 41st phone that is not the one on record.
for i in $(seq 1 40); do
	printf 'a 2126100%05d "*1515*1*AB654321*30092027*%02d041985#"\n' \
	    "$i" $(( (i - 1) % 28 + 1 ))
done >"$T_DIR/burst.callers"
echo 'a 212610099999 "*1515*1*AB654321*30092027*10031985#"' >>"$T_DIR/burst.callers"
check "burst: 40 wrong dates and the right one" \
    bash -c "[ \$(grep -c 10031985 '$T_DIR/burst.callers') -eq 1 ] && [ \$(wc -l <'$T_DIR/burst.callers') -eq 41 ]"
rc DEL tns:audit >/dev/null
timeout 120 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 90 \
    --load "$T_DIR/burst.callers" --concurrency 41 --retries 0 \
    --results "$T_DIR/burst.results" >"$T_DIR/burst.out" 2>&1
audit=$(rc XRANGE tns:audit - + | grep -Ex 'A|mismatch|locked' | sort | uniq -c)
nm=$(awk '$2 == "mismatch" { print $1 }' <<<"$audit"); nm=${nm:-0}
na=$(awk '$2 == "A" { print $1 }' <<<"$audit"); na=${na:-0}
nl=$(awk '$2 == "locked" { print $1 }' <<<"$audit"); nl=${nl:-0}
cnt=$(rc GET "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB654321)")
echo "# burst: $((nm + na)) dates evaluated ($nm no-match, $na matricule shown), $nl locked, failure counter ${cnt:-0}"
check "burst: every dial answered (41 outcomes audited: $((nm + na + nl)))" \
    test "$((nm + na + nl))" -eq 41
check "burst: at most 5 dates evaluated ($((nm + na)))" test "$((nm + na))" -le 5
check "burst: the failure counter holds the limit (${cnt:-0})" test "${cnt:-0}" -eq 5
check "burst: the right-date dial is locked, no matricule shown" \
    bash -c "[ '$na' -eq 0 ] && grep -Eq '^212610099999\s+a\s+failed' '$T_DIR/burst.results'"
ttl=$(rc TTL "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB654321)")
check "burst: the counter expires within a day ($ttl s)" \
    bash -c "[ '$ttl' -gt 86000 ] && [ '$ttl' -le 86400 ]"

# --- locked by others: another phone is refused, the owner is answered ---
scenario l_locked_other.scn l_owner.scn
check "the owner's answer counted nothing (counter $(rc GET "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB654321)"))" \
    test "$(rc GET "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB654321)")" -eq 5

# --- no oracle: an unknown number and a wrong date ----------------------
last_box() {	# the last USSD screen drawn in a run's output
	awk '/^\+-- USSD/ { box = ""; on = 1 } on { box = box $0 "\n" }
	    /^\+-+\+$/ { on = 0 } END { printf "%s", box }' "$1" | sed 1d
}
scenario c_nomatch_unknown.scn c_nomatch_wrongdate.scn
a=$(last_box "$T_DIR/c_nomatch_unknown.out")
b=$(last_box "$T_DIR/c_nomatch_wrongdate.out")
check "the same screen for an unknown number and a wrong date" \
    bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$a" "$b"
u=$(rc GET "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN ZZ999999)"); w=$(rc GET "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB123456)")
check "both counted against their number (unknown ${u:-0}, wrong date ${w:-0})" \
    bash -c '[ "${1:-0}" -eq 1 ] && [ "${2:-0}" -eq 1 ]' _ "$u" "$w"
u=$(rc TTL "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN ZZ999999)"); w=$(rc TTL "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB123456)")
check "both counters expire within a day ($u s, $w s)" \
    bash -c '[ "$1" -gt 86000 ] && [ "$1" -le 86400 ] && [ "$2" -gt 86000 ] && [ "$2" -le 86400 ]' _ "$u" "$w"

# --- unlock ---------------------------------------------------------------
out=$("$TOP/$B/tnsgw-backoffice" unlock "$T_DIR/keys/outbox.key" CIN AB654321 -h 127.0.0.1 -p "$RPORT" 2>&1)
check "unlock: says it cleared the counter ($out)" grep -q "^unlocked CIN AB65\*\*\*\*: 5 failed" <<<"$out"
check "unlock: the counter is gone" test "$(rc EXISTS "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN AB654321)")" -eq 0
out=$("$TOP/$B/tnsgw-backoffice" unlock "$T_DIR/keys/outbox.key" CIN AB654321 -h 127.0.0.1 -p "$RPORT" 2>&1)
check "unlock again: nothing to clear ($out)" grep -q "no failure counter" <<<"$out"
scenario l_after_unlock.scn

# --- the failure alarm ------------------------------------------------------
http_get() {
	exec 3<>"/dev/tcp/127.0.0.1/$APORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
	timeout 5 cat <&3
	exec 3>&-
}
m=$(http_get /metrics)
f=$(sed -n 's/^tnsgw_lookup_failures_total \([0-9]*\).*/\1/p' <<<"$m")
check "/metrics: lookup failures counted (${f:-none}: 5 + 2)" test "${f:-0}" -eq 7
check "/metrics: no alarm under the threshold" grep -qx 'tnsgw_failure_alarm 0' <<<"$m"
check "no alarm in the log yet" bash -c "! grep -q 'failure alarm' '$T_DIR/tnsgw.log'"
scenario l_nomatch_more.scn
m=$(http_get /metrics)
check "/metrics: the alarm rose at 8 failures in a minute" grep -qx 'tnsgw_failure_alarm 1' <<<"$m"
check "log: the alarm at err level" grep -Eq '^<3>gateway: failure alarm: [0-9]+ lookup failures' "$T_DIR/tnsgw.log"

check "daemon still running" kill -0 "$T_DAEMON"
check "daemon log has no document number or birth date" \
    bash -c "! grep -Eq 'AB654321|AB123456|ZZ999999|ZZ100000|10031985|031985|02021980' '$T_DIR/tnsgw.log'"
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
