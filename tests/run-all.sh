#!/usr/bin/env bash
# Run every unit test binary and every integration test, and end with one
# line "N passed, N failed". Exit 0 only when nothing failed.
# usage: tests/run-all.sh BUILD_DIR [unit|integration]
# "unit" runs the cmocka programs of tests/unit/ (pure) and tests/adapter/
# (one adapter against a real redis-server or socket).
#
# TEST_JOBS (default: the number of CPUs, at most 4) tests run at once:
# most of an integration test's time is spent waiting on sockets and
# timers, and each test starts its own redis-server and daemons on ports
# of its own (tests/lib.sh t_free_port). Results are printed in the order
# of the list, each with its wall time; TEST_JOBS=1 runs them one by one.
set -u
B=${1:-build}
WHAT=${2:-all}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1
[ -z "${TEST_JOBS:-}" ] && [ "$JOBS" -gt 4 ] && JOBS=4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The list: kind name command. The slowest integration tests first, so the
# last ones to finish are short.
list=()
if [ "$WHAT" != integration ]; then
	for t in "$B"/tests/unit/test_* "$B"/tests/adapter/test_*; do
		[ -x "$t" ] || continue
		case "$t" in *.d) continue;; esac
		list+=("$(basename "$(dirname "$t")") $(basename "$t") $t")
	done
fi
if [ "$WHAT" != unit ]; then
	slow="test_scaleout test_race test_signals test_load test_status test_robust"
	for s in $slow; do
		[ -f "tests/integration/$s.sh" ] &&
		    list+=("integration $s tests/integration/$s.sh")
	done
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		case " $slow " in *" $name "*) continue;; esac
		list+=("integration $name $t")
	done
fi

run_one() {	# index kind name path
	local i=$1 kind=$2 name=$3 path=$4 t0 rc
	t0=$(date +%s)
	if [ "$kind" = integration ]; then
		B="$B" timeout 300 bash "$path" >"$out/$i.log" 2>&1
	else
		timeout 120 "$path" >"$out/$i.log" 2>&1
	fi
	rc=$?
	echo "$rc $(( $(date +%s) - t0 ))" >"$out/$i.rc.tmp"
	mv "$out/$i.rc.tmp" "$out/$i.rc"
}

pass=0; fail=0; next=0
report() {	# print the finished results at the head of the list, in order
	local kind name path rc secs p f log
	while [ "$next" -lt "${#list[@]}" ] && [ -f "$out/$next.rc" ]; do
		read -r kind name path <<<"${list[$next]}"
		read -r rc secs <"$out/$next.rc"
		log="$out/$next.log"
		if [ "$kind" = integration ]; then
			p=$(grep -c '^ok - ' "$log")
			f=$(grep -c '^not ok - ' "$log")
		else	# cmocka prints [  PASSED  ] N / [  FAILED  ] N per group
			p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
			f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
		fi
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		pass=$((pass + p)); fail=$((fail + f))
		if [ "$f" -ne 0 ]; then
			echo "not ok - $kind $name ($p passed, $f failed, exit $rc, ${secs} s)"
			if [ "$kind" = integration ]; then
				sed 's/^/    /' "$log" | tail -n 80
			else
				sed 's/^/    /' "$log"
			fi
		elif [ "$kind" = integration ]; then
			echo "ok - integration $name ($p checks, ${secs} s)"
		else
			echo "ok - $kind $name ($p tests, ${secs} s)"
		fi
		next=$((next + 1))
	done
}

running=0
for i in "${!list[@]}"; do
	while [ "$running" -ge "$JOBS" ]; do
		wait -n
		running=$((running - 1))
		report
	done
	# shellcheck disable=SC2086
	run_one "$i" ${list[$i]} &
	running=$((running + 1))
done
wait
report
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
