#!/usr/bin/env bash
# tests/bench/seal_copy.sh TREE: the experiment of issue 9 (piece b), a
# figure, not a test: an outbox password entry is sent, then its body is
# copied into a new entry with another 'to'. Is the secret sent there, and
# how fast? TREE is any built checkout (e.g. main, to compare): it prints
# what happened; it asserts nothing. Loopback, a temp dir, bounded (~15 s).
set -u
TOP=$1; B=build; source "$TOP/tests/lib.sh"
t_tmpdir; trap t_cleanup EXIT
BO="$TOP/$B/tnsgw-backoffice"
RP=$(t_free_port); SP=$(t_free_port); AP=$(t_free_port)
t_redis "$RP" || exit 1
t_keys "$T_DIR/keys" >/dev/null
t_conf "$RP" "$SP" "$T_DIR/tnsgw.conf" "$AP" "$T_DIR/keys"
"$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SP" -u tnsgw -w secret -q --serve \
    --sms-log "$T_DIR/sms.log" >/dev/null 2>&1 & T_PIDS+=($!)
t_wait_port "$SP"; t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
for _ in $(seq 100); do curl -s "127.0.0.1:$AP/metrics" | grep -q '^tnsgw_binds_bound 1' && break; sleep 0.1; done
A=212600007001 X=212600009999 text="Votre mot de passe initial Ma CNSS est Pw7001abcd."
if "$BO" 2>&1 | grep -q 'box KEYFILE BIND'; then
	body=$(printf '%s\n' "$text" | "$BO" box "$T_DIR/keys/outbox.key" sim $A 1 1 password sim)
else
	body=$("$BO" box "$T_DIR/keys/outbox.key" "$text")
fi
add() { redis-cli -p "$RP" XADD tns:outbox '*' bind sim to "$1" from '' kind password \
    lang fr body "$body" expires_ms 0 to_ton 1 to_npi 1 op sim >/dev/null; }
add $A
for _ in $(seq 100); do grep -q "^$A	" "$T_DIR/sms.log" 2>/dev/null && break; sleep 0.1; done
echo "original: body ${body:0:12}..., sent to $A: $(grep -c "^$A	" "$T_DIR/sms.log")"
sleep 1
# The attack: the settled entry's body, copied into a new entry for X.
t0=$(date +%s.%N); add $X; res="not sent to $X within 10 s"
for _ in $(seq 100); do
	if grep -q "^$X	.*Pw7001abcd" "$T_DIR/sms.log" 2>/dev/null; then
		res="SENT to $X (the password in clear) after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}') s"; break; fi
	sleep 0.1
done
echo "copy with a new to: $res"
echo "dead letters: $(redis-cli -p "$RP" XRANGE tns:outbox:dead - + | awk 'p=="reason"{print}{p=$0}' | tr '\n' ' ')"
curl -s "127.0.0.1:$AP/metrics" | grep -E '^tnsgw_outbox_seal_refused_total|^tnsgw_sms_total\{state="dead"\}'
echo "outbox stream entries left: $(redis-cli -p "$RP" XLEN tns:outbox)"
