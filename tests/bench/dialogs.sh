#!/usr/bin/env bash
# Dialog throughput: the simulator's load mode against one daemon and a
# private redis-server on 127.0.0.1. Prints the simulator's figures
# (dialogs/s, latency percentiles); asserts nothing but that it ran.
#   1. BENCH_DIALOGS case-A callers (default 20000): one screen each, the
#      shortcut dial string carries the document and the birth date.
#   2. BENCH_DIALOGS_B case-B callers (default 2000): OTP screen, the OTP SMS
#      typed back, the matricule, the password SMS (2 Lua scripts, 2 outbox
#      entries, a provisioning entry each).
# Both at concurrency BENCH_CONC (default 200), no think time.
# usage: tests/bench/dialogs.sh [BUILD_DIR]   (run by tests/bench/run.sh)
set -u
[ $# -gt 0 ] && B=$1
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
NA=${BENCH_DIALOGS:-20000}
NB=${BENCH_DIALOGS_B:-2000}
CONC=${BENCH_CONC:-200}

RPORT=$(t_free_port); SPORT=$(t_free_port)
t_redis "$RPORT" || exit 1
# Person i: CIN D<i>; case A for i < NA, case B (no account, the phone on
# record is the caller) after. MSISDN 2127<i, 8 digits>.
awk -v na="$NA" -v nb="$NB" -v reg="$T_DIR/registry.csv" \
    -v ca="$T_DIR/callers.a" -v cb="$T_DIR/callers.b" 'BEGIN {
	print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason" >reg
	for (i = 0; i < na + nb; i++) {
		y = 1940 + i % 60; m = 1 + i % 12; d = 1 + i % 28
		printf "CIN,D%07d,%04d-%02d-%02d,2031-01-01,REGISTERED,%09d,%d,2127%08d,\n", \
		    i, y, m, d, 400000000 + i, i < na, i >reg
		printf "%s 2127%08d \"*1515*1*D%07d*01012031*%02d%02d%04d#\"\n", \
		    i < na ? "a" : "b", i, i, d, m, y >(i < na ? ca : cb)
	}
}'
echo "== dialogs: loading $((NA + NB)) registry rows"
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
    --categories "$TOP/etc/sample/categories.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1 ||
	{ cat "$T_DIR/load.log"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || exit 1
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "" "$T_DIR/keys" || exit 1
# Log at notice: a line per dialog is not what is measured.
sed -i 's/^\(\s*log_level\s*=\s*\).*/\1"notice";/' "$T_DIR/tnsgw.conf"

run() {	# name callers-file
	echo "== dialogs: $1 (concurrency $CONC, 1 daemon, 2 cores shared with redis and the simulator)"
	timeout 600 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    -t 30 --load "$2" --concurrency "$CONC" 2>"$T_DIR/sim.err"
	local rc=$?
	[ "$rc" -eq 0 ] || { echo "(simulator exit $rc)"; tail -n 5 "$T_DIR/sim.err"; }
}
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
[ "$NA" -gt 0 ] && run "$NA case-A callers" "$T_DIR/callers.a"
[ "$NB" -gt 0 ] && run "$NB case-B callers (OTP by SMS, password by SMS)" "$T_DIR/callers.b"
kill -0 "$T_DAEMON" 2>/dev/null || { echo "the daemon died:"; tail -n 20 "$T_DIR/tnsgw.log"; exit 1; }
exit 0
