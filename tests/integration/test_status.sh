#!/usr/bin/env bash
# /status and the admin actions on one bind: the real daemon, a real
# redis-server and the simulator. The page shows the bind's state, since
# when it is bound and its last error; POST /binds/NAME/stop unbinds at
# once and the bind stays down, start binds it again and a dialog plays,
# drain unbinds once idle and a dial then finds no bind; GET on an action
# is 405, an unknown bind or action 404; -t refuses a non-loopback
# admin_listen. Every step is bounded (timeouts, polls of at most 10 s).
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"

command -v curl >/dev/null || { not_ok "curl installed (tools/setup.sh)"; exit 1; }

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; cat "$T_DIR/load.log"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" || exit 1

# No listener for anyone off the host: the actions have no authentication.
for bad in 0.0.0.0 192.0.2.1 ::; do
	sed "s/\"127.0.0.1:$APORT\"/\"$bad:$APORT\"/" "$T_DIR/tnsgw.conf" >"$T_DIR/bad.conf"
	chmod 600 "$T_DIR/bad.conf"
	out=$("$TOP/$B/tnsgw" -t -c "$T_DIR/bad.conf" 2>&1); rc=$?
	check "tnsgw -t refuses admin_listen $bad:$APORT (exit $rc)" \
	    bash -c '[ "$1" -eq 1 ] && grep -q "admin_listen.*loopback" <<<"$2"' _ "$rc" "$out"
done
check "tnsgw -t accepts admin_listen 127.0.0.1:$APORT" "$TOP/$B/tnsgw" -t -c "$T_DIR/tnsgw.conf"

A="http://127.0.0.1:$APORT"
get() { curl -s --max-time 5 "$A$1"; }
code() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
post() { curl -s --max-time 5 -X POST "$A$1"; }
# wait_for what regex [tenths]: /status matches within the time
wait_for() {
	local i
	for i in $(seq 1 "${3:-100}"); do
		get /status >"$T_DIR/status.txt" 2>/dev/null
		grep -Eq "$2" "$T_DIR/status.txt" && { ok "$1"; return 0; }
		sleep 0.1
	done
	not_ok "$1"; sed 's/^/    /' "$T_DIR/status.txt"; return 1
}
play() {	# timeout_s scenario...: the simulator plays them, its exit code
	local t=$1 args=() f; shift
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout $((t + 10)) "$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw \
	    -w secret -t "$t" "${args[@]}" >>"$T_DIR/smsc.out" 2>&1
}

# 1. No SMSC yet: the bind is connecting and says why.
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
t_wait_port "$APORT" 100 || { not_ok "admin port opens"; exit 1; }
wait_for "/status: bind sim connecting, its last error shown" \
    'state: connecting' 50
check "/status: the last error has a reason and a UTC time" \
    grep -Eq 'last error: .+ \([0-9-]+ [0-9:]+ UTC\)' "$T_DIR/status.txt"
check "/status: version and uptime" \
    bash -c 'grep -q "^tnsgw " "$1" && grep -q "^up [0-9]" "$1"' _ "$T_DIR/status.txt"

# 2. The SMSC comes: bound, with its since-time.
"$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw -w secret --serve \
    >"$T_DIR/serve.out" 2>&1 &
SERVE=$!; T_PIDS+=($SERVE)
wait_for "/status: bind sim bound" 'state: bound' 100
check "/status: bound since a UTC time, with its duration" \
    grep -Eq 'bound since: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \([0-9:]+\)' "$T_DIR/status.txt"
check "/status: window and queue" grep -Eq 'window: [0-9]+ of 10 in use; queue: [0-9]+' "$T_DIR/status.txt"
check "/status: redis up, outbox and dead letters" \
    bash -c 'grep -q "^redis: up" "$1" && grep -q "dead letters:" "$1"' _ "$T_DIR/status.txt"
j=$(get '/status?format=json')
check "/status?format=json: the bind bound, a JSON document" \
    bash -c 'python3 -c "import json,sys; d=json.loads(sys.argv[1]); b=d[\"binds\"][0]; assert b[\"name\"]==\"sim\" and b[\"state\"]==\"bound\" and b[\"bound_since\"]>0 and d[\"redis\"][\"up\"], d" "$1"' _ "$j"

# 3. Methods and names.
check "GET /binds/sim/stop: 405" [ "$(code "$A/binds/sim/stop")" = 405 ]
check "GET /binds/sim/drain: 405" [ "$(code "$A/binds/sim/drain")" = 405 ]
check "POST /binds/nope/stop (unknown bind): 404" [ "$(code -X POST "$A/binds/nope/stop")" = 404 ]
check "POST /binds/sim/reboot (unknown action): 404" [ "$(code -X POST "$A/binds/sim/reboot")" = 404 ]
check "POST /metrics: 405" [ "$(code -X POST "$A/metrics")" = 405 ]
check "the bind is still bound after those" grep -q 'state: bound' <(get /status)

# 4. stop: unbound at once, and it stays down with the SMSC listening.
check "POST /binds/sim/stop: 200" [ "$(code -X POST "$A/binds/sim/stop")" = 200 ]
wait_for "/status: bind sim stopped" 'state: stopped' 50
check "POST /binds/sim/stop again: 409" [ "$(code -X POST "$A/binds/sim/stop")" = 409 ]
m=$(get /metrics)
check "/metrics: tnsgw_bind_up{bind=\"sim\"} 0" grep -qx 'tnsgw_bind_up{bind="sim"} 0' <<<"$m"
check "/metrics: tnsgw_bind_state stopped 1, bound 0" \
    bash -c 'grep -qx "tnsgw_bind_state{bind=\"sim\",state=\"stopped\"} 1" <<<"$1" &&
	grep -qx "tnsgw_bind_state{bind=\"sim\",state=\"bound\"} 0" <<<"$1"' _ "$m"
sleep 2.5	# past reconnect_min_s: a stopped bind does not reconnect
check "still stopped 2.5 s later (no reconnect)" grep -q 'state: stopped' <(get /status)
check "the stop is logged at notice" grep -q '^<5>.*\[bind sim\] stopping (admin)' "$T_DIR/tnsgw.log"
kill "$SERVE"; wait "$SERVE" 2>/dev/null

# 5. A dial while stopped finds no bind: the simulator gives up.
play 3 demo_a.scn; rc=$?
check "a dial while the bind is stopped is not served (simulator exit $rc)" [ "$rc" -ne 0 ]

# 6. start: bound again and a dialog plays through.
play 30 demo_a.scn &
P=$!
sleep 0.5
check "POST /binds/sim/start: 200" [ "$(code -X POST "$A/binds/sim/start")" = 200 ]
wait "$P"; rc=$?
check "after start, a dialog plays (demo_a, simulator exit $rc)" [ "$rc" -eq 0 ]
check "the start is logged at notice" grep -q '^<5>.*\[bind sim\] starting (admin)' "$T_DIR/tnsgw.log"

# 7. drain: no new dialog, unbinds once idle and stays stopped.
"$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw -w secret --serve \
    >"$T_DIR/serve.out" 2>&1 &
SERVE=$!; T_PIDS+=($SERVE)
wait_for "bound again for the drain" 'state: bound' 100
r=$(post /binds/sim/drain)
check "POST /binds/sim/drain: ok" grep -q 'drain sim: ok' <<<"$r"
wait_for "/status: bind sim stopped after the drain" 'state: stopped' 100
check "the drain is logged at notice: draining, then drained" \
    bash -c 'grep -q "^<5>.*\[bind sim\] draining (admin)" "$1" &&
	grep -q "^<5>.*\[bind sim\] drained: unbinding" "$1"' _ "$T_DIR/tnsgw.log"
kill "$SERVE"; wait "$SERVE" 2>/dev/null
play 3 demo_a.scn; rc=$?
check "a dial after the drain is not served (simulator exit $rc)" [ "$rc" -ne 0 ]
check "POST /binds/sim/start after the drain: 200" [ "$(code -X POST "$A/binds/sim/start")" = 200 ]
play 30 demo_a.scn; rc=$?
check "then a dialog plays again (simulator exit $rc)" [ "$rc" -eq 0 ]
check "/status: the simulator's leaving is the last error" \
    grep -Eq 'last error: .+ UTC' <(get /status)

# 8. A drain with work in flight: callers dial at 5 a second and the SMSC
# answers each result SMS 0..4 s late (--resp-delay), so the bind's window
# is busy; it shows draining, new dials are refused (reason "stopping"),
# and once the window is empty the bind stops.
for i in $(seq 1 40); do
	printf 'a 2126000030%02d "*1515*1*AB123456*31052030*01021980#"\n' "$i"
done >"$T_DIR/callers"
timeout 40 "$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
    -t 20 --load "$T_DIR/callers" --open-loop --rate 5 --duration 8 \
    --resp-delay 4000 \
    >"$T_DIR/load.out" 2>&1 &
L=$!; T_PIDS+=($L)
wait_for "bound for the loaded drain" 'state: bound' 100
sleep 2.5
r0=$(get /metrics | awk '$1 == "tnsgw_bind_mo_refused_total{bind=\"sim\",reason=\"stopping\"}" { print $2 }')
check "POST /binds/sim/drain with SMS in the window: ok" grep -q 'drain sim: ok' <<<"$(post /binds/sim/drain)"
wait_for "/status: bind sim draining while its window is busy" 'state: draining' 5
sleep 1.5
r1=$(get /metrics | awk '$1 == "tnsgw_bind_mo_refused_total{bind=\"sim\",reason=\"stopping\"}" { print $2 }')
check "new dials while draining are refused, reason stopping (${r0:-?} -> ${r1:-?})" \
    [ "${r1:-0}" -gt "${r0:-0}" ]
check "/metrics: tnsgw_bind_state draining 1" \
    grep -qx 'tnsgw_bind_state{bind="sim",state="draining"} 1' <(get /metrics)
wait_for "/status: stopped once its window is empty" 'state: stopped' 100
check "no screen lost, none owed" \
    grep -Eq 'screens owed: 0; screens lost: 0' "$T_DIR/status.txt"
wait "$L" 2>/dev/null

check "daemon still running" kill -0 "$T_DAEMON"
check "daemon log has no document number or birth date" \
    bash -c "! grep -Eq 'AB123456|01021980|31052030' '$T_DIR/tnsgw.log'"
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
