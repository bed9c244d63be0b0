#!/usr/bin/env bash
# tnsgw-load against a private redis-server: the sample loads, the layout
# is what README "Redis layout" says (registry layout 2, categories in rank
# order with OTHER last, Tamazight fields when given, proximity points),
# bad files stop with FILE:LINE and switch nothing, --skip-invalid rejects
# rows, reloads replace and keep one generation back, and the guards:
# --max-shrink, --rollback, --check, --max-reject, reject files as CSV.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
L="$TOP/$B/tnsgw-load"
S="$TOP/etc/sample"
D="$T_DIR"

P=$(t_free_port) || { echo "not ok - no free port"; exit 1; }
t_redis "$P" || { echo "not ok - redis-server did not start"; exit 1; }
cli() { redis-cli -p "$P" "$@"; }
load() { "$L" -h 127.0.0.1 -p "$P" "$@"; }
HDR="id_type,id_number,birth_date,id_expiry,status,matricule,has_account,phone,reason"

nbof() { cut -d: -f2 <<<"$1"; }	# a registry pointer's bucket count

# 1. The sample.
out=$(load --registry "$S/registry.csv" --categories "$S/categories.csv" \
    --reasons "$S/reasons.csv" --points "$S/points.csv" 2>&1); rc=$?
check "sample loads (exit $rc: $out)" [ "$rc" -eq 0 ]
check "summary names rows, generation, buckets, layout, rows/s" \
    grep -Eq 'registry: 24 rows, 0 rejected, generation 1, 1 buckets \(fullest 24\), layout 2,.*rows/s' <<<"$out"
check "summary gives bytes per record" grep -q 'bytes per record' <<<"$out"
check "summary names the points ($out)" grep -q 'points: 24 rows, 0 rejected, 12 regions, generation 1' <<<"$out"
check "reg:gen is GEN:NBUCKETS:2 (layout 2)" [ "$(cli get tns:reg:gen)" = "1:1:2" ]
check "cat:gen, rsn:gen and pts:gen set" [ "$(cli get tns:cat:gen)$(cli get tns:rsn:gen)$(cli get tns:pts:gen)" = "111" ]
check "24 records in the bucket" [ "$(cli hlen tns:reg:1:0)" = "24" ]
check "bucket is a listpack" [ "$(cli object encoding tns:reg:1:0)" = "listpack" ]
check "categories in rank order" [ "$(cli lrange tns:cat:1:list 0 3 | tr '\n' ' ')" = "AGRICULTEURS ARTISANS AUTO_ENTREPRENEURS COMMERCANTS " ]
check "unranked categories after the ranked, in file order" [ "$(cli lrange tns:cat:1:list 7 8 | tr '\n' ' ')" = "MEDECINS DENTISTES " ]
check "OTHER listed last" [ "$(cli lindex tns:cat:1:list -1)" = "OTHER" ]
check "24 categories" [ "$(cli llen tns:cat:1:list)" = "24" ]
check "category label_tzm and docs_tzm" \
    [ "$(cli hget tns:cat:1:AGRICULTEURS label_tzm)" = "ⵉⴼⵍⴰⵃⵏ" ]
check "category docs_tzm" grep -q '^ⵜⴰⵍⵖⴰ' <<<"$(cli hget tns:cat:1:AGRICULTEURS docs_tzm)"
check "no tzm field when not given (French at read time)" \
    [ "$(cli hexists tns:cat:1:MEDECINS label_tzm)$(cli hexists tns:cat:1:CPU docs_tzm)" = "00" ]
check "reason text_tzm as <CODE>:tzm" [ "$(cli hexists tns:rsn:1 AMO_CNOPS:tzm)" = "1" ]
check "points: 12 regions listed 1..12" [ "$(cli lrange tns:pts:1:regions 0 -1 | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 11 12 " ]
check "points: region names and count" \
    [ "$(cli hmget tns:pts:1:9 region_fr region_ar count | tr '\n' '/')" = "Souss-Massa/سوس ماسة/2/" ]
check "points: region_tzm" [ "$(cli hget tns:pts:1:1 region_tzm)" = "ⵟⴰⵏⵊⴰ-ⵜⵉⵟⵟⴰⵡⵉⵏ-ⵍⵃⵓⵙⵉⵎⴰ" ]
check "points: p<k> is name|address|hours|phone" \
    [ "$(cli hget tns:pts:1:7 p1)" = "Point de proximité CNSS Marrakech-Gueliz (exemple)|1 avenue de l'Exemple, Gueliz, Marrakech|Lun-Ven 8h30-16h30|0524000001" ]
check "points: no p<count+1>" [ "$(cli hexists tns:pts:1:9 p3)" = "0" ]
check "category label_ar" [ "$(cli hget tns:cat:1:AVOCATS label_ar)" = "المحامون" ]
check "quoted label with a comma" [ "$(cli hget tns:cat:1:COMPTABLES label_fr)" = "Experts-comptables, comptables agréés" ]
check "doubled quotes inside a quoted field" \
    grep -q '(\"modèle J\")' <<<"$(cli hget tns:cat:1:COMMERCANTS docs_fr)"
check "reason text fr/ar" [ "$(cli hexists tns:rsn:1 AMO_CNOPS:fr)$(cli hexists tns:rsn:1 AYANT_DROIT:ar)" = "11" ]
out=$(load --get CIN AB123456)
check "--get A person ($out)" grep -q 'REGISTERED birth=1980-02-01 expiry=2030-05-31 matricule=990000001 has_account=1' <<<"$out"
out=$(load --get CIN 'ab-987 654')
check "normalised number (lower case, dash, space) ($out)" grep -q 'matricule=990000008' <<<"$out"
out=$(load --get CIN BM000123)
check "quoted number, leading-zero matricule ($out)" grep -q 'matricule=000123456' <<<"$out"
out=$(load --get CIN DA100003)
check "--get D person ($out)" grep -q 'INELIGIBLE.*reason=AMO_TADAMON' <<<"$out"
out=$(load --get PASSPORT ZZ0000002)
check "passport record with phone ($out)" grep -q 'has_account=0 phone=212600000114' <<<"$out"
load --get CIN ZZ999999 >/dev/null; rc=$?
check "--get absent person: exit 3" [ "$rc" -eq 3 ]

keys_before=$(cli dbsize)
reg_before=$(cli get tns:reg:gen)

# 2. Bad files: FILE:LINE: reason, exit 1, nothing switched or left over.
bad() {	# name expected-pattern file-content [extra args]
	local name=$1 pat=$2 body=$3 out rc; shift 3
	printf '%b' "$body" >"$D/$name.csv"
	out=$(load --registry "$D/$name.csv" "$@" 2>&1); rc=$?
	check "$name: exit 1 (got $rc)" [ "$rc" -eq 1 ]
	check "$name: says '$pat' (got: $out)" grep -Eq "$pat" <<<"$out"
	check "$name: pointer unchanged" [ "$(cli get tns:reg:gen)" = "$reg_before" ]
	check "$name: no keys left behind" [ "$(cli dbsize)" = "$keys_before" ]
}
bad bad_date "bad_date\\.csv:3: birth_date" \
    "$HDR\nCIN,AB1,1980-01-01,,REGISTERED,1,1,,\nCIN,AB2,1980-02-30,,REGISTERED,2,1,,\n"
bad bad_status "bad_status\\.csv:2: status" \
    "$HDR\nCIN,AB1,1980-01-01,,ACTIVE,1,1,,\n"
bad bad_phone "bad_phone\\.csv:2: phone" \
    "$HDR\nCIN,AB1,1980-01-01,,REGISTERED,1,1,0612,\n"
bad dup "dup\\.csv:4: duplicate of line 2" \
    "$HDR\nCIN,AB1,1980-01-01,,REGISTERED,1,1,,\nPASSPORT,AB1,1980-01-01,,REGISTERED,2,1,,\nCIN,ab-1,1981-01-01,,REGISTERED,3,0,,\n"
bad unknown_reason "unknown_reason\\.csv:2: reason: NOPE" \
    "$HDR\nCIN,AB1,1980-01-01,,INELIGIBLE,,,,NOPE\n"
bad header "header\\.csv:1: header" \
    "id_type,id_number,birth,id_expiry,status,matricule,has_account,phone,reason\nCIN,AB1,1980-01-01,,REGISTERED,1,1,,\n"
bad quote "quote\\.csv:3: unterminated" \
    "$HDR\nCIN,AB1,1980-01-01,,REGISTERED,1,1,,\nCIN,\"AB2,1980-01-01,,REGISTERED,2,1,,\n"
# A multi-line quoted field shifts the physical line numbers.
printf '%s\nCIN,"AB\n1",1980-01-01,,REGISTERED,1,1,,\nCIN,AB2,1980-01-01,,REGISTERED,2,7,,\nCIN,AB3,1980-01-01,,REGISTERED,3,1,,\n' \
    "$HDR" >"$D/multiline.csv"
out=$(load --registry "$D/multiline.csv" --skip-invalid 2>&1)
check "multi-line field: physical line numbers in rejects" \
    bash -c "grep -q 'multiline.csv:2: id_number' '$D/multiline.csv.rejects' && grep -q 'multiline.csv:4: has_account' '$D/multiline.csv.rejects'"
load --registry "$S/registry.csv" >/dev/null 2>&1
keys_before=$(cli dbsize)
reg_before=$(cli get tns:reg:gen)
bad empty "no valid rows" "$HDR\n"
# The new reasons file is the set a registry row is checked against.
printf 'code,text_fr,text_ar\nOTHER,Autre,آخر\n' >"$D/rsn_other.csv"
bad reason_new_set "reason_new_set\\.csv:2: reason: AMO_CNOPS" \
    "$HDR\nCIN,AB1,1980-01-01,,INELIGIBLE,,,,AMO_CNOPS\n" --reasons "$D/rsn_other.csv"
check "reasons not switched either" [ "$(cli get tns:rsn:gen)" = "1" ]

# 3. --skip-invalid: bad rows to the reject file, the rest loads.
printf '\xEF\xBB\xBF%s\r\nCIN,AB1,1980-01-01,,REGISTERED,1,1,,\r\nCIN,AB2,1980-13-01,,REGISTERED,2,1,,\r\nCIN,AB1,1980-01-01,,REGISTERED,3,1,,\r\nCIN,AB3,1980-01-03,2030-01-01,INELIGIBLE,,,,AMO_CNOPS\r\n' \
    "$HDR" >"$D/skip.csv"
out=$(load --registry "$D/skip.csv" --skip-invalid --max-reject 100% --force 2>&1); rc=$?
check "skip-invalid: exit 0 (got $rc: $out)" [ "$rc" -eq 0 ]
check "skip-invalid: counts (BOM and CRLF read)" grep -q 'registry: 2 rows, 2 rejected' <<<"$out"
check "skip-invalid: reject file header + 2 rows" [ "$(wc -l <"$D/skip.csv.rejects")" -eq 3 ]
check "skip-invalid: reasons in the reject file" \
    bash -c "grep -q 'skip.csv:3: birth_date' '$D/skip.csv.rejects' && grep -q 'skip.csv:4: duplicate of line 2' '$D/skip.csv.rejects'"
check "skip-invalid: reason checked against Redis's current reasons" \
    grep -q 'reason=AMO_CNOPS' <<<"$(load --get CIN AB3)"
out=$(load --registry "$D/skip.csv" --skip-invalid --reject-file "$D/rej.csv" --max-reject 2 2>&1)
check "--reject-file names the file" [ -s "$D/rej.csv" ]

# 4. Reload: new generation, the live one kept as the previous, the one
# before unlinked, other datasets untouched.
regbuckets() {	# buckets of the current and the previous registry
	echo $(( $(nbof "$(cli get tns:reg:gen)") + $(nbof "$(cli get tns:reg:prev)") ))
}
prev=$(cli get tns:reg:gen)
out=$(load --registry "$S/registry.csv" 2>&1); rc=$?
g=$(cli get tns:reg:gen)
check "reload: exit 0 and a new generation ($g)" bash -c "[ $rc -eq 0 ] && [ '${g%%:*}' -gt 1 ]"
check "reload: the live generation kept as the previous" [ "$(cli get tns:reg:prev)" = "$prev" ]
check "reload: only the current and previous registries' buckets remain" \
    [ "$(cli --scan --pattern 'tns:reg:[0-9]*' | wc -l)" = "$(regbuckets)" ]
check "reload: categories still generation 1" [ "$(cli get tns:cat:gen)" = "1" ]
out=$(load --categories "$S/categories.csv" 2>&1)
check "categories reload: generation 1 kept as the previous" \
    [ "$(cli get tns:cat:prev)" = 1 ]
out=$(load --categories "$S/categories.csv" 2>&1)
check "categories reload twice: generation 1 unlinked" \
    bash -c "[ \"\$(redis-cli -p $P --scan --pattern 'tns:cat:1:*' | wc -l)\" = 0 ]"
check "categories reload: new list" [ "$(cli llen "tns:cat:$(cli get tns:cat:gen):list")" = "24" ]
out=$(load --points "$S/points.csv" 2>&1); rc=$?
check "points reload: exit 0 ($out)" [ "$rc" -eq 0 ]
out=$(load --points "$S/points.csv" 2>&1); rc=$?
check "points reload twice: generation 1 unlinked" \
    bash -c "[ \"\$(redis-cli -p $P --scan --pattern 'tns:pts:1:*' | wc -l)\" = 0 ]"
check "points reload: 2 x (12 regions + list), pointer and prev" \
    [ "$(cli --scan --pattern 'tns:pts:*' | wc -l)" = 28 ]

# 5. Prefix and db.
out=$(load -n 3 --prefix 'x:' --reasons "$S/reasons.csv" 2>&1); rc=$?
check "prefix and db: exit 0 ($out)" [ "$rc" -eq 0 ]
check "prefix and db: keys there" [ "$(cli -n 3 get x:rsn:gen)" = "$(cli -n 3 get x:gen:seq)" ]

# -c: the daemon's config gives host/port/db/prefix.
if t_conf "$P" 2775 "$D/conf/tnsgw.conf" 2>/dev/null; then
	sed -i 's/^\(\s*prefix\s*=\s*\).*/\1"cfg:";/' "$D/conf/tnsgw.conf"
	out=$("$L" -c "$D/conf/tnsgw.conf" --reasons "$S/reasons.csv" 2>&1); rc=$?
	check "-c CONF: exit 0 ($out)" [ "$rc" -eq 0 ]
	check "-c CONF: prefix from the config" [ -n "$(cli get cfg:rsn:gen)" ]
else
	not_ok "-c CONF: could not write a config"
fi

# 6. A bigger file: several buckets, all listpack.
awk -v hdr="$HDR" 'BEGIN { print hdr; for (i = 0; i < 20000; i++)
	printf "CIN,AB%06d,1980-01-01,2030-01-01,REGISTERED,%d,%d,,\n", i, 100000 + i, i % 2 }' >"$D/big.csv"
out=$(load --registry "$D/big.csv" 2>&1); rc=$?
g=$(cli get tns:reg:gen)
check "20000 rows: exit 0 ($out)" [ "$rc" -eq 0 ]
check "20000 rows: $(( (20000 + 63) / 64 )) buckets or more" [ "$(nbof "$g")" -ge 313 ]
total=0
enc=ok
for b in 0 1 2 $(( $(nbof "$g") - 1 )); do
	[ "$(cli object encoding "tns:reg:${g%%:*}:$b")" = listpack ] || enc=bad
done
for k in $(cli --scan --pattern "tns:reg:${g%%:*}:*"); do
	total=$(( total + $(cli hlen "$k") ))
done
check "20000 rows: every row stored once ($total)" [ "$total" -eq 20000 ]
check "20000 rows: buckets are listpacks" [ "$enc" = ok ]
check "20000 rows: a row reads back" grep -q 'matricule=119999' <<<"$(load --get CIN AB019999)"

# 6b. The reasons' and categories' own rejects; a reject file that cannot
# be written stops the load.
printf 'code,text_fr,text_ar\nOTHER,Autre,آخر\nOTHER,Encore,آخر\nbad,x,y\n' >"$D/rsn_dup.csv"
out=$(load --reasons "$D/rsn_dup.csv" 2>&1); rc=$?
check "reasons duplicate: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "reasons duplicate: FILE:LINE ($out)" grep -q 'rsn_dup.csv:3: duplicate reason code' <<<"$out"
rsn_before=$(cli get tns:rsn:gen)
out=$(load --reasons "$D/rsn_dup.csv" --skip-invalid --max-reject 100% 2>&1); rc=$?
check "reasons --skip-invalid: exit 0 ($out)" [ "$rc" -eq 0 ]
check "reasons --skip-invalid: counts" grep -q 'reasons: 1 rows, 2 rejected' <<<"$out"
check "reasons --skip-invalid: its own reject file" \
    grep -q 'rsn_dup.csv:4: code: expected' "$D/rsn_dup.csv.rejects"
check "reasons --skip-invalid: switched" [ "$(cli get tns:rsn:gen)" != "$rsn_before" ]
awk 'BEGIN { print "code,label_fr,label_ar,documents_fr,documents_ar"
	for (i = 0; i < 70; i++) printf "C%d,l,m,d,e\n", i }' >"$D/cats70.csv"
cat_before=$(cli get tns:cat:gen)
out=$(load --categories "$D/cats70.csv" 2>&1); rc=$?
check "70 categories: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "70 categories: FILE:LINE of the 65th ($out)" \
    grep -q 'cats70.csv:66: too many categories (at most 64)' <<<"$out"
check "70 categories: pointer unchanged" [ "$(cli get tns:cat:gen)" = "$cat_before" ]
reg_before=$(cli get tns:reg:gen)
out=$(load --registry "$D/skip.csv" --skip-invalid --reject-file "$D/nodir/rej.csv" 2>&1); rc=$?
check "unwritable reject file: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "unwritable reject file: says which ($out)" grep -q 'nodir/rej.csv: No such file' <<<"$out"
check "unwritable reject file: pointer unchanged" [ "$(cli get tns:reg:gen)" = "$reg_before" ]

# 6c. Points: bad rows stop with FILE:LINE, or go to FILE.rejects.
PHDR="region,name,address,hours,phone,region_ar,region_tzm"
pts_before=$(cli get tns:pts:gen)
printf '%s\nR,N1,A,H,0500000001,,\nR,N1,A,H,0500000002,,\nR,N|3,A,H,0500000003,,\n' "$PHDR" >"$D/pts_bad.csv"
out=$(load --points "$D/pts_bad.csv" 2>&1); rc=$?
check "points duplicate: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "points duplicate: FILE:LINE ($out)" grep -q 'pts_bad.csv:3: duplicate point name in this region' <<<"$out"
check "points duplicate: pointer unchanged" [ "$(cli get tns:pts:gen)" = "$pts_before" ]
out=$(load --points "$D/pts_bad.csv" --max-reject 2 2>&1); rc=$?
check "points --skip-invalid: exit 0 ($out)" [ "$rc" -eq 0 ]
check "points --skip-invalid: counts" grep -q 'points: 1 rows, 2 rejected, 1 regions' <<<"$out"
check "points --skip-invalid: its own reject file" \
    grep -q 'pts_bad.csv:4: name: ' "$D/pts_bad.csv.rejects"
awk -v hdr="$PHDR" 'BEGIN { print hdr; for (i = 0; i < 17; i++)
	printf "R%d,N,A,H,0500000000,,\n", i }' >"$D/pts17.csv"
out=$(load --points "$D/pts17.csv" 2>&1); rc=$?
check "17 regions: FILE:LINE of the 17th ($out)" \
    grep -q 'pts17.csv:18: too many regions (at most 16)' <<<"$out"

# 6d. Registry layouts. Numbers with one type and the same digits share a
# bucket in layout 2 (a dial pad's digits-only number finds it); layout 1
# (--layout 1, for a daemon that reads only it) spreads them; --get reads
# both; a pointer of an unknown layout is read by no one.
awk -v hdr="$HDR" 'BEGIN { print hdr; for (i = 0; i < 3000; i++) {
	printf "CIN,AB%06d,1980-01-01,,REGISTERED,%d,1,,\n", i, 100000 + i
	printf "CIN,XY%06d,1981-01-01,,REGISTERED,%d,1,,\n", i, 200000 + i
	printf "CIN,%06d,1982-01-01,,REGISTERED,%d,1,,\n", i, 300000 + i } }' >"$D/digits.csv"
split_buckets() {	# how many digit strings sit in more than one bucket
	local g=$1 k
	for k in $(cli --scan --pattern "tns:reg:${g%%:*}:*"); do
		cli hkeys "$k" | sed 's/[A-Z]//g' | sort -u
	done | sort | uniq -d | wc -l
}
out=$(load --registry "$D/digits.csv" --force 2>&1); rc=$?
g=$(cli get tns:reg:gen)
check "layout 2: exit 0, pointer G:N:2 ($g)" bash -c "[ $rc -eq 0 ] && [[ '$g' == *:*:2 ]]"
check "layout 2: several buckets ($g)" [ "$(nbof "$g")" -gt 1 ]
check "layout 2: same digits, same bucket" [ "$(split_buckets "$g")" = 0 ]
check "layout 2: --get XY000123" grep -q 'matricule=200123' <<<"$(load --get CIN XY000123)"
check "layout 2: --get 000123 (digits only)" grep -q 'matricule=300123' <<<"$(load --get CIN 000123)"
out=$(load --registry "$D/digits.csv" --layout 1 2>&1); rc=$?
g=$(cli get tns:reg:gen)
check "--layout 1: exit 0, pointer G:N ($g)" bash -c "[ $rc -eq 0 ] && [[ '$g' =~ ^[0-9]+:[0-9]+\$ ]]"
check "--layout 1: summary says layout 1" grep -q 'layout 1,' <<<"$out"
check "--layout 1: same digits spread over buckets" [ "$(split_buckets "$g")" -gt 0 ]
check "--layout 1: --get reads it" grep -q 'matricule=200123' <<<"$(load --get CIN XY000123)"
out=$(load --registry "$D/digits.csv" 2>&1)
check "layout 1 -> 2: buckets of the generation before unlinked" \
    [ "$(cli --scan --pattern 'tns:reg:[0-9]*' | wc -l)" = "$(regbuckets)" ]
"$L" -h 127.0.0.1 -p "$P" --layout 3 --registry "$D/digits.csv" >/dev/null 2>&1; rc=$?
check "--layout 3: usage, exit 2" [ "$rc" -eq 2 ]
cli set tns:reg:gen 99:1:3 >/dev/null
out=$(load --get CIN AB000001 2>&1); rc=$?
check "unknown layout: --get exit 1 ($out)" bash -c "[ $rc -eq 1 ] && grep -q 'not a layout' <<<'$out'"

# 8. Guards, under their own prefix: a registry that shrinks by half is
# refused and the live one stays; --rollback goes back one generation;
# --check lists every error and writes nothing; --max-reject; the reject
# file is CSV.
lg() { load --prefix g: "$@"; }
gen_rows() {	# file first count matricule-base
	awk -v hdr="$HDR" -v a="$2" -v n="$3" -v m="$4" 'BEGIN { print hdr
		for (i = a; i < a + n; i++)
			printf "CIN,GD%06d,1980-01-01,,REGISTERED,%d,1,,\n", i, m + i }' >"$1"
}
gen_rows "$D/g_a.csv" 0 2000 100000
gen_rows "$D/g_b.csv" 0 2000 500000
gen_rows "$D/g_half.csv" 0 1000 700000
out=$(lg --registry "$D/g_a.csv" 2>&1); rc=$?
check "guards: first load (nothing live) exit 0 ($out)" [ "$rc" -eq 0 ]
gen_a=$(cli get g:reg:gen)
check "guards: no previous generation yet" [ -z "$(cli get g:reg:prev)" ]
out=$(lg --rollback 2>&1); rc=$?
check "rollback with no previous: exit 1 ($out)" [ "$rc" -eq 1 ]
check "rollback with no previous: says so" grep -q 'no previous registry generation' <<<"$out"
check "rollback with no previous: pointer unchanged" [ "$(cli get g:reg:gen)" = "$gen_a" ]
out=$(lg --registry "$D/g_b.csv" 2>&1); rc=$?
gen_b=$(cli get g:reg:gen)
check "guards: second load exit 0, A kept as previous" \
    bash -c "[ $rc -eq 0 ] && [ '$(cli get g:reg:prev)' = '$gen_a' ]"
keys=$(cli dbsize)
out=$(lg --registry "$D/g_half.csv" 2>&1); rc=$?
check "half the registry: refused with exit 3 (got $rc)" [ "$rc" -eq 3 ]
check "half the registry: says by how much ($out)" \
    grep -q 'registry: 1000 rows would replace 2000 live records: 50.0 % fewer, over --max-shrink 10 %: nothing switched' <<<"$out"
check "half the registry: names the override" grep -q -- '--force' <<<"$out"
check "half the registry: pointer and previous unchanged" \
    [ "$(cli get g:reg:gen)/$(cli get g:reg:prev)" = "$gen_b/$gen_a" ]
check "half the registry: nothing written" [ "$(cli dbsize)" = "$keys" ]
check "half the registry: live data unchanged" \
    grep -q 'matricule=501500' <<<"$(lg --get CIN GD001500)"
out=$(lg --registry "$D/g_half.csv" --max-shrink 40 2>&1); rc=$?
check "--max-shrink 40: still refused (exit $rc)" [ "$rc" -eq 3 ]
check "--max-shrink 40: named in the message" grep -q 'over --max-shrink 40 %' <<<"$out"
out=$(lg --rollback 2>&1); rc=$?
check "rollback: exit 0 ($out)" [ "$rc" -eq 0 ]
check "rollback: says where to" grep -q "registry: back to generation ${gen_a%%:*} (2000 records)" <<<"$out"
check "rollback: the pointer is A's again" [ "$(cli get g:reg:gen)" = "$gen_a" ]
check "rollback: --get sees A's data again" \
    grep -q 'matricule=101500' <<<"$(lg --get CIN GD001500)"
check "rollback: no previous left" [ -z "$(cli get g:reg:prev)" ]
check "rollback: B's buckets unlinked" \
    [ "$(cli --scan --pattern "g:reg:${gen_b%%:*}:*" | wc -l)" = 0 ]
out=$(lg --rollback 2>&1); rc=$?
check "second rollback: refused, exit 1 ($out)" \
    bash -c "[ $rc -eq 1 ] && [ '$(cli get g:reg:gen)' = '$gen_a' ]"
# A previous generation whose data is gone is no way back.
lg --registry "$D/g_b.csv" >/dev/null 2>&1
gen_b=$(cli get g:reg:gen)
for k in $(cli --scan --pattern "g:reg:${gen_a%%:*}:*"); do cli unlink "$k" >/dev/null; done
out=$(lg --rollback 2>&1); rc=$?
check "rollback to gone data: refused, exit 1 ($out)" [ "$rc" -eq 1 ]
check "rollback to gone data: says so" grep -q 'has no data in Redis any more' <<<"$out"
check "rollback to gone data: pointer unchanged" [ "$(cli get g:reg:gen)" = "$gen_b" ]
out=$(lg --registry "$D/g_half.csv" --force 2>&1); rc=$?
check "--force: the half file loads ($out)" bash -c "[ $rc -eq 0 ] && [ '$(cli get g:reg:prev)' = '$gen_b' ]"
# The last load alone is rolled back: a categories load after the
# registry's goes back, the registry stays.
lg --categories "$S/categories.csv" >/dev/null 2>&1
cat1=$(cli get g:cat:gen)
lg --categories "$S/categories.csv" >/dev/null 2>&1
reg=$(cli get g:reg:gen)
out=$(lg --rollback 2>&1); rc=$?
check "categories rollback: exit 0 ($out)" [ "$rc" -eq 0 ]
check "categories rollback: categories back, registry untouched" \
    [ "$(cli get g:cat:gen)/$(cli get g:reg:gen)" = "$cat1/$reg" ]
check "categories rollback: its list is there" [ "$(cli llen "g:cat:$cat1:list")" = 24 ]

# --check: every error listed, nothing written, exit 1.
printf '%s\nCIN,GD000001,1980-01-01,,REGISTERED,1,1,,\nCIN,GD000002,1980-02-30,,REGISTERED,2,1,,\nCIN,GD000003,1980-01-01,,ACTIVE,3,1,,\nCIN,GD000004,1980-01-01,,REGISTERED,4,1,0612,\nCIN,GD000001,1980-01-01,,REGISTERED,5,1,,\nCIN,GD000006,1980-01-01,,REGISTERED,6,1,,\n' \
    "$HDR" >"$D/g_check.csv"
keys=$(cli dbsize); reg=$(cli get g:reg:gen)
out=$(lg --check --registry "$D/g_check.csv" 2>&1); rc=$?
check "--check: exit 1 (got $rc)" [ "$rc" -eq 1 ]
for want in 'g_check.csv:3: birth_date' 'g_check.csv:4: status' \
    'g_check.csv:5: phone' 'g_check.csv:6: duplicate of line 2'; do
	check "--check lists $want" grep -q "$want" <<<"$out"
done
check "--check: the count" grep -q 'g_check.csv: 2 valid rows, 4 errors' <<<"$out"
check "--check: no birth date or number in the messages" \
    bash -c "! grep -Eq '1980-02-30|GD00000' <<<'$out'"
check "--check: nothing written" [ "$(cli dbsize)/$(cli get g:reg:gen)" = "$keys/$reg" ]
check "--check: no reject file" [ ! -e "$D/g_check.csv.rejects" ]
out=$(lg --check --registry "$D/g_half.csv" 2>&1); rc=$?
check "--check of a good file: exit 0 ($out)" [ "$rc" -eq 0 ]
check "--check: compares with the live registry" grep -q '1000 rows against 1000 live records' <<<"$out"
out=$(lg --check --registry "$D/g_check.csv" --skip-invalid --max-reject 100% --force 2>&1); rc=$?
check "--check with --skip-invalid still fails on errors (exit $rc)" [ "$rc" -eq 1 ]
out=$(lg --check --registry "$D/g_a.csv" --categories "$D/cats70.csv" 2>&1); rc=$?
check "--check: a categories error too ($out)" \
    bash -c "[ $rc -eq 1 ] && grep -q 'cats70.csv:66: too many categories' <<<'$out'"

# --max-reject: the default (1 %) refuses 4 of 6; a count or a share
# allows what it says.
out=$(lg --registry "$D/g_check.csv" --skip-invalid --force 2>&1); rc=$?
check "4 of 6 rows rejected: refused by the default 1 % (exit $rc)" [ "$rc" -eq 3 ]
check "--max-reject message ($out)" \
    grep -q 'g_check.csv: 4 of 6 rows rejected (66.7 %), over --max-reject 1 %: nothing switched' <<<"$out"
check "--max-reject: pointer unchanged" [ "$(cli get g:reg:gen)" = "$reg" ]
out=$(lg --registry "$D/g_check.csv" --max-reject 3 --force 2>&1); rc=$?
check "--max-reject 3: 4 rejected, refused (exit $rc)" [ "$rc" -eq 3 ]
out=$(lg --registry "$D/g_check.csv" --max-reject 4 --force 2>&1); rc=$?
check "--max-reject 4: loads ($out)" bash -c "[ $rc -eq 0 ] && grep -q 'registry: 2 rows, 4 rejected' <<<'$out'"
"$L" -p "$P" --registry "$D/g_check.csv" --max-reject 5x >/dev/null 2>&1; rc=$?
check "--max-reject 5x: usage, exit 2" [ "$rc" -eq 2 ]
"$L" -p "$P" --registry "$D/g_check.csv" --max-shrink 101 >/dev/null 2>&1; rc=$?
check "--max-shrink 101: usage, exit 2" [ "$rc" -eq 2 ]

# The reject file is CSV: the header's columns plus reject_reason, every
# row as many fields, malformed rows included, UTF-8 (a bad byte is
# U+FFFD).
printf '%s\nCIN,GD000001,1980-01-01,,REGISTERED,1,1,,\nCIN,"GD0,2",1980-02-30,,REGISTERED,2,1,,\nCIN,GD000003,1980-01-01\nCIN,GD000004,1980-01-01,,REGISTERED,4,1,,,extra,"x""y"\nCIN,GD"5,1980-01-01,,ACTIVE,5,1,,\nCIN,GD\xff7,1980-01-01,,REGISTERED,7,1,,\nCIN,"GD000006,1980-01-01,,REGISTERED,6,1,,\n' \
    "$HDR" >"$D/g_rej.csv"
out=$(lg --registry "$D/g_rej.csv" --max-reject 100% --force 2>&1); rc=$?
check "reject file: load exit 0 ($out)" [ "$rc" -eq 0 ]
check "reject file: mode 0600 (personal data)" [ "$(stat -c %a "$D/g_rej.csv.rejects")" = 600 ]
out=$(python3 - "$D/g_rej.csv.rejects" <<'PY' 2>&1
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f, strict=True))
hdr = rows[0]
assert hdr[-1] == 'reject_reason' and len(hdr) == 10, hdr
assert len(rows) == 7, len(rows)
for r in rows[1:]:
    assert len(r) == len(hdr), r
    assert ':' in r[-1] and 'g_rej.csv:' in r[-1], r
assert rows[1][1] == 'GD0,2', rows[1]
assert rows[4][1] == 'GD"5', rows[4]
assert rows[5][1] == 'GD\ufffd7', rows[5]
print('ok', len(rows) - 1)
PY
)
check "reject file parses as UTF-8 CSV, 6 rows of 10 fields ($out)" [ "$out" = "ok 6" ]

# Progress: on a terminal (script(1) gives one) for a file of 8 MB or
# more; nothing of it on a pipe.
awk -v hdr="$HDR" 'BEGIN { print hdr; for (i = 0; i < 125000; i++)
	printf "CIN,PR%07d,1980-01-01,2030-01-01,REGISTERED,%d,1,212600000000,\n", i, 100000 + i }' >"$D/g_big.csv"
out=$(script -qec "'$L' -h 127.0.0.1 -p $P --prefix p: --registry '$D/g_big.csv'" /dev/null 2>&1 | tr '\r' '\n')
check "progress on a terminal ($(tail -n 3 <<<"$out" | tr '\n' ' '))" \
    bash -c "grep -q 'checking .*g_big.csv (8 MB)' <<<'$out' && grep -q 'writing the registry 100 %' <<<'$out'"
out=$(load --prefix p: --registry "$D/g_big.csv" 2>&1)
check "no progress on a pipe" bash -c "! grep -q 'writing the registry' <<<'$out' && grep -q 'registry: 125000 rows' <<<'$out'"

# 6b. Each bucket goes as one RESTORE of the listpack HSET builds: the
# same keys, byte for byte, as --hset; HSETs when Redis refuses RESTORE
# (an ACL without it) or would not keep a bucket as a listpack.
awk -v hdr="$HDR" 'BEGIN { print hdr; for (i = 0; i < 3000; i++) {
	if (i % 7 == 3)
		printf "PASSPORT,RS%06d,1975-03-%02d,,INELIGIBLE,,,,AMO_CNOPS\n", i, 1 + i % 28
	else
		printf "CIN,RS%06d,1980-01-%02d,2031-12-31,REGISTERED,%d,%d,2126%08d,\n", i, 1 + i % 28, 1000 + i, i % 2, i } }' >"$D/g_rs.csv"
dumps() {	# prefix: "key sha1" of every registry bucket of generation 1
	local k
	for k in $(cli --scan --pattern "$1reg:1:*" | sort); do
		echo "${k#"$1"} $(cli --raw dump "$k" | sha1sum | cut -c1-40)"
	done
}
out=$(load --prefix rs1: --reasons "$S/reasons.csv" --registry "$D/g_rs.csv" 2>&1); rc=$?
check "RESTORE load: exit 0, no fallback ($out)" bash -c "[ $rc -eq 0 ] && ! grep -q 'RESTORE refused' <<<'$out'"
out=$(load --prefix rs2: --reasons "$S/reasons.csv" --registry "$D/g_rs.csv" --hset 2>&1); rc=$?
check "--hset load: exit 0 ($out)" [ "$rc" -eq 0 ]
a=$(dumps rs1:); b=$(dumps rs2:)
check "RESTORE and --hset: $(wc -l <<<"$a") buckets, the same bytes" \
    bash -c "[ -n '$a' ] && [ '$a' = '$b' ] && [ $(wc -l <<<"$a") -gt 20 ]"
check "RESTORE: buckets are listpacks" [ "$(cli object encoding "$(cli --scan --pattern 'rs1:reg:1:*' | head -n 1)")" = "listpack" ]
out=$(load --prefix rs1: --get PASSPORT RS000003 2>&1)
check "RESTORE: --get reads a record back ($out)" grep -q 'INELIGIBLE birth=1975-03-04' <<<"$out"
cli acl setuser rsload on '>rs-pw' '~*' '&*' +@all -restore >/dev/null
out=$(TNSGW_REDIS_PASSWORD=rs-pw load --user rsload --prefix rs3: --reasons "$S/reasons.csv" --registry "$D/g_rs.csv" 2>&1); rc=$?
check "RESTORE refused by the ACL: said, HSETs, exit 0 ($out)" \
    bash -c "[ $rc -eq 0 ] && grep -q 'RESTORE refused' <<<'$out'"
check "RESTORE refused: the same bytes as --hset" [ "$(dumps rs3:)" = "$b" ]
cli acl deluser rsload >/dev/null
cli config set hash-max-listpack-entries 40 >/dev/null
out=$(load --prefix rs4: --reasons "$S/reasons.csv" --registry "$D/g_rs.csv" 2>&1); rc=$?
encs=$(for k in $(cli --scan --pattern 'rs4:reg:1:*'); do cli object encoding "$k"; done | sort | uniq -c | tr -s ' \n' ' ')
out2=$(load --prefix rs5: --reasons "$S/reasons.csv" --registry "$D/g_rs.csv" --hset 2>&1)
encs2=$(for k in $(cli --scan --pattern 'rs5:reg:1:*'); do cli object encoding "$k"; done | sort | uniq -c | tr -s ' \n' ' ')
cli config set hash-max-listpack-entries 128 >/dev/null
check "buckets over hash-max-listpack-entries go as HSETs: the encodings of --hset ($encs / $encs2)" \
    bash -c "[ $rc -eq 0 ] && grep -q hashtable <<<'$encs' && grep -q listpack <<<'$encs' && [ '$encs' = '$encs2' ]"
"$L" -p "$P" --rollback --hset >/dev/null 2>&1; rc=$?
check "--hset without --registry: usage, exit 2" [ "$rc" -eq 2 ]

# 7. Usage and connection errors.
"$L" >/dev/null 2>&1; rc=$?
check "no arguments: usage, exit 2" [ "$rc" -eq 2 ]
"$L" -h 127.0.0.1 -p 1 --reasons "$S/reasons.csv" >/dev/null 2>&1; rc=$?
check "no Redis: exit 1" [ "$rc" -eq 1 ]

echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
