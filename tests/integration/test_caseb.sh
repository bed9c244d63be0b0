#!/usr/bin/env bash
# Case B end to end: OTP by SMS, typed back, the matricule on screen and the
# initial password by SMS; the provisioning entry opens with the back
# office's key to exactly that password; nothing secret in clear in the
# daemon's log or in Redis's AOF.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"
BO="$TOP/$B/tnsgw-backoffice"

RPORT=$(t_free_port); SPORT=$(t_free_port)
# This test keeps an AOF: it is grepped for secrets at the end.
mkdir -p "$T_DIR/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$T_DIR/redis" --save '' \
    --appendonly yes --appendfsync always --daemonize no \
    --logfile "$T_DIR/redis/redis.log" &
T_PIDS+=($!)
t_wait_port "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; exit 1; }
t_keys "$T_DIR/keys" || { not_ok "back office makes keys"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "" "$T_DIR/keys" || exit 1
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"

play() {	# name scenario...: the simulator's screens and SMS go to $T_DIR/name.out
	local name=$1 args=() f; shift
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout 60 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    -t 40 --sms-log "$T_DIR/sms.log" "${args[@]}" >"$T_DIR/$name.out" 2>&1
}
run() {	# scenario
	if play "${1%.scn}" "$1"; then ok "scenario $1"; else
		not_ok "scenario $1"; sed 's/^/    /' "$T_DIR/${1%.scn}.out" | tail -n 25; fi
}

run b_otp_ok.scn
run b_otp_wrong_then_ok.scn
run b_already_sent.scn
run b_otp_void.scn
run b_redelivered.scn

# The passwords the phones received (the simulator prints every SMS).
grep -o 'mot de passe initial Ma CNSS est [A-Za-z0-9]*' "$T_DIR/sms.log" |
    awk '{print $NF}' | sort >"$T_DIR/pw.sms"
n=$(wc -l <"$T_DIR/pw.sms")
check "three password SMS received, one per person ($n)" [ "$n" -eq 3 ]

# The back office opens the provisioning stream with its secret key.
"$BO" provisioning "$T_DIR/keys/provisioning.pub" "$T_DIR/keys/provisioning.sec" \
    -h 127.0.0.1 -p "$RPORT" >"$T_DIR/prov.out" 2>&1
awk '{print $NF}' "$T_DIR/prov.out" | sort >"$T_DIR/pw.prov"
check "provisioning entries open to exactly the passwords sent" \
    cmp -s "$T_DIR/pw.sms" "$T_DIR/pw.prov"
check "one provisioning entry per person" \
    bash -c "[ \$(awk '{print \$2}' '$T_DIR/prov.out' | sort | uniq -d | wc -l) -eq 0 ]"
check "provisioning entry names matricule 990000002" grep -q ' 990000002 ' "$T_DIR/prov.out"

# Secrets never in clear: OTPs and passwords in the daemon log or the AOF.
grep -o 'code de v[^ ]* est [0-9]*' "$T_DIR/sms.log" | awk '{print $NF}' >"$T_DIR/otp.sms"
n=$(wc -l <"$T_DIR/otp.sms")
check "OTP SMS received ($n)" [ "$n" -ge 4 ]
redis-cli -p "$RPORT" BGREWRITEAOF >/dev/null 2>&1; sleep 1
leak=0
while read -r s; do
	[ -n "$s" ] || continue
	if grep -rqa -- "$s" "$T_DIR/tnsgw.log" "$T_DIR/redis"; then leak=1; echo "# leaked: a secret of ${#s} chars"; fi
done < <(cat "$T_DIR/pw.sms" "$T_DIR/otp.sms")
check "no OTP or password in clear in the daemon log or Redis's AOF" [ "$leak" -eq 0 ]
check "daemon still running" kill -0 "$T_DAEMON"

# A graceful stop settles what it sent: nothing left pending in the group.
kill -TERM "$T_DAEMON"
for _ in $(seq 1 100); do kill -0 "$T_DAEMON" 2>/dev/null || break; sleep 0.1; done
wait "$T_DAEMON"; rc=$?
check "SIGTERM: daemon exits 0 (got $rc)" [ "$rc" -eq 0 ]
pending=$(redis-cli -p "$RPORT" XPENDING tns:outbox tnsgw | head -n 1)
check "after SIGTERM no outbox entry is left pending (got $pending)" [ "$pending" = 0 ]
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
