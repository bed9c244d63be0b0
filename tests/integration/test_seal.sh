#!/usr/bin/env bash
# Secret SMS bodies bound to their outbox entry (issue 9, piece b), with a
# real daemon, a real redis-server and an SMSC over 127.0.0.1:
#   - an entry sealed as the daemon seals it goes out; the same body copied
#     into an entry with another 'to', another kind or another bind is
#     refused, dead-lettered with reason "seal", counted, and never sent;
#     an "sb1:" body and one sealed under a key the daemon does not have
#     are dead-lettered with reason "key";
#   - settled entries (sent, dead) are gone from the stream;
#   - a rotation: with the key changed and security.outbox_key_old_file
#     set, an entry sealed under the old key still goes out, and the
#     daemon's own new entries (a case B dialog) are sealed under the new
#     key and open.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
SPID=
seal_cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	t_cleanup
}
trap seal_cleanup EXIT
S="$TOP/tests/integration/scenarios"
BO="$TOP/$B/tnsgw-backoffice"

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
# An AOF: the daemon's own sealed bodies are read back from it (they are
# deleted from the stream once sent).
mkdir -p "$T_DIR/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$T_DIR/redis" --save '' \
    --appendonly yes --appendfsync always --aof-use-rdb-preamble no \
    --auto-aof-rewrite-percentage 0 --daemonize no \
    --logfile "$T_DIR/redis/redis.log" &
T_PIDS+=($!)
t_wait_port "$RPORT" || { not_ok "redis-server starts"; exit 1; }
rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" "$@"; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || { not_ok "back office makes keys"; exit 1; }
"$BO" secretkey "$T_DIR/keys/stranger.key"
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" "$T_DIR/keys" || exit 1

metric() {	# the value of one /metrics line (name with labels), 0 if absent
	curl -s "http://127.0.0.1:$APORT/metrics" |
	    awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}
wait_for() {	# tenths-of-a-second command...: poll until it holds
	local n=$1; shift
	for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
bound() { [ "$(metric tnsgw_binds_bound)" = 1 ]; }
sent_to() { grep -q "^$1	" "$T_DIR/sms.log" 2>/dev/null; }
# seal KEY TO KIND BIND: a body sealed for that entry as the daemon would.
seal() { printf 'Votre mot de passe initial Ma CNSS est %s.\n' "$5" |
    "$BO" box "$1" "$4" "$2" 1 1 "$3" sim; }
# add TO KIND BIND BODY: the id of a new outbox entry (the daemon's fields).
add() { rcli XADD tns:outbox '*' bind "$3" to "$1" from '' kind "$2" \
    lang fr body "$4" expires_ms 0 to_ton 1 to_npi 1 op sim; }

# --- 1. copied and tampered entries -------------------------------------
"$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -q --serve \
    --sms-log "$T_DIR/sms.log" >"$T_DIR/serve.out" 2>&1 &
SPID=$!
t_wait_port "$SPORT" || { not_ok "simulator listens"; exit 1; }
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
check "daemon binds" wait_for 100 bound

A=212600007001		# the entry's own number
X=212600009999		# where a Redis writer wants the secret to go
body=$(seal "$T_DIR/keys/outbox.key" $A password sim Pw7001abcd)
id_ok=$(add $A password sim "$body")
check "an entry sealed for its own fields is sent" wait_for 100 sent_to $A
grep -q "Pw7001abcd" "$T_DIR/sms.log"
check "... with its body opened" [ $? -eq 0 ]

t0=$(date +%s.%N)
id_to=$(add $X password sim "$body")		# copied with a new 'to'
id_kind=$(add $A otp sim "$body")		# kind changed
id_bind=$(add $A password other "$body")	# bind changed
id_sb1=$(add $X password sim "sb1:$(head -c 60 /dev/urandom | base64 -w0)")
id_key=$(add $X password sim "$(seal "$T_DIR/keys/stranger.key" $X password sim Pw9999zzzz)")
dead_n() { [ "$(rcli XLEN tns:outbox:dead)" -ge "$1" ]; }
check "the five forged entries reach the dead letters" wait_for 100 dead_n 5
t1=$(date +%s.%N)
# Raw XRANGE: one value a line; "id" and "reason" are followed by theirs.
reasons=$(rcli XRANGE tns:outbox:dead - + | awk '
	prev == "id" { id = $0 } prev == "reason" { print id, $0 }
	{ prev = $0 }' | sort)
want=$(printf '%s seal\n%s seal\n%s seal\n%s key\n%s key\n' \
    "$id_to" "$id_kind" "$id_bind" "$id_sb1" "$id_key" | sort)
check "dead letters: copied to / kind / bind -> seal, sb1 and unknown key id -> key" \
    [ "$reasons" = "$want" ]
[ "$reasons" = "$want" ] || { echo "# got:"; echo "$reasons" | sed 's/^/#   /'; }
sleep 1		# anything sent would be in the SMSC's log by now
check "nothing was sent to the number of the copies" bash -c "! grep -q '^$X	' '$T_DIR/sms.log'"
n=$(grep -c "^$A	" "$T_DIR/sms.log")
check "the entry's own number got exactly its one SMS ($n)" [ "$n" -eq 1 ]
check "metric: seal refused 3" [ "$(metric 'tnsgw_outbox_seal_refused_total{reason="seal"}')" = 3 ]
check "metric: key refused 2" [ "$(metric 'tnsgw_outbox_seal_refused_total{reason="key"}')" = 2 ]
check "metric: five dead letters written" [ "$(metric tnsgw_outbox_dead_letters_total)" = 5 ]
dead_len() { [ "$(metric tnsgw_outbox_dead_length)" = 5 ]; }
check "metric: outbox:dead holds five (refreshed every 2 s)" wait_for 50 dead_len
n=$(grep -c '^<3>.*sealed body refused' "$T_DIR/tnsgw.log")
check "five refusals logged at err ($n)" [ "$n" -eq 5 ]
check "the log names no number and no secret" \
    bash -c "! grep -E '$A|$X|Pw7001abcd|Pw9999zzzz' '$T_DIR/tnsgw.log'"
echo "# forged entries refused and dead-lettered within $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# Settled entries are gone from the stream (XACK and XDEL in one script).
gone() { [ "$(rcli XLEN tns:outbox)" = 0 ]; }
check "every settled entry is deleted from the stream (XLEN $(rcli XLEN tns:outbox))" wait_for 50 gone
check "XRANGE no longer has the sent entry's body" \
    bash -c "[ -z \"\$(redis-cli -p $RPORT XRANGE tns:outbox $id_ok $id_ok)\" ]"
check "its state is kept: sent" [ "$(rcli HGET "tns:outbox:st:$id_ok" state)" = sent ]
check "the dead ones' state: dead" [ "$(rcli HGET "tns:outbox:st:$id_to" state)" = dead ]
check "nothing pending" [ "$(rcli XPENDING tns:outbox tnsgw | head -n 1)" = 0 ]

# --- 2. a key rotation while a message waits ----------------------------
kill -TERM "$T_DAEMON"
wait_for 100 bash -c "! kill -0 $T_DAEMON 2>/dev/null"
wait "$T_DAEMON"
kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=
C=212600007002
old_body=$(seal "$T_DIR/keys/outbox.key" $C password sim Pw7002efgh)
id_old=$(add $C password sim "$old_body")
mv "$T_DIR/keys/outbox.key" "$T_DIR/keys/outbox.old.key"
"$BO" secretkey "$T_DIR/keys/outbox.key"
sed -i "s|^\(\s*outbox_key_old_file\s*=\s*\).*|\1\"$T_DIR/keys/outbox.old.key\";|" \
    "$T_DIR/tnsgw.conf"
grep -q "outbox_key_old_file = \"$T_DIR" "$T_DIR/tnsgw.conf"
check "config: outbox_key_old_file set" [ $? -eq 0 ]
"$TOP/$B/tnsgw" -t -c "$T_DIR/tnsgw.conf" >"$T_DIR/check.log" 2>&1
check "tnsgw -t accepts the config with both keys" [ $? -eq 0 ]
cp "$T_DIR/tnsgw.conf" "$T_DIR/bad.conf"
sed -i "s|^\(\s*outbox_key_old_file\s*=\s*\).*|\1\"$T_DIR/keys/missing.key\";|" \
    "$T_DIR/bad.conf"
"$TOP/$B/tnsgw" -t -c "$T_DIR/bad.conf" >"$T_DIR/check.log" 2>&1; rc=$?
check "tnsgw -t refuses an old key file that does not load (exit $rc)" \
    bash -c "[ $rc -eq 1 ] && grep -q missing.key '$T_DIR/check.log'"

# The scenario's SMSC takes the waiting entry too (it logs every SMS).
timeout 60 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 40 \
    --sms-log "$T_DIR/sms.log" --script "$S/b_otp_ok.scn" >"$T_DIR/b.out" 2>&1 &
SPID=$!
t_wait_port "$SPORT" || { not_ok "simulator listens"; exit 1; }
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
check "after the rotation the entry sealed under the old key goes out" \
    wait_for 150 sent_to $C
grep -q "^$C	.*Pw7002efgh" "$T_DIR/sms.log"
check "... opened" [ $? -eq 0 ]
wait "$SPID"; rc=$?; SPID=
check "a case B dialog after the rotation: the daemon seals under the new key and opens it (scenario exit $rc)" \
    [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 15 "$T_DIR/b.out" | sed 's/^/#   /'
new_id=$(awk '/outbox key id/ && !/old/ { id = $NF } END { print id }' "$T_DIR/tnsgw.log")
old_id=$(awk '/old outbox key id/ { print $5; exit }' "$T_DIR/tnsgw.log")
n_new=$(grep -ac "sb2:$new_id:" "$T_DIR"/redis/appendonlydir/*.aof 2>/dev/null |
    awk -F: '{ s += $NF } END { print s + 0 }')
check "the daemon's new entries carry the new key id $new_id (old $old_id): $n_new in the AOF" \
    [ -n "$new_id" -a "$new_id" != "$old_id" -a "$n_new" -ge 2 ]
check "metric: no refusal after the rotation" \
    [ "$(metric 'tnsgw_outbox_seal_refused_total{reason="key"}')" = 0 ]
check "the rotated entries are gone from the stream too" wait_for 50 gone
check "daemon still running" kill -0 "$T_DAEMON"

echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
