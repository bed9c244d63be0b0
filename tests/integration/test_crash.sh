#!/usr/bin/env bash
# The crash test of case B, small enough for every run: 60 case-B callers,
# the daemon killed with SIGKILL about 5 times while they dial and restarted
# each time; no promised SMS lost, duplicates only identical, one secret per
# person (tests/crash/run.sh; `make crash-test` plays 1,000 callers).
set -u
B=${B:-build}
exec bash "$(dirname "$0")/../crash/run.sh" "$B" 60 5
