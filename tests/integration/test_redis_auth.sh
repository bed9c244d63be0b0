#!/usr/bin/env bash
# Redis as a trust boundary: the daemon runs under the ACL user of README
# "Redis in production" (tests/lib.sh T_REDIS_ACL, the same list) with the
# default user off, and passes a case A and a case B dialog; the ACL really
# restricts; a wrong password is logged at err once and /healthz says why;
# with the AOF off case B answers "unavailable" (and /healthz says why)
# while case A still works; the AOF back on, case B works again; with CONFIG
# refused by the ACL the daemon falls back to INFO persistence; the tools
# AUTH with --user and $TNSGW_REDIS_PASSWORD.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"
PW="acl-$RANDOM-$RANDOM"

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; exit 1; }
t_redis_acl "$RPORT" tnsgw "$PW" || { not_ok "ACL SETUSER"; exit 1; }
adm() { redis-cli -h 127.0.0.1 -p "$RPORT" --user admin --pass "$PW-admin" \
    --no-auth-warning "$@"; }
t_keys "$T_DIR/keys" || { not_ok "back office makes keys"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" "$T_DIR/keys" || exit 1
sed -i -e 's/^\(\s*username\s*=\s*\).*/\1"tnsgw";/' \
    -e "s/^\(\s*password\s*=\s*\)\"\";.*/\1\"$PW\";/" "$T_DIR/tnsgw.conf"
grep -q "\"$PW\"" "$T_DIR/tnsgw.conf" || { not_ok "password set in the config"; exit 1; }
chmod 600 "$T_DIR/tnsgw.conf"
LOG="$T_DIR/tnsgw.log"

healthz() { curl -s -m 2 -w ' %{http_code}' "http://127.0.0.1:$APORT/healthz" | tr '\n' ' '; }
play() {	# name scenario...
	local name=$1 args=() f; shift
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout 60 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    -t 30 --sms-log "$T_DIR/sms.log" "${args[@]}" >"$T_DIR/$name.out" 2>&1
}
run() {	# "title" scenario...
	local title=$1; shift
	if play "${1%.scn}" "$@"; then ok "$title"; else
		not_ok "$title"; sed 's/^/    /' "$T_DIR/${1%.scn}.out" | tail -n 25; fi
}
# wait_log PATTERN [tenths]: until the daemon's log has PATTERN.
wait_log() {
	for _ in $(seq 1 "${2:-100}"); do grep -q -- "$1" "$LOG" && return 0; sleep 0.1; done
	return 1
}

check "README's ACL user has exactly the rules of this test (T_REDIS_ACL)" \
    grep -qF -- "user tnsgw on >PASSWORD ~tns:* resetchannels $T_REDIS_ACL" "$TOP/README.md"

# --- the ACL itself refuses what the daemon does not need -------------------
out=$(redis-cli -h 127.0.0.1 -p "$RPORT" --user tnsgw --pass "$PW" --no-auth-warning KEYS '*' 2>&1)
check "ACL user: KEYS refused (got: $out)" grep -q NOPERM <<<"$out"
out=$(redis-cli -h 127.0.0.1 -p "$RPORT" --user tnsgw --pass "$PW" --no-auth-warning SET other:x 1 2>&1)
check "ACL user: a key outside ~tns:* refused (got: $out)" grep -q NOPERM <<<"$out"
out=$(redis-cli -h 127.0.0.1 -p "$RPORT" --no-auth-warning GET tns:reg:gen 2>&1)
check "default user off: no command without AUTH (got: $out)" grep -qi "NOAUTH\|NOPERM\|auth" <<<"$out"

# --- the daemon under that user: case A and case B --------------------------
t_daemon "$T_DIR/tnsgw.conf" "$LOG"
wait_log "persistence: appendfsync everysec" || not_ok "daemon reads the persistence at connect"
run "ACL user: case A dialog" o_a_shortcut.scn
run "ACL user: case B dialog (OTP, matricule, password SMS)" b_otp_ok.scn
check "ACL user: the outbox reader is up (AUTH on both connections)" \
    grep -q "outbox reader up" "$LOG"
if grep -Eq "NOPERM|refused by the ACL|NOAUTH" "$LOG"; then
	not_ok "ACL user: a command of the daemon was refused:"
	grep -E "NOPERM|refused by the ACL|NOAUTH" "$LOG" | head -n 5 | sed 's/^/    # /'
else
	ok "ACL user: no command of the daemon refused"
fi
check "the Redis password is not in the daemon log" bash -c "! grep -qF -- '$PW' '$LOG'"

# --- tools: --user and the password from the environment --------------------
# Settled entries are deleted from the stream: the listing reads the
# stream (it may be empty by now) and must not be refused.
out=$(TNSGW_REDIS_PASSWORD="$PW-admin" "$TOP/$B/tnsgw-backoffice" outbox \
    "$T_DIR/keys/outbox.key" -h 127.0.0.1 -p "$RPORT" --user admin 2>&1); brc=$?
if [ "$brc" -eq 0 ] && ! grep -q '^redis' <<<"$out"; then
	ok "tnsgw-backoffice --user admin with TNSGW_REDIS_PASSWORD lists the outbox"
else
	not_ok "tnsgw-backoffice --user admin with TNSGW_REDIS_PASSWORD lists the outbox (exit $brc: $out)"
fi
out=$(TNSGW_REDIS_PASSWORD=wrong "$TOP/$B/tnsgw-backoffice" outbox \
    "$T_DIR/keys/outbox.key" -h 127.0.0.1 -p "$RPORT" --user admin 2>&1)
check "tnsgw-backoffice with a wrong password: 'redis AUTH' error (got: $out)" \
    grep -q "redis AUTH as admin" <<<"$out"
out=$(TNSGW_REDIS_PASSWORD="$PW-admin" "$TOP/$B/tnsgw-load" -h 127.0.0.1 \
    -p "$RPORT" --user admin --get CIN AB123456 2>&1)
check "tnsgw-load --user admin --get finds a record" grep -q 990000001 <<<"$out"

# --- the AOF off: case B unavailable, /healthz says why, case A works ---------
adm CONFIG SET appendonly no >/dev/null
adm CLIENT KILL USER tnsgw >/dev/null
wait_log "redis persistence: appendonly no, required everysec" ||
    not_ok "AOF off: the reconnect reads it"
h=$(healthz)
check "AOF off: /healthz 503 'redis persistence: appendonly no, required everysec' (got: $h)" \
    bash -c '[[ $1 == *"redis persistence: appendonly no, required everysec"*503 ]]' _ "$h"
run "AOF off: case B answers 'unavailable', no code sent" redis_b_unavailable.scn
check "AOF off: no OTP SMS went to the phone on record" \
    bash -c "! grep -q 212600000118 '$T_DIR/sms.log'"
run "AOF off: case A still works" o_a_shortcut.scn
m=$(curl -s -m 2 "http://127.0.0.1:$APORT/metrics")
check "AOF off: metrics tnsgw_redis_persistence_ok 0, refused counted" \
    bash -c '[[ $1 == *"tnsgw_redis_persistence_ok 0"* && $1 == *"tnsgw_redis_persistence_refused_total 1"* ]]' _ "$m"

# --- the AOF back on: case B again -------------------------------------------
adm CONFIG SET appendonly yes >/dev/null
for _ in $(seq 1 50); do
	[ "$(adm INFO persistence | tr -d '\r' | grep -c '^aof_rewrite_in_progress:0')" = 1 ] && break
	sleep 0.1
done
n=$(grep -c "appendfsync everysec (required everysec)" "$LOG")
adm CLIENT KILL USER tnsgw >/dev/null
for _ in $(seq 1 100); do
	[ "$(grep -c "appendfsync everysec (required everysec)" "$LOG")" -gt "$n" ] && break
	sleep 0.1
done
h=$(healthz)
check "AOF back: /healthz no longer names the persistence (got: $h)" \
    bash -c '[[ $1 != *"redis persistence"* ]]' _ "$h"
run "AOF back: case B works again" redis_b_back.scn

# --- CONFIG refused by the ACL: INFO persistence, everysec assumed -----------
adm ACL SETUSER tnsgw -config >/dev/null
adm CLIENT KILL USER tnsgw >/dev/null
wait_log "aof_enabled 1 (appendfsync not readable, assumed everysec)" &&
    ok "CONFIG refused: INFO persistence read, everysec assumed" ||
    not_ok "CONFIG refused: INFO persistence read, everysec assumed"
h=$(healthz)
check "CONFIG refused: /healthz does not name the persistence (got: $h)" \
    bash -c '[[ $1 != *"redis persistence"* ]]' _ "$h"
adm ACL SETUSER tnsgw +config\|get >/dev/null

# --- a wrong password: err once, /healthz says why, retries ------------------
adm ACL SETUSER tnsgw resetpass ">other-$PW" >/dev/null
adm CLIENT KILL USER tnsgw >/dev/null
wait_log "redis AUTH refused (requests)" || not_ok "wrong password: the refusal is logged"
sleep 2		# several retries (100 ms doubling)
h=$(healthz)
check "wrong password: /healthz 503 with 'redis AUTH refused' (got: $h)" \
    bash -c '[[ $1 == *"redis AUTH refused"*503 ]]' _ "$h"
n=$(grep -c '^<3>.*redis AUTH refused (requests)' "$LOG")
r=$(grep -c 'down: redis AUTH refused' "$LOG")
check "wrong password: one err line for the outage ($n) across $r retries" \
    bash -c "[ $n -eq 1 ] && [ $r -ge 3 ]"
check "wrong password: the daemon keeps running" kill -0 "$T_DAEMON"
adm ACL SETUSER tnsgw ">$PW" >/dev/null
n=$(grep -c "redis.* up (db" "$LOG")
for _ in $(seq 1 100); do
	[ "$(grep -c "redis.* up (db" "$LOG")" -gt "$n" ] && break; sleep 0.1
done
check "password fixed: the daemon reconnects by itself" \
    bash -c "[ \$(grep -c 'redis.* up (db' '$LOG') -gt $n ]"
h=$(healthz)
check "password fixed: /healthz no longer names AUTH (got: $h)" \
    bash -c '[[ $1 != *"AUTH refused"* ]]' _ "$h"
check "the Redis password is not in the daemon log" bash -c "! grep -qF -- '$PW' '$LOG'"

echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
