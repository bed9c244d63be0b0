#!/usr/bin/env bash
# The dialog end to end: a real redis-server with the sample registry, the
# daemon, and the SMSC simulator playing each scenario over a real SMPP
# session on loopback. One result line per scenario.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; cat "$T_DIR/load.log"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" || exit 1
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"

play() {	# scenario...: one simulator run; the daemon binds to each anew
	local args=() f
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout 60 "$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    -t 40 "${args[@]}" >"$T_DIR/smsc.out" 2>&1
}

for f in demo_a.scn demo_c.scn demo_d.scn o_a_shortcut.scn \
    o_a_shortcut_partial.scn o_mismatch.scn o_mismatch_expiry.scn \
    o_d_sejour.scn o_bad_inputs.scn o_arabic.scn \
    o_abort_then_dial.scn o_unknown_sejour_c.scn o_locked_id.scn \
    o_locked_msisdn.scn; do
	if play "$f"; then
		ok "scenario $f"
	else
		not_ok "scenario $f"
		sed 's/^/    /' "$T_DIR/smsc.out" | tail -n 20
	fi
done

# The admin endpoint counts what was played.
http_get() {	# path
	exec 3<>"/dev/tcp/127.0.0.1/$APORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
	timeout 5 cat <&3
	exec 3>&-
}
metrics=$(http_get /metrics)
check "/metrics counts outcome A dialogs" grep -Eq '^tnsgw_dialogs_total\{outcome="A",channel="ussd"\} [1-9]' <<<"$metrics"
check "/metrics counts mismatches" grep -Eq '^tnsgw_dialogs_total\{outcome="mismatch",channel="ussd"\} [1-9]' <<<"$metrics"
check "/metrics has per-bind counters" grep -Eq '^tnsgw_bind_pdus_in_total\{bind="sim"\} [1-9]' <<<"$metrics"
health=$(http_get /healthz)
check "/healthz is 503 with no bind up (simulator gone)" grep -q ' 503 ' <<<"$health"

# Audit stream: one entry per finished dialog, masked identifiers only.
n=$(redis-cli -p "$RPORT" XLEN tns:audit)
check "audit stream has entries ($n)" [ "${n:-0}" -ge 15 ]
check "audit stream holds no full document number" \
    bash -c "! redis-cli -p $RPORT XRANGE tns:audit - + | grep -Eq 'AB123456|RL000001|ZZ0000001'"

check "daemon still running" kill -0 "$T_DAEMON"
check "daemon log has no document number or birth date" \
    bash -c "! grep -Eq 'AB123456|AB654321|RL000001|E7654321|01021980|1980-02-01|14071975' '$T_DIR/tnsgw.log'"
check "daemon log has no error-level line" bash -c "! grep -Eq '^<[0-3]>' '$T_DIR/tnsgw.log'"

# SIGTERM: stops and exits 0.
kill -TERM "$T_DAEMON"
rc=0
for _ in $(seq 1 100); do kill -0 "$T_DAEMON" 2>/dev/null || break; sleep 0.1; done
wait "$T_DAEMON"; rc=$?
check "SIGTERM: daemon exits 0 (got $rc)" [ "$rc" -eq 0 ]
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
