#!/usr/bin/env bash
# The gateway's main job on a local default: install what is missing, build,
# start a private redis-server, load etc/sample/, make the back office's
# keys, start the bundled SMSC simulator and the daemon, and play one USSD
# dialog per outcome, printing each screen as a phone shows it, then a few
# lines of /metrics and the /status page. Stops everything it started on
# exit or Ctrl-C.
#   tools/demo.sh            the scripted dialogs
#   tools/demo.sh --phone    be the caller yourself: case B for the README's
#                            sample person (the OTP comes by SMS, shown)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
B=build
source tests/lib.sh

bash tools/setup.sh
make -s all

t_tmpdir
trap 't_cleanup' EXIT
trap 'exit 130' INT TERM

RPORT=$(t_free_port)
SPORT=$(t_free_port)
APORT=$(t_free_port)
echo "== private redis-server on 127.0.0.1:$RPORT, simulator on 127.0.0.1:$SPORT ($T_DIR)"
t_redis "$RPORT"
echo "== loading etc/sample/"
t_load_sample "$RPORT"
echo "== back office keys (provisioning key pair, outbox key) in $T_DIR/keys"
t_keys "$T_DIR/keys"
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" "$T_DIR/keys"

# The operator's view: dialogs by outcome and binds up from /metrics, then
# the /status page (curl: tools/setup.sh installs it).
show_admin() {
	echo "== /metrics (a few lines of http://127.0.0.1:$APORT/metrics):"
	curl -s --max-time 5 "http://127.0.0.1:$APORT/metrics" |
	    grep -E '^tnsgw_(dialogs_total|binds_bound|bind_up|bind_state)\b' |
	    grep -Ev '^tnsgw_dialogs_total.* 0$|^tnsgw_bind_state.* 0$' || true
	echo "== /status (http://127.0.0.1:$APORT/status):"
	curl -s --max-time 5 "http://127.0.0.1:$APORT/status" || true
}

if [ "${1:-}" = "--phone" ]; then
	t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
	cat <<EOF
== you are the caller 212600001004; the phone dials *1515# once the gateway binds.
   Case B, the README's sample person (etc/sample/): answer
     1 (Français), 1 (CIN), BE765432, expiry 30112029, born 14071975;
   the code comes by SMS to the phone on record (212600000102) and is shown
   here: type it at the "> " prompt, then the matricule shows and the initial
   password comes by SMS. At "dial again", Enter dials *1515# again, a code
   such as *1515*2# dials that, q quits.  (daemon log: $T_DIR/tnsgw.log)
EOF
	rc=0
	"$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw -w secret \
	    --phone 212600001004 --code '*1515#' || rc=$?
	show_admin
	exit "$rc"
fi

# The simulator listens first; the daemon binds to it as soon as it starts.
"$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 120 \
    --script tests/integration/scenarios/demo_a.scn \
    --script tests/integration/scenarios/demo_b.scn \
    --script tests/integration/scenarios/demo_c.scn \
    --script tests/integration/scenarios/demo_d.scn \
    --script tests/integration/scenarios/demo_sms.scn &
SMSC=$!
T_PIDS+=($SMSC)
t_wait_port "$SPORT"
t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
rc=0
wait "$SMSC" || rc=$?
if [ "$rc" -eq 0 ]; then
	echo "== all demo dialogs played (outcomes A, B, C, D by USSD; the SMS channel)"
	echo "== the back office opens the provisioning stream with its secret key:"
	"$B/tnsgw-backoffice" provisioning "$T_DIR/keys/provisioning.pub" \
	    "$T_DIR/keys/provisioning.sec" -h 127.0.0.1 -p "$RPORT"
	show_admin
else
	echo "== the simulator reported a failure (exit $rc); daemon log:"
	tail -n 30 "$T_DIR/tnsgw.log"
fi
exit "$rc"
