#!/usr/bin/env bash
# Reload on SIGHUP against a real daemon, redis-server and two simulators
# (binds a and b): a SIGHUP that changes bind a's tps re-binds a and keeps
# b's TCP session (same local port) and the dialog open on it; RELOADING=1
# then READY=1 on NOTIFY_SOCKET; a broken config and a key that needs a
# restart are refused at err, the daemon serves on with both binds in
# /metrics; a catalogue text changed is seen by the next dialog; the unit's
# ExecReload check step fails on a bad config.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
SIM="$TOP/$B/tnsgw-smsc"
T0=$SECONDS

RPORT=$(t_free_port)
PA=$(t_free_port)
PB=$(t_free_port)
APORT=$(t_free_port)
t_redis "$RPORT" || exit 1
t_load_sample "$RPORT" >/dev/null || exit 1
CONF="$T_DIR/tnsgw.conf"
t_conf "$RPORT" "$PA" "$CONF" "$APORT" || exit 1
# Our own catalogue (its texts change below), prompt reconnects, and two
# binds: a on PA, b on PB.
cp -r "$TOP/etc/messages" "$T_DIR/messages"
python3 - "$CONF" "$T_DIR/messages" "$PA" "$PB" <<'EOF' || exit 1
import re, sys
conf, msgs, pa, pb = sys.argv[1:]
s = open(conf).read()
s = re.sub(r'(messages_dir\s*=\s*)"[^"]*";', r'\1"%s";' % msgs, s)
m = re.search(r'binds\s*=\s*\((.*?)\n\t\);', s, re.S)
one = m.group(1).strip().rstrip(',')
one = re.sub(r'reconnect_max_s\s*=\s*60;', 'reconnect_max_s = 1;', one)
a = re.sub(r'name\s*=\s*"sim";', 'name = "a";', one)
b = re.sub(r'name\s*=\s*"sim";', 'name = "b";', one)
b = re.sub(r'port\s*=\s*%s;' % pa, 'port = %s;' % pb, b)
assert a != one and b != a
s = s[:m.start(1)] + "\n\t\t" + a + ",\n\t\t" + b + s[m.end(1):]
open(conf, "w").write(s)
EOF
"$TOP/$B/tnsgw" -t -c "$CONF" >/dev/null || { echo "test config refused" >&2; exit 1; }
cp "$CONF" "$T_DIR/good.conf"
LOG="$T_DIR/tnsgw.log"

# The systemd side of sd_notify: one line per datagram in notify.log.
NSOCK="$T_DIR/notify.sock"
NLOG="$T_DIR/notify.log"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode("utf-8", "replace").replace("\n", " ") + "\n")
' "$NSOCK" "$NLOG" &
T_PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$NSOCK" ] && break; sleep 0.1; done

wait_for() {
	local n=$1; shift
	for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
count() { grep -c -e "$1" "$LOG"; }
alive() { kill -0 "$D" 2>/dev/null; }
# The daemon's local port of its session to port $1 (empty: none).
lport() { ss -Htn state established "( dport = :$1 )" | awk '{print $3}' | sed 's/.*://' | head -1; }
hup() {		# hup: SIGHUP, then wait for the reload's READY=1
	local n
	n=$(grep -c '^READY=1$' "$NLOG")
	kill -HUP "$D"
	wait_for 50 bash -c "[ \$(grep -c '^READY=1\$' '$NLOG') -gt $n ]"
}

# scn NAME MSISDN SECOND_SCREEN [SLEEP_MS]: a whole case-A dialog, with a
# pause before the first answer.
scn() {
	cat >"$T_DIR/$1.scn" <<-EOF
	expect_bind
	dial $2 "*1515#"
	expect "1 Fran"
	sleep ${4:-0}
	answer "1"
	expect "$3"
	answer "1"
	expect "numéro"
	answer "AB123456"
	expect "expiration"
	answer "31052030"
	expect "naissance"
	answer "01021980"
	expect "990000001"
	ends
	EOF
}
# dialog NAME MSISDN SECOND_SCREEN: played on bind b's simulator.
dialog() {
	scn "$1" "$2" "$3"
	timeout -k 2 30 "$SIM" -l "127.0.0.1:$PB" -u tnsgw -w secret -t 25 \
	    --script "$T_DIR/$1.scn" >"$T_DIR/$1.out" 2>&1
}

"$SIM" -l "127.0.0.1:$PA" -u tnsgw -w secret --serve >"$T_DIR/serve_a.out" 2>&1 &
T_PIDS+=($!)
# Bind b's simulator holds a dialog open 6 s after its first screen.
scn held 212600090611 "1 CIN" 6000
timeout -k 2 40 "$SIM" -l "127.0.0.1:$PB" -u tnsgw -w secret -t 35 \
    --script "$T_DIR/held.scn" >"$T_DIR/held.out" 2>&1 &
HELD=$!
T_PIDS+=($HELD)
t_wait_port "$PA" && t_wait_port "$PB" || exit 1
NOTIFY_SOCKET="$NSOCK" "$TOP/$B/tnsgw" -f -c "$CONF" 2>"$LOG" &
D=$!
T_PIDS+=($D)
check "both binds bound" wait_for 100 bash -c \
    "grep -q '\[bind a\] bound' '$LOG' && grep -q '\[bind b\] bound' '$LOG'"
# The held dialog is open once its first screen went out.
wait_for 50 bash -c "grep -q 'Fran' '$T_DIR/held.out'" || sleep 1
PORT_B=$(lport "$PB")
PORT_A=$(lport "$PA")
check "sessions seen (a :$PORT_A, b :$PORT_B)" [ -n "$PORT_A" ] && [ -n "$PORT_B" ]

# --- bind a's tps changes: a re-binds, b keeps its session and dialog -------
sed -i '0,/tps = 0;/s//tps = 50;/' "$CONF"
grep -q 'tps = 50;' "$CONF" || { echo "could not edit tps" >&2; exit 1; }
cp "$CONF" "$T_DIR/good.conf"
check "the dialog on bind b is open at the reload" kill -0 "$HELD"
hup
check "bind b: the same TCP session (local port $PORT_B)" [ "$(lport "$PB")" = "$PORT_B" ]
check "bind b: never unbound" bash -c "! grep -q '\[bind b\] unbound' '$LOG'"
check "reload: notice names bind a's changed key" \
    grep -q '^<5>\[bind a\] tps changed: re-binding$' "$LOG"
check "reload: done, at notice" grep -q '^<5>SIGHUP: reloaded ' "$LOG"
check "sd_notify: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
    bash -c "grep -A20 '^RELOADING=1 MONOTONIC_USEC=[0-9][0-9]*\$' '$NLOG' | grep -q '^READY=1\$'"
check "bind a: the old session unbound" wait_for 50 \
    grep -q '^<6>\[bind a\] previous session unbound: unbind done$' "$LOG"
check "bind a bound again (a new session)" wait_for 50 bash -c \
    "[ \$(grep -c '\[bind a\] bound\$' '$LOG') -eq 2 ]"
check "bind a's new session is another TCP connection" \
    bash -c "p=\$(ss -Htn state established '( dport = :$PA )' | awk '{print \$3}' | sed 's/.*://' | head -1); [ -n \"\$p\" ] && [ \"\$p\" != '$PORT_A' ]"
check "bind b: one TCP session, still the same, after a's re-bind" \
    bash -c "[ \"\$(ss -Htn state established '( dport = :$PB )' | awk '{print \$3}' | sed 's/.*://')\" = '$PORT_B' ]"
check "bind b: still never unbound" bash -c "! grep -q '\[bind b\] unbound' '$LOG'"
check "bind b: not re-bound" bash -c "! grep -q '\[bind b\].*re-binding' '$LOG'"
wait "$HELD"
RC=$?
check "the dialog open on bind b across the reload finished (exit $RC)" [ "$RC" -eq 0 ]

# --- a broken config: refused at err, the daemon keeps serving ----------
printf 'smpp = { binds = ( { name = "x" ' >>"$CONF"
hup
check "broken config: refused at err with FILE:LINE" \
    grep -q "^<3>reload refused: $CONF:[0-9]*: .*; the old config stays\$" "$LOG"
check "broken config: the daemon is alive" alive
check "after the broken config: a dialog is served ($((SECONDS - T0)) s)" \
    dialog d1 212600090612 "1 CIN"
curl -s --max-time 5 "http://127.0.0.1:$APORT/metrics" >"$T_DIR/metrics.txt"
check "/metrics still has both binds" bash -c \
    "grep -q '^tnsgw_bind_up{bind=\"a\"' '$T_DIR/metrics.txt' && grep -q '^tnsgw_bind_up{bind=\"b\"' '$T_DIR/metrics.txt'"
check "/metrics: 2 binds" grep -q '^tnsgw_binds 2$' "$T_DIR/metrics.txt"
check "/metrics: one reload applied (the broken one not counted), one re-bind" \
    bash -c "grep -q '^tnsgw_reloads_total 1\$' '$T_DIR/metrics.txt' && grep -q '^tnsgw_rebinds_total 1\$' '$T_DIR/metrics.txt'"

# --- a key that needs a restart: refused, named --------------------------
cp "$T_DIR/good.conf" "$CONF"
sed -i 's/^\(\s*prefix\s*=\s*\)"[^"]*";/\1"other:";/' "$CONF"
grep -q 'prefix = "other:";' "$CONF" || { echo "could not edit prefix" >&2; exit 1; }
hup
check "redis.prefix changed: refused at err, the key named" \
    grep -q "^<3>reload refused: $CONF: redis.prefix cannot change without a restart; the old config stays\$" "$LOG"

# --- a catalogue text changed: the next dialog shows it -----------------
cp "$T_DIR/good.conf" "$CONF"
sed -i 's/^ask_idtype = "Type de pièce/ask_idtype = "Quel type de pièce/' \
    "$T_DIR/messages/fr.conf"
grep -q '^ask_idtype = "Quel type' "$T_DIR/messages/fr.conf" || exit 1
N_RELOADED=$(count '^<5>SIGHUP: reloaded ')
hup
check "catalogue change: reloaded" [ "$(count '^<5>SIGHUP: reloaded ')" -gt "$N_RELOADED" ]
check "catalogue change: no bind re-bound" [ "$(count 're-binding')" -eq 1 ]
check "catalogue change: a new dialog shows the new text" \
    dialog d2 212600090613 "Quel type de pi"
# A catalogue that fails the check (a screen too long) is refused too.
cp "$T_DIR/messages/fr.conf" "$T_DIR/fr.good"
sed -i 's/^ask_idtype = "Quel type/ask_idtype = "'"$(printf 'x%.0s' $(seq 1 200))"'/' \
    "$T_DIR/messages/fr.conf"
hup
check "a catalogue that fails the check: refused at err" \
    grep -q "^<3>reload refused: .*catalogue: .*; the old config stays\$" "$LOG"
check "the old catalogue still serves" dialog d3 212600090614 "Quel type de pi"
check "no line with a document number or date" \
    bash -c "! grep -q -e 'AB123456' -e '31052030' -e '01021980' '$LOG'"

# --- a bind added is started; one renamed is refused ---------------------
cp "$T_DIR/fr.good" "$T_DIR/messages/fr.conf"
PC=$(t_free_port)
"$SIM" -l "127.0.0.1:$PC" -u tnsgw -w secret --serve >"$T_DIR/serve_c.out" 2>&1 &
T_PIDS+=($!)
t_wait_port "$PC" || exit 1
python3 - "$CONF" "$PC" <<'EOF' || exit 1
import re, sys
conf, pc = sys.argv[1:]
s = open(conf).read()
m = re.search(r'\{[^{}]*name = "b";[^{}]*\}', s)
c = re.sub(r'name = "b";', 'name = "c";', m.group(0))
c = re.sub(r'port = \d+;', 'port = %s;' % pc, c)
s = s[:m.end()] + ",\n\t\t" + c + s[m.end():]
open(conf, "w").write(s)
EOF
PORT_B=$(lport "$PB")
hup
check "bind c added: notice" grep -q '^<5>\[bind c\] added$' "$LOG"
check "bind c added: bound" wait_for 50 grep -q '\[bind c\] bound$' "$LOG"
curl -s --max-time 5 "http://127.0.0.1:$APORT/metrics" >"$T_DIR/metrics2.txt"
check "/metrics: 3 binds, c among them" bash -c \
    "grep -q '^tnsgw_binds 3\$' '$T_DIR/metrics2.txt' && grep -q '^tnsgw_bind_up{bind=\"c\"' '$T_DIR/metrics2.txt'"
check "bind c added: b's session kept" [ "$(lport "$PB")" = "$PORT_B" ]
check "bind c added: still one re-bind in all" [ "$(count 're-binding')" -eq 1 ]
sed -i 's/name = "c";/name = "d";/' "$CONF"
hup
check "bind c renamed: refused at err" \
    grep -q "^<3>reload refused: $CONF: smpp.binds (a bind removed or renamed) cannot change without a restart; the old config stays\$" "$LOG"
sed -i 's/name = "d";/name = "c";/' "$CONF"

# --- daemon.log_level changed: the level follows --------------------------
sed -i 's/^\(\s*log_level\s*=\s*\)"info";/\1"debug";/' "$CONF"
grep -q 'log_level = "debug";' "$CONF" || { echo "could not edit log_level" >&2; exit 1; }
hup
check "log_level changed: the new level at notice" \
    grep -q '^<5>log level info -> debug (reload)$' "$LOG"

# --- the unit's ExecReload lines, by hand: the check step fails first ---
cp "$T_DIR/fr.good" "$T_DIR/messages/fr.conf"
RELOAD1=$(grep -m1 '^ExecReload=' "$TOP/systemd/tnsgw.service.in" | sed -e 's/^ExecReload=//' \
    -e "s|@SBINDIR@|$TOP/$B|" -e "s|@CONFDIR@|$T_DIR|")
check "unit: the first ExecReload is the check ($RELOAD1)" grep -q -- ' -t -c ' <<<"$RELOAD1"
check "unit: ExecReload check passes on the good config" bash -c "$RELOAD1 >/dev/null"
printf 'smpp = { binds = ( { name = "x" ' >>"$CONF"
check "unit: ExecReload check fails on a bad config (systemctl reload fails)" \
    bash -c "! $RELOAD1 2>/dev/null"
check "unit: the signal step follows the check" \
    grep -A1 '^ExecReload=@SBINDIR@/tnsgw -t' "$TOP/systemd/tnsgw.service.in" \
    | grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$'
check "the daemon is alive at the end" alive
kill "$D"
wait "$D"
check "clean exit" [ $? -eq 0 ]

echo "$T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
