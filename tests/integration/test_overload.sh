#!/usr/bin/env bash
# Overload, for correctness: the daemon's bind capped at a tight tps and an
# open-loop run of case-A shortcut dials far above it. Every MO the daemon
# acknowledges with ESME_ROK must get its screen (acked_unanswered=0); the
# ones it cannot carry are refused with ESME_RTHROTTLED in their
# deliver_sm_resp, never acknowledged and dropped.
#   OVERLOAD_DIALS (3000), OVERLOAD_RATE (2000/s), OVERLOAD_TPS (200)
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
N=${OVERLOAD_DIALS:-3000}
RATE=${OVERLOAD_RATE:-2000}
TPS=${OVERLOAD_TPS:-200}

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
# Person i: CIN D<i>, registered with an account (case A), MSISDN 2127<i>.
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
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1 ||
	{ not_ok "registry loads"; cat "$T_DIR/load.log"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" || exit 1
sed -i -e 's/^\(\s*log_level\s*=\s*\).*/\1"notice";/' \
    -e "s/^\(\s*tps\s*=\s*\).*/\1$TPS;/" "$T_DIR/tnsgw.conf"
grep -q "tps = $TPS;" "$T_DIR/tnsgw.conf" || { not_ok "tps set"; exit 1; }
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"

timeout 60 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
    -t 20 --load "$T_DIR/callers" --open-loop --rate "$RATE" --window 1000 \
    >"$T_DIR/smsc.out" 2>"$T_DIR/smsc.err"
rc=$?
sed 's/^/# /' "$T_DIR/smsc.out"
line=$(grep '^overload ' "$T_DIR/smsc.out")
val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
check "the run reports (exit $rc)" [ -n "$line" ]
check "every MO answered: no response $(val no_resp), other $(val other)" \
    [ "$(val no_resp)" = 0 -a "$(val other)" = 0 ]
check "sent all $N dials ($(val sent))" [ "$(val sent)" = "$N" ]
check "acked_unanswered=0 ($(val acked_unanswered))" [ "$(val acked_unanswered)" = 0 ]
check "some dials refused with ESME_RTHROTTLED ($(val throttled))" [ "$(val throttled)" -gt 0 ]
check "some dials taken ($(val ok)), each answered ($(val answered))" \
    [ "$(val ok)" -gt 0 -a "$(val answered)" = "$(val ok)" ]
check "the simulator exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "daemon still running" kill -0 "$T_DAEMON"
check "daemon log has no error-level line" bash -c "! grep -Eq '^<[0-3]>' '$T_DIR/tnsgw.log'"
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
