# Shell helpers shared by the demo and the integration tests: free loopback
# ports, a private redis-server, the simulator and the daemon in a temp dir,
# and one cleanup that stops everything this shell started.
# Source it; set B (build dir, default build) first.

B=${B:-build}
# Files made here (configs, keys) must not be writable by others: the
# daemon refuses such a config or key file, whatever the caller's umask.
umask 022
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
T_PIDS=()
T_DIR=

t_tmpdir() {
	T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tnsgw.XXXXXX")
}

# A TCP port on 127.0.0.1 that no socket uses now, below the kernel's
# range for outgoing connections (so a client's ephemeral port cannot take
# it between this check and the bind), and that no other call handed out:
# each port is reserved by a directory made with mkdir (atomic) under
# T_PORTS, owned by this shell ($$, the same in a $(...) subshell) and
# removed by t_cleanup. Without it two calls of one test (or of two tests
# run side by side) could draw the same port between the check and the
# listen: the second listener then fails and the test talks to the first.
# A reservation whose owner is gone (a test killed by -9) is taken back
# once it is over ten minutes old.
T_PORTS=${TMPDIR:-/tmp}/tnsgw-ports.$(id -u)
t_free_port() {
	local p used lo=32768 hi=60999 base span r o
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	if [ "$lo" -gt 12000 ]; then base=10000; span=$((lo - 10000)); else
		base=$((hi + 1)); span=$((65535 - hi)); fi
	mkdir -p "$T_PORTS" || return 1
	for r in $(find "$T_PORTS" -mindepth 1 -maxdepth 1 -mmin +10 2>/dev/null); do
		o=$(cat "$r/pid" 2>/dev/null) || continue
		kill -0 "$o" 2>/dev/null || rm -rf "$r"
	done
	used=$(ss -Htan 2>/dev/null | awk '{print $4}' | sed 's/.*://')
	for _ in $(seq 1 200); do
		p=$(( base + (RANDOM * 32768 + RANDOM) % span ))
		grep -qx "$p" <<<"$used" && continue
		mkdir "$T_PORTS/$p" 2>/dev/null || continue
		echo $$ >"$T_PORTS/$p/pid"
		echo "$p"
		return 0
	done
	return 1
}

# Give back the ports this shell reserved.
t_free_ports_release() {
	local r
	for r in "$T_PORTS"/*/pid; do
		[ -f "$r" ] && [ "$(cat "$r" 2>/dev/null)" = "$$" ] &&
		    rm -rf "${r%/pid}"
	done
	return 0
}

t_wait_port() {	# port [tenths of a second]
	local n=${2:-100}
	for _ in $(seq 1 "$n"); do
		ss -Htln 2>/dev/null | awk '{print $4}' | grep -q ":$1\$" && return 0
		sleep 0.1
	done
	echo "port $1 never opened" >&2
	return 1
}

# t_redis PORT [redis-server options...]: private redis-server in T_DIR
# with the AOF on (appendfsync $T_REDIS_FSYNC, default everysec: the
# daemon's default redis.require_aof), no RDB snapshots. Options given
# come last and win (e.g. --appendonly no). Its pid is in T_REDIS.
t_redis() {
	local port=$1; shift
	mkdir -p "$T_DIR/redis"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$T_DIR/redis" \
	    --save '' --appendonly yes \
	    --appendfsync "${T_REDIS_FSYNC:-everysec}" --daemonize no \
	    --logfile "$T_DIR/redis/redis.log" "$@" &
	T_REDIS=$!
	T_PIDS+=($T_REDIS)
	t_wait_port "$port" 100
}

# t_redis_acl PORT USER PASS: the daemon's ACL user of README "Redis in
# production" (the same rules, kept identical there), and the default
# user turned off: every client must AUTH.
T_REDIS_ACL='+select +info +config|get +script|load +evalsha +eval +get +set +del +xadd +xack +xdel +xreadgroup +xgroup|create +xpending +xlen +xtrim +xinfo|groups +xinfo|consumers +xclaim +xgroup|delconsumer +hdel +incr +expire +ttl +hget +hset +hmget +hgetall +hexists +hincrby +lrange +time'
t_redis_acl() {
	# shellcheck disable=SC2086
	redis-cli -h 127.0.0.1 -p "$1" ACL SETUSER "$2" reset on ">$3" \
	    '~tns:*' resetchannels $T_REDIS_ACL >/dev/null &&
	redis-cli -h 127.0.0.1 -p "$1" ACL SETUSER admin on ">$3-admin" \
	    '~*' '&*' +@all >/dev/null &&
	redis-cli -h 127.0.0.1 -p "$1" ACL SETUSER default off >/dev/null
}

t_load_sample() {	# redis port
	"$TOP/$B/tnsgw-load" -h 127.0.0.1 -p "$1" \
	    --registry "$TOP/etc/sample/registry.csv" \
	    --categories "$TOP/etc/sample/categories.csv" \
	    --reasons "$TOP/etc/sample/reasons.csv" \
	    --points "$TOP/etc/sample/points.csv"
}

# t_keys DIR: the back office's key pair and the outbox key, as ops make them.
t_keys() {
	mkdir -p "$1" &&
	"$TOP/$B/tnsgw-backoffice" keygen "$1/provisioning.pub" "$1/provisioning.sec" &&
	"$TOP/$B/tnsgw-backoffice" secretkey "$1/outbox.key"
}

# t_idhash KEYDIR TYPE NUMBER: what stands for the document number in the
# failure counter's key name (tns:rl:f:TYPE:<this>), under KEYDIR's outbox key.
t_idhash() {
	"$TOP/$B/tnsgw-backoffice" idhash "$1/outbox.key" "$2" "$3"
}

# t_conf REDIS_PORT SMPP_PORT OUT [ADMIN_PORT] [KEYDIR]: the shipped config
# pointed at our ports (admin endpoint off unless ADMIN_PORT is given; case
# B's keys from KEYDIR when given, see t_keys).
t_conf() {
	local admin="" kdir=${5:-}
	[ -n "${4:-}" ] && admin="127.0.0.1:$4"
	mkdir -p "$(dirname "$3")"
	sed -e "s/^\(\s*port\s*=\s*\)6380\s*;/\1$1;/" \
	    -e "${kdir:+s|^\(\s*outbox_key_file\s*=\s*\).*|\1\"$kdir/outbox.key\";|}" \
	    -e "${kdir:+s|^\(\s*provisioning_pubkey_file\s*=\s*\).*|\1\"$kdir/provisioning.pub\";|}" \
	    -e "s/^\(\s*admin_listen\s*=\s*\).*/\1\"$admin\";/" \
	    -e "s/^\(\s*port\s*=\s*\)2775\s*;/\1$2;/" \
	    -e "s|^\(\s*messages_dir\s*=\s*\).*|\1\"$TOP/etc/messages\";|" \
	    "$TOP/etc/tnsgw.conf" >"$3"
	chmod 600 "$3"	# a config others can write is refused, whatever the umask
	grep -q "= *$1;" "$3" && grep -q "= *$2;" "$3" || {
		echo "t_conf: could not set the ports in $3" >&2; return 1; }
	grep -q "messages_dir" "$3" ||
		sed -i "s|^daemon\s*[:=]\s*{|&\n  messages_dir = \"$TOP/etc/messages\";|" "$3"
}

# t_daemon CONF LOG: the gateway in the foreground, logging to LOG.
t_daemon() {
	"$TOP/$B/tnsgw" -f -c "$1" 2>"$2" &
	T_DAEMON=$!
	T_PIDS+=($T_DAEMON)
}

t_cleanup() {
	local p
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${T_PIDS[@]}"; do
		for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	T_PIDS=()
	t_free_ports_release
	[ -n "$T_DIR" ] && [ -z "${T_KEEP:-}" ] && rm -rf "$T_DIR"
	return 0
}

# TAP-ish result lines, counted by tests/run-all.sh.
T_PASS=0
T_FAIL=0
ok() { echo "ok - $*"; T_PASS=$((T_PASS + 1)); }
not_ok() { echo "not ok - $*"; T_FAIL=$((T_FAIL + 1)); }
check() {	# check "name" command...
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
