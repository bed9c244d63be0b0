#!/usr/bin/env bash
# USSD dialects end to end: for each built-in dialect, the daemon's bind set
# to it and the simulator speaking it (--dialect), which checks every
# screen's session echo (a wrong one makes it exit 1): a full menu dialog,
# a shortcut dial, an abort then a new dial. Then a transmitter+receiver
# bind (two sessions: MOs on the receiver, screens on the transmitter), and
# every screen refused once with ESME_RTHROTTLED (--throttle-screens): the
# dialogs still complete and the daemon counts the throttles and re-sends.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; cat "$T_DIR/load.log"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/base.conf" "$APORT" || exit 1
# The same callers dial in every run: lift the per-phone lookup limit. A
# profile of the config: its_session_info_only with screens as data_sm.
sed -i -e 's/^\(\s*max_requests_per_msisdn_hour\s*=\s*\).*/\11000;/' \
    -e 's/^\t);$/&\n\tdialects = ( { name = "its_data_sm"; base = "its_session_info_only"; command = "data_sm"; } );/' \
    "$T_DIR/base.conf"
grep -q 'name = "its_data_sm"' "$T_DIR/base.conf" || { not_ok "config with a dialect profile"; exit 1; }

T_DAEMON=
daemon_with() {	# dialect mode: the daemon (again) with its bind set so
	if [ -n "$T_DAEMON" ]; then
		kill -TERM "$T_DAEMON" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$T_DAEMON" 2>/dev/null || break; sleep 0.1; done
		wait "$T_DAEMON" 2>/dev/null
	fi
	sed -e "s/^\(\s*dialect\s*=\s*\).*/\1\"$1\";/" \
	    -e "s/^\(\s*mode\s*=\s*\).*/\1\"$2\";/" \
	    "$T_DIR/base.conf" >"$T_DIR/tnsgw.conf"
	grep -q "dialect = \"$1\";" "$T_DIR/tnsgw.conf" &&
	    grep -q "mode = \"$2\";" "$T_DIR/tnsgw.conf" ||
		{ not_ok "config with dialect $1, mode $2"; return 1; }
	T_LOG="$T_DIR/tnsgw.$1.${2%%+*}.log"
	t_daemon "$T_DIR/tnsgw.conf" "$T_LOG"
}

play() {	# name simulator-options... -- scenario...: one simulator run
	local name=$1 args=() f rc
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout 60 "$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw \
	    -w secret -t 40 "${args[@]}" >"$T_DIR/smsc.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name (exit $rc)"
		sed 's/^/    /' "$T_DIR/smsc.out" | tail -n 20
	fi
	return "$rc"
}

http_get() {	# path
	exec 3<>"/dev/tcp/127.0.0.1/$APORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
	timeout 5 cat <&3
	exec 3>&-
}
metric() {	# name: its value for bind "sim", 0 when absent
	http_get /metrics | awk -v m="$1{bind=\"sim\"}" '$1 == m { print $2; f = 1 } END { if (!f) print 0 }'
}

for d in ussd_service_op its_session_info its_session_info_only \
    user_message_reference msisdn; do
	daemon_with "$d" transceiver || continue
	play "dialect $d: full dialog, shortcut, abort then dial" \
	    --dialect "$d" -- demo_a.scn o_a_shortcut.scn o_abort_then_dial.scn
	check "dialect $d: daemon log has no error-level line" \
	    bash -c "! grep -Eq '^<[0-3]>' '$T_LOG'"
done

# Screens as data_sm (a profile of the config): read the same way.
daemon_with its_data_sm transceiver
timeout 60 "$TOP/$B/tnsgw-smsc" -v -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
    -t 40 --dialect its_session_info_only --script "$S/demo_a.scn" \
    --script "$S/o_abort_then_dial.scn" >"$T_DIR/smsc.out" 2>&1
rc=$?
n=$(grep -c '<- data_sm ' "$T_DIR/smsc.out")
check "screens as data_sm (profile its_data_sm): dialogs pass (exit $rc, $n data_sm)" \
    [ "$rc" -eq 0 -a "$n" -ge 10 ]

# The echo is checked: its_session_info MOs against a bind of the msisdn
# dialect, which echoes nothing: the dialog passes, the run exits 1.
daemon_with msisdn transceiver
timeout 60 "$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
    -t 40 --dialect its_session_info --script "$S/o_a_shortcut.scn" \
    >"$T_DIR/smsc.out" 2>&1
rc=$?
check "a screen without the its_session_info echo: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "... and the reason is logged" grep -q "no its_session_info echoed" "$T_DIR/smsc.out"

for d in ussd_service_op its_session_info; do
	daemon_with "$d" "transmitter+receiver" || continue
	play "transmitter+receiver, dialect $d: full dialog, abort then dial" \
	    --dialect "$d" -- demo_a.scn o_abort_then_dial.scn
	check "transmitter+receiver, dialect $d: both sessions bound" \
	    bash -c "grep -q 'bound (receiver)' '$T_LOG' && grep -q 'bound (transmitter)' '$T_LOG'"
done

daemon_with ussd_service_op transceiver
if play "every screen throttled once: the dialogs complete" \
    --throttle-screens -- demo_a.scn o_a_shortcut.scn; then
	line=$(grep '^throttle-screens:' "$T_DIR/smsc.out")
	n=$(sed -n 's/.*throttled \([0-9]*\),.*/\1/p' <<<"$line")
	a=$(sed -n 's/.*after throttle \([0-9]*\).*/\1/p' <<<"$line")
	check "throttled $n screens, each taken when re-sent ($a)" \
	    [ "${n:-0}" -ge 7 -a "${n:-0}" = "${a:-x}" ]
fi
th=$(metric tnsgw_bind_throttled_total)
rs=$(metric tnsgw_bind_screens_resent_total)
check "/metrics tnsgw_bind_throttled_total moved ($th)" [ "${th:-0}" -ge 7 ]
check "/metrics tnsgw_bind_screens_resent_total moved ($rs)" [ "${rs:-0}" -ge 7 ]
check "daemon still running" kill -0 "$T_DAEMON"
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
