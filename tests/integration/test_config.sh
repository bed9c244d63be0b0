#!/usr/bin/env bash
# tnsgw -t: the shipped config passes; broken ones exit 1 naming FILE:LINE.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
D="$TOP/$B/tnsgw"

out=$("$D" -t -c "$TOP/etc/tnsgw.conf" 2>&1); rc=$?
check "shipped etc/tnsgw.conf passes -t (exit $rc: $out)" [ "$rc" -eq 0 ]

# The shipped config with one line added/changed; its catalogue stays found.
mk() {	# name sed-expression
	sed -e "$2" "$TOP/etc/tnsgw.conf" >"$T_DIR/$1.conf"
	chmod 600 "$T_DIR/$1.conf"
	mkdir -p "$T_DIR/messages" && cp "$TOP"/etc/messages/*.conf "$T_DIR/messages/"
}
expect_fail() {	# name pattern
	local out rc
	out=$("$D" -t -c "$T_DIR/$1.conf" 2>&1); rc=$?
	check "$1: exit 1 (got $rc)" [ "$rc" -eq 1 ]
	check "$1: says '$2' (got: $out)" grep -Eq "$2" <<<"$out"
}

line=$(grep -n '^redis' "$TOP/etc/tnsgw.conf" | head -n1 | cut -d: -f1)
mk unknown_key "${line}a\\  colour = \"blue\";"
expect_fail unknown_key "unknown_key\\.conf:$((line + 1)): .*colour"

pline=$(grep -nE '^\s*port\s*=\s*6380' "$TOP/etc/tnsgw.conf" | head -n1 | cut -d: -f1)
mk wrong_type "${pline}s/6380/\"six\"/"
expect_fail wrong_type "wrong_type\\.conf:$pline: .*port"

mk out_of_range "${pline}s/6380/70000/"
expect_fail out_of_range "out_of_range\\.conf:$pline: .*port"

mk syntax "${pline}s/= */= = /"
expect_fail syntax "syntax\\.conf:[0-9]+: "

rm -f "$T_DIR/messages/fr.conf"
mk no_catalogue "s/^x//"
rm -f "$T_DIR/messages/fr.conf"
expect_fail no_catalogue "fr\\.conf"

out=$("$D" -t -c "$T_DIR/does-not-exist.conf" 2>&1); rc=$?
check "missing file: exit 1 and named (got: $out)" bash -c "[ $rc -eq 1 ] && grep -q does-not-exist <<<\"\$1\"" _ "$out"

# Files others can change are refused, by -t and at start alike, with
# "FILE: reason": the config when group- or world-writable, a key file
# when so, a secret key also when anyone can read it.
refused() {	# name file pattern [more tnsgw args]
	local name=$1 file=$2 pat=$3 out rc
	out=$("$D" -t -c "$T_DIR/keyed.conf" 2>&1); rc=$?
	check "$name: -t exits 1 (got $rc)" [ "$rc" -eq 1 ]
	check "$name: -t says '$file: $pat' (got: $out)" grep -qF "$file: $pat" <<<"$out"
	out=$(timeout 10 "$D" -f -c "$T_DIR/keyed.conf" 2>&1); rc=$?
	check "$name: start exits 1 (got $rc)" [ "$rc" -eq 1 ]
	check "$name: start says why (got: $out)" grep -qF "$file: $pat" <<<"$out"
}
t_keys "$T_DIR/keys" >/dev/null || not_ok "key files"
t_conf 6380 2775 "$T_DIR/keyed.conf" "" "$T_DIR/keys"
chmod 600 "$T_DIR/keyed.conf"
out=$("$D" -t -c "$T_DIR/keyed.conf" 2>&1); rc=$?
check "config with key files, modes 0600: passes -t (exit $rc: $out)" [ "$rc" -eq 0 ]
chmod 644 "$T_DIR/keys/provisioning.pub"
out=$("$D" -t -c "$T_DIR/keyed.conf" 2>&1); rc=$?
check "a public key anyone can read passes (exit $rc: $out)" [ "$rc" -eq 0 ]
chmod 640 "$T_DIR/keys/outbox.key"
out=$("$D" -t -c "$T_DIR/keyed.conf" 2>&1); rc=$?
check "a secret key its group can read passes (exit $rc: $out)" [ "$rc" -eq 0 ]

chmod 664 "$T_DIR/keyed.conf"
refused "group-writable config" "$T_DIR/keyed.conf" "writable by its group (mode 0664), refused"
chmod 602 "$T_DIR/keyed.conf"
refused "world-writable config" "$T_DIR/keyed.conf" "writable by anyone (mode 0602), refused"
chmod 600 "$T_DIR/keyed.conf"
chmod 644 "$T_DIR/keys/outbox.key"
refused "world-readable outbox key" "$T_DIR/keys/outbox.key" "readable by anyone (mode 0644), refused"
chmod 620 "$T_DIR/keys/outbox.key"
refused "group-writable outbox key" "$T_DIR/keys/outbox.key" "writable by its group (mode 0620), refused"
chmod 600 "$T_DIR/keys/outbox.key"
chmod 646 "$T_DIR/keys/provisioning.pub"
refused "world-writable public key" "$T_DIR/keys/provisioning.pub" "writable by anyone (mode 0646), refused"
chmod 644 "$T_DIR/keys/provisioning.pub"
out=$("$D" -t -c "$T_DIR/keyed.conf" 2>&1); rc=$?
check "modes put back: passes again (exit $rc: $out)" [ "$rc" -eq 0 ]

"$D" >/dev/null 2>&1; rc=$?
check "no arguments: usage, exit 2" [ "$rc" -eq 2 ]
echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
