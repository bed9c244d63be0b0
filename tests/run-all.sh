#!/usr/bin/env bash
# Run every unit test binary and every integration test, and end with one
# line "N passed, N failed". Exit 0 only when nothing failed.
# usage: tests/run-all.sh BUILD_DIR [unit|integration]
# "unit" runs the cmocka programs of tests/unit/ (pure) and tests/adapter/
# (one adapter against a real redis-server or socket).
set -u
B=${1:-build}
WHAT=${2:-all}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
pass=0; fail=0
log=$(mktemp)

if [ "$WHAT" != integration ]; then
	for t in "$B"/tests/unit/test_* "$B"/tests/adapter/test_*; do
		[ -x "$t" ] || continue
		case "$t" in *.d) continue;; esac
		kind=$(basename "$(dirname "$t")")
		name=$(basename "$t")
		# cmocka prints [  PASSED  ] N / [  FAILED  ] N per group.
		timeout 120 "$t" >"$log" 2>&1
		rc=$?
		p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
		f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		pass=$((pass + p)); fail=$((fail + f))
		if [ "$f" -ne 0 ]; then
			echo "not ok - $kind $name ($p passed, $f failed, exit $rc)"
			sed 's/^/    /' "$log"
		else
			echo "ok - $kind $name ($p tests)"
		fi
	done
fi

if [ "$WHAT" != unit ]; then
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		B="$B" timeout 300 bash "$t" >"$log" 2>&1
		rc=$?
		p=$(grep -c '^ok - ' "$log")
		f=$(grep -c '^not ok - ' "$log")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		pass=$((pass + p)); fail=$((fail + f))
		if [ "$f" -ne 0 ]; then
			echo "not ok - integration $name ($p passed, $f failed, exit $rc)"
			sed 's/^/    /' "$log" | tail -n 80
		else
			echo "ok - integration $name ($p checks)"
		fi
	done
fi

rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
