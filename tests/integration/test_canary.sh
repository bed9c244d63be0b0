#!/usr/bin/env bash
# Canaries: unique document numbers, birth and expiry dates and matricules
# planted in the registry, walked through real dialogs (USSD case A step by
# step, a wrong date, case B with its OTP and password; the SMS channel's
# case B, one finished and one left waiting for its OTP), the daemon at
# debug level. Then every canary, in every spelling a date or a number can
# take, plus the OTPs and passwords the phones received, is looked for in
# the daemon's log, a dump of every Redis key and value, the AOF, and a core
# file of the daemon (SIGABRT with core dumps allowed by the shell: the
# daemon itself must refuse to dump). The registry's own keys (reg:, cat:,
# rsn:, pts:, gen) hold the registry by design and are left out of the
# dump and the AOF search. Each place prints how many canaries it held.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
SMSC="$TOP/$B/tnsgw-smsc"

RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
mkdir -p "$T_DIR/redis" "$T_DIR/core" "$T_DIR/scn"
# Multi-part AOF without an RDB preamble: every write as a RESP command.
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$T_DIR/redis" --save '' \
    --appendonly yes --appendfsync always --aof-use-rdb-preamble no \
    --daemonize no --logfile "$T_DIR/redis/redis.log" &
T_PIDS+=($!)
t_wait_port "$RPORT" || { not_ok "redis-server starts"; exit 1; }

cat >"$T_DIR/registry.csv" <<'EOF'
id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason
CIN,QX482913,1963-08-27,2033-04-17,REGISTERED,987650011,1,,
CIN,QW739164,1957-11-23,2032-06-19,REGISTERED,987650022,0,212600000777,
CIN,QV518302,1961-09-22,2031-03-14,REGISTERED,987650033,0,212600000778,
CIN,QT640975,1959-10-29,2034-01-26,REGISTERED,987650044,0,212600000779,
EOF
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
    --categories "$TOP/etc/sample/categories.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" \
    --points "$TOP/etc/sample/points.csv" >"$T_DIR/load.log" 2>&1 ||
    { not_ok "canary registry loads"; cat "$T_DIR/load.log"; exit 1; }
t_keys "$T_DIR/keys" >/dev/null || { not_ok "key files"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/tnsgw.conf" "$APORT" "$T_DIR/keys" || exit 1
sed -i 's/^\(\s*log_level\s*=\s*\).*/\1"debug";/' "$T_DIR/tnsgw.conf"
grep -q '"debug"' "$T_DIR/tnsgw.conf" || { not_ok "debug log level set"; exit 1; }

# The daemon in a directory of its own, core dumps allowed by its shell
# (core_pattern "core" writes there; a pipe pattern is reported below).
(cd "$T_DIR/core" && ulimit -c unlimited 2>/dev/null; exec "$TOP/$B/tnsgw" -f \
    -c "$T_DIR/tnsgw.conf" 2>"$T_DIR/tnsgw.log") &
T_DAEMON=$!
T_PIDS+=($T_DAEMON)

cat >"$T_DIR/scn/ussd.scn" <<'EOF'
# Case A, one screen at a time: each answer kept in the session state.
dial 212600008001 "*1515#"
expect "1 Fran"
continues
answer "1"
expect "1 CIN"
continues
answer "1"
expect "numéro"
continues
answer "QX482913"
expect "expiration"
continues
answer "17042033"
expect "naissance"
continues
answer "27/08/1963"
expect "987650011"
ends
# A wrong birth date for the same document: a failure counted.
dial 212600008002 "*1515*1*QX482913*17042033*01011999#"
expect "Aucun dossier ne correspond"
continues
abort
# Case B by the shortcut: OTP, matricule, password.
dial 212600008003 "*1515*1*QW739164*19062032*23111957#"
expect "77"
continues
expect_sms 212600000777 "code de vérification est"
answer_otp
expect "987650022"
ends
expect_sms 212600000777 "mot de passe initial Ma CNSS est" "987650022"
EOF
cat >"$T_DIR/scn/sms.scn" <<'EOF'
# Case B by SMS, to the end.
sms 212600008004 1515 "TNS CIN QV518302 14.03.2031 22/09/1961"
expect_sms "TNS OTP"
expect_sms 212600000778 "code de vérification est"
answer_otp
expect_sms "987650033"
expect_sms 212600000778 "mot de passe initial Ma CNSS est"
# Case B by SMS, the OTP never typed back: the conversation stays saved.
sms 212600008005 1515 "TNS CIN QT640975 26012034 29101959"
expect_sms "TNS OTP"
expect_sms 212600000779 "code de vérification est"
EOF
for s in ussd sms; do
	if timeout 90 "$SMSC" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 60 \
	    --sms-log "$T_DIR/$s.sms" --script "$T_DIR/scn/$s.scn" \
	    >"$T_DIR/$s.out" 2>&1; then ok "dialogs: $s"; else
		not_ok "dialogs: $s"; sed 's/^/    /' "$T_DIR/$s.out" | tail -n 25; fi
done

# The canaries, each in every spelling it can take.
canaries() {
	local d y m dd
	for d in QX482913 QW739164 QV518302 QT640975; do
		echo "$d"; echo "${d,,}"
	done
	for d in 1963-08-27 2033-04-17 1957-11-23 2032-06-19 1961-09-22 \
	    2031-03-14 1959-10-29 2034-01-26; do
		IFS=- read -r y m dd <<<"$d"
		printf '%s\n' "$y-$m-$dd" "$y$m$dd" "$dd/$m/$y" "$dd$m$y" \
		    "$dd.$m.$y" "$dd-$m-$y" "$y/$m/$dd"
	done
	for d in 987650011 987650022 987650033 987650044; do echo "$d"; done
	# What the phones received: OTPs and passwords.
	cat "$T_DIR"/*.sms | grep -o 'code de v[^ ]* est [0-9]*' | awk '{print $NF}'
	cat "$T_DIR"/*.sms | grep -o 'mot de passe initial Ma CNSS est [A-Za-z0-9]*' |
	    awk '{print $NF}'
}
canaries | sort -u >"$T_DIR/canaries"
notp=$(cat "$T_DIR"/*.sms | grep -c 'code de v')
npw=$(cat "$T_DIR"/*.sms | grep -c 'mot de passe initial')
check "OTPs and passwords captured ($notp OTPs, $npw passwords)" \
    [ "$notp" -ge 3 ] && [ "$npw" -ge 2 ]

found() {	# FILE LABEL: print and count the canaries FILE holds
	local n=0 c
	while read -r c; do
		if grep -Fqa -- "$c" "$1"; then
			n=$((n + 1)); echo "# $2: holds canary $c" >&2; fi
	done <"$T_DIR/canaries"
	echo "$n"
}

# Every key but the registry's, with its value, as text.
regkey='^tns:(reg|cat|rsn|pts):|^tns:gen:|^tns:[a-z]+:gen$'
redis-cli -p "$RPORT" --scan | grep -Ev "$regkey" | sort | while read -r k; do
	echo "KEY $k"
	case $(redis-cli -p "$RPORT" TYPE "$k") in
	string) redis-cli -p "$RPORT" --raw GET "$k" ;;
	hash) redis-cli -p "$RPORT" --raw HGETALL "$k" ;;
	list) redis-cli -p "$RPORT" --raw LRANGE "$k" 0 -1 ;;
	set) redis-cli -p "$RPORT" --raw SMEMBERS "$k" ;;
	zset) redis-cli -p "$RPORT" --raw ZRANGE "$k" 0 -1 WITHSCORES ;;
	stream) redis-cli -p "$RPORT" --raw XRANGE "$k" - + ;;
	esac
done >"$T_DIR/dump.txt"
check "the dump has the saved SMS conversation" grep -q '^KEY tns:sess:' "$T_DIR/dump.txt"
f=$(redis-cli -p "$RPORT" --raw GET "tns:rl:f:CIN:$(t_idhash "$T_DIR/keys" CIN QX482913)")
check "the wrong date counted under the hashed number (got ${f:-none})" [ "${f:-0}" = 1 ]

# The AOF, one command per line, the registry's keys left out.
perl -e '
	use File::Find;
	my ($dir, $reg) = @ARGV;
	my @f;
	find(sub { push @f, $File::Find::name if /\.aof/ && -f }, $dir);
	for my $f (sort @f) {
		open(my $fh, "<:raw", $f) or die "$f: $!";
		local $/;
		my $b = <$fh>;
		my $i = 0;
		while ($i < length($b) && substr($b, $i, 1) eq "*") {
			my $j = index($b, "\r\n", $i);
			my $n = substr($b, $i + 1, $j - $i - 1);
			$i = $j + 2;
			my @a;
			for (1 .. $n) {
				$j = index($b, "\r\n", $i);
				my $l = substr($b, $i + 1, $j - $i - 1);
				$i = $j + 2;
				push @a, substr($b, $i, $l);
				$i += $l + 2;
			}
			next if @a > 1 && $a[1] =~ /$reg/;
			print join(" ", @a), "\n";
		}
	}' "$T_DIR/redis" "$regkey" >"$T_DIR/aof.txt"
check "the AOF was read ($(wc -l <"$T_DIR/aof.txt") commands)" \
    grep -q 'sess:' "$T_DIR/aof.txt"

nlog=$(found "$T_DIR/tnsgw.log" log)
ndump=$(found "$T_DIR/dump.txt" dump)
naof=$(found "$T_DIR/aof.txt" aof)
echo "# canaries: $(wc -l <"$T_DIR/canaries") looked for;" \
    "found in log $nlog, redis dump $ndump, AOF $naof"
# The matricule goes out by SMS (case A on the SMS channel, the password
# SMS) and names the OTP keys: only the log must never hold it. The rest
# must be nowhere.
nomat() { grep -v '^98765' "$T_DIR/canaries" >"$T_DIR/canaries.nm"; }
nomat
leak() {	# FILE: canaries other than matricules it holds
	local n=0 c
	while read -r c; do grep -Fqa -- "$c" "$1" && n=$((n + 1)); done \
	    <"$T_DIR/canaries.nm"
	echo "$n"
}
check "no canary in the daemon's log ($nlog)" [ "$nlog" -eq 0 ]
n=$(leak "$T_DIR/dump.txt")
check "no document number, date, OTP or password in Redis ($n)" [ "$n" -eq 0 ]
n=$(leak "$T_DIR/aof.txt")
check "no document number, date, OTP or password in the AOF ($n)" [ "$n" -eq 0 ]

# A saved state that does not open is refused: tampered with (USSD, mid-
# dialog; SMS, waiting for its OTP) or moved to another caller's session
# (sealed for another key name). Each dialog starts again from the top,
# and /metrics counts them.
rcli() { redis-cli -p "$RPORT" --raw "$@"; }
tamper() {	# KEY: one base64 character of the sealed state changed
	local v c
	v=$(rcli GET "$1")
	c=${v:20:1}; [ "$c" = A ] && c=B || c=A
	rcli SET "$1" "${v:0:20}$c${v:21}" KEEPTTL >/dev/null
}
cat >"$T_DIR/scn/tamper_ussd.scn" <<'SCN'
dial 212600008009 "*1515#"
expect "1 Fran"
continues
answer "1"
expect "1 CIN"
continues
sleep 4000
answer "1"
expect "1 Fran"
continues
abort
SCN
timeout 60 "$SMSC" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 40 \
    --script "$T_DIR/scn/tamper_ussd.scn" >"$T_DIR/tamper_ussd.out" 2>&1 &
sim=$!
k=
for _ in $(seq 1 300); do
	k=$(rcli --scan --pattern 'tns:sess:*212600008009*' | head -n 1)
	[ -n "$k" ] && break; sleep 0.1
done
sleep 1			# the state after the language, saved before its screen
v=$(rcli GET "$k")
# "<version>:" then the sealed state (README "Dialog state versions")
sealed=no; [[ $v =~ ^[0-9]+:S1: ]] && sealed=yes
check "the USSD dialog's state is versioned and sealed (${k:-no key})" [ "$sealed" = yes ]
tamper "$k"
if wait "$sim"; then ok "tampered USSD state: the dialog starts again at the first screen"
else not_ok "tampered USSD state: the dialog starts again at the first screen"
	sed 's/^/    /' "$T_DIR/tamper_ussd.out" | tail -n 25; fi
ks=$(rcli --scan --pattern 'tns:sess:*212600008005*' | head -n 1)
kmoved=${ks/212600008005/212600008006}
rcli SET "$kmoved" "$(rcli GET "$ks")" EX 600 >/dev/null
tamper "$ks"
cat >"$T_DIR/scn/tamper_sms.scn" <<'SCN'
sms 212600008005 1515 "TNS OTP 123456"
expect_sms "envoyez TNS"
sms 212600008006 1515 "TNS OTP 123456"
expect_sms "envoyez TNS"
SCN
if timeout 60 "$SMSC" -l "127.0.0.1:$SPORT" -u tnsgw -w secret -t 40 \
    --script "$T_DIR/scn/tamper_sms.scn" >"$T_DIR/tamper_sms.out" 2>&1; then
	ok "tampered and moved SMS states: the help text, nothing else"
else not_ok "tampered and moved SMS states: the help text, nothing else"
	sed 's/^/    /' "$T_DIR/tamper_sms.out" | tail -n 25; fi
http_get() {
	exec 3<>"/dev/tcp/127.0.0.1/$APORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
	timeout 5 cat <&3
	exec 3>&-
}
n=$(http_get /metrics | awk '/^tnsgw_session_state_refused_total / {print $2}')
check "/metrics: the three refused states counted (got ${n:-none})" [ "${n:-0}" = 3 ]
n=$(grep -c 'does not open' "$T_DIR/tnsgw.log")
check "a warning for each refused state ($n)" [ "$n" -eq 3 ]
check "the warnings name no full MSISDN nor number" \
    bash -c "! grep 'does not open' '$T_DIR/tnsgw.log' | grep -Eq '21260000800[0-9]|QT640975'"

# A core: SIGABRT with the limit raised by the shell. The daemon sets
# itself non-dumpable and RLIMIT_CORE 0, so no core may appear.
pat=$(cat /proc/sys/kernel/core_pattern)
check "daemon still running" kill -0 "$T_DAEMON"
lim=$(awk '/^Max core file size/ {print $5}' "/proc/$T_DAEMON/limits" 2>/dev/null)
check "the daemon's core size limit is 0 (got $lim)" [ "$lim" = 0 ]
kill -ABRT "$T_DAEMON"
for _ in $(seq 1 50); do kill -0 "$T_DAEMON" 2>/dev/null || break; sleep 0.1; done
wait "$T_DAEMON" 2>/dev/null
sleep 0.5
core=$(ls "$T_DIR/core" | grep -m1 '^core' || true)
if [ "${pat:0:1}" = "|" ]; then
	echo "# core_pattern is a pipe ($pat): no core file to look at here"
fi
if [ -n "$core" ]; then
	ncore=$(found "$T_DIR/core/$core" core)
	echo "# a core was written ($core): canaries in it $ncore"
else
	echo "# no core written (core_pattern $pat)"
fi
check "no core file written on SIGABRT" [ -z "$core" ]
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
