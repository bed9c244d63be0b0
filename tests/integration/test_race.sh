#!/usr/bin/env bash
# Copies of MOs across instances (issue 12, "state shared safely"): two
# tnsgw instances (daemon.instance gw-1, gw-2) on one Redis, bound to one
# simulated operator that delivers every USSD MO on both binds at once
# (tnsgw-smsc --mo-twice), as an operator redelivering does; each copy
# reaches another instance. RACE_N people play case B (dial with the
# identity, the OTP's SMS, the code typed back). Checks: every caller done,
# none timed out or got an unexpected screen, the two copies of every MO
# got the same screen, each person got exactly one OTP SMS and one
# password SMS (one provisioning entry), no bind lost, no error logged;
# the copies counted on /metrics (tnsgw_mo_copies_total, by why).
# Prints "# race ..." figures; bounded (< 60 s), cleans up what it started.
set -u
B=${B:-build}
source "$(dirname "$0")/../lib.sh"
N=${RACE_N:-100}
WINDOW_MS=${RACE_WINDOW_MS:-1500}

for p in tnsgw tnsgw-smsc tnsgw-load tnsgw-backoffice; do
	[ -x "$TOP/$B/$p" ] || { echo "$TOP/$B/$p: not built (make)" >&2; exit 2; }
done
t_tmpdir
trap t_cleanup EXIT
trap 'exit 2' INT TERM
T0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

RPORT=$(t_free_port); SPORT=$(t_free_port); A1=$(t_free_port); A2=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" "$@"; }

# N registered people without an account (case B); person i calls from
# the phone on record, 2126<i, 8 digits>, with the whole identity in the
# dial: dial, OTP screen, code, final screen.
awk -v n="$N" -v reg="$T_DIR/registry.csv" -v calls="$T_DIR/callers" 'BEGIN {
	print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason" >reg
	for (i = 0; i < n; i++) {
		y = 1950 + i % 40; m = 1 + i % 12; d = 1 + i % 28
		printf "CIN,R%07d,%04d-%02d-%02d,2031-01-01,REGISTERED,%09d,0,2127%08d,\n", \
		    i, y, m, d, 500000000 + i, i >reg
		printf "b 2127%08d \"*1515*1*R%07d*01012031*%02d%02d%04d#\"\n", \
		    i, i, d, m, y >calls
	}
}'
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
    --categories "$TOP/etc/sample/categories.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1 ||
	{ not_ok "registry loads"; cat "$T_DIR/load.log"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || { not_ok "back office makes keys"; exit 1; }

# Two configs: the same Redis and operator, their own admin port and
# outbox consumer, the copies' window set.
for i in 1 2; do
	a=$A1; [ "$i" = 2 ] && a=$A2
	t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw$i.conf" "$a" "$T_DIR/keys" || exit 1
	sed -i -e "s|^daemon\s*[:=]\s*{|&\n  instance = \"gw-$i\";|" \
	    -e "s/^\(\s*duplicate_window_ms\s*=\s*\)[0-9]*\s*;/\1$WINDOW_MS;/" \
	    "$T_DIR/tnsgw$i.conf"
	grep -q "duplicate_window_ms = $WINDOW_MS;" "$T_DIR/tnsgw$i.conf" ||
		{ not_ok "config $i: duplicate_window_ms set"; exit 1; }
	"$TOP/$B/tnsgw" -t -c "$T_DIR/tnsgw$i.conf" >"$T_DIR/check$i.log" 2>&1 ||
		{ not_ok "config $i checks"; cat "$T_DIR/check$i.log"; exit 1; }
done

# The operator: every MO on both binds; no retry allowed to hide a lost
# step (a timeout or an unexpected screen is counted and fails below).
"$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 50 \
    --load "$T_DIR/callers" --concurrency 40 --rate 40 --think 200 \
    --retries 0 --mo-twice --linger 3 \
    --sms-log "$T_DIR/sms.log" --results "$T_DIR/results" \
    >"$T_DIR/sim.out" 2>"$T_DIR/sim.err" &
SPID=$!
T_PIDS+=("$SPID")
t_wait_port "$SPORT" || { not_ok "simulator listens"; exit 1; }
t_daemon "$T_DIR/tnsgw1.conf" "$T_DIR/tnsgw1.log"
t_daemon "$T_DIR/tnsgw2.conf" "$T_DIR/tnsgw2.log"

metric() {	# admin-port family: the sum of its samples
	curl -s --max-time 1 "http://127.0.0.1:$1/metrics" 2>/dev/null |
	    awk -v f="$2" '$1 == f || index($1, f "{") == 1 { s += $2 } END { print s + 0 }'
}
mos() {	# MOs one instance took, from /status
	curl -s --max-time 1 "http://127.0.0.1:$1/status" 2>/dev/null |
	    sed -n 's/.*MOs: \([0-9]*\);.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# The load runs to its end (the simulator's own -t 50 bounds it); both
# binds stay bound throughout once up (polled every 0.2 s).
up=0; dropped=0
for _ in $(seq 1 275); do
	kill -0 "$SPID" 2>/dev/null || break
	b1=$(metric "$A1" tnsgw_binds_bound); b2=$(metric "$A2" tnsgw_binds_bound)
	if [ "$b1" = 1 ] && [ "$b2" = 1 ]; then up=1
	elif [ "$up" = 1 ] && grep -q 'answering .* s more' "$T_DIR/sim.err"; then break
	elif [ "$up" = 1 ]; then dropped=$((dropped + 1))
	fi
	sleep 0.2
done
for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SPID" 2>/dev/null; then
	not_ok "simulator ends within 55 s"
	kill "$SPID" 2>/dev/null
fi
wait "$SPID"; sim_rc=$?
m1=$(mos "$A1"); m2=$(mos "$A2")
c1=$(metric "$A1" tnsgw_state_conflicts_total); c2=$(metric "$A2" tnsgw_state_conflicts_total)
# The copies each instance answered again, by why (tnsgw_mo_copies_total).
for r in lost_write window done; do
	eval "cp_$r=\$(( \$(metric \"\$A1\" 'tnsgw_mo_copies_total{reason=\"$r\"}') + \$(metric \"\$A2\" 'tnsgw_mo_copies_total{reason=\"$r\"}') ))"
done
cp1=$(metric "$A1" tnsgw_mo_copies_total); cp2=$(metric "$A2" tnsgw_mo_copies_total)
sed 's/^/# /' "$T_DIR/sim.out" | head -n 8
touch "$T_DIR/sms.log" "$T_DIR/results"

ndone=$(awk '$3 == "done"' "$T_DIR/results" | wc -l)
check "simulator exit 0 (got $sim_rc)" [ "$sim_rc" = 0 ]
check "every caller done ($ndone of $N)" [ "$ndone" = "$N" ]
read -r retries hung unexpected lost_bind refused binds_lost < <(sed -n \
    's/^retries: \([0-9]*\) (timeout \([0-9]*\), unexpected screen \([0-9]*\), bind lost \([0-9]*\), refused \([0-9]*\)); binds lost \([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' \
    "$T_DIR/sim.out")
check "no caller timed out, none got an unexpected screen or a refusal (timeout ${hung:-?}, unexpected ${unexpected:-?}, refused ${refused:-?})" \
    [ "${retries:-1}" = 0 ]
check "no bind lost (simulator: ${binds_lost:-?}; polls with an instance unbound after both were up: $dropped)" \
    [ "${binds_lost:-1}" = 0 -a "${lost_bind:-1}" = 0 -a "$up" = 1 -a "$dropped" = 0 ]
differ=$(sed -n 's/^copies: MOs whose copies got different screens \([0-9]*\).*/\1/p' "$T_DIR/sim.out")
check "both copies of every MO got the same screen (differing: ${differ:-?})" \
    [ "${differ:-1}" = 0 ]
# Each caller sends 2 MOs, each on both binds once both are bound (the
# load starts with the first: a few of the first dials go to one only).
check "both instances took the MOs' copies (instance 1: $m1, instance 2: $m2, of $((2 * N)) MOs)" \
    [ "$m1" -gt 0 -a "$m2" -gt 0 -a $((m1 + m2)) -ge $((4 * N - 20)) -a $((m1 + m2)) -le $((4 * N)) ]
check "the copies raced: some steps lost their write and answered the winner's screen (conflicts $c1 + $c2)" \
    [ $((c1 + c2)) -gt 0 ]
# tnsgw_mo_copies_total: the copies answered again, at most one per MO
# delivered twice (the MOs taken past one per MO); a copy that lost its
# write counted its conflict first.
check "copies counted: $cp1 + $cp2, at most the MOs taken twice ($((m1 + m2 - 2 * N)))" \
    [ $((cp1 + cp2)) -gt 0 -a $((cp1 + cp2)) -le $((m1 + m2 - 2 * N)) ]
check "copies by why: lost_write $cp_lost_write (>= 1, <= conflicts $((c1 + c2))), window $cp_window, done $cp_done" \
    [ "$cp_lost_write" -ge 1 -a "$cp_lost_write" -le $((c1 + c2)) -a \
    $((cp_lost_write + cp_window + cp_done)) -eq $((cp1 + cp2)) ]
# /status shows the same: the JSON's mo_copies, the page's line.
j1=$(curl -s --max-time 1 "http://127.0.0.1:$A1/status?format=json")
check "/status?format=json of instance 1: mo_copies by why sum to /metrics' $cp1, not fenced, no STALE failure" \
    python3 -c 'import json, sys; d = json.loads(sys.argv[1]); c = d["mo_copies"]
assert sorted(c) == ["done", "lost_write", "window"] and sum(c.values()) == int(sys.argv[2]), c
assert d["outbox"]["fenced"] is False and d["redis"]["stale_failed"] == 0, d' "$j1" "$cp1"
curl -s --max-time 1 "http://127.0.0.1:$A2/status" >"$T_DIR/status2.txt"
check "/status of instance 2: its copies by why, its fence" bash -c '
	grep -Eq "^MO copies answered again: [0-9]+ lost_write, [0-9]+ window, [0-9]+ done$" "$1" &&
	grep -q "^outbox fence: no (" "$1"' _ "$T_DIR/status2.txt"

# One OTP and one password SMS per person (the phone on record).
otp_bad=$(awk -F'\t' '/code de v/ { n[$1]++ } END {
	for (k in n) if (n[k] != 1) bad++; print bad + 0 + ('"$N"' - length(n)) }' "$T_DIR/sms.log")
pw_bad=$(awk -F'\t' '/mot de passe initial/ { n[$1]++ } END {
	for (k in n) if (n[k] != 1) bad++; print bad + 0 + ('"$N"' - length(n)) }' "$T_DIR/sms.log")
notp=$(grep -c 'code de v' "$T_DIR/sms.log"); npw=$(grep -c 'mot de passe initial' "$T_DIR/sms.log")
check "each person got exactly one OTP SMS ($notp SMS for $N people, people with another count: $otp_bad)" \
    [ "$otp_bad" = 0 -a "$notp" = "$N" ]
check "each person got exactly one password SMS ($npw SMS for $N people, people with another count: $pw_bad)" \
    [ "$pw_bad" = 0 -a "$npw" = "$N" ]
nprov=$(rcli XLEN tns:provisioning)
check "one provisioning entry per person ($nprov)" [ "$nprov" = "$N" ]
errs=$(cat "$T_DIR"/tnsgw?.log | grep -c '^<[0-3]>')
check "nothing logged at err or worse ($errs lines)" [ "$errs" = 0 ]
# The done marks the ended dialogs left (README "Dialog state versions"):
# how many, and their mean size in bytes.
marks=$(rcli --scan --pattern 'tns:sess:*' | head -n 1000 | while read -r k; do
	rcli STRLEN "$k"; done | awk '{ s += $1; n++ } END { printf "%d mean_bytes=%d", n, n ? s / n : 0 }')
echo "# race done_marks=$marks"
echo "# race copies=$cp1+$cp2 lost_write=$cp_lost_write window=$cp_window done=$cp_done"
echo "# race callers=$N window_ms=$WINDOW_MS mos=$m1+$m2 state_conflicts=$c1+$c2 otp_sms=$notp password_sms=$npw elapsed_ms=$(ms_since "$T0")"
if [ "$T_FAIL" -ne 0 ]; then
	for i in 1 2; do
		echo "# tnsgw$i log (not info):"
		grep -v '^<6>' "$T_DIR/tnsgw$i.log" | tail -n 12 | sed 's/^/#   /'
	done
	tail -n 5 "$T_DIR/sim.err" | sed 's/^/# sim: /'
fi
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
