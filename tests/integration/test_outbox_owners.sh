#!/usr/bin/env bash
# Two instances on one Redis (outbox ownership): 60 case-B callers, one of
# two daemons killed with SIGKILL about 4 times and restarted under a new
# name each time, the other never; its pending SMS are claimed by a live
# instance only once its heartbeat is gone: none lost, duplicates only
# identical (an SMS on the wire at the kill), dead consumers removed from
# the group (tests/crash/run.sh with CRASH_INSTANCES=2).
set -u
B=${B:-build}
CRASH_INSTANCES=2 exec bash "$(dirname "$0")/../crash/run.sh" "$B" 60 4
