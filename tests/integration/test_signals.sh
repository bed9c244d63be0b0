#!/usr/bin/env bash
# Logs and signals against a real daemon, redis-server and the simulator:
# a bind refused for a wrong password is one err line per outage and
# warnings after; SIGUSR1/SIGUSR2 step the log level (the daemon stays up
# and serves); with daemon.log_dialogs false the per-dialog line shows at
# debug only; STATUS= datagrams on a NOTIFY_SOCKET the test listens on;
# Redis down past 5 s is one err line; stray signals are logged, not
# fatal; SIGTERM drains a dialog in flight within daemon.drain_s and not
# longer.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
SIM="$TOP/$B/tnsgw-smsc"
T0=$SECONDS

RPORT=$(t_free_port)
SPORT=$(t_free_port)
t_redis "$RPORT" || exit 1
REDIS_PID=$T_REDIS
t_load_sample "$RPORT" >/dev/null || exit 1
CONF="$T_DIR/tnsgw.conf"
t_conf "$RPORT" "$SPORT" "$CONF" || exit 1
# Prompt reconnects (the refused binds repeat each second); a Redis deadline
# longer than the drain test's stop of Redis.
sed -i -e 's/^\(\s*reconnect_max_s\s*=\s*\)60\s*;/\11;/' \
    -e 's/^\(\s*timeout_ms\s*=\s*\)200\s*;/\120000;/' "$CONF"
grep -q 'reconnect_max_s = 1;' "$CONF" && grep -q 'timeout_ms = 20000;' "$CONF" ||
	{ echo "could not edit $CONF" >&2; exit 1; }
grep -q 'log_dialogs = false;' "$CONF" || { echo "log_dialogs not false" >&2; exit 1; }
LOG="$T_DIR/tnsgw.log"

# The systemd side of sd_notify: one line per datagram in notify.log.
NSOCK="$T_DIR/notify.sock"
NLOG="$T_DIR/notify.log"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode("utf-8", "replace").replace("\n", " ") + "\n")
' "$NSOCK" "$NLOG" &
T_PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$NSOCK" ] && break; sleep 0.1; done

# wait_for N_TENTHS command...: poll until the command succeeds.
wait_for() {
	local n=$1; shift
	for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
count() { grep -c -e "$1" "${2:-$LOG}"; }
alive() { kill -0 "$D" 2>/dev/null; }

# dialog NAME MSISDN: one whole case-A dialog, the scenario in T_DIR.
dialog() {
	cat >"$T_DIR/$1.scn" <<-EOF
	expect_bind
	dial $2 "*1515#"
	expect "1 Fran"
	answer "1"
	expect "1 CIN"
	answer "1"
	expect "numéro"
	answer "AB123456"
	expect "expiration"
	answer "31052030"
	expect "naissance"
	answer "01021980"
	expect "990000001"
	ends
	EOF
	timeout -k 2 30 "$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 25 \
	    --script "$T_DIR/$1.scn" >"$T_DIR/$1.out" 2>&1
}

# serve_wrong: a simulator that refuses every bind (ESME_RINVPASWD).
serve_wrong() {
	"$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w wrongpw --serve \
	    >"$T_DIR/wrong$1.out" 2>&1 &
	WRONG=$!
	T_PIDS+=($WRONG)
}
stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# --- a wrong bind password: err once, warnings after -------------------------
serve_wrong 1
t_wait_port "$SPORT" || exit 1
NOTIFY_SOCKET="$NSOCK" "$TOP/$B/tnsgw" -f -c "$CONF" 2>"$LOG" &
D=$!
T_PIDS+=($D)
check "sd_notify: READY=1 received" wait_for 100 grep -q '^READY=1$' "$NLOG"
refusals() { grep -c '^<[34]>\[bind sim\] bind refused' "$LOG"; }
wait_for 150 bash -c "[ \$(grep -c '^<[34]>\[bind sim\] bind refused' '$LOG') -ge 4 ]"
check "wrong password: exactly one err line for the outage (got $(count '^<3>.*bind refused'))" \
    [ "$(count '^<3>\[bind sim\] bind refused: .*RINVPASWD')" -eq 1 ]
check "wrong password: the retries are warnings (got $(count '^<4>.*bind refused'))" \
    [ "$(count '^<4>\[bind sim\] bind refused')" -ge 3 ]
check "STATUS= says no bind is up" grep -q '^STATUS=binds 0/1 up, 0 dialogs in flight, outbox [0-9]*, redis up$' "$NLOG"
stop_pid "$WRONG"

# --- the right password: bound again, one dialog at info: no dialog line ----
check "right password: a whole dialog served ($((SECONDS - T0)) s)" dialog d1 212600090601
check "bound again: a notice counts the refused binds" \
    grep -q '^<5>\[bind sim\] bound to .* after [0-9]* refused binds' "$LOG"
# A simulator that keeps the bind: STATUS= follows within its period (2 s).
"$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret --serve >"$T_DIR/serve.out" 2>&1 &
SERVE=$!
T_PIDS+=($SERVE)
check "STATUS= says the bind is up" \
    wait_for 100 grep -q '^STATUS=binds 1/1 up, 0 dialogs in flight, outbox [0-9]*, redis up$' "$NLOG"
stop_pid "$SERVE"
check "log_dialogs false, level info: no per-dialog line" \
    bash -c "! grep -q 'dialog 2126\*\*\*\*0601' '$LOG'"

# --- SIGUSR1: debug lines, the daemon stays up and serves --------------------
kill -USR1 "$D"
check "SIGUSR1: the new level logged at notice" \
    wait_for 30 grep -q '^<5>log level info -> debug (SIGUSR1)$' "$LOG"
check "SIGUSR1: the daemon is still running" alive
check "SIGUSR1: a dialog served" dialog d2 212600090602
check "level debug: the per-dialog line appears at debug" \
    wait_for 30 grep -q '^<7>\[bind sim\] dialog 2126\*\*\*\*0602 ended: A$' "$LOG"

# --- SIGUSR2 steps back -------------------------------------------------------
kill -USR2 "$D"
check "SIGUSR2: back to info, logged" \
    wait_for 30 grep -q '^<5>log level debug -> info (SIGUSR2)$' "$LOG"
check "SIGUSR2: a dialog served" dialog d3 212600090603
check "level info again: no per-dialog line" \
    bash -c "! grep -q 'dialog 2126\*\*\*\*0603' '$LOG'"
for _ in 1 2 3 4; do kill -USR2 "$D"; sleep 0.2; done
check "SIGUSR2 x4: info -> notice -> warning -> err, then stays err" \
    wait_for 30 grep -q '^<5>log level stays err (SIGUSR2)$' "$LOG"
check "SIGUSR2 x4: each step logged in order" bash -c "grep '^<5>log level' '$LOG' | tail -n 4 | tr '\n' '|' |
    grep -qx '<5>log level info -> notice (SIGUSR2)|<5>log level notice -> warning (SIGUSR2)|<5>log level warning -> err (SIGUSR2)|<5>log level stays err (SIGUSR2)|'"
for _ in 1 2 3; do kill -USR1 "$D"; sleep 0.2; done
check "SIGUSR1 x3: back to info" \
    wait_for 30 grep -q '^<5>log level notice -> info (SIGUSR1)$' "$LOG"

# --- no SMSC listening: err once the backoff is at its cap (1 s here) --------
# A fresh outage: bound to a --serve simulator, then it goes.
down() { grep -c '^<3>\[bind sim\] not bound through the whole reconnect backoff' "$LOG"; }
b=$(count '\[bind sim\] bound to')
"$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret --serve >"$T_DIR/serve2.out" 2>&1 &
SERVE=$!
T_PIDS+=($SERVE)
wait_for 100 bash -c "[ \$(grep -c '\[bind sim\] bound to' '$LOG') -gt $b ]"
stop_pid "$SERVE"
n=$(down)
check "SMSC unreachable: an err line once the backoff reached reconnect_max_s" \
    wait_for 80 bash -c "[ \$(grep -c '^<3>\[bind sim\] not bound through' '$LOG') -gt $n ]"
sleep 3
check "SMSC unreachable: no other err line on the next tries ($n before, $(down) now)" \
    [ "$(down)" -eq $((n + 1)) ]
check "SMSC unreachable: the tries go on at info" \
    [ "$(count '^<6>\[bind sim\] reconnecting in')" -ge 3 ]

# --- stray signals: logged, not fatal ------------------------------------------
kill -ALRM "$D"; kill -PIPE "$D"; kill -IO "$D"
check "SIGALRM logged and ignored" wait_for 30 grep -q '^<4>SIGALRM ignored$' "$LOG"
check "SIGIO logged and ignored" wait_for 30 grep -q '^<4>SIGIO ignored$' "$LOG"
check "SIGALRM, SIGPIPE, SIGIO: the daemon is still running" alive

# --- a second outage of the bind: one more err line ------------------------------
n=$(refusals)
serve_wrong 2
wait_for 100 bash -c "[ \$(grep -c '^<[34]>\[bind sim\] bind refused' '$LOG') -ge $((n + 3)) ]"
check "second outage: one more err line, two in all (got $(count '^<3>.*bind refused'))" \
    [ "$(count '^<3>\[bind sim\] bind refused')" -eq 2 ]
stop_pid "$WRONG"

# --- Redis down past 5 s: err once, warnings on the retries ----------------------
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
check "redis down: one err line after 5 s" \
    wait_for 100 grep -q '^<3>\[redis\] down for 5 s' "$LOG"
sleep 2
check "redis down: still one err line (got $(count '^<3>\[redis\]'))" [ "$(count '^<3>\[redis\] down')" -eq 1 ]
check "redis down: the retries are warnings" [ "$(count '^<4>\[redis\] .*down: .*retry in')" -ge 2 ]
check "STATUS= says redis down" wait_for 50 grep -q 'redis down$' "$NLOG"
t_redis "$RPORT" || exit 1
REDIS_PID=$T_REDIS
t_load_sample "$RPORT" >/dev/null || exit 1
check "redis back: a notice with the outage's length" \
    wait_for 150 grep -q '^<5>\[redis\] back after [0-9]* s$' "$LOG"

# --- SIGTERM drains a dialog in flight (daemon.drain_s 5) -----------------------
# drain NAME MSISDN: a simulator whose caller answers 2 s after the first
# screen; Redis stops once that screen is shown, so the answer stays in
# flight (its session read waits) until SIGCONT.
drain_sim() {
	cat >"$T_DIR/$1.scn" <<-EOF
	expect_bind
	dial $2 "*1515#"
	expect "1 Fran"
	sleep 2000
	answer "1"
	expect "1 CIN"
	EOF
	timeout -k 2 40 "$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 35 \
	    --script "$T_DIR/$1.scn" >"$T_DIR/$1.out" 2>&1 &
	DS=$!
	T_PIDS+=($DS)
}
inflight() {	# the answer is held: STATUS= says so
	wait_for 100 grep -q 'STATUS=.*1 dialog in flight' "$NLOG"
}
# stop_redis_at_screen NAME: SIGSTOP Redis once the first screen is shown.
stop_redis_at_screen() {
	wait_for 200 grep -q '1 Fran' "$T_DIR/$1.out" && kill -STOP "$REDIS_PID"
}
# exit_within PID TENTHS: waits; RC = the exit status, or "running".
exit_within() {
	local p=$1 n=$2
	for _ in $(seq 1 "$n"); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$p" 2>/dev/null; then RC=running; else wait "$p"; RC=$?; fi
}

drain_sim drain1 212600090604
check "drain 5 s: Redis stopped at the first screen" stop_redis_at_screen drain1
check "STATUS= counts the dialog in flight" inflight
kill -TERM "$D"
sleep 1
kill -CONT "$REDIS_PID"
exit_within "$D" 150; rc=$RC
check "drain 5 s: the daemon exits 0 (got $rc)" [ "$rc" = 0 ]
exit_within "$DS" 50; rc=$RC
check "drain 5 s: the dialog in flight got its screen (simulator exit $rc)" [ "$rc" = 0 ]
check "drain 5 s: no drain timeout" bash -c "! grep -q 'drain timeout' '$LOG'"
check "SIGTERM logged with the drain time" grep -q '^<6>SIGTERM: stopping (drain up to 5 s)$' "$LOG"
check "sd_notify: STOPPING=1 and a stopping STATUS=" \
    bash -c "grep -q '^STOPPING=1$' '$NLOG' && grep -q '^STATUS=stopping: binds' '$NLOG'"

# --- daemon.drain_s 1: the dialog is given up after 1 s, not held till Redis ---
sed -i 's/^\(\s*drain_s\s*=\s*\)5\s*;/\11;/' "$CONF"
grep -q 'drain_s = 1;' "$CONF" || { echo "could not set drain_s" >&2; exit 1; }
LOG="$T_DIR/tnsgw2.log"
: >"$NLOG"
NOTIFY_SOCKET="$NSOCK" "$TOP/$B/tnsgw" -f -c "$CONF" 2>"$LOG" &
D=$!
T_PIDS+=($D)
drain_sim drain2 212600090605
check "drain 1 s: Redis stopped at the first screen" stop_redis_at_screen drain2
check "drain 1 s: STATUS= counts the dialog in flight" inflight
kill -TERM "$D"
# Redis stays stopped for 8 s: the drain (1 s), the flush of the pipeline
# (bounded: 2 s) and the unbind all end before it is back.
exit_within "$D" 80; rc=$RC
kill -CONT "$REDIS_PID"
check "drain 1 s: the daemon exits 0 while Redis is still stopped (got $rc)" [ "$rc" = 0 ]
check "drain 1 s: the drain timeout logged with the dialog in flight" \
    grep -q '^<4>gateway: drain timeout, 1 MOs still in flight$' "$LOG"
stop_pid "$DS"

# --- nothing personal in the logs --------------------------------------------------
pat='AB123456|AB12345|01021980|31052030|21260009[0-9]{4}'
check "daemon logs have no document number, date or unmasked MSISDN" \
    bash -c "! grep -Eq '$pat' '$T_DIR/tnsgw.log' '$T_DIR/tnsgw2.log'"
check "daemon logs have no sanitizer report" \
    bash -c "! grep -q 'Sanitizer' '$T_DIR/tnsgw.log' '$T_DIR/tnsgw2.log'"

if [ "$T_FAIL" -ne 0 ]; then
	echo "# notify datagrams (last run):"
	tail -n 20 "$NLOG" | sed 's/^/    # /'
fi
echo "# $T_PASS passed, $T_FAIL failed in $((SECONDS - T0)) s"
[ "$T_FAIL" -eq 0 ]
