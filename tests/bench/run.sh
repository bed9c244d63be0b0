#!/usr/bin/env bash
# make bench: every figure of issue 11 beside its goal, from one run on
# private redis-servers (loopback), then a summary table. Figures only:
# speed is never asserted. A step that could not run (no figure) is an
# error: the exit status is 1 then (make bench-smoke relies on it).
#
# Steps, in order:
#   load     tnsgw-load of generated registries: rows/s and Redis bytes per
#            record (used_memory delta / rows) at each size of BENCH_ROWS.
#   closed   closed loop (BENCH_CONC callers in flight, no think time):
#            case A by the shortcut (BENCH_TX callers), a full menu dialog
#            (BENCH_MENU callers: *1515#, then language, type, number,
#            expiry and birth date typed as answers: six screens), case B
#            (BENCH_B callers: OTP screen, the OTP SMS typed back, password
#            SMS). Transactions/s and latency; around the case-A run, the
#            daemon's and Redis's CPU (utime+stime, /proc/PID/stat) per
#            transaction. The case-A callers again with delivery receipts
#            (--dlr tlv): transactions/s, CPU and Redis commands per
#            transaction.
#   fixed    open loop at each rate of BENCH_RATES for BENCH_OPEN_S seconds
#            (case A, at most BENCH_WINDOW MOs unanswered): MO -> screen
#            p50/p90/p99.
#   overload open loop at BENCH_OVERLOAD_RATE, BENCH_OVERLOAD callers:
#            answered / refused (ESME_RTHROTTLED) / dropped (acked
#            unanswered, or no response).
#   cg       the daemon under valgrind --tool=callgrind, counting inside
#            event_base_loop only (--toggle-collect: start-up and shutdown
#            excluded; Redis timeout_ms 5000: a daemon 50 times slower under
#            valgrind must not time its requests out), one run (a fresh
#            Redis and daemon) per kind of dialog: BENCH_CG_TX case-A
#            shortcut transactions, BENCH_CG_M menu dialogs (six screens),
#            BENCH_CG_B case-B transactions (OTP, then the password sealed
#            for the outbox and sent); instructions per transaction, the
#            top 10 functions (self), and for case B the share of
#            crypto_box_seal (inclusive), which dominates it.
#   hold     BENCH_HOLD callers dial *1515# and leave the session open
#            (never answered): the daemon's RSS (VmRSS) then, and Redis
#            bytes per open dialog.
#
# Environment (defaults in brackets; BENCH_SMOKE=1 gives tiny ones):
#   BENCH_ROWS "1000000 5000000"   BENCH_TX 100000   BENCH_MENU 20000
#   BENCH_B 10000   BENCH_CONC 200   BENCH_RATES "10000 30000"
#   BENCH_OPEN_S 5   BENCH_WINDOW 1000   BENCH_OVERLOAD 200000
#   BENCH_OVERLOAD_RATE 100000   BENCH_CG_TX 10000   BENCH_CG_M 1000
#   BENCH_CG_B 1000   BENCH_HOLD 100000
#   BENCH_BIND_WINDOW 100   BENCH_STEPS "load closed fixed overload cg hold"
#   (a subset of the steps runs alone)
#
# The bench config is the shipped one with: log_level notice (a line per
# dialog is not what is measured), max_requests_per_msisdn_hour 100000
# (the case-A persons dial again in the fixed-rate and overload runs), and
# the bind's window BENCH_BIND_WINDOW (with the shipped 10, the screens and
# receipts wait on submit_sm_resp round trips stuck behind the flood of MOs
# in the same TCP stream: the window, not the daemon, is measured). No
# session limit is raised: the daemon's (GW_MAX_IN_FLIGHT) bounds MOs being
# processed, not open dialogs, whose state lives in Redis. The
# dialog steps' redis-server has the AOF on (everysec, as the daemon
# requires) without automatic rewrites (a rewrite in the middle of a run
# measures the fork, not the daemon).
#
# usage: tests/bench/run.sh [BUILD_DIR]
set -u
[ $# -gt 0 ] && B=$1
source "$(dirname "$0")/../lib.sh"
t_tmpdir
# t_cleanup removes T_DIR unless T_KEEP: it is kept between the steps and
# removed at the end (unless T_KEEP was given).
SAVED_DIR=$T_DIR
T_KEEP_SAVED=${T_KEEP:-}
export T_KEEP=1
bench_exit() {
	t_cleanup
	[ -z "$T_KEEP_SAVED" ] && rm -rf "$SAVED_DIR"
	[ -n "$T_KEEP_SAVED" ] && echo "== kept: $SAVED_DIR"
	return 0
}
trap bench_exit EXIT

if [ -n "${BENCH_SMOKE:-}" ]; then
	: "${BENCH_ROWS:=10000}" "${BENCH_TX:=200}" "${BENCH_MENU:=100}"
	: "${BENCH_B:=50}" "${BENCH_RATES:=500}" "${BENCH_OPEN_S:=1}"
	: "${BENCH_OVERLOAD:=1000}" "${BENCH_OVERLOAD_RATE:=5000}"
	: "${BENCH_CG_TX:=200}" "${BENCH_CG_M:=20}" "${BENCH_CG_B:=20}"
	: "${BENCH_HOLD:=1000}"
fi
ROWS=${BENCH_ROWS:-1000000 5000000}
NA=${BENCH_TX:-100000}
NM=${BENCH_MENU:-20000}
NB=${BENCH_B:-10000}
CONC=${BENCH_CONC:-200}
RATES=${BENCH_RATES:-10000 30000}
OPEN_S=${BENCH_OPEN_S:-5}
WIN=${BENCH_WINDOW:-1000}
NO=${BENCH_OVERLOAD:-200000}
ORATE=${BENCH_OVERLOAD_RATE:-100000}
NCG=${BENCH_CG_TX:-10000}
NCGM=${BENCH_CG_M:-1000}
NCGB=${BENCH_CG_B:-1000}
NH=${BENCH_HOLD:-100000}
BWIN=${BENCH_BIND_WINDOW:-100}
STEPS=" ${BENCH_STEPS:-load closed fixed overload cg hold} "
SIM="$TOP/$B/tnsgw-smsc"
HZ=$(getconf CLK_TCK)

SUMMARY=()	# "figure|value|goal"
FAILED=()
say() {	# figure value goal: one line now, one row of the summary
	printf '%-44s %-26s goal %s\n' "$1:" "$2" "$3"
	SUMMARY+=("$1|$2|$3")
}
failed() {	# figure reason
	printf '%-44s FAILED (%s)\n' "$1:" "$2"
	SUMMARY+=("$1|FAILED|$2")
	FAILED+=("$1")
}
step() { [[ $STEPS == *" $1 "* ]]; }
fmt() { printf '%.0f' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }	# 61,200
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
used_memory() { redis-cli -p "$1" info memory | awk -F: '/^used_memory:/ { print $2 + 0 }'; }
# The simulator's "name ms: p50 A p90 B p99 C max D (n N)" as "A/B/C ms".
pcts() { sed -n "s/^$1 ms: p50 \([0-9]*\) p90 \([0-9]*\) p99 \([0-9]*\).*/\1\/\2\/\3/p" "$2"; }
us_per() { awk -v t="$1" -v hz="$HZ" -v n="$2" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'; }	# ticks n
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$2"; }	# key=value of the overload line

echo "== tnsgw bench: $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), build $B"
echo "== wall-clock figures: the daemon, Redis and the load simulator share the cores (and so does anything else running: load average $(cut -d' ' -f1 /proc/loadavg))"

# --- load ------------------------------------------------------------------
if step load; then
	RPORT=$(t_free_port)
	t_redis "$RPORT" --appendonly no || exit 1
	LPID=$T_REDIS
	"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" \
	    --reasons "$TOP/etc/sample/reasons.csv" >/dev/null
	for n in $ROWS; do
		awk -v n="$n" 'BEGIN {
			print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason"
			for (i = 0; i < n; i++) {
				y = 1940 + i % 60; m = 1 + i % 12; d = 1 + i % 28
				if (i % 10 == 9)
					printf "CIN,B%07d,%04d-%02d-%02d,2031-01-01,INELIGIBLE,,,,AMO_CNOPS\n", i, y, m, d
				else
					printf "CIN,B%07d,%04d-%02d-%02d,2031-01-01,REGISTERED,%09d,%d,2126%08d,\n", i, y, m, d, 100000000 + i, i % 3 == 0, i
			}
		}' >"$T_DIR/registry.csv"
		redis-cli -p "$RPORT" flushall >/dev/null
		"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" \
		    --reasons "$TOP/etc/sample/reasons.csv" >/dev/null 2>&1
		echo "== load: $(fmt "$n") rows"
		"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" \
		    --registry "$T_DIR/registry.csv" >"$T_DIR/load.out" 2>&1
		cat "$T_DIR/load.out"
		rps=$(sed -n 's/^registry: .* \([0-9]*\) rows\/s.*/\1/p' "$T_DIR/load.out")
		bpr=$(sed -n 's/^registry: used_memory .* \([0-9.]*\) bytes per record/\1/p' "$T_DIR/load.out")
		goal=">= 1,000,000 rows/s (at 5,000,000 rows)"
		[ -n "$rps" ] && say "registry load, $(fmt "$n") rows" "$(fmt "$rps") rows/s" "$goal" ||
			failed "registry load, $(fmt "$n") rows" "tnsgw-load: $(tail -n 1 "$T_DIR/load.out")"
		[ -n "$bpr" ] && say "Redis bytes per record, $(fmt "$n") rows" "$bpr bytes" "<= 40" ||
			failed "Redis bytes per record, $(fmt "$n") rows" "no used_memory line"
	done
	rm -f "$T_DIR/registry.csv"
	t_cleanup
fi

# --- the persons and callers of the dialog steps -----------------------------
# Person i, CIN D<i>, MSISDN 2127<i, 8 digits>: case A (account) for the
# case-A callers (closed loop, then again in the fixed-rate and overload
# runs), the menu callers after them; case B (no account, the caller's
# phone on record) after those. Hold callers (2128<i>) need no record.
NOPEN=0
for r in $RATES; do [ $((r * OPEN_S)) -gt "$NOPEN" ] && NOPEN=$((r * OPEN_S)); done
NAP=$NA
for x in "$NOPEN" "$NO" "$NCG"; do [ "$x" -gt "$NAP" ] && NAP=$x; done
NMP=$NM; [ "$NCGM" -gt "$NMP" ] && NMP=$NCGM	# menu and case-B persons: the
NBP=$NB; [ "$NCGB" -gt "$NBP" ] && NBP=$NCGB	# closed loop's or callgrind's
awk -v na="$NAP" -v ncl="$NA" -v nm="$NMP" -v nb="$NBP" -v nh="$NH" -v d="$T_DIR" 'BEGIN {
	reg = d "/registry.csv"
	print "id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason" >reg
	for (i = 0; i < na + nm + nb; i++) {
		y = 1940 + i % 60; m = 1 + i % 12; d_ = 1 + i % 28
		acct = i < na + nm
		printf "CIN,D%07d,%04d-%02d-%02d,2031-01-01,REGISTERED,%09d,%d,2127%08d,\n", \
		    i, y, m, d_, 400000000 + i, acct, i >reg
		if (i < na) {
			line = sprintf("a 2127%08d \"*1515*1*D%07d*01012031*%02d%02d%04d#\"", i, i, d_, m, y)
			print line >(d "/callers.all")
			if (i < ncl)
				print line >(d "/callers.a")
		} else if (i < na + nm)
			printf "m 2127%08d \"*1515#\" \"1\" \"1\" \"D%07d\" \"01012031\" \"%02d%02d%04d\"\n", \
			    i, i, d_, m, y >(d "/callers.m")
		else
			printf "b 2127%08d \"*1515*1*D%07d*01012031*%02d%02d%04d#\"\n", \
			    i, i, d_, m, y >(d "/callers.b")
	}
	for (i = 0; i < nh; i++)
		printf "h 2128%08d \"*1515#\"\n", i >(d "/callers.h")
}'

dialog_setup() {	# a private redis-server with the persons, the config
	RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
	rm -rf "$T_DIR/redis"	# a fresh Redis each time, not the last one's AOF
	t_redis "$RPORT" --auto-aof-rewrite-percentage 0 >/dev/null || return 1
	RPID=$T_REDIS
	"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
	    --categories "$TOP/etc/sample/categories.csv" \
	    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/dload.log" 2>&1 ||
		{ cat "$T_DIR/dload.log"; return 1; }
	[ -d "$T_DIR/keys" ] || t_keys "$T_DIR/keys" >/dev/null || return 1
	t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" "$T_DIR/keys" || return 1
	sed -i -e 's/^\(\s*log_level\s*=\s*\).*/\1"notice";/' \
	    -e 's/^\(\s*max_requests_per_msisdn_hour\s*=\s*\).*/\1100000;/' \
	    -e "s/^\(\s*window\s*=\s*\).*/\1$BWIN;/" \
	    "$T_DIR/tnsgw.conf"
}
dialog_teardown() { t_cleanup; }

sim() {	# out-file options...: the load simulator, its figures in out-file
	local out=$1; shift
	: >"$out"
	daemon_alive || return 0
	timeout 900 "$SIM" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t "${SIM_WAIT:-30}" \
	    "$@" >"$out" 2>"$out.err"
	local rc=$?
	cat "$out"
	[ "$rc" -le 1 ] || { echo "(simulator exit $rc)"; tail -n 5 "$out.err"; }
	return 0
}
daemon_alive() {
	kill -0 "$T_DAEMON" 2>/dev/null && return 0
	echo "the daemon died:"; tail -n 20 "$T_DIR/tnsgw.log"; return 1
}
metrics() {	# the daemon's refusals so far, one line
	curl -s --max-time 5 "127.0.0.1:$APORT/metrics" | awk '/^tnsgw_bind_(mo_refused|mo_not_served|throttled|screens_resent|screens_failed)/ && $2 > 0 {
		sub(/\{bind="sim",?/, "{", $1); sub(/\{\}/, "", $1); printf "%s %s  ", $1, $2 }
	    END { print "" }'
}

# closed_run NAME FIGURE CPU-FIGURE CALLERS [SIM-OPTION...]: a closed loop of
# CALLERS at BENCH_CONC, its dialogs/s and the daemon's and Redis's CPU per
# dialog as two figures; v and done_ are left set. 1 when it gave none.
closed_run() {
	local name=$1 fig=$2 cpufig=$3 callers=$4 d0 d1 r0 r1
	shift 4
	d0=$(cpu_ticks "$T_DAEMON"); r0=$(cpu_ticks "$RPID")
	sim "$T_DIR/$name.out" --load "$callers" --concurrency "$CONC" --linger 1 "$@"
	d1=$(cpu_ticks "$T_DAEMON"); r1=$(cpu_ticks "$RPID")
	v=$(sed -n 's/^dialogs\/s: \([0-9.]*\)/\1/p' "$T_DIR/$name.out")
	done_=$(sed -n 's/^callers: done \([0-9]*\).*/\1/p' "$T_DIR/$name.out")
	if [ -z "$v" ] || [ "${done_:-0}" -eq 0 ]; then
		failed "$fig" "no dialogs/s"
		return 1
	fi
	say "$fig" "$(fmt "$v") tx/s" "-"
	say "$cpufig" "$(us_per $((d1 - d0)) "$done_") / $(us_per $((r1 - r0)) "$done_") us" "-"
}

# --- closed loop, fixed rates ------------------------------------------------
CLOSED_A=0
if step closed || step fixed; then
	if dialog_setup; then
		t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
		if step closed; then
			echo "== closed loop: $(fmt "$NA") case-A callers (shortcut), concurrency $CONC"
			redis-cli -p "$RPORT" config resetstat >/dev/null
			d0=$(cpu_ticks "$T_DAEMON"); r0=$(cpu_ticks "$RPID")
			sim "$T_DIR/a.out" --load "$T_DIR/callers.a" --concurrency "$CONC" --linger 1
			d1=$(cpu_ticks "$T_DAEMON"); r1=$(cpu_ticks "$RPID")
			v=$(sed -n 's/^dialogs\/s: \([0-9.]*\)/\1/p' "$T_DIR/a.out")
			done_=$(sed -n 's/^callers: done \([0-9]*\).*/\1/p' "$T_DIR/a.out")
			if [ -n "$v" ] && [ "${done_:-0}" -gt 0 ]; then
				CLOSED_A=$v
				say "shortcut A closed loop (window $CONC)" "$(fmt "$v") tx/s" ">= 100,000"
				say "shortcut A latency p50/p90/p99" "$(pcts 'dial->final' "$T_DIR/a.out") ms" "-"
				say "daemon CPU per transaction (case A)" "$(us_per $((d1 - d0)) "$done_") us" "-"
				say "Redis CPU per transaction (case A)" "$(us_per $((r1 - r0)) "$done_") us" "<= 4 us"
				# Redis's own account (commandstats since the reset):
				# commands per transaction, the costliest five
				redis-cli -p "$RPORT" info commandstats | tr -d '\r' |
				    awk -F'[:=,]' -v n="$done_" '/^cmdstat_/ {
					sub(/^cmdstat_/, "", $1); c += $3; u += $5
					printf "%s %.2f %.2f\n", $1, $3 / n, $5 / n
				    } END { printf "all %.2f %.2f\n", c / n, u / n }' |
				    sort -k3,3 -g -r | head -n 6 |
				    awk '{ printf "%s%s %s/tx %s us/tx", (NR > 1 ? ", " : "   (Redis commandstats, the commands a script runs counted in it and on their own: "), $1, $2, $3 } END { print ")" }'
			else
				failed "shortcut A closed loop (window $CONC)" "no dialogs/s"
			fi
			# The same callers again, the simulator sending a delivery
			# receipt (receipted_message_id TLV) for every SMS that asks
			# for one, as operators do: the receipt path's cost too.
			echo "== closed loop: $(fmt "$NA") case-A callers (shortcut), with delivery receipts (--dlr tlv)"
			redis-cli -p "$RPORT" config resetstat >/dev/null
			if closed_run ad "shortcut A closed loop, with receipts" \
			    "daemon / Redis CPU per tx (A, receipts)" \
			    "$T_DIR/callers.a" --dlr tlv; then
				redis-cli -p "$RPORT" info commandstats | tr -d '\r' |
				    awk -F'[:=,]' -v n="$done_" '/^cmdstat_/ { c += $3; if ($1 == "cmdstat_evalsha") e = $3 }
					END { printf "   (Redis commands per transaction: %.2f, of which EVALSHA %.2f)\n", c / n, e / n }'
			fi
			echo "== closed loop: $(fmt "$NM") full menu dialogs (six screens), concurrency $CONC"
			head -n "$NM" "$T_DIR/callers.m" >"$T_DIR/callers.mc"
			closed_run m "menu dialog A closed loop (6 screens)" \
			    "daemon / Redis CPU per tx (menu)" "$T_DIR/callers.mc"
			echo "== closed loop: $(fmt "$NB") case-B callers (OTP typed back), concurrency $CONC"
			head -n "$NB" "$T_DIR/callers.b" >"$T_DIR/callers.bc"
			closed_run b "case B closed loop (OTP typed back)" \
			    "daemon / Redis CPU per tx (case B)" "$T_DIR/callers.bc"
		fi
		if step fixed; then
			for r in $RATES; do
				n=$((r * OPEN_S))
				head -n "$n" "$T_DIR/callers.all" >"$T_DIR/callers.open"
				echo "== fixed rate: $(fmt "$n") case-A callers at $(fmt "$r")/s (open loop, window $WIN)"
				sim "$T_DIR/f.out" --load "$T_DIR/callers.open" --open-loop \
				    --rate "$r" --window "$WIN" --linger 1
				p=$(pcts 'round trip' "$T_DIR/f.out")
				goal="-"; [ "$r" -eq 30000 ] && goal="p99 <= 2 ms"
				[ -n "$p" ] && say "p50/p90/p99 at $(fmt "$r")/s" "$p ms" "$goal" ||
					failed "p50/p90/p99 at $(fmt "$r")/s" "no round trip figures"
			done
		fi
		daemon_alive || FAILED+=("daemon")
	else
		failed "dialog steps" "set-up (redis-server, tnsgw-load, config)"
	fi
	dialog_teardown
fi

# --- overload ----------------------------------------------------------------
if step overload; then
	if dialog_setup; then
		t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
		head -n "$NO" "$T_DIR/callers.all" >"$T_DIR/callers.over"
		echo "== overload: $(fmt "$NO") case-A callers at $(fmt "$ORATE")/s (open loop, window $WIN)"
		sim "$T_DIR/o.out" --load "$T_DIR/callers.over" --open-loop \
		    --rate "$ORATE" --window "$WIN" --linger 1
		echo "daemon refusals: $(metrics)"
		if grep -q '^overload sent=' "$T_DIR/o.out"; then
			ans=$(field answered "$T_DIR/o.out"); thr=$(field throttled "$T_DIR/o.out")
			un=$(field acked_unanswered "$T_DIR/o.out"); nr=$(field no_resp "$T_DIR/o.out")
			oth=$(field other "$T_DIR/o.out"); aps=$(field answered_per_s "$T_DIR/o.out")
			say "overload answered / refused / dropped" "$ans / $thr / $((un + nr))" "dropped 0"
			[ "$((oth + 0))" -gt 0 ] && echo "   (other statuses: $oth)"
			if awk -v c="$CLOSED_A" 'BEGIN { exit !(c > 0) }'; then
				say "overload answers/s vs closed loop" "$(awk -v a="$aps" -v c="$CLOSED_A" 'BEGIN { printf "%s/s = %.0f %%", a, 100 * a / c }')" ">= 80 %"
			else
				say "overload answers/s" "$(fmt "$aps")/s" "-"
			fi
		else
			failed "overload answered / refused / dropped" "no overload line"
		fi
		daemon_alive || FAILED+=("daemon")
	else
		failed "overload" "set-up"
	fi
	dialog_teardown
fi

# --- instructions per transaction --------------------------------------------
# cg_run TAG NAME CALLERS N CONC GOAL: the daemon under callgrind (a fresh
# Redis) for the first N callers of CALLERS, its profile in cg.TAG.out;
# "daemon instructions/tx (NAME)" beside GOAL, the top 10
# functions (self cost). CG_SEAL=1: the share of crypto_box_seal
# (inclusive) too.
cg_run() {
	local tag=$1 name=$2 callers=$3 n=$4 conc=$5 goal=$6 fig tot done_ scr seal
	local out="$T_DIR/cg.$tag.out"
	fig="daemon instructions/tx ($name)"
	if ! dialog_setup; then
		failed "$fig" "set-up"; dialog_teardown; return
	fi
	head -n "$n" "$callers" >"$T_DIR/callers.cg"
	rm -f "$out"
	sed -i 's/^\(\s*timeout_ms\s*=\s*\).*/\15000;/' "$T_DIR/tnsgw.conf"
	valgrind --tool=callgrind --callgrind-out-file="$out" \
	    --collect-atstart=no --toggle-collect=event_base_loop \
	    "$TOP/$B/tnsgw" -f -c "$T_DIR/tnsgw.conf" 2>"$T_DIR/cg.log" </dev/null &
	T_DAEMON=$!
	T_PIDS+=("$T_DAEMON")
	echo "== callgrind: $(fmt "$n") $name, concurrency $conc, the daemon under valgrind (counted in event_base_loop only)"
	SIM_WAIT=120 sim "$T_DIR/cg.sim" --load "$T_DIR/callers.cg" --concurrency "$conc" --linger 2
	done_=$(sed -n 's/^callers: done \([0-9]*\).*/\1/p' "$T_DIR/cg.sim")
	scr=$(sed -n 's/^screens: answered \([0-9]*\).*/\1/p' "$T_DIR/cg.sim")
	kill "$T_DAEMON" 2>/dev/null
	for _ in $(seq 1 300); do kill -0 "$T_DAEMON" 2>/dev/null || break; sleep 0.1; done
	wait "$T_DAEMON" 2>/dev/null
	tot=$(callgrind_annotate "$out" 2>/dev/null |
	    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	if [ -n "$tot" ] && [ "${done_:-0}" -gt 0 ]; then
		if [ -n "${CG_SEAL:-}" ]; then
			# inclusive cost of crypto_box_seal (the two Curve25519
			# scalar multiplications of the sealed box)
			seal=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
			    awk '/:crypto_box_seal( |$)/ && !/_open/ { gsub(",", "", $1); print $1; exit }')
			say "$fig" "$(fmt $((tot / done_))) ($(awk -v s="${seal:-0}" -v t="$tot" 'BEGIN { printf "%.0f", 100 * s / t }') % seal)" "$goal"
			echo "   (crypto_box_seal, inclusive: $(fmt $((${seal:-0} / done_))) instructions per transaction)"
		else
			say "$fig" "$(fmt $((tot / done_)))" "$goal"
		fi
		echo "   ($(fmt "$tot") instructions for $(fmt "$done_") transactions done, $(fmt "${scr:-0}") screens sent: $([ "${scr:-0}" -gt 0 ] && fmt $((tot / scr)) || echo '?') per screen; top 10 functions, self cost:)"
		callgrind_annotate "$out" 2>/dev/null |
		    sed -n '/file:function/,$p' | sed -n 3,12p | cut -c1-120 | sed 's/^/   /'
	else
		failed "$fig" "no callgrind totals or no transaction done"
		tail -n 5 "$T_DIR/cg.log"
	fi
	dialog_teardown
}
if step cg; then
	if ! command -v valgrind >/dev/null; then
		failed "daemon instructions/tx" "no valgrind (bash tools/setup.sh)"
	else
		cg_run a "A shortcut" "$T_DIR/callers.all" "$NCG" 50 "<= 25,000"
		cg_run m "A menu, 6 screens" "$T_DIR/callers.m" "$NCGM" 50 "-"
		CG_SEAL=1 cg_run b "B" "$T_DIR/callers.b" "$NCGB" 20 "- (public-key seal bound)"
	fi
fi

# --- open dialogs --------------------------------------------------------------
if step hold; then
	if dialog_setup; then
		t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
		t_wait_port "$APORT" 100 >/dev/null 2>&1
		sleep 1
		rss0=$(rss_kb "$T_DAEMON"); m0=$(used_memory "$RPORT")
		echo "== open dialogs: $(fmt "$NH") callers dial *1515# and leave the menu unanswered (concurrency $CONC)"
		sim "$T_DIR/h.out" --load "$T_DIR/callers.h" --concurrency "$CONC"
		rss1=$(rss_kb "$T_DAEMON"); m1=$(used_memory "$RPORT")
		done_=$(sed -n 's/^callers: done \([0-9]*\).*/\1/p' "$T_DIR/h.out")
		if [ "${done_:-0}" -gt 0 ] && [ "${rss1:-0}" -gt 0 ]; then
			say "daemon RSS, $(fmt "$done_") open dialogs" "$(awk -v k="$rss1" 'BEGIN { printf "%.1f MiB", k / 1024 }')" "-"
			echo "   (RSS $(fmt "$rss0") KiB before, $(fmt "$rss1") KiB after; Redis $(awk -v a="$m0" -v b="$m1" -v n="$done_" 'BEGIN { printf "%.0f", (b - a) / n }') bytes per open dialog)"
		else
			failed "daemon RSS, $(fmt "$NH") open dialogs" "no dialog held"
		fi
		daemon_alive || FAILED+=("daemon")
	else
		failed "daemon RSS, open dialogs" "set-up"
	fi
	dialog_teardown
fi

# --- summary -------------------------------------------------------------------
echo
echo "== summary (wall-clock figures on a shared machine; instructions are exact)"
sizes=""
step load && sizes+="; load $(for n in $ROWS; do printf '%s ' "$(fmt "$n")"; done)rows"
step closed && sizes+="; closed loop A $(fmt "$NA"), menu $(fmt "$NM"), B $(fmt "$NB")"
step fixed && sizes+="; fixed rates for $OPEN_S s"
step overload && sizes+="; overload $(fmt "$NO") at $(fmt "$ORATE")/s"
step cg && sizes+="; callgrind A $(fmt "$NCG"), menu $(fmt "$NCGM"), B $(fmt "$NCGB")"
step hold && sizes+="; open dialogs $(fmt "$NH")"
echo "== sizes: ${sizes#; }${BENCH_SMOKE:+ (smoke sizes, not those of issue 11)}"
printf '%-44s | %-26s | %s\n' "figure" "value" "goal"
printf '%-44s-+-%-26s-+-%s\n' "$(printf '%.0s-' {1..44})" "$(printf '%.0s-' {1..26})" "--------------------"
for row in "${SUMMARY[@]}"; do
	IFS='|' read -r a b c <<<"$row"
	printf '%-44s | %-26s | %s\n' "$a" "$b" "$c"
done
if [ ${#FAILED[@]} -gt 0 ]; then
	echo "== bench: did not run: ${FAILED[*]}"
	exit 1
fi
exit 0
