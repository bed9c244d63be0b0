#!/usr/bin/env bash
# tnsgw-backoffice: key files (mode, no overwrite), open sealed passwords,
# list the provisioning and outbox streams of a private redis-server with
# the passwords opened and the boxed bodies decrypted; exit codes 0/1/2.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
BO="$TOP/$B/tnsgw-backoffice"
cd "$T_DIR"

"$BO" keygen prov.pub prov.sec; rc=$?
check "keygen exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "keygen: both files mode 0600" \
    [ "$(stat -c %a prov.pub prov.sec | tr '\n' ' ')" = "600 600 " ]
check "keygen: 44 base64 characters on one line" \
    grep -Eqx '[A-Za-z0-9+/]{43}=' prov.pub
"$BO" keygen prov.pub other.sec 2>err; rc=$?
check "keygen refuses to overwrite (exit $rc: $(cat err))" \
    bash -c "[ $rc -eq 1 ] && grep -q 'prov.pub: cannot create: File exists' err && [ ! -e other.sec ]"
"$BO" secretkey outbox.key; rc=$?
check "secretkey exits 0, mode 0600" \
    bash -c "[ $rc -eq 0 ] && [ \"\$(stat -c %a outbox.key)\" = 600 ]"
"$BO" keygen other.pub other.sec

pw='Ab3kPq9xYz'
sealed=$("$BO" seal prov.pub "$pw")
check "open: argument" [ "$("$BO" open prov.pub prov.sec "$sealed")" = "$pw" ]
check "open: stdin, blank lines skipped" \
    [ "$(printf '%s\n\n%s\n' "$sealed" "$sealed" | "$BO" open prov.pub prov.sec)" = "$pw"$'\n'"$pw" ]
"$BO" open other.pub other.sec "$sealed" >out 2>err; rc=$?
check "open with another key pair: exit 1, nothing printed" \
    bash -c "[ $rc -eq 1 ] && [ ! -s out ] && grep -q 'cannot open' err"
"$BO" open prov.pub other.sec "$sealed" 2>err; rc=$?
check "open with mismatched pair: exit 1 ($(cat err))" \
    bash -c "[ $rc -eq 1 ] && grep -q 'not the secret key' err"
echo "not a key" >bad.key
"$BO" open bad.key prov.sec "$sealed" 2>err; rc=$?
check "bad key file: exit 1, 'bad.key: not base64'" \
    bash -c "[ $rc -eq 1 ] && grep -q 'bad.key: not base64' err"
"$BO" open prov.pub 2>/dev/null; rc=$?
check "usage: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$BO" frobnicate 2>/dev/null; rc=$?
check "unknown command: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$BO" keygen a b -p 1 2>/dev/null; rc=$?
check "redis options on keygen: exit 2 (got $rc)" [ "$rc" -eq 2 ]

# The streams, written here as store.c writes them.
RP=$(t_free_port)
t_redis "$RP"
R() { redis-cli -p "$RP" "$@" >/dev/null; }
pw2='ZZkm23xyPQ'
R XADD tns:provisioning '*' matricule 1234567 msisdn 212612340123 \
    password_sealed "$sealed" channel ussd operator iam ts 1700000000
R XADD tns:provisioning '*' matricule 7654321 msisdn 212698765432 \
    password_sealed "$("$BO" seal prov.pub "$pw2")" channel sms operator inwi ts 1700000001
out=$("$BO" provisioning prov.pub prov.sec -p "$RP"); rc=$?
ids=($(redis-cli -p "$RP" XRANGE tns:provisioning - + | grep -E '^[0-9]+-[0-9]+$'))
want="${ids[0]} 1234567 212612340123 ussd iam 1700000000 $pw
${ids[1]} 7654321 212698765432 sms inwi 1700000001 $pw2"
check "provisioning: one line per entry, passwords opened (exit $rc)" \
    [ "$rc" -eq 0 -a "$out" = "$want" ]
"$BO" provisioning other.pub other.sec -p "$RP" >out 2>err; rc=$?
check "provisioning with another key pair: exit 1, no password shown" \
    bash -c "[ $rc -eq 1 ] && ! grep -q '$pw' out && grep -q 'cannot open password_sealed' err"
check "provisioning: empty stream under another prefix prints nothing" \
    [ -z "$("$BO" provisioning prov.pub prov.sec -p "$RP" --prefix x:)" ]

body1="Votre code CNSS: 482913. Valable 5 minutes."
box1=$(printf '%s\n' "$body1" | "$BO" box outbox.key iam 212612340123 1 1 otp iam)
R XADD tns:outbox '*' bind iam to 212612340123 from '' kind otp lang fr \
    body "$box1" expires_ms 1700000300000 to_ton 1 to_npi 1 op iam
R XADD tns:outbox '*' bind inwi to 212698765432 from '' kind docs lang fr \
    body $'Pieces:\n- CIN\n- photo' expires_ms 0
out=$("$BO" outbox outbox.key -p "$RP"); rc=$?
ids=($(redis-cli -p "$RP" XRANGE tns:outbox - + | grep -E '^[0-9]+-[0-9]+$'))
want="${ids[0]} otp iam 212612340123 $body1
${ids[1]} docs inwi 212698765432 Pieces:\\n- CIN\\n- photo"
check "outbox: sealed body (sb2) opened, newlines as \\n (exit $rc)" \
    [ "$rc" -eq 0 -a "$out" = "$want" -a "${box1:0:4}" = sb2: ]
check "outbox: Redis holds no OTP in clear" \
    bash -c "! redis-cli -p $RP XRANGE tns:outbox - + | grep -q 482913"
"$BO" secretkey other.key
"$BO" outbox other.key -p "$RP" >out 2>err; rc=$?
check "outbox with another key: exit 1, the plain entry still listed" \
    bash -c "[ $rc -eq 1 ] && grep -q 'cannot open the body (key' err && ! grep -q 482913 out && grep -q '^${ids[1]} docs' out"
# The old key given second opens what it sealed (a rotation).
"$BO" outbox other.key outbox.key -p "$RP" >out 2>err; rc=$?
check "outbox with the new key and the old one: the body sealed under the old opens (exit $rc)" \
    bash -c "[ $rc -eq 0 ] && grep -q '482913' out"
# The same body copied into an entry for another number does not open.
copy=$(redis-cli -p "$RP" XADD tns:outbox '*' bind iam to 212600000001 \
    from '' kind otp lang fr body "$box1" expires_ms 1700000300000 \
    to_ton 1 to_npi 1 op iam)
"$BO" outbox outbox.key -p "$RP" >out 2>err; rc=$?
check "outbox: a body copied to another 'to' does not open (exit $rc: $(head -n 1 err))" \
    bash -c "[ $rc -eq 1 ] && grep -q 'cannot open the body (seal' err && [ \$(grep -c 482913 out) -eq 1 ]"
R XDEL tns:outbox "$copy"

# Many entries: more than one XRANGE batch.
for i in $(seq 1 1203); do
	echo "XADD tns:outbox * bind iam to 2126$i kind docs body b$i"
done | redis-cli -p "$RP" >/dev/null
n=$("$BO" outbox outbox.key -p "$RP" | wc -l)
check "outbox: 1205 entries over several batches (got $n)" [ "$n" -eq 1205 ]

"$BO" outbox outbox.key -p "$(t_free_port)" 2>err; rc=$?
check "redis down: exit 1 ($(cat err))" [ "$rc" -eq 1 ]

echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
