#!/usr/bin/env bash
# /metrics against a strict exposition parser and against the traffic:
# the daemon (bind named with every character a bind name may hold), a real
# redis-server and the simulator; every scrape goes through
# `promtool check metrics` (Debian's prometheus), and between scrapes the
# counters and histogram counts move by what the scenarios played; a
# reload of the sample and Redis stopped for a few seconds make the
# STALE and fence families move; README's table names every family.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"
BIND='Op-1_a.Z9'	# A-Z a-z 0-9 _ . - : every allowed character class

command -v promtool >/dev/null || {
	not_ok "promtool installed (tools/setup.sh: prometheus)"; exit 1; }

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
t_load_sample "$RPORT" >"$T_DIR/load.log" 2>&1 || { not_ok "sample loads"; cat "$T_DIR/load.log"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" || exit 1
sed -i "s/^\(\s*name\s*=\s*\)\"sim\";/\1\"$BIND\";/" "$T_DIR/tnsgw.conf"
check "the bind is named $BIND in the config" grep -q "\"$BIND\"" "$T_DIR/tnsgw.conf"
check "tnsgw -t accepts the bind name $BIND" "$TOP/$B/tnsgw" -t -c "$T_DIR/tnsgw.conf"

# A bind name a label would have to escape is refused by -t.
sed "s/\"$BIND\"/\"op\\\\\"x y\"/" "$T_DIR/tnsgw.conf" >"$T_DIR/bad.conf"
chmod 600 "$T_DIR/bad.conf"
out=$("$TOP/$B/tnsgw" -t -c "$T_DIR/bad.conf" 2>&1); rc=$?
check "tnsgw -t refuses the bind name op\"x y (exit $rc)" \
    bash -c '[ "$1" -eq 1 ] && grep -q "bad.conf:[0-9]*: .*name.* must be" <<<"$2"' _ "$rc" "$out"

t_daemon "$T_DIR/tnsgw.conf" "$T_DIR/tnsgw.log"
t_wait_port "$APORT" 100 || { not_ok "admin port opens"; exit 1; }

scrape() {	# file: the body of GET /metrics (the headers apart)
	exec 3<>"/dev/tcp/127.0.0.1/$APORT" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	timeout 5 cat <&3 >"$1.http"
	exec 3>&-
	sed '1,/^\r\{0,1\}$/d' "$1.http" >"$1"
	[ -s "$1" ]
}
# Each family once and whole: HELP then TYPE, never a second time, and
# every sample under its own family's TYPE (a histogram's _bucket, _sum,
# _count included). promtool 2.42 parses a split family without a word,
# so this is checked here.
grouped() {	# file: the faults, nothing when the page is grouped
	awk '
	/^# HELP / { if ($3 in help) print "second HELP: " $3; help[$3] = 1; h = $3; next }
	/^# TYPE / { if ($3 in type) print "second TYPE: " $3
		if (h != $3) print "TYPE without its HELP just before: " $3
		type[$3] = $4; cur = $3; next }
	/^#/ || /^$/ { next }
	{ n = $1; sub(/\{.*/, "", n)
	  if (n == cur) next
	  if (type[cur] == "histogram" && (n == cur "_bucket" || n == cur "_sum" || n == cur "_count")) next
	  print "sample outside its family (under " cur "): " $1 }' "$1"
}
strict() {	# file name: promtool finds nothing to say, and grouped
	local out
	out=$(promtool check metrics <"$1" 2>&1; grouped "$1")
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		ok "$2: promtool check metrics passes, every family grouped"
	else
		not_ok "$2: promtool check metrics, grouping"
		sed 's/^/    /' <<<"$out" | head -n 20
	fi
}
val() {	# file series: its value, 0 when absent (a counter not moved yet)
	awk -v m="$2" '$1 == m { print $2; f = 1 } END { if (!f) print 0 }' "$1"
}
delta() {	# before after series
	echo $(( $(val "$2" "$3") - $(val "$1" "$3") ))
}
# Every histogram of the page is whole: buckets cumulative and never
# falling, +Inf equal to _count.
hist_ok() {	# file
	awk '
	/^#/ { next }
	{ name = $1; v = $2 }
	name ~ /_bucket\{/ {
		s = name; sub(/le="[^"]*"/, "", s); sub(/_bucket\{/, "{", s)
		if ((s in last) && v + 0 < last[s] + 0) { print "falls: " name; bad = 1 }
		last[s] = v
		if (name ~ /le="\+Inf"/) inf[s] = v
		next
	}
	name ~ /_count(\{|$)/ {
		s = name; sub(/_count/, "", s); if (s !~ /\{/) s = s "{}"
		cnt[s] = v
	}
	END {
		for (s in inf) {
			k = s; gsub(/,}/, "}", k); gsub(/\{,/, "{", k)
			if (!(k in cnt) || cnt[k] != inf[s]) { print "+Inf != _count: " s; bad = 1 }
		}
		exit bad
	}' "$1"
}
# No counter series went down between two scrapes.
monotonic() {	# before after
	awk '
	FNR == NR && /^# TYPE .* (counter|histogram)$/ { c[$3] = 1; next }
	FNR == NR && !/^#/ { b[$1] = $2; next }
	!/^#/ {
		f = $1; sub(/\{.*/, "", f); base = f; sub(/_(bucket|sum|count)$/, "", base)
		if (((f in c) || (base in c)) && ($1 in b) && $2 + 0 < b[$1] + 0) { print "fell: " $1; bad = 1 }
	}
	END { exit bad }' "$1" "$2"
}
# README "Monitoring": the families of its table, "name type" a line (a
# row's names share its type, or take its types in order; `_x` in the
# per-bind row is tnsgw_bind_x).
readme_families() {	# README file
	awk -F'|' '
	/^\| family \| type \| what \|$/ { t = 1; next }
	!t { next }
	!/^\|/ { exit }
	/^\|---/ { next }
	{
		nt = split($3, ty, ","); n = 0; s = $2
		while (match(s, /`[^`]*`/)) {
			nm = substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
			sub(/\{.*/, "", nm)
			if (nm ~ /^_/) nm = "tnsgw_bind" nm
			if (nm !~ /^[a-z_]+$/) continue
			n++; tt = ty[nt == 1 ? 1 : n]; gsub(/ /, "", tt)
			print nm, tt
		}
	}' "$1" | sort -u
}
# The families of README's table that the page lacks or types otherwise
# ("-"), and the page's that the table lacks ("+"); nothing when they agree.
readme_vs_page() {	# README page
	diff <(readme_families "$1") <(awk '/^# TYPE / { print $3, $4 }' "$2" | sort -u) |
	    sed -n 's/^< /- /p; s/^> /+ /p'
}
mos() {	# scenario...: the MOs they send (each dial and answer gets one screen)
	cat "$@" | grep -cE '^\s*(dial|answer)\s'
}
play() {	# simulator options... -- scenario...
	local args=() f
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	for f in "$@"; do args+=(--script "$S/$f"); done
	timeout 60 "$TOP/$B/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" -u tnsgw \
	    -w secret -t 40 "${args[@]}" >"$T_DIR/smsc.out" 2>&1
}

L="{bind=\"$BIND\"}"
OK0="tnsgw_bind_submit_results_total{bind=\"$BIND\",command_status=\"0x00000000\"}"
THR="tnsgw_bind_submit_results_total{bind=\"$BIND\",command_status=\"0x00000058\"}"
M0="$T_DIR/m0"; M1="$T_DIR/m1"; M2="$T_DIR/m2"

# 0. Before any traffic: a whole page that parses.
scrape "$M0" || { not_ok "GET /metrics answers"; exit 1; }
strict "$M0" "before traffic"
check "Content-Type is the text format 0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$M0.http"
check "tnsgw_build_info carries the version" grep -Eq '^tnsgw_build_info\{version="[^"]+"\} 1$' "$M0"
st=$(val "$M0" process_start_time_seconds); now=$(date +%s)
check "process_start_time_seconds is this process's start (${st%.*}, now $now)" \
    [ "${st%.*}" -le "$now" -a "${st%.*}" -ge $((now - 120)) ]
check "every family has one HELP and one TYPE" bash -c '
	h=$(grep -c "^# HELP " "$1"); t=$(grep -c "^# TYPE " "$1")
	[ "$h" = "$t" ] && [ "$h" -ge 40 ] &&
	[ -z "$(grep "^# TYPE " "$1" | awk "{print \$3}" | sort | uniq -d)" ]' _ "$M0"
for f in tnsgw_mo_screen_seconds tnsgw_bind_submit_response_seconds tnsgw_redis_request_seconds; do
	check "$f is a histogram" grep -qx "# TYPE $f histogram" "$M0"
done
check "the bind's label is its name, unescaped" grep -qx "tnsgw_bind_up$L 0\|tnsgw_bind_up$L 1" "$M0"
# README's table and the page name the same families with the same types.
nreadme=$(readme_families "$TOP/README.md" | wc -l)
out=$(readme_vs_page "$TOP/README.md" "$M0")
check "README's metrics table lists every family of the page, typed alike ($nreadme)${out:+: $(echo $out)}" \
    [ -z "$out" -a "$nreadme" -ge 40 ]
grep -v '^| `tnsgw_outbox_fenced` |' "$TOP/README.md" >"$T_DIR/readme.less"
check "the README check finds a family missing from the table" \
    bash -c '[ "$1" = "+ tnsgw_outbox_fenced gauge" ]' _ "$(readme_vs_page "$T_DIR/readme.less" "$M0")"
# The scale-out families (issue 12), none moved yet: the copies by reason,
# no fence.
for r in lost_write window done; do
	check "tnsgw_mo_copies_total{reason=\"$r\"} on the page, 0" \
	    grep -qx "tnsgw_mo_copies_total{reason=\"$r\"} 0" "$M0"
done
for f in tnsgw_outbox_fenced tnsgw_outbox_fences_total tnsgw_outbox_fenced_dropped_total \
    tnsgw_redis_stale_retries_total tnsgw_redis_stale_failed_total; do
	check "$f on the page, 0" grep -qx "$f 0" "$M0"
done

# The admin server never holds the loop: two clients that connect and
# never finish a request stay open while the dialogs run.
exec 4<>"/dev/tcp/127.0.0.1/$APORT" 5<>"/dev/tcp/127.0.0.1/$APORT"
printf 'GET /metr' >&5
# 1. Two USSD dialogs (outcomes A and D) and one over SMS (A).
n1=$(mos "$S/demo_a.scn" "$S/demo_d.scn" "$S/demo_sms.scn")
if play -- demo_a.scn demo_d.scn demo_sms.scn; then ok "scenarios demo_a, demo_d, demo_sms ($n1 USSD MOs)"
else not_ok "scenarios demo_a, demo_d, demo_sms"; sed 's/^/    /' "$T_DIR/smsc.out" | tail -n 20; fi
scrape "$M1" || { not_ok "GET /metrics answers"; exit 1; }
exec 4>&- 5>&-
strict "$M1" "after two dialogs"
check "MO->screen histogram counted every screen (+$(delta "$M0" "$M1" "tnsgw_mo_screen_seconds_count$L") of $n1)" \
    [ "$(delta "$M0" "$M1" "tnsgw_mo_screen_seconds_count$L")" -eq "$n1" ]
check "tnsgw_dialogs_started_total +3 (two USSD, one SMS)" [ "$(delta "$M0" "$M1" tnsgw_dialogs_started_total)" -eq 3 ]
for c in 'A ussd 1' 'D ussd 1' 'A sms 1' 'D sms 0' 'error ussd 0'; do
	set -- $c
	d=$(delta "$M0" "$M1" "tnsgw_dialogs_total{outcome=\"$1\",channel=\"$2\"}")
	check "tnsgw_dialogs_total{outcome=\"$1\",channel=\"$2\"} +$d (of $3)" [ "$d" -eq "$3" ]
done
check "tnsgw_sms_requests_total{kind=\"identity\"} +1" \
    [ "$(delta "$M0" "$M1" 'tnsgw_sms_requests_total{kind="identity"}')" -eq 1 ]
ok0=$(delta "$M0" "$M1" "$OK0"); sok=$(delta "$M0" "$M1" "tnsgw_bind_submit_ok_total$L")
check "submit results 0x00000000 (+$ok0) = submit_ok (+$sok), at least every screen" \
    [ "$ok0" -eq "$sok" -a "$ok0" -ge "$n1" ]
rc1=$(delta "$M0" "$M1" "tnsgw_bind_submit_response_seconds_count$L")
rs1=$(awk -v b="$BIND" 'index($1, "tnsgw_bind_submit_results_total{bind=\"" b "\"") == 1 { s += $2 } END { print s + 0 }' "$M1")
check "submit_sm_resp histogram counts every response ($rc1 = $rs1)" [ "$rc1" -eq "$rs1" -a "$rc1" -ge "$n1" ]
check "Redis round trips counted (+$(delta "$M0" "$M1" tnsgw_redis_request_seconds_count))" \
    [ "$(delta "$M0" "$M1" tnsgw_redis_request_seconds_count)" -ge "$n1" ]
check "deliver_sm counted in pdus_in (+$(delta "$M0" "$M1" "tnsgw_bind_pdus_in_total$L") >= $n1)" \
    [ "$(delta "$M0" "$M1" "tnsgw_bind_pdus_in_total$L")" -ge "$n1" ]
check "no Redis timeout, no dead letter" \
    [ "$(val "$M1" tnsgw_redis_timeouts_total)" -eq 0 -a "$(val "$M1" tnsgw_outbox_dead_letters_total)" -eq 0 ]
copies=$(awk '/^tnsgw_mo_copies_total\{/ { s += $2 } END { print s + 0 }' "$M1")
check "no MO delivered once was taken for a copy (tnsgw_mo_copies_total $copies)" [ "$copies" -eq 0 ]
out=$(hist_ok "$M1"); check "histograms whole (cumulative, +Inf = _count) ${out:+: $out}" [ -z "$out" ]
out=$(monotonic "$M0" "$M1"); check "no counter went down ${out:+: $out}" [ -z "$out" ]

# 2. The sample loaded again (every generation switched under the
# daemon: its next lookup is answered STALE, read again, sent again),
# then every screen refused once with ESME_RTHROTTLED, then taken: the
# status breakdown shows them, MO->screen counts each screen once.
t_load_sample "$RPORT" >"$T_DIR/load2.log" 2>&1 || { not_ok "sample loads again"; cat "$T_DIR/load2.log"; }
n2=$(mos "$S/demo_a.scn")
if play --throttle-screens -- demo_a.scn; then ok "demo_a, every screen throttled once ($n2 MOs)"
else not_ok "demo_a throttled"; sed 's/^/    /' "$T_DIR/smsc.out" | tail -n 20; fi
scrape "$M2" || { not_ok "GET /metrics answers"; exit 1; }
strict "$M2" "after throttled screens"
check "command_status=\"0x00000058\" +$(delta "$M1" "$M2" "$THR") = $n2 screens" \
    [ "$(delta "$M1" "$M2" "$THR")" -eq "$n2" ]
check "tnsgw_bind_throttled_total +$n2" [ "$(delta "$M1" "$M2" "tnsgw_bind_throttled_total$L")" -eq "$n2" ]
check "MO->screen counted each screen once, not at its re-send (+$(delta "$M1" "$M2" "tnsgw_mo_screen_seconds_count$L"))" \
    [ "$(delta "$M1" "$M2" "tnsgw_mo_screen_seconds_count$L")" -eq "$n2" ]
check "the re-sent screens were taken (0x00000000 +$(delta "$M1" "$M2" "$OK0") >= $n2)" \
    [ "$(delta "$M1" "$M2" "$OK0")" -ge "$n2" ]
d=$(delta "$M1" "$M2" tnsgw_redis_stale_retries_total)
check "a lookup after the load was answered STALE and sent again (tnsgw_redis_stale_retries_total +$d)" [ "$d" -ge 1 ]
check "none STALE twice (tnsgw_redis_stale_failed_total $(val "$M2" tnsgw_redis_stale_failed_total))" \
    [ "$(val "$M2" tnsgw_redis_stale_failed_total)" -eq 0 ]
check "the dialog after the load ended as before (A +$(delta "$M1" "$M2" 'tnsgw_dialogs_total{outcome="A",channel="ussd"}'))" \
    [ "$(delta "$M1" "$M2" 'tnsgw_dialogs_total{outcome="A",channel="ussd"}')" -eq 1 ]
out=$(hist_ok "$M2"); check "histograms whole after the throttle ${out:+: $out}" [ -z "$out" ]
out=$(monotonic "$M1" "$M2"); check "no counter went down ${out:+: $out}" [ -z "$out" ]

# 3. Redis stops answering (SIGSTOP): the outbox depth refresh, every
# 2 s, times out after redis.timeout_ms; past 3.5 s with no heartbeat
# answered the outbox fences itself (tnsgw_outbox_fenced 1, read while
# Redis is still stopped, at most 8 s); then Redis is back and the
# heartbeat lifts the fence.
fenced() { scrape "$T_DIR/mf" && [ "$(val "$T_DIR/mf" tnsgw_outbox_fenced)" = 1 ]; }
kill -STOP "$T_REDIS"; sleep 3
for _ in $(seq 1 25); do fenced && break; sleep 0.2; done
check "tnsgw_outbox_fenced is 1 while Redis is stopped" fenced
kill -CONT "$T_REDIS"
up_again() { scrape "$T_DIR/m3" && [ "$(val "$T_DIR/m3" tnsgw_redis_up)" = 1 ] &&
    [ "$(val "$T_DIR/m3" tnsgw_redis_timeouts_total)" -ge 1 ] &&
    [ "$(val "$T_DIR/m3" tnsgw_outbox_fenced)" = 0 ]; }
for _ in $(seq 1 75); do up_again && break; sleep 0.2; done
check "tnsgw_redis_timeouts_total rose while Redis was stopped ($(val "$T_DIR/m3" tnsgw_redis_timeouts_total)), Redis up again, the fence lifted" up_again
check "tnsgw_outbox_fences_total counted the fence ($(val "$T_DIR/m3" tnsgw_outbox_fences_total))" \
    [ "$(val "$T_DIR/m3" tnsgw_outbox_fences_total)" -ge 1 ]
check "nothing dropped: no other instance claimed (tnsgw_outbox_fenced_dropped_total $(val "$T_DIR/m3" tnsgw_outbox_fenced_dropped_total))" \
    [ "$(val "$T_DIR/m3" tnsgw_outbox_fenced_dropped_total)" -eq 0 ]
strict "$T_DIR/m3" "after Redis timeouts"

# The checkers can fail: the same page with one family split, with a
# second TYPE, or with a sample whose family has no HELP and TYPE.
{ grep -v '^tnsgw_bind_up' "$M2"; grep '^tnsgw_bind_up' "$M2"; } >"$T_DIR/split"
check "the grouping check refuses the page with tnsgw_bind_up split off" \
    bash -c '[ -n "$1" ]' _ "$(grouped "$T_DIR/split")"
{ cat "$M2"; grep -A1 '^# HELP tnsgw_binds ' "$M2"; } >"$T_DIR/twice"
check "the grouping check refuses a family declared twice" \
    bash -c '[ -n "$1" ]' _ "$(grouped "$T_DIR/twice")"
{ cat "$M2"; echo 'tnsgw_untyped_thing{bind="x"} 1'; } >"$T_DIR/untyped"
check "promtool refuses a family without HELP and TYPE" \
    bash -c '[ -n "$(promtool check metrics <"$1" 2>&1)" ]' _ "$T_DIR/untyped"

# tools/monitoring/: the alert rules load and do what their tests say, and
# every metric the dashboard and the rules read is a family of the page.
MON="$TOP/tools/monitoring"
check "promtool check rules tnsgw-alerts.yml" promtool check rules "$MON/tnsgw-alerts.yml"
check "promtool test rules tnsgw-alerts.test.yml" bash -c 'cd "$1" && promtool test rules tnsgw-alerts.test.yml' _ "$MON"
check "the dashboard is JSON" perl -MJSON::PP -e 'local $/; JSON::PP->new->decode(<>)' "$MON/tnsgw-dashboard.json"
missing=$(grep -ohE '\b(tnsgw|process)_[a-z_]+' "$MON/tnsgw-dashboard.json" "$MON/tnsgw-alerts.yml" |
    sed -E 's/_(bucket|sum|count)$//' | sort -u | while read -r f; do
	grep -qx "# TYPE $f [a-z]*" "$M2" || echo "$f"; done)
check "every metric of the dashboard and the rules is on the page ${missing:+(missing: $missing)}" [ -z "$missing" ]

check "daemon still running" kill -0 "$T_DAEMON"
check "daemon log has no document number or birth date" \
    bash -c "! grep -Eq 'AB123456|DA100002|01021980|02021972' '$T_DIR/tnsgw.log'"
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
