#!/usr/bin/env bash
# Benchmarks: print figures, assert nothing. make bench [BENCH_ROWS=N]
#  1. tnsgw-load: N generated registry rows into a private redis-server:
#     rows/s and Redis bytes per record.
#  2. USSD dialogs through the daemon (tests/bench/dialogs.sh).
#  3. Overload: closed loop, then open loop far above it
#     (tests/bench/overload.sh; BENCH_OVERLOAD_MOS callers, default 200000).
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
ROWS=${BENCH_ROWS:-1000000}

RPORT=$(t_free_port)
t_redis "$RPORT" || exit 1
echo "== generating $ROWS registry rows"
awk -v n="$ROWS" 'BEGIN {
	print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason"
	for (i = 0; i < n; i++) {
		y = 1940 + i % 60; m = 1 + i % 12; d = 1 + i % 28
		st = (i % 10 == 9) ? "INELIGIBLE" : "REGISTERED"
		if (st == "INELIGIBLE")
			printf "CIN,B%07d,%04d-%02d-%02d,2031-01-01,%s,,,,AMO_CNOPS\n", i, y, m, d, st
		else
			printf "CIN,B%07d,%04d-%02d-%02d,2031-01-01,%s,%09d,%d,2126%08d,\n", i, y, m, d, st, 100000000 + i, i % 3 == 0, i
	}
}' >"$T_DIR/registry.csv"
echo "== tnsgw-load (reasons first, then the registry)"
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --reasons "$TOP/etc/sample/reasons.csv" >/dev/null
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv"
if "$TOP/$B/tnsgw-smsc" --help 2>&1 | grep -q -- '--load'; then
	bash "$TOP/tests/bench/dialogs.sh"
	t_cleanup
	OVERLOAD_MOS=${BENCH_OVERLOAD_MOS:-200000} bash "$TOP/tests/bench/overload.sh" "$B"
else
	echo "== dialog throughput: the simulator has no load mode yet"
fi
