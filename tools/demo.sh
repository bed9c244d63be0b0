#!/usr/bin/env bash
# The gateway's main job on a local default: install what is missing, build,
# start a private redis-server, load etc/sample/, make the back office's
# keys, start the bundled SMSC simulator and the daemon, and play one USSD
# dialog per outcome, printing
# each screen as a phone shows it. Stops everything it started on exit or
# Ctrl-C.
#   tools/demo.sh            the scripted dialogs
#   tools/demo.sh --phone    be the caller yourself (type your answers)
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
echo "== private redis-server on 127.0.0.1:$RPORT, simulator on 127.0.0.1:$SPORT ($T_DIR)"
t_redis "$RPORT"
echo "== loading etc/sample/"
t_load_sample "$RPORT"
echo "== back office keys (provisioning key pair, outbox key) in $T_DIR/keys"
t_keys "$T_DIR/keys"
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "" "$T_DIR/keys"

if [ "${1:-}" = "--phone" ]; then
	t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
	echo "== you are the caller 212600000000; dial *1515#  (daemon log: $T_DIR/tnsgw.log)"
	"$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw -w secret --phone 212600000000 --code '*1515#'
	exit 0
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
else
	echo "== the simulator reported a failure (exit $rc); daemon log:"
	tail -n 30 "$T_DIR/tnsgw.log"
fi
exit "$rc"
