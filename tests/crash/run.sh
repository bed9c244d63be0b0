#!/usr/bin/env bash
# Crash test of case B (issue 3): N case-B callers played by the simulator's
# load mode while the daemon is killed with SIGKILL at random moments and
# restarted each time; then the outbox is drained and checked against what
# the phones received: no promised SMS lost, duplicates only as identical
# copies, never two secrets for one person, one provisioning entry per
# password that opens to it, nothing secret in clear in the logs or the AOF.
#
# usage: tests/crash/run.sh [BUILD_DIR] [N [KILLS]]     (N 1000, KILLS 30)
# Prints "ok - ..." / "not ok - ..." lines and the figures; exit 0 only when
# every check holds. Everything runs on 127.0.0.1 in a temp dir (T_KEEP=1
# keeps it), under a deadline. CRASH_THINK_MS [2000] and CRASH_RESP_DELAY_MS
# [200] set the callers' think time and the SMSC's answer delay for SMS.
# CRASH_INSTANCES=2: a second daemon (instance "gw-2") shares the Redis and
# the SMSC and is never killed; the killed one comes back under a new name
# each time (gw1-k<n>), so its pending SMS are claimed as a dead consumer's
# (by gw-2 or its successor), once, and the dead consumers leave the group.
set -u
if [ $# -gt 0 ] && ! [[ $1 =~ ^[0-9]+$ ]]; then B=$1; shift; fi
N=${1:-1000}
KILLS=${2:-30}
source "$(dirname "$0")/../lib.sh"
BO="$TOP/$B/tnsgw-backoffice"
SIM_DEADLINE=$((120 + N / 5 + KILLS * 6))	# seconds for the dialogs
DRAIN_S=60					# for the outbox afterwards

[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 100000 ] &&
    [[ $KILLS =~ ^[0-9]+$ ]] || {
	echo "usage: tests/crash/run.sh [BUILD_DIR] [N (1..100000) [KILLS]]" >&2; exit 2; }
for p in tnsgw tnsgw-smsc tnsgw-load tnsgw-backoffice; do
	[ -x "$TOP/$B/$p" ] || { echo "$TOP/$B/$p: not built (make)" >&2; exit 2; }
done

t_tmpdir
DPID=
D2PID=
SPID=
INSTANCES=${CRASH_INSTANCES:-1}
crash_cleanup() {
	# The daemons and the simulator are ours, by pid; lib.sh stops redis.
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$D2PID" ] && kill -9 "$D2PID" 2>/dev/null && wait "$D2PID" 2>/dev/null
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	t_cleanup
}
trap crash_cleanup EXIT
trap 'exit 2' INT TERM
T0=$(date +%s.%N)

RPORT=$(t_free_port); SPORT=$(t_free_port)
# An AOF is kept: it is grepped for secrets at the end, and the promises
# are read back from it (settled outbox entries are deleted from the
# stream): plain RESP, never rewritten.
mkdir -p "$T_DIR/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$T_DIR/redis" --save '' \
    --appendonly yes --appendfsync everysec --aof-use-rdb-preamble no \
    --auto-aof-rewrite-percentage 0 --daemonize no \
    --logfile "$T_DIR/redis/redis.log" &
T_PIDS+=($!)
t_wait_port "$RPORT" || { not_ok "redis-server starts"; exit 1; }
rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" "$@"; }

# N registered people without an account; the phone on record is the caller.
# Person i: CIN C<i>, born on day 1..28 of month 1..12 of 1950..1989,
# matricule 300000000+i, MSISDN 2126<i, 8 digits>.
awk -v n="$N" -v reg="$T_DIR/registry.csv" -v calls="$T_DIR/callers" 'BEGIN {
	print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason" >reg
	for (i = 0; i < n; i++) {
		y = 1950 + i % 40; m = 1 + i % 12; d = 1 + i % 28
		printf "CIN,C%07d,%04d-%02d-%02d,2031-01-01,REGISTERED,%09d,0,2126%08d,\n", \
		    i, y, m, d, 300000000 + i, i >reg
		printf "b 2126%08d \"*1515*1*C%07d*01012031*%02d%02d%04d#\"\n", \
		    i, i, d, m, y >calls
	}
}'
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
    --categories "$TOP/etc/sample/categories.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1 ||
	{ not_ok "registry loads"; cat "$T_DIR/load.log"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || { not_ok "back office makes keys"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "" "$T_DIR/keys" || exit 1
# Pending SMS of a killed daemon are claimed after 3 s; binds come back at once.
sed -i -e 's/^\(\s*claim_idle_s\s*=\s*\)[0-9]*\s*;/\13;/' \
    -e 's/^\(\s*reconnect_min_s\s*=\s*\)[0-9]*\s*;/\11;/' "$T_DIR/tnsgw.conf"
grep -q 'claim_idle_s = 3;' "$T_DIR/tnsgw.conf" ||
	{ not_ok "config: claim_idle_s set"; exit 1; }
"$TOP/$B/tnsgw" -t -c "$T_DIR/tnsgw.conf" >"$T_DIR/check.log" 2>&1 ||
	{ not_ok "config checks"; cat "$T_DIR/check.log"; exit 1; }

start_daemon() {
	# Every run appends to the one log, grepped for secrets at the end.
	local conf="$T_DIR/tnsgw.conf"
	if [ "$INSTANCES" = 2 ]; then
		conf="$T_DIR/tnsgw1.conf"
		sed "s|^daemon\s*[:=]\s*{|&\n  instance = \"gw1-k$kills\";|" \
		    "$T_DIR/tnsgw.conf" >"$conf"
	fi
	"$TOP/$B/tnsgw" -f -c "$conf" 2>>"$T_DIR/tnsgw.log" &
	DPID=$!
}
start_daemon2() {
	sed 's|^daemon\s*[:=]\s*{|&\n  instance = "gw-2";|' "$T_DIR/tnsgw.conf" \
	    >"$T_DIR/tnsgw2.conf"
	"$TOP/$B/tnsgw" -f -c "$T_DIR/tnsgw2.conf" 2>>"$T_DIR/tnsgw.log" &
	D2PID=$!
}

# Dials paced so that the dialogs last about as long as the kills; callers
# take 0..2 s to type the code, so many dialogs are open at each kill, and
# the SMSC answers SMS 0..200 ms late, so a kill often falls between an SMS
# taken and its submit_sm_resp (it is sent again: an identical copy).
RATE=$(awk -v n="$N" -v k="$KILLS" 'BEGIN {
	r = (k > 0) ? n / (k * 1.3) : n; if (r < 1) r = 1; printf "%.1f", r }')
"$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 60 \
    --load "$T_DIR/callers" --concurrency 200 --rate "$RATE" --think "${CRASH_THINK_MS:-2000}" \
    --resp-delay "${CRASH_RESP_DELAY_MS:-200}" \
    --sms-log "$T_DIR/sms.log" --results "$T_DIR/results" \
    >"$T_DIR/sim.out" 2>"$T_DIR/sim.err" &
SPID=$!
t_wait_port "$SPORT" || { not_ok "simulator listens"; exit 1; }
kills=0
start_daemon
if [ "$INSTANCES" = 2 ]; then
	sleep 0.5	# the first bound gets the MOs: the one killed
	start_daemon2
fi

# Kill -9 at random moments (0.2 to 2 s apart) while the dialogs run.
while [ "$kills" -lt "$KILLS" ] && kill -0 "$SPID" 2>/dev/null; do
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.2 + 1.8 * r / 32767 }')"
	kill -0 "$SPID" 2>/dev/null || break
	kill -9 "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	kills=$((kills + 1))
	start_daemon
done

# The simulator ends by itself (every caller done or failed), bounded.
for _ in $(seq 1 $((SIM_DEADLINE * 10))); do
	kill -0 "$SPID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$SPID" 2>/dev/null; then
	not_ok "simulator finished within ${SIM_DEADLINE} s"
	kill "$SPID"
fi
wait "$SPID"
sim_rc=$?
SPID=
sed 's/^/# /' "$T_DIR/sim.out"

# Drain: every outbox entry read, sent (or expired) and acknowledged. The
# load simulator is gone (SMS it took but had not answered yet will be sent
# again): a plain SMSC takes its place, logging to the same file.
"$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -q --serve \
    --sms-log "$T_DIR/sms.log" >"$T_DIR/serve.out" 2>&1 &
SPID=$!
drained=0
for _ in $(seq 1 $((DRAIN_S * 5))); do
	len=$(rcli XLEN tns:outbox)
	pend=$(rcli XPENDING tns:outbox tnsgw | head -n 1)
	nst=$(rcli --scan --pattern 'tns:outbox:st:*' | wc -l)
	# Settled entries are deleted: drained when none is left.
	if [ "${pend:-x}" = 0 ] && [ "${len:-x}" = 0 ]; then
		drained=1; break
	fi
	sleep 0.2
done
check "outbox drained within ${DRAIN_S} s after the dialogs (entries $len, pending $pend, settled $nst)" \
    [ "$drained" = 1 ]
if [ "$INSTANCES" = 2 ]; then
	# Every killed instance's consumer leaves the group once its heartbeat
	# is gone (5 s) and nothing is pending for it: gw-2 and the last gw1
	# (when it has read anything) are left.
	for _ in $(seq 1 60); do
		cons=$(rcli XINFO CONSUMERS tns:outbox tnsgw | awk 'p { print; p = 0 } /^name$/ { p = 1 }' | sort | tr '\n' ' ')
		[ "$cons" = "gw-2 gw1-k$kills " ] || [ "$cons" = "gw-2 " ] && break
		sleep 0.2
	done
	check "dead consumers removed from the group (left: $cons)" \
	    [ "$cons" = "gw-2 gw1-k$kills " -o "$cons" = "gw-2 " ]
fi
for pid in "$DPID" "$D2PID"; do
	[ -n "$pid" ] || continue
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
DPID=
D2PID=
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
SPID=
T1=$(date +%s.%N)

# --- what was promised, what arrived ---------------------------------------
# Settled entries are deleted from the stream (XACK and XDEL in the script
# that records their state): every XADD to the outbox is read back from
# the AOF into replay:outbox (same ids, same fields), which the back office
# lists in clear ("<id> <kind> <bind> <to> <body>"); their states as kept.
check "settled entries are gone from the outbox stream (XLEN $(rcli XLEN tns:outbox))" \
    [ "$(rcli XLEN tns:outbox)" = 0 ]
rcli CONFIG SET appendfsync always >/dev/null 2>&1
sleep 1.2	# everysec: the last second reaches the file
aofs=$(ls "$T_DIR"/redis/appendonlydir/*.base.aof 2>/dev/null;
    ls "$T_DIR"/redis/appendonlydir/*.incr.aof 2>/dev/null | sort -t. -k3,3n)
# shellcheck disable=SC2086
perl "$TOP/tests/crash/aof_xadds.pl" tns:outbox replay:outbox $aofs \
    2>"$T_DIR/aof.err" | rcli --pipe >"$T_DIR/replay.out" 2>&1 ||
	not_ok "outbox XADDs read back from the AOF: $(cat "$T_DIR/aof.err" "$T_DIR/replay.out" | head -n 3)"
echo "# $(cat "$T_DIR/aof.err") in the AOF, $(rcli XLEN replay:outbox) replayed"
"$BO" outbox "$T_DIR/keys/outbox.key" -h 127.0.0.1 -p "$RPORT" --prefix replay: \
    >"$T_DIR/outbox.txt" 2>"$T_DIR/outbox.err" ||
	not_ok "back office reads the outbox: $(head -n 3 "$T_DIR/outbox.err")"
awk '{ print "HGET tns:outbox:st:" $1 " state" }' "$T_DIR/outbox.txt" |
    rcli >"$T_DIR/states.txt"
# id TAB state TAB to TAB body
paste "$T_DIR/states.txt" "$T_DIR/outbox.txt" | awk -F '\t' '{
	split($2, f, " "); id = f[1]; to = f[4]
	body = $2; for (i = 1; i <= 4; i++) sub(/^[^ ]* /, "", body)
	printf "%s\t%s\t%s\t%s\n", id, ($1 == "" ? "none" : $1), to, body
}' >"$T_DIR/promised.tsv"

# Every SMS received is "TO<TAB>body" in sms.log; the figures and checks.
touch "$T_DIR/sms.log" "$T_DIR/results"
awk -F '\t' -v out="$T_DIR" '
FNR == NR {	# promised.tsv
	n_entries++
	any[$3 "\t" $4] = 1
	if ($2 == "expired") { n_expired++; next }
	promised[$3 "\t" $4] = 1; n_promised++
	if ($2 != "sent" && $2 != "delivered") odd[$1] = $2
	next
}
{	# sms.log
	n_received++
	if (!($0 in got)) distinct++
	got[$0]++
}
END {
	for (k in promised) if (!(k in got)) { lost++; print k >(out "/lost.txt") }
	for (k in got) {
		if (got[k] > 1) dups += got[k] - 1
		# Any entry, expired ones too: one may have gone out before
		# a crash and been found expired when claimed again.
		if (!(k in any)) { unknown++; print k >(out "/unknown.txt") }
	}
	for (i in odd) n_odd++
	printf "entries=%d expired=%d promised=%d received=%d distinct=%d dups=%d lost=%d unknown=%d odd=%d\n", \
	    n_entries, n_expired, n_promised, n_received, distinct, dups, lost, unknown, n_odd
}' "$T_DIR/promised.tsv" "$T_DIR/sms.log" >"$T_DIR/figures.txt"
eval "$(tr ' ' '\n' <"$T_DIR/figures.txt" | sed 's/^/F_/')"

check "(a) every promised SMS (outbox entry not expired) was received: lost $F_lost" \
    [ "$F_lost" -eq 0 ]
check "(a) every outbox entry settled sent (none failed or unsettled: $F_odd)" \
    [ "$F_odd" -eq 0 ]
check "(b) every SMS received is byte-identical to an outbox entry's body for that MSISDN (other: $F_unknown)" \
    [ "$F_unknown" -eq 0 ]

# --- secrets -------------------------------------------------------------
# Passwords received, per MSISDN; OTPs received.
sed -n 's/^\([0-9]*\)\t.*mot de passe initial Ma CNSS est \([^ .]*\)\..*/\1 \2/p' \
    "$T_DIR/sms.log" | sort -u >"$T_DIR/pw.received"
sed -n 's/^[0-9]*\t.*code de v[^ ]* est \([0-9]*\)\..*/\1/p' "$T_DIR/sms.log" |
    sort -u >"$T_DIR/otp.received"
multi=$(awk '{ n[$1]++ } END { c = 0; for (m in n) if (n[m] > 1) c++; print c }' \
    "$T_DIR/pw.received")
check "(c) never two passwords for one person: persons with >1 secret $multi" \
    [ "$multi" -eq 0 ]

"$BO" provisioning "$T_DIR/keys/provisioning.pub" "$T_DIR/keys/provisioning.sec" \
    -h 127.0.0.1 -p "$RPORT" >"$T_DIR/prov.txt" 2>"$T_DIR/prov.err" ||
	not_ok "back office opens the provisioning stream: $(head -n 3 "$T_DIR/prov.err")"
# <id> <matricule> <msisdn> <channel> <operator> <ts> <password>
prov_n=$(wc -l <"$T_DIR/prov.txt")
prov_dup=$(awk '{ print $2 }' "$T_DIR/prov.txt" | sort | uniq -d | wc -l)
check "(c) at most one provisioning entry per matricule ($prov_n entries, $prov_dup matricules twice)" \
    [ "$prov_dup" -eq 0 ]
# Each entry: the person's own MSISDN, and the very password it received.
prov_bad=$(awk -v pw="$T_DIR/pw.received" '
	BEGIN { while ((getline l <pw) > 0) { split(l, f, " "); got[f[1]] = f[2] } }
	{
		want = sprintf("2126%08d", $2 - 300000000)
		if ($3 != want || !($3 in got) || got[$3] != $7) bad++
	}
	END { print bad + 0 }' "$T_DIR/prov.txt")
check "(c) every provisioning entry opens to exactly the password its person received (bad $prov_bad)" \
    [ "$prov_bad" -eq 0 ]
pw_n=$(wc -l <"$T_DIR/pw.received")
check "(c) one provisioning entry per password received ($pw_n passwords, $prov_n entries)" \
    [ "$pw_n" -eq "$prov_n" ]

# (d) every caller the simulator counts as done: one password, one entry.
done_bad=$(awk -v pw="$T_DIR/pw.received" -v prov="$T_DIR/prov.txt" '
	BEGIN {
		while ((getline l <pw) > 0) { split(l, f, " "); npw[f[1]]++ }
		while ((getline l <prov) > 0) { split(l, f, " "); npr[f[3]]++ }
	}
	$3 == "done" && (npw[$1] != 1 || npr[$1] != 1) { bad++ }
	END { print bad + 0 }' "$T_DIR/results")
n_done=$(awk '$3 == "done"' "$T_DIR/results" | wc -l)
check "(d) every caller done ($n_done) has exactly one password and one provisioning entry (bad $done_bad)" \
    [ "$done_bad" -eq 0 ]

# (e) no OTP or password in clear in the daemon's log or Redis's AOF.
leaks=0
if [ -s "$T_DIR/pw.received" ]; then
	awk '{ print $2 }' "$T_DIR/pw.received" >"$T_DIR/pw.only"
	leaks=$((leaks + $(grep -aoFf "$T_DIR/pw.only" -r "$T_DIR/tnsgw.log" \
	    "$T_DIR/redis" | wc -l)))
fi
if [ -s "$T_DIR/otp.received" ]; then
	leaks=$((leaks + $(grep -aowFf "$T_DIR/otp.received" -r "$T_DIR/tnsgw.log" \
	    "$T_DIR/redis" | wc -l)))
fi
aof=$(find "$T_DIR/redis" -name '*.aof' | xargs cat 2>/dev/null | wc -c)
check "(e) no OTP or password in clear in the daemon log ($(wc -l <"$T_DIR/tnsgw.log") lines) or the AOF ($aof bytes): $leaks found" \
    [ "$leaks" -eq 0 ]
check "simulator ran to its end (exit $sim_rc: 0 all done, 1 some failed)" \
    [ "$sim_rc" -le 1 ]
check "the daemon was killed and restarted ($kills times)" [ "$kills" -ge 1 -o "$KILLS" -eq 0 ]

# --- figures -------------------------------------------------------------
read -r d_done d_retried d_failed < <(sed -n \
    's/^callers: done \([0-9]*\), retried \([0-9]*\), failed \([0-9]*\).*/\1 \2 \3/p' \
    "$T_DIR/sim.out")
echo "# N $N, instances $INSTANCES, kills $kills (-9, restarted each time), dialogs done ${d_done:-?} / retried ${d_retried:-?} / failed ${d_failed:-?}"
echo "# outbox entries $F_entries (expired OTPs $F_expired), SMS promised $F_promised, received $F_received ($F_distinct distinct), duplicates $F_dups (identical copies), lost $F_lost, not promised $F_unknown"
echo "# passwords $pw_n, provisioning entries $prov_n, persons with >1 secret $multi, secrets in clear $leaks"
echo "# elapsed $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s (dialogs and drain), temp dir $T_DIR${T_KEEP:+ (kept)}"
if [ "$T_FAIL" -ne 0 ]; then
	for f in lost unknown; do
		[ -s "$T_DIR/$f.txt" ] && { echo "# $f (first 5):"; head -n 5 "$T_DIR/$f.txt" |
		    sed 's/\t.*est [^ .]*/\t<secret>/; s/^/#   /'; }
	done
	echo "# daemon log tail:"; grep -v '^<6>' "$T_DIR/tnsgw.log" | tail -n 15 | sed 's/^/#   /'
fi
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
