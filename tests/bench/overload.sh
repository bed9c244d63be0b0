#!/usr/bin/env bash
# Overload: what the daemon answers when offered far more than it carries.
# One daemon and a private redis-server on 127.0.0.1, OVERLOAD_MOS case-A
# persons (default 200000), each with a shortcut dial string.
#   1. closed loop: the first OVERLOAD_CLOSED callers (default all) at
#      concurrency BENCH_CONC (200): what the daemon carries, answers/s.
#   2. open loop: every caller dialled at OVERLOAD_RATE a second (default
#      100000: far above 1.), at most OVERLOAD_WINDOW (1000) deliver_sm
#      without their response: sent / ok / throttled / acked_unanswered /
#      answered per second.
# Prints both summaries, the daemon's refusals by reason (/metrics) and the
# CPU seconds each process took, and the ratio of 2.'s answers/s to 1.'s. The goal:
# acked_unanswered=0 and at least 80 % of 1.'s answers/s. Asserts nothing.
# The daemon's bind: a transceiver with window 100 for both runs (with the
# shipped 10, one transceiver's screens wait on submit_sm_resp round trips
# stuck behind the flood of MOs in the same TCP stream: the window, not the
# daemon, is measured then); OVERLOAD_BIND_MODE (transmitter+receiver) and
# OVERLOAD_BIND_WINDOW change it.
# usage: tests/bench/overload.sh [BUILD_DIR]
set -u
[ $# -gt 0 ] && B=$1
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
N=${OVERLOAD_MOS:-200000}
NC=${OVERLOAD_CLOSED:-$N}
RATE=${OVERLOAD_RATE:-100000}
WIN=${OVERLOAD_WINDOW:-1000}
CONC=${BENCH_CONC:-200}

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || exit 1
awk -v n="$N" -v reg="$T_DIR/registry.csv" -v ca="$T_DIR/callers" 'BEGIN {
	print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason" >reg
	for (i = 0; i < n; i++) {
		y = 1940 + i % 60; m = 1 + i % 12; d = 1 + i % 28
		printf "CIN,D%07d,%04d-%02d-%02d,2031-01-01,REGISTERED,%09d,1,2127%08d,\n", \
		    i, y, m, d, 400000000 + i, i >reg
		printf "a 2127%08d \"*1515*1*D%07d*01012031*%02d%02d%04d#\"\n", \
		    i, i, d, m, y >ca
	}
}'
head -n "$NC" "$T_DIR/callers" >"$T_DIR/callers.closed"
echo "== overload: loading $N registry rows"
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1 ||
	{ cat "$T_DIR/load.log"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" || exit 1
# Log at notice: a line per dialog is not what is measured. Each person
# dials twice (closed, then open loop).
sed -i -e 's/^\(\s*log_level\s*=\s*\).*/\1"notice";/' \
    -e 's/^\(\s*max_requests_per_msisdn_hour\s*=\s*\).*/\1100;/' \
    ${OVERLOAD_BIND_MODE:+-e "s/^\(\s*mode\s*=\s*\).*/\1\"$OVERLOAD_BIND_MODE\";/"} \
    -e "s/^\(\s*window\s*=\s*\).*/\1${OVERLOAD_BIND_WINDOW:-100};/" \
    "$T_DIR/tnsgw.conf"
echo "== overload: the bind: $(grep -E '^\s*(mode|window|tps)\s*=' "$T_DIR/tnsgw.conf" |
    sed 's/#.*//; s/\s//g' | tr '\n' ' ')"
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"

metrics() {	# the daemon's refusals and re-sends so far, one line
	exec 3<>"/dev/tcp/127.0.0.1/$APORT" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	timeout 5 cat <&3 | awk '/^tnsgw_bind_(mo_refused|mo_not_served|throttled|screens_resent|screens_failed)/ && $2 > 0 {
		sub(/\{bind="sim",?/, "{", $1); sub(/\{\}/, "", $1); printf "%s %s  ", $1, $2 }
	    END { print "" }'
	exec 3>&-
}
cpu() {	# pid: user+system CPU seconds so far
	awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat" 2>/dev/null
}

run() {	# name options...
	local name=$1 rc
	shift
	echo "== overload: $name"
	local TIMEFORMAT="simulator: %R s wall, CPU %U s user + %S s sys"
	{ time timeout 900 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw \
	    -w secret -t 30 "$@" >"$T_DIR/out" 2>"$T_DIR/sim.err"; } 2>"$T_DIR/time"
	rc=$?
	cat "$T_DIR/out" "$T_DIR/time"
	[ "$rc" -eq 0 ] || { echo "(simulator exit $rc)"; tail -n 5 "$T_DIR/sim.err"; }
	echo "daemon, totals so far: $(metrics)"
	echo "CPU s so far: daemon $(cpu "$T_DAEMON"), redis $(cpu "${T_PIDS[0]}")"
	sed -n 's/.* answered_per_s=\([0-9.]*\).*/\1/p' "$T_DIR/out"
}
a=$(run "closed loop, $NC callers, concurrency $CONC" \
    --load "$T_DIR/callers.closed" --concurrency "$CONC" | tee /dev/stderr | tail -n 1)
b=$(run "open loop, $N callers at $RATE/s, window $WIN" \
    --load "$T_DIR/callers" --open-loop --rate "$RATE" --window "$WIN" |
    tee /dev/stderr | tail -n 1)
awk -v a="$a" -v b="$b" 'BEGIN {
	if (a > 0) printf "== overload: open loop answers %.1f/s = %.0f %% of closed loop %.1f/s\n", b, 100 * b / a, a }'
kill -0 "$T_DAEMON" 2>/dev/null || { echo "the daemon died:"; tail -n 20 "$T_DIR/tnsgw.log"; exit 1; }
grep -E '^<[0-3]>' "$T_DIR/tnsgw.log" | head -n 5
exit 0
