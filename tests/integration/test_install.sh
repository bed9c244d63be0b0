#!/usr/bin/env bash
# make install DESTDIR=... PREFIX=/usr: the tree of DESIGN.md §4, the
# installed programs' --version/--help (every long option of the source
# described, in --help and in the man page), the production template
# passing tnsgw -t once its keys exist, an existing config kept, the units
# accepted by systemd-analyze verify with an exposure of 1.1 or lower, and
# every man page rendered without a warning.
set -u
source "$(dirname "$0")/../lib.sh"
t_tmpdir
trap t_cleanup EXIT
D=$T_DIR/dest
MAX_EXPOSURE=1.1
san=; [ "$B" = build-san ] && san=SAN=1

# Units made earlier for another PREFIX must be made again.
make -s -C "$TOP" $san units PREFIX=/opt/stale >/dev/null 2>&1

out=$(make -s -C "$TOP" $san install DESTDIR="$D" PREFIX=/usr 2>&1); rc=$?
check "make install DESTDIR PREFIX=/usr exits 0 (exit $rc: $(tail -n 3 <<<"$out"))" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || { echo "# $T_PASS passed, $T_FAIL failed"; exit 1; }

# --- the tree -----------------------------------------------------------
for f in usr/sbin/tnsgw usr/bin/tnsgw-load usr/bin/tnsgw-smsc \
    usr/bin/tnsgw-backoffice; do
	check "$f installed, executable" [ -x "$D/$f" -a -f "$D/$f" ]
done
for f in usr/lib/systemd/system/tnsgw.service \
    usr/lib/systemd/system/tnsgw@.service usr/lib/sysusers.d/tnsgw.conf \
    etc/tnsgw/messages/fr.conf etc/tnsgw/messages/ar.conf \
    etc/tnsgw/messages/tzm.conf usr/share/man/man8/tnsgw.8 \
    usr/share/man/man5/tnsgw.conf.5 usr/share/man/man8/tnsgw-load.8 \
    usr/share/man/man1/tnsgw-smsc.1 usr/share/man/man1/tnsgw-backoffice.1; do
	check "$f installed" [ -f "$D/$f" ]
done
mode=$(stat -c %a "$D/etc/tnsgw/tnsgw.conf" 2>/dev/null)
check "etc/tnsgw/tnsgw.conf installed 0640 (mode $mode)" [ "$mode" = 640 ]
mode=$(stat -c %a "$D/etc/tnsgw/keys" 2>/dev/null)
check "etc/tnsgw/keys/ installed 0750 (mode $mode)" [ "$mode" = 750 ]
check "nothing under /usr/local with PREFIX=/usr" \
    [ -z "$(find "$D" -path '*/local*' -print -quit)" ]
check "sysusers.d declares the tnsgw user" \
    grep -qE '^u[[:space:]]+tnsgw[[:space:]]' "$D/usr/lib/sysusers.d/tnsgw.conf"
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$T_DIR/sysroot/etc"
	out=$(systemd-sysusers --root="$T_DIR/sysroot" \
	    "$D/usr/lib/sysusers.d/tnsgw.conf" 2>&1); rc=$?; out=$(tr "\n" " " <<<"$out")
	check "systemd-sysusers --root makes user and group tnsgw, no login (exit $rc: $out)" \
	    [ "$rc" -eq 0 -a -n "$(grep -E '^tnsgw:x:[0-9]+:[0-9]+:.*:/usr/sbin/nologin$' "$T_DIR/sysroot/etc/passwd")" \
	    -a -n "$(grep -E '^tnsgw:x:' "$T_DIR/sysroot/etc/group")" ]
else
	ok "# skip systemd-sysusers absent: the sysusers.d file not applied"
fi

U=$D/usr/lib/systemd/system
for u in tnsgw.service tnsgw@.service; do
	check "$u: no @VAR@ left, no /usr/local" \
	    bash -c "! grep -nE '@[A-Z]+@|/usr/local' '$U/$u'"
	check "$u: ExecStart runs /usr/sbin/tnsgw -f" \
	    grep -qE '^ExecStart=/usr/sbin/tnsgw -c /etc/tnsgw/[^ ]+\.conf -f$' "$U/$u"
done
check "tnsgw@.service reads /etc/tnsgw/%i.conf" \
    grep -q '^ExecStart=/usr/sbin/tnsgw -c /etc/tnsgw/%i.conf -f$' "$U/tnsgw@.service"

# --- the programs' interfaces ---------------------------------------------
# Long options each program's source declares (getopt_long tables).
longopts() {	# source files...
	sed -nE 's/^[[:space:]]*\{ "([a-z][a-z0-9-]*)", ((no|required)_argument|[0-9A-Z]|.(.).).*/\1/p' "$@"
}
declare -A SRC=(
	[tnsgw]="src/daemon/main.c"
	[tnsgw-load]="tools/load/load_main.c tools/common/toolredis.h"
	[tnsgw-smsc]="tools/smsc/smsc_main.c"
	[tnsgw-backoffice]="tools/common/toolredis.h"
)
declare -A MAN=([tnsgw]=man8/tnsgw.8 [tnsgw-load]=man8/tnsgw-load.8
	[tnsgw-smsc]=man1/tnsgw-smsc.1 [tnsgw-backoffice]=man1/tnsgw-backoffice.1)
REL=$(sed -nE 's/^VERSION[[:space:]]*:=[[:space:]]*([0-9.]+)[[:space:]]*$/\1/p' "$TOP/Makefile")
check "the Makefile's VERSION ($REL)" [ -n "$REL" ]
for p in tnsgw tnsgw-load tnsgw-smsc tnsgw-backoffice; do
	bin=$D/usr/bin/$p; [ "$p" = tnsgw ] && bin=$D/usr/sbin/$p
	v=$("$bin" --version 2>"$T_DIR/err"); rc=$?
	want="^($p|$p \\(tnsgw\\)) ${REL//./\\.}"
	[ "$p" = tnsgw ] && want="^tnsgw ${REL//./\\.}"
	check "$p --version: exit 0, '$v'" [ "$rc" -eq 0 -a ! -s "$T_DIR/err" ]
	check "$p --version names the release $REL" grep -qE "$want( \\(git [^)]+\\))?\$" <<<"$v"
	"$bin" --help >"$T_DIR/help" 2>"$T_DIR/err"; rc=$?
	check "$p --help: exit 0, on stdout" \
	    [ "$rc" -eq 0 -a -s "$T_DIR/help" -a ! -s "$T_DIR/err" ]
	"$bin" --no-such-option >"$T_DIR/out" 2>"$T_DIR/err"; rc=$?
	check "$p with a bad option: exit 2, usage on stderr only" \
	    [ "$rc" -eq 2 -a -s "$T_DIR/err" -a ! -s "$T_DIR/out" ]
	n=0; miss=
	for o in $(cd "$TOP" && longopts ${SRC[$p]}) help version; do
		n=$((n + 1))
		grep -q -- "--$o\\b" "$T_DIR/help" || miss+=" --help:--$o"
		grep -q -- "\\\\-\\\\-${o//-/\\\\-}\\b" "$D/usr/share/man/${MAN[$p]}" ||
			miss+=" man:--$o"
	done
	check "$p: each of its $n long options in --help and its man page (missing:${miss:- none})" \
	    [ -z "$miss" -a "$n" -gt 2 ]
done

# --- the production template ------------------------------------------------
E=$D/etc/tnsgw
# The paths of the template, pointed into DESTDIR; the file stays 0640.
install -m 0640 /dev/null "$E/test.conf"
sed "s|\"/etc/tnsgw/|\"$E/|" "$E/tnsgw.conf" >"$E/test.conf"
check "the test copy points into DESTDIR" \
    bash -c "! grep -nE '\"/etc/tnsgw' '$E/test.conf'"
out=$("$D/usr/sbin/tnsgw" -t -c "$E/test.conf" 2>&1); rc=$?
check "the template without its keys fails -t, naming the key file (exit $rc)" \
    [ "$rc" -eq 1 -a -n "$(grep -F keys/outbox.key <<<"$out")" ]
"$D/usr/bin/tnsgw-backoffice" secretkey "$E/keys/outbox.key" &&
"$D/usr/bin/tnsgw-backoffice" keygen "$E/keys/provisioning.pub" "$T_DIR/prov.sec" &&
chmod 0640 "$E/keys/outbox.key" "$E/keys/provisioning.pub"
out=$("$D/usr/sbin/tnsgw" -t -c "$E/test.conf" 2>&1); rc=$?
check "tnsgw -t on the installed template, keys made (exit $rc: $out)" [ "$rc" -eq 0 ]
check "the template is not the demo's (no bind on 127.0.0.1:2775 'sim')" \
    bash -c "! grep -nE 'name = \"sim\"|6380' '$E/tnsgw.conf'"
check "the template asks for the AOF" grep -qE '^\s*require_aof = "(everysec|always)"' "$E/tnsgw.conf"

# The README's modes, as the service user sees them: config and keys
# root:GROUP 0640, keys/ 0750. As root, "nobody:nogroup" plays tnsgw
# (the test's tree made traversable); 0600 root:root, the mode the README
# said before 0.5, must fail for that user.
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null ||
    ! getent group nogroup >/dev/null; then
	ok "# skip not root (or no setpriv/nogroup): the service user's view not tried"
else
	as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	chmod 0755 "$T_DIR" "$D"
	chgrp nogroup "$E/keys" "$E/test.conf" "$E/keys/outbox.key" "$E/keys/provisioning.pub"
	out=$(as_user "$D/usr/sbin/tnsgw" -t -c "$E/test.conf" 2>&1); rc=$?
	check "as the service user (group of 0640 files): tnsgw -t passes (exit $rc: $out)" [ "$rc" -eq 0 ]
	chgrp root "$E/test.conf"; chmod 0600 "$E/test.conf"
	out=$(as_user "$D/usr/sbin/tnsgw" -t -c "$E/test.conf" 2>&1); rc=$?
	check "config 0600 root:root: the service user cannot read it (exit $rc)" [ "$rc" -ne 0 ]
	chgrp nogroup "$E/test.conf"; chmod 0640 "$E/test.conf"
fi

# The installed daemon on the installed template (binds, Redis and admin
# pointed at this test's servers), as the service user when root: cases A
# and B (B needs the keys of /etc/tnsgw/keys and the AOF) end to end.
RPORT=$(t_free_port); SPORT=$(t_free_port); APORT=$(t_free_port)
sed -i -e 's|host = "192.0.2.10";|host = "127.0.0.1";|' \
    -e "s|^\(\s*\)port = 2775;|\1port = $SPORT;|" \
    -e "s|^\(\s*\)# port = 6379;|\1port = $RPORT;|" \
    -e "s|^\(\s*\)# admin_listen = .*|\1admin_listen = \"127.0.0.1:$APORT\";|" \
    "$E/test.conf"
check "the test copy has this test's ports" \
    grep -q "port = $RPORT;" "$E/test.conf"
if t_redis "$RPORT" && "$D/usr/bin/tnsgw-load" -h 127.0.0.1 -p "$RPORT" \
    --registry "$TOP/etc/sample/registry.csv" \
    --categories "$TOP/etc/sample/categories.csv" \
    --reasons "$TOP/etc/sample/reasons.csv" >"$T_DIR/load.log" 2>&1; then
	run=(); [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
	    getent group nogroup >/dev/null &&
	    run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	"${run[@]}" "$D/usr/sbin/tnsgw" -f -c "$E/test.conf" 2>"$T_DIR/run.log" &
	T_PIDS+=($!)
	for sc in demo_a.scn demo_b.scn; do
		timeout 60 "$D/usr/bin/tnsgw-smsc" -q -l "127.0.0.1:$SPORT" \
		    -u CHANGEME -w CHANGEME -t 40 \
		    --script "$TOP/tests/integration/scenarios/$sc" >"$T_DIR/smsc.out" 2>&1
		rc=$?
		check "installed daemon${run:+ as nobody}, installed template: $sc (exit $rc: $(tail -n 3 "$T_DIR/smsc.out" | tr '\n' ' '))" [ "$rc" -eq 0 ]
	done
else
	not_ok "redis-server and the installed tnsgw-load ($(tail -n 3 "$T_DIR/load.log"))"
fi

# A second install keeps the operator's config, puts the new one beside.
echo '# edited by the operator' >>"$E/tnsgw.conf"
out=$(make -s -C "$TOP" $san install DESTDIR="$D" PREFIX=/usr 2>&1); rc=$?
check "second make install exits 0 (exit $rc)" [ "$rc" -eq 0 ]
check "an existing tnsgw.conf is kept" grep -q '^# edited by the operator' "$E/tnsgw.conf"
check "the new template goes to tnsgw.conf.dist, 0640" \
    [ "$(stat -c %a "$E/tnsgw.conf.dist" 2>/dev/null)" = 640 ]

# --- README steps 1, 2 and 4 as root, without DESTDIR ----------------------
# In a mount namespace whose /etc is a copy (the machine's own /etc and
# users are untouched): make install creates the tnsgw user and gives it
# the config and keys/; the README's key commands; tnsgw -t as tnsgw.
if [ "$(id -u)" -ne 0 ] || ! command -v systemd-sysusers >/dev/null ||
    ! unshare --mount true 2>/dev/null; then
	ok "# skip not root or no mount namespace: make install as root not tried"
else
	R=$T_DIR/root; mkdir -p "$R"; cp -a /etc "$R/etc"
	chmod 0755 "$T_DIR"
	cat >"$T_DIR/steps.sh" <<STEPS
set -u
mount --bind "$R/etc" /etc || exit 9
cd "$TOP" && make -s $san install PREFIX="$R/usr" >"$T_DIR/steps.make" 2>&1 || exit 10
echo "user: \$(getent passwd tnsgw | cut -d: -f1,7)"
echo "conf: \$(stat -c '%U:%G %a' /etc/tnsgw/tnsgw.conf)"
echo "keys: \$(stat -c '%U:%G %a' /etc/tnsgw/keys)"
export PATH="$R/usr/sbin:$R/usr/bin:\$PATH"
cd /etc/tnsgw/keys &&
tnsgw-backoffice secretkey outbox.key &&
tnsgw-backoffice keygen provisioning.pub "$T_DIR/root/provisioning.sec" &&
chgrp tnsgw outbox.key provisioning.pub &&
chmod 0640 outbox.key provisioning.pub || exit 11
setpriv --reuid=tnsgw --regid=tnsgw --init-groups tnsgw -t -c /etc/tnsgw/tnsgw.conf &&
    echo "check: ok"
STEPS
	out=$(unshare --mount bash "$T_DIR/steps.sh" 2>&1); rc=$?
	check "make install as root (namespace, /etc a copy): exit 0 (exit $rc: $(tail -n 3 "$T_DIR/steps.make" 2>/dev/null | tr "\n" " "))" \
	    [ "$rc" -ne 9 -a "$rc" -ne 10 ]
	check "it made the tnsgw user, shell nologin ($(grep '^user:' <<<"$out"))" \
	    grep -qx 'user: tnsgw:/usr/sbin/nologin' <<<"$out"
	check "config root:tnsgw 0640 ($(grep '^conf:' <<<"$out"))" grep -qx 'conf: root:tnsgw 640' <<<"$out"
	check "keys/ root:tnsgw 0750 ($(grep '^keys:' <<<"$out"))" grep -qx 'keys: root:tnsgw 750' <<<"$out"
	check "the README's key commands, then tnsgw -t as user tnsgw passes (exit $rc: $(tail -n 2 <<<"$out" | tr '\n' ' '))" \
	    grep -qx 'check: ok' <<<"$out"
	check "the machine's own /etc has no tnsgw" [ ! -e /etc/tnsgw ]
fi

# --- the units ------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null; then
	ok "# skip systemd-analyze absent: units not verified"
else
	# verify checks that ExecStart's program exists and that man:
	# Documentation= pages open: both point into DESTDIR for the check.
	mkdir -p "$T_DIR/units"
	sed "s|/usr/sbin/tnsgw|$D/usr/sbin/tnsgw|g" "$U/tnsgw.service" >"$T_DIR/units/tnsgw.service"
	sed "s|/usr/sbin/tnsgw|$D/usr/sbin/tnsgw|g" "$U/tnsgw@.service" >"$T_DIR/units/tnsgw@prod.service"
	for u in tnsgw.service tnsgw@prod.service; do
		out=$(cd "$T_DIR/units" && MANPATH=$D/usr/share/man \
		    timeout 60 systemd-analyze verify "$T_DIR/units/$u" 2>&1); rc=$?
		check "systemd-analyze verify $u: exit 0, nothing said (exit $rc: $out)" \
		    [ "$rc" -eq 0 -a -z "$out" ]
	done
	for u in tnsgw.service tnsgw@.service; do
		x=$(timeout 60 systemd-analyze security --offline=yes "$U/$u" 2>&1 |
		    sed -nE 's/.*Overall exposure level for .*: ([0-9.]+).*/\1/p')
		check "systemd-analyze security --offline=yes $u: exposure ${x:-?} <= $MAX_EXPOSURE" \
		    awk -v x="${x:-99}" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(x + 0 <= m + 0) }'
	done
fi

# --- the man pages ----------------------------------------------------------
for m in "$D"/usr/share/man/man*/*; do
	n=${m#"$D"/usr/share/man/}
	out=$(groff -man -ww -z "$m" 2>&1)
	check "groff -man -ww $n: no warning ($out)" [ -z "$out" ]
	out=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >"$T_DIR/page"); rc=$?
	check "man -l $n renders at 80 columns without a warning (exit $rc: $out)" \
	    [ "$rc" -eq 0 -a -z "$out" -a -n "$(grep -m1 -E '^(NAME|SYNOPSIS)' "$T_DIR/page")" ]
done

echo "# $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
