#!/usr/bin/env bash
# Hostile input from the SMSC side, over real loopback SMPP sessions against
# one running daemon + redis: unknown commands, malformed deliver_sm, bad
# command_length, garbage, an SMSC that dies mid-dialog, Redis killed and
# restarted, SIGTERM. Scenarios: tests/integration/scenarios/robust_*.scn.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
SCN="$TOP/tests/integration/scenarios"
SIM="$TOP/$B/tnsgw-smsc"
T0=$SECONDS

RPORT=$(t_free_port)
SPORT=$(t_free_port)
APORT=$(t_free_port)
t_redis "$RPORT" || exit 1
REDIS_PID=${T_PIDS[-1]}
t_load_sample "$RPORT" >/dev/null || exit 1
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" || exit 1
# Keep reconnects prompt so each rebind check stays short and bounded.
sed -i 's/^\(\s*reconnect_max_s\s*=\s*\)60\s*;/\14;/' "$T_DIR/tnsgw.conf"
LOG="$T_DIR/tnsgw.log"

since() { echo "$((SECONDS - T0))s"; }

# sim NAME TIMEOUT_S FILE...: one simulator run over the scenario files,
# output in $T_DIR/NAME.out. Returns the simulator's exit status.
sim() {
	local name=$1 t=$2 args=() f
	shift 2
	for f; do args+=(--script "$SCN/$f"); done
	timeout -k 2 $((t + 5)) "$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    -t "$t" "${args[@]}" >"$T_DIR/$name.out" 2>&1
}

# play NAME "TITLE" TIMEOUT_S FILE...: sim, then one ok/not ok line.
play() {
	local name=$1 title=$2 rc
	shift 2
	if ! kill -0 "$T_DAEMON" 2>/dev/null; then
		not_ok "$title: the daemon is not running"
		return 1
	fi
	sim "$name" "$@"; rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$title ($(since))"
	else
		not_ok "$title: simulator exit $rc"
		sed 's/^/    # /' "$T_DIR/$name.out" | tail -n 15
		echo "    # daemon log:"
		tail -n 15 "$LOG" | sed 's/^/    # /'
	fi
	return "$rc"
}

binds_in() { grep -c 'bound as' "$T_DIR/$1.out"; }

healthz() {	# prints "CODE body" of /healthz
	curl -s -m 2 -w ' %{http_code}' "http://127.0.0.1:$APORT/healthz" | tr '\n' ' '
}

# --- the first simulator listens before the daemon starts -------------------
timeout -k 2 25 "$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 20 \
    --script "$SCN/robust_cmdid.scn" >"$T_DIR/cmdid.out" 2>&1 &
FIRST=$!
T_PIDS+=($FIRST)
t_wait_port "$SPORT" || exit 1
t_daemon "$T_DIR/tnsgw.conf" "$LOG"
wait "$FIRST"; rc=$?
if [ "$rc" -eq 0 ]; then
	ok "unknown command ids: generic_nack ESME_RINVCMDID, same sequence; unknown response dropped; dial served ($(since))"
else
	not_ok "unknown command ids: simulator exit $rc"
	sed 's/^/    # /' "$T_DIR/cmdid.out" | tail -n 15
fi
check "unknown command ids: one bind for the whole run" [ "$(binds_in cmdid)" -eq 1 ]

play deliver "malformed deliver_sm (truncated, TLV overrun, no NUL, long address, sm_length, cut TLV): error answers with their sequence, then a whole dialog" 20 robust_deliver.scn &&
	check "malformed deliver_sm: the bind stayed up (one bind)" [ "$(binds_in deliver)" -eq 1 ]

play misc "split and packed PDUs, stray responses, enquire_link with a body, 41 TLVs, 2000-byte payload, a 65536-byte PDU: answered by sequence, then a whole dialog" 20 robust_misc.scn &&
	check "odd traffic: the bind stayed up (one bind)" [ "$(binds_in misc)" -eq 1 ]

play length "command_length 8, 0x7fffffff, 0, 15, 65537: close, rebind each time, whole dialog" 40 robust_length.scn

play garbage "garbage (64 x 0xff, random bytes, text): close, rebind each time, whole dialog" 30 robust_garbage.scn

# --- the SMSC dies mid-dialog ------------------------------------------------
play quit "SMSC quits mid-dialog without unbinding" 15 robust_quit.scn
play after_quit "new SMSC on the same port: rebind, whole dialogs" 20 robust_after_quit.scn

# The same with a real kill -9 of a --serve simulator holding the bind.
"$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret --serve >"$T_DIR/serve9.out" 2>&1 &
S9=$!
T_PIDS+=($S9)
for _ in $(seq 1 100); do grep -q 'bound as' "$T_DIR/serve9.out" && break; sleep 0.1; done
check "kill -9: the daemon bound to the --serve simulator" grep -q 'bound as' "$T_DIR/serve9.out"
kill -9 "$S9"; wait "$S9" 2>/dev/null
play after_kill "after kill -9 of the SMSC: rebind, whole dialogs" 20 robust_after_quit.scn

# --- Redis killed, then back ---------------------------------------------------
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
h=""
for _ in $(seq 1 50); do h=$(healthz); [[ $h == *"redis down"*503 ]] && break; sleep 0.1; done
check "redis killed: /healthz 503 redis down (got: $h)" bash -c '[[ $1 == *"redis down"*503 ]]' _ "$h"
play redis_down "redis down: the dial gets 'service unavailable' and ends" 15 robust_redis_down.scn

# With Redis down a plain dial gets "service unavailable" at once, not a
# menu whose answer could not be kept.
first=$(awk '/USSD 2126\*\*\*\*0602/ { f = 1; next } f && /^\+--/ { exit } f' \
    "$T_DIR/redis_down.out")
if grep -q indisponible <<<"$first"; then
	ok "redis down: a plain dial gets 'service unavailable' at once"
else
	not_ok "redis down: a plain dial got another first screen: $(tr -s ' \n|' ' ' <<<"$first")"
fi

t_redis "$RPORT" || exit 1
REDIS_PID=${T_PIDS[-1]}
t_load_sample "$RPORT" >/dev/null
check "redis restarted on the same port and the sample reloaded" [ $? -eq 0 ]
# The store reconnects with backoff: give it a bounded while. /healthz is
# 200 only when Redis answers and a bind is up, so a simulator must listen.
"$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret --serve >"$T_DIR/serve_r.out" 2>&1 &
SR=$!
T_PIDS+=($SR)
h=""
for _ in $(seq 1 300); do h=$(healthz); [[ $h == *200 ]] && break; sleep 0.1; done
check "redis back: /healthz 200 within 30 s (got: $h; $(since))" bash -c '[[ $1 == *200 ]]' _ "$h"
kill "$SR"; wait "$SR" 2>/dev/null
play redis_back "redis back: whole dialog works again" 20 robust_redis_back.scn

# --- still alive, nothing personal in the log -----------------------------------
check "daemon still running after all of it" kill -0 "$T_DAEMON"
pat='AB123456|AB12345|01021980|01/02/1980|1980-02-01|31052030|2030-05-31|B123456'
if grep -Eq "$pat" "$LOG"; then
	not_ok "daemon log has a document number or a date:"
	grep -E "$pat" "$LOG" | head -n 5 | sed 's/^/    # /'
else
	ok "daemon log ($(wc -l <"$LOG") lines) has no document number or birth date"
fi
if grep -Eq '21260009[0-9]{4}' "$LOG"; then
	not_ok "daemon log has an unmasked caller MSISDN:"
	grep -E '21260009[0-9]{4}' "$LOG" | head -n 5 | sed 's/^/    # /'
else
	ok "daemon log shows callers' MSISDNs masked only"
fi
check "daemon log has no sanitizer report" bash -c "! grep -q 'Sanitizer' '$LOG'"

# --- SIGTERM: unbind, exit 0 within 5 s --------------------------------------
"$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret --serve >"$T_DIR/serve_t.out" 2>&1 &
ST=$!
T_PIDS+=($ST)
for _ in $(seq 1 100); do grep -q 'bound as' "$T_DIR/serve_t.out" && break; sleep 0.1; done
check "SIGTERM: the daemon bound to the --serve simulator" grep -q 'bound as' "$T_DIR/serve_t.out"
t=$(date +%s%N)
kill -TERM "$T_DAEMON"
for _ in $(seq 1 100); do kill -0 "$T_DAEMON" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$T_DAEMON" 2>/dev/null; then
	not_ok "SIGTERM: daemon still running after 5 s"
else
	wait "$T_DAEMON"; rc=$?
	ms=$((($(date +%s%N) - t) / 1000000))
	check "SIGTERM: daemon exit 0 (got $rc) within 5 s (${ms} ms)" [ "$rc" -eq 0 ]
fi
check "SIGTERM: the simulator saw an unbind" grep -q 'unbind from the ESME' "$T_DIR/serve_t.out"
check "SIGTERM: the daemon logged its stop" grep -q 'stopped' "$LOG"

check "no sanitizer report from the simulators" \
    bash -c "! grep -l -e 'Sanitizer' -e 'runtime error' '$T_DIR'/*.out"

echo "# $T_PASS passed, $T_FAIL failed in $((SECONDS - T0)) s"
[ "$T_FAIL" -eq 0 ]
