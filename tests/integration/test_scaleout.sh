#!/usr/bin/env bash
# Scale-out on loopback (issue 12): a Redis master and a replica (AOF on),
# three sentinels (quorum 2, down-after 1 s), two tnsgw instances that find
# the master through Sentinel, bound to one simulated operator that sends
# each MO on the next bind in turn (tnsgw-smsc --mo-spread), so a dialog's
# successive MOs alternate between the instances. During one case-B load:
#   (b) instance 1 is killed with SIGKILL: the SMS it held are claimed and
#       sent by instance 2, once;
#   (c) the master is killed: Sentinel promotes the replica and both
#       instances follow; service is back within the failover time plus
#       one reconnect.
# Prints "# failover gap_ms=... lost=... dup=... broken=..." and the checks;
# bounded (< 90 s), cleans up what it started.
set -u
B=${B:-build}
source "$(dirname "$0")/../lib.sh"
BO="$TOP/$B/tnsgw-backoffice"
N=${SCALEOUT_N:-160}		# case-B callers
GAP_MAX_MS=${SCALEOUT_GAP_MAX_MS:-8000}	# down-after 1 s + election + reconnect

for p in tnsgw tnsgw-smsc tnsgw-load tnsgw-backoffice; do
	[ -x "$TOP/$B/$p" ] || { echo "$TOP/$B/$p: not built (make)" >&2; exit 2; }
done
if command -v redis-sentinel >/dev/null; then SENTINEL=(redis-sentinel)
else SENTINEL=(redis-server); SENTINEL_FLAG=--sentinel; fi

t_tmpdir
D1=; D2=; SPID=; MPID=
scale_cleanup() {
	local p
	for p in $D1 $D2 $SPID; do kill "$p" 2>/dev/null; done
	for p in $D1 $D2 $SPID; do
		for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
	done
	t_cleanup	# redis-servers and sentinels, by pid
}
trap scale_cleanup EXIT
trap 'exit 2' INT TERM
T0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# --- Redis: master, replica, three sentinels ------------------------------
MPORT=$(t_free_port); RPORT=$(t_free_port)
SP1=$(t_free_port); SP2=$(t_free_port); SP3=$(t_free_port)
SPORT=$(t_free_port); A1=$(t_free_port); A2=$(t_free_port)
start_redis() {	# port dir [options]
	local port=$1 dir=$2; shift 2
	mkdir -p "$dir"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' \
	    --appendonly yes --appendfsync everysec --daemonize no \
	    --logfile "$dir/redis.log" "$@" &
	T_PIDS+=($!)
	LAST_PID=$!
}
start_redis "$MPORT" "$T_DIR/master"; MPID=$LAST_PID
start_redis "$RPORT" "$T_DIR/replica" --replicaof 127.0.0.1 "$MPORT"
t_wait_port "$MPORT" && t_wait_port "$RPORT" || { not_ok "redis-servers start"; exit 1; }
for sp in $SP1 $SP2 $SP3; do
	mkdir -p "$T_DIR/s$sp"
	cat >"$T_DIR/s$sp/sentinel.conf" <<EOF
port $sp
bind 127.0.0.1
daemonize no
dir $T_DIR/s$sp
logfile $T_DIR/s$sp/sentinel.log
sentinel monitor tnsgw 127.0.0.1 $MPORT 2
sentinel down-after-milliseconds tnsgw 1000
sentinel failover-timeout tnsgw 10000
sentinel parallel-syncs tnsgw 1
EOF
	"${SENTINEL[@]}" "$T_DIR/s$sp/sentinel.conf" ${SENTINEL_FLAG:-} &
	T_PIDS+=($!)
done
for sp in $SP1 $SP2 $SP3; do t_wait_port "$sp" || { not_ok "sentinel $sp starts"; exit 1; }; done
scli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
# Ready: the replica in sync, each sentinel knows the replica and the two
# other sentinels (a failover needs a majority that knows each other).
ready=0
for _ in $(seq 1 200); do
	ok=1
	scli "$RPORT" INFO replication | grep -q 'master_link_status:up' || ok=0
	for sp in $SP1 $SP2 $SP3; do
		info=$(scli "$sp" SENTINEL MASTER tnsgw 2>/dev/null | tr '\n' ' ')
		[[ $info =~ num-slaves\ 1\  ]] && [[ $info =~ num-other-sentinels\ 2\  ]] || ok=0
	done
	[ "$ok" = 1 ] && { ready=1; break; }
	sleep 0.1
done
check "Redis master, replica and 3 sentinels ready ($(ms_since "$T0") ms)" [ "$ready" = 1 ]
[ "$ready" = 1 ] || exit 1

# N registered people without an account (case B); person i calls from
# the phone on record, 2126<i, 8 digits>.
awk -v n="$N" -v reg="$T_DIR/registry.csv" -v calls="$T_DIR/callers" 'BEGIN {
	print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason" >reg
	for (i = 0; i < n; i++) {
		y = 1950 + i % 40; m = 1 + i % 12; d = 1 + i % 28
		printf "CIN,S%07d,%04d-%02d-%02d,2031-01-01,REGISTERED,%09d,0,2126%08d,\n", \
		    i, y, m, d, 400000000 + i, i >reg
		printf "b 2126%08d \"*1515*1*S%07d*01012031*%02d%02d%04d#\"\n", \
		    i, i, d, m, y >calls
	}
}'
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$MPORT" --registry "$T_DIR/registry.csv" \
    --categories "$TOP/etc/sample/categories.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1 ||
	{ not_ok "registry loads"; cat "$T_DIR/load.log"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || { not_ok "back office makes keys"; exit 1; }

# Two configs: the same Redis (through Sentinel) and operator, their own
# admin port, their own outbox consumer name (daemon.instance gw-1, gw-2).
for i in 1 2; do
	a=$A1; [ "$i" = 2 ] && a=$A2
	t_conf "$MPORT" "$SPORT" "$T_DIR/tnsgw$i.conf" "$a" "$T_DIR/keys" || exit 1
	sed -i -e "s|^daemon\s*[:=]\s*{|&\n  instance = \"gw-$i\";|" \
	    -e 's/^\(\s*claim_idle_s\s*=\s*\)[0-9]*\s*;/\13;/' \
	    -e 's/^\(\s*reconnect_min_s\s*=\s*\)[0-9]*\s*;/\11;/' \
	    -e 's/^\(\s*reconnect_max_s\s*=\s*\)[0-9]*\s*;/\12;/' \
	    -e "s/^\(\s*require_aof\s*=.*\)$/\1\n\tsentinels = [ \"127.0.0.1:$SP1\", \"127.0.0.1:$SP2\", \"127.0.0.1:$SP3\" ];\n\tmaster_name = \"tnsgw\";/" \
	    "$T_DIR/tnsgw$i.conf"
	"$TOP/$B/tnsgw" -t -c "$T_DIR/tnsgw$i.conf" >"$T_DIR/check$i.log" 2>&1 ||
		{ not_ok "config $i checks"; cat "$T_DIR/check$i.log"; exit 1; }
done
grep -q "master_name" "$T_DIR/tnsgw1.conf" || { not_ok "config: Sentinel set"; exit 1; }

# The operator: case-B callers, each MO on the next bind; SMS answered
# 0..400 ms late, so instance 1 dies holding SMS in flight. A caller refused
# during the failover ("service unavailable, try later") dials again half
# a second later, up to 60 times (re-dialling at once, 60 re-dials were
# spent in the first second of the outage: 14-19 callers counted unserved
# although the service was back 2 s later).
"$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 60 \
    --load "$T_DIR/callers" --concurrency 40 --rate 8 --think 300 \
    --retries 60 --redial 500 --resp-delay 400 --mo-spread \
    --sms-log "$T_DIR/sms.log" --results "$T_DIR/results" \
    >"$T_DIR/sim.out" 2>"$T_DIR/sim.err" &
SPID=$!
t_wait_port "$SPORT" || { not_ok "simulator listens"; exit 1; }
"$TOP/$B/tnsgw" -f -c "$T_DIR/tnsgw1.conf" 2>"$T_DIR/tnsgw1.log" & D1=$!
"$TOP/$B/tnsgw" -f -c "$T_DIR/tnsgw2.conf" 2>"$T_DIR/tnsgw2.log" & D2=$!
metric() {	# admin-port family: the sum of its samples
	curl -s --max-time 1 "http://127.0.0.1:$1/metrics" 2>/dev/null |
	    awk -v f="$2" '$1 == f || index($1, f "{") == 1 { s += $2 } END { print s + 0 }'
}
mos() {	# MOs one instance took, from /status
	curl -s --max-time 1 "http://127.0.0.1:$1/status" 2>/dev/null |
	    sed -n 's/.*MOs: \([0-9]*\);.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# (a) both instances take MOs of the same dialogs.
for _ in $(seq 1 100); do
	[ "$(metric "$A1" tnsgw_binds_bound)" = 1 ] &&
	    [ "$(metric "$A2" tnsgw_binds_bound)" = 1 ] && break
	sleep 0.1
done
sleep 3
m1=$(mos "$A1"); m2=$(mos "$A2")
check "(a) both instances take MOs (instance 1: $m1, instance 2: $m2)" \
    [ "$m1" -gt 0 -a "$m2" -gt 0 ]
master1=$(curl -s --max-time 1 "http://127.0.0.1:$A1/status" | sed -n 's/^redis master: \([^ ]*\).*/\1/p')
check "/status names the master found through Sentinel ($master1)" \
    [ "$master1" = "127.0.0.1:$MPORT" ]

# (b) instance 1 killed: what it held is claimed and sent by instance 2.
c1=gw-1
# Killed while it holds SMS (handed out, not settled): the instance is
# frozen (SIGSTOP: it can neither send nor settle), its pending entries
# read, and it is killed only if it holds some; otherwise it is thawed and
# tried again, up to 10 s. Reading the entries then killing a running
# instance left it time to settle them all (0 held, check (b) void).
# MOs it holds when killed: their screens never come (a dead process keeps
# no promise); counted apart from the failover's.
for _ in $(seq 1 100); do
	inflight1=$(metric "$A1" tnsgw_mo_in_flight)
	kill -STOP "$D1"
	redis-cli -h 127.0.0.1 -p "$MPORT" XPENDING tns:outbox tnsgw - + 10 "${c1:-none}" |
	    grep -q -- '-' && break
	kill -CONT "$D1"
	sleep 0.1
done
kill -9 "$D1"; wait "$D1" 2>/dev/null; D1=
held=$(redis-cli -h 127.0.0.1 -p "$MPORT" XPENDING tns:outbox tnsgw - + 1000 "${c1:-none}" |
    grep -- '-' | awk 'NR % 2 == 1' | tr '\n' ' ')
nheld=$(wc -w <<<"$held")
echo "# instance 1 (consumer ${c1:-?}) killed holding $nheld outbox entries"
claimed=0
for _ in $(seq 1 100); do
	left=$(redis-cli -h 127.0.0.1 -p "$MPORT" XPENDING tns:outbox tnsgw - + 1000 "${c1:-none}" | grep -c -- '-')
	[ "$left" = 0 ] && { claimed=1; break; }
	sleep 0.1
done
check "(b) instance 2 claims instance 1's pending outbox entries ($nheld) within 10 s" [ "$claimed" = 1 ]
sent_by_2=0
for _ in $(seq 1 50); do
	sent_by_2=0
	for id in $held; do
		st=$(redis-cli -h 127.0.0.1 -p "$MPORT" HGET "tns:outbox:st:$id" state)
		case "$st" in sent|delivered|submitted) sent_by_2=$((sent_by_2 + 1));; esac
	done
	[ "$sent_by_2" = "$nheld" ] && break
	sleep 0.1
done
check "(b) instance 1's pending SMS sent by instance 2 ($sent_by_2 of $nheld)" \
    [ "$nheld" -gt 0 -a "$sent_by_2" = "$nheld" ]

# (c) the master killed during the load.
done_before=$(metric "$A2" tnsgw_dialogs_total)
TK=$(date +%s%N)
{ kill -9 "$MPID"; wait "$MPID"; } 2>/dev/null
gap=-1
for _ in $(seq 1 300); do
	[ "$(ms_since "$TK")" -gt 20000 ] && break
	d=$(metric "$A2" tnsgw_dialogs_total)
	if [ "$d" -gt "$done_before" ] && [ "$(metric "$A2" tnsgw_redis_up)" = 1 ]; then
		st=$(curl -s --max-time 1 "http://127.0.0.1:$A2/status" | sed -n 's/^redis master: \([^ ]*\).*/\1/p')
		[ "$st" = "127.0.0.1:$RPORT" ] && { gap=$(ms_since "$TK"); break; }
	fi
	sleep 0.05
done
fo=$(metric "$A2" tnsgw_redis_failovers_total)
check "(c) instance 2 follows the failover to the replica (failovers seen $fo)" [ "$fo" -ge 1 ]
check "(c) service back within ${GAP_MAX_MS} ms of the master's kill (gap ${gap} ms)" \
    [ "$gap" -ge 0 -a "$gap" -le "$GAP_MAX_MS" ]

# The load runs to its end (bounded by the simulator's own -t 60).
for _ in $(seq 1 600); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
kill "$SPID" 2>/dev/null
wait "$SPID"; sim_rc=$?; SPID=
sed 's/^/# /' "$T_DIR/sim.out" | head -n 6
NPORT=$RPORT	# the master now
rcli() { redis-cli -h 127.0.0.1 -p "$NPORT" "$@"; }
# SMS the load simulator took but had not answered when it left go again.
tail_pending=$(rcli XPENDING tns:outbox tnsgw | head -n 1)

# Drain what is still owed through a plain SMSC logging to the same file.
"$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -q --serve \
    --sms-log "$T_DIR/sms.log" >"$T_DIR/serve.out" 2>&1 &
SPID=$!
drained=0
for _ in $(seq 1 100); do
	len=$(rcli XLEN tns:outbox); pend=$(rcli XPENDING tns:outbox tnsgw | head -n 1)
	[ "${len:-x}" = 0 ] && [ "${pend:-x}" = 0 ] && { drained=1; break; }
	sleep 0.1
done
check "outbox drained after the load (entries $len, pending $pend)" [ "$drained" = 1 ]

# (d) A graceful failover (SENTINEL FAILOVER): the old master, back as a
# replica, is promoted again while the current one stays up, demoted.
start_redis "$MPORT" "$T_DIR/master"
back=0
for _ in $(seq 1 150); do
	redis-cli -h 127.0.0.1 -p "$MPORT" INFO replication 2>/dev/null |
	    grep -q 'master_link_status:up' &&
	    scli "$SP1" SENTINEL REPLICAS tnsgw 2>/dev/null | grep -qx "127.0.0.1:$MPORT" &&
	    { back=1; break; }
	sleep 0.1
done
check "(d) the old master rejoins as a replica" [ "$back" = 1 ]
fo_before=$(metric "$A2" tnsgw_redis_failovers_total)
TF=$(date +%s%N)
scli "$SP1" SENTINEL FAILOVER tnsgw >/dev/null
moved=0
for _ in $(seq 1 150); do
	st=$(curl -s --max-time 1 "http://127.0.0.1:$A2/status" | sed -n 's/^redis master: \([^ ]*\).*/\1/p')
	[ "$st" = "127.0.0.1:$MPORT" ] && [ "$(metric "$A2" tnsgw_redis_up)" = 1 ] &&
	    { moved=1; break; }
	sleep 0.1
done
check "(d) instance 2 follows a graceful failover in $(ms_since "$TF") ms (failovers $fo_before -> $(metric "$A2" tnsgw_redis_failovers_total))" \
    [ "$moved" = 1 ]
NPORT=$MPORT

# --- figures ---------------------------------------------------------------
touch "$T_DIR/sms.log" "$T_DIR/results"
"$BO" provisioning "$T_DIR/keys/provisioning.pub" "$T_DIR/keys/provisioning.sec" \
    -h 127.0.0.1 -p "$NPORT" >"$T_DIR/prov.txt" 2>"$T_DIR/prov.err" ||
	not_ok "back office opens the provisioning stream: $(head -n 3 "$T_DIR/prov.err")"
# lost: a password issued (provisioning entry) whose SMS never came, plus
# dead letters; dup: identical SMS received more than once.
sed -n 's/^\([0-9]*\)\t.*mot de passe initial Ma CNSS est \([^ .]*\)\..*/\1/p' \
    "$T_DIR/sms.log" | sort -u >"$T_DIR/pw.to"
lost=$(awk '{ print $3 }' "$T_DIR/prov.txt" | sort -u | comm -23 - "$T_DIR/pw.to" | wc -l)
dead=$(rcli XLEN tns:outbox:dead); lost=$((lost + ${dead:-0}))
dup=$(sort "$T_DIR/sms.log" | uniq -c | awk '$1 > 1 { s += $1 - 1 } END { print s + 0 }')
# broken: dialog steps that got no screen within 10 s or lost their bind
# (nothing else fails a step: a screen always comes); refused: dials
# answered "try later" (the polite refusal: redis down), dialled again
# 500 ms later by the simulated caller; unserved: callers who used up
# their 60 re-dials on that refusal during the outage.
read -r hung refused lost_bind < <(sed -n 's/^retries: [0-9]* (timeout \([0-9]*\), unexpected screen \([0-9]*\), bind lost \([0-9]*\),.*/\1 \2 \3/p' "$T_DIR/sim.out")
broken=$(( ${hung:-999} + ${lost_bind:-999} ))
# MOs the frozen instance 1 took into its socket and never answered (not
# even deliver_sm_resp): the simulator's callers wait 10 s for them.
noresp=$(sed -n 's/^mo: .*, no response \([0-9]*\)$/\1/p' "$T_DIR/sim.out")
unserved=$(awk '$3 != "done"' "$T_DIR/results" | wc -l)
ndone=$(awk '$3 == "done"' "$T_DIR/results" | wc -l)
echo "# failover gap_ms=$gap lost=$lost dup=$dup broken=$broken (of which with the killed instance: at most ${inflight1:-0} MOs in flight)"
echo "# refused politely (\"try later\") and dialled again: ${refused:-?}; callers unserved after 60 re-dials: $unserved"
echo "# callers $N: done $ndone; passwords issued $(wc -l <"$T_DIR/prov.txt"), SMS received $(wc -l <"$T_DIR/sms.log")"
check "no SMS lost (passwords issued without their SMS + dead letters: $lost)" [ "$lost" -eq 0 ]
# An SMS the SMSC took but whose settling did not happen (its sender
# killed, the SMSC gone before answering, Redis down when it was to be
# settled, or the settle acknowledged by the dying master and not yet
# replicated) is handed out again and goes again: an identical copy, at
# least once, never lost. Every duplicate must be such a re-send (an
# entry handed out twice at once would not be), none sent more than twice.
resent=$(cat "$T_DIR"/tnsgw?.log | grep -c 'handed out again (.*re-sending')
unsettled=$(cat "$T_DIR"/tnsgw?.log | grep -c 'not settled (sent): Redis is down')
echo "# duplicates $dup: entries handed out again $resent (held by the killed instance $nheld, left unanswered by the SMSC ${tail_pending:-0}, settle refused with Redis down $unsettled)"
check "every duplicate is the re-send of an SMS sent but not settled ($dup <= $resent)" \
    [ "$dup" -le "$resent" ]
check "no SMS received more than twice" \
    [ "$(sort "$T_DIR/sms.log" | uniq -c | awk '$1 > 2' | wc -l)" -eq 0 ]
# Steps that got no screen: only those instance 1 held when it was
# killed (its MOs in flight then, read just before it was frozen, and
# those that reached it frozen, left without a response; + 2 for the
# moment between); none from the master's failover.
check "every dialog answered or refused politely: none broken but with the killed instance (steps with no screen ${hung:-?} <= its MOs in flight ${inflight1:-0} + unanswered ${noresp:-?} + 2, binds lost ${lost_bind:-?}; simulator exit $sim_rc)" \
    [ "${hung:-999}" -le $(( ${inflight1:-0} + ${noresp:-0} + 2 )) -a "${lost_bind:-999}" -eq 0 ]
check "every caller served in the end (unserved after 60 re-dials 500 ms apart: $unserved)" \
    [ "$unserved" -eq 0 ]
echo "# elapsed $(ms_since "$T0") ms, temp dir $T_DIR${T_KEEP:+ (kept)}"
if [ "$T_FAIL" -ne 0 ]; then
	for i in 1 2; do
		echo "# tnsgw$i log (not info):"
		grep -v '^<6>' "$T_DIR/tnsgw$i.log" | tail -n 12 | sed 's/^/#   /'
	done
fi
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
