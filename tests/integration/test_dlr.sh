#!/usr/bin/env bash
# Delivery receipts end to end: case-B dialogs played by a simulator that
# answers every SMS asked with registered_delivery with a receipt (--dlr
# text, tlv, hex; --dlr-stat UNDELIV once); each outbox entry the run sent
# must reach P"outbox:st:<id>" state "delivered" (or "undeliverable"). Hex
# ids against a bind left at dlr_id "dec" must stay "sent": the setting
# matters. One person per run (a person with a password pending gets
# "already sent"), one MSISDN per run (rate limit); concatenated SMS too.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
S="$TOP/tests/integration/scenarios"
OB="tns:outbox"
ST="tns:outbox:st:"

RPORT=$(t_free_port); SPORT=$(t_free_port)
t_redis "$RPORT" || { not_ok "redis-server starts"; exit 1; }
# The sample registry, plus one person for the concatenated SMS run.
{ cat "$TOP/etc/sample/registry.csv"
  echo "CIN,DL000201,1984-04-04,2031-04-04,REGISTERED,990000201,0,212600000201,"
} >"$T_DIR/registry.csv"
"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$RPORT" --registry "$T_DIR/registry.csv" \
    --categories "$TOP/etc/sample/categories.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1 ||
	{ not_ok "registry loads"; exit 1; }
t_keys "$T_DIR/keys" || { not_ok "back office makes keys"; exit 1; }
t_conf "$RPORT" "$SPORT" "$T_DIR/dec.conf" "" "$T_DIR/keys" || exit 1
grep -q '^\s*dlr_id\s*=\s*"dec"\s*;' "$T_DIR/dec.conf" ||
	{ not_ok "the shipped config has dlr_id \"dec\""; exit 1; }
sed 's/^\(\s*dlr_id\s*=\s*\)"dec"\s*;/\1"hex";/' "$T_DIR/dec.conf" >"$T_DIR/hex.conf"
check "config with dlr_id \"hex\" passes -t" \
    bash -c "grep -q 'dlr_id = \"hex\";' '$T_DIR/hex.conf' &&
	'$TOP/$B/tnsgw' -t -c '$T_DIR/hex.conf' >/dev/null 2>&1"
t_daemon "$T_DIR/dec.conf" "$T_DIR/tnsgw.log"

rcli() { redis-cli -p "$RPORT" --raw "$@"; }

# Every outbox entry id, oldest first: those still in the stream and those
# with a state record (a settled entry is deleted from the stream).
outbox_ids() {
	{ rcli EVAL "local r = {} for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do r[#r + 1] = e[1] end return r" 1 "$OB"
	  rcli --scan --pattern "$ST*" | sed "s/^$ST//"; } |
	    grep . | sort -u -t- -k1,1n -k2,2n
}
touch "$T_DIR/seen"
NEW=()
new_ids() {	# [N]: the entries written since the last call, in NEW (N awaited)
	for _ in $(seq 1 50); do
		outbox_ids >"$T_DIR/ids"
		mapfile -t NEW < <(grep -vxFf "$T_DIR/seen" "$T_DIR/ids" | grep .)
		[ "${#NEW[@]}" -ge "${1:-0}" ] && break
		sleep 0.1
	done
	cat "$T_DIR/ids" >"$T_DIR/seen"
}
states() {	# "id=state" for each of NEW
	local id
	for id in "${NEW[@]}"; do echo "$id=$(rcli HGET "$ST$id" state)"; done
}
# wait_state STATE [tenths]: every entry of NEW in STATE, within the bound.
wait_state() {
	local want=$1 n=${2:-100} id all
	for _ in $(seq 1 "$n"); do
		all=1
		for id in "${NEW[@]}"; do
			[ "$(rcli HGET "$ST$id" state)" = "$want" ] || { all=0; break; }
		done
		[ "$all" -eq 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# play NAME SCENARIO SIMULATOR_OPTIONS...: its log in $T_DIR/NAME.out
play() {
	local name=$1 scn=$2; shift 2
	if timeout 60 "$TOP/$B/tnsgw-smsc" -l "127.0.0.1:$SPORT" -u tnsgw \
	    -w secret -t 40 --script "$S/$scn" "$@" >"$T_DIR/$name.out" 2>&1; then
		ok "$name: scenario $scn ($*)"
	else
		not_ok "$name: scenario $scn ($*)"
		sed 's/^/    /' "$T_DIR/$name.out" | tail -n 25
	fi
	new_ids 2
	check "$name: two SMS in the outbox (${#NEW[@]})" [ "${#NEW[@]}" -eq 2 ]
}
# receipts NAME N: the simulator sent N receipts in that run
receipts() {
	local n
	n=$(grep -c '\] receipt ' "$T_DIR/$1.out")
	check "$1: the simulator sent $2 receipts ($n)" [ "$n" -eq "$2" ]
}
# expect_state NAME STATE: every entry of the run reaches STATE
expect_state() {
	if wait_state "$2" 100; then ok "$1: every entry \"$2\""; else
		not_ok "$1: every entry \"$2\": $(states | tr '\n' ' ')"; fi
	check "$1: receipt time recorded" bash -c "
	    for id in ${NEW[*]}; do
		[ -n \"\$(redis-cli -p $RPORT HGET '$ST'\$id dlr_ts)\" ] || exit 1
	    done"
}

# Appendix B text, ids in decimal; receipts 300 ms after each response.
play text dlr_text.scn --dlr text --dlr-delay 300
receipts text 2
expect_state text delivered

# TLVs only; the SMSC answers each SMS up to 300 ms late (a receipt never
# precedes its message's response); ids from 101.
play tlv dlr_tlv.scn --dlr tlv --resp-delay 300 --dlr-delay 100 --msgid-start 101
receipts tlv 2
expect_state tlv delivered

# A failed delivery reads "undeliverable".
play undeliv dlr_undeliv.scn --dlr text --dlr-stat UNDELIV --msgid-start 201
receipts undeliv 2
expect_state undeliv undeliverable

# Concatenated SMS (Arabic, UCS-2: two segments each): a receipt asked
# for the first segment only, the one whose id the entry is matched by
# (so two receipts, not four). The receipt comes at once, before the last
# segment's response: the first segment's id is recorded as soon as it is
# known, and the settle state ("sent") never overwrites a receipt's. No
# receipt is left waiting for an id never recorded.
play concat dlr_concat.scn --dlr tlv --msgid-start 301
receipts concat 2
expect_state concat delivered
check "concat: no early receipt left (a segment's receipt nothing matches)" \
    bash -c "[ -z \"\$(redis-cli -p $RPORT --scan --pattern 'tns:outbox:mid:*:w')\" ]"

# Hex ids (0x1000 up: "1000", "1001" ...) on a bind left at dlr_id "dec":
# the daemon reads "1000" as one thousand, the receipt says 4096. The
# entries are settled "sent", the receipts come, and nothing matches.
play hexdec dlr_hex_dec.scn --dlr hex --msgid-start 4096
receipts hexdec 2
if wait_state sent 100; then
	sleep 1	# receipts are in the daemon's hands: give them time to land
	check "hexdec: states stay \"sent\" ($(states | tr '\n' ' '))" wait_state sent 1
else
	not_ok "hexdec: entries settled \"sent\": $(states | tr '\n' ' ')"
fi

# The same SMSC with dlr_id "hex": ids 0x1a2f up ("1a2f", "1a30" ...).
kill "$T_DAEMON"; wait "$T_DAEMON" 2>/dev/null
t_daemon "$T_DIR/hex.conf" "$T_DIR/tnsgw-hex.log"
play hex dlr_hex.scn --dlr hex --msgid-start 6703
receipts hex 2
expect_state hex delivered
check "hex: message ids recorded as the SMSC wrote them (hex)" bash -c "
    for id in ${NEW[*]}; do
	redis-cli -p $RPORT HGET '$ST'\$id message_id | grep -qx '1a[0-9a-f][0-9a-f]' || exit 1
    done"

check "no receipt refused as without a usable id" \
    bash -c "! grep -q 'receipt without a usable id' '$T_DIR/tnsgw.log' '$T_DIR/tnsgw-hex.log'"
check "daemon still running" kill -0 "$T_DAEMON"
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
