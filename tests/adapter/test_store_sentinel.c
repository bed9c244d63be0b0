/*
 * test_store_sentinel: the store finds its master through a real Redis
 * Sentinel (a redis-server and a sentinel started here on free loopback
 * ports; skipped when either binary is missing): a dead sentinel first in
 * the list is passed over, a name no sentinel knows keeps the store down
 * (and never blocks), store_free during a round is clean, a -READONLY
 * reply (the master demoted) drops the connection to ask again, and a
 * move (the sentinel made to monitor another server with SENTINEL REMOVE /
 * MONITOR, the old one killed) is followed and counted. A sentinel with
 * requirepass is asked with redis.sentinel_password, and refuses the
 * store without it or with a wrong one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "store.h"

#define REDIS_BIN    "/usr/bin/redis-server"

static char tmpdir[64] = "/tmp/tnsgw-sentinel.XXXXXX";
static pid_t redis_pid = -1, sentinel_pid = -1;
static int redis_port, sentinel_port, dead_port;
static struct event_base *base;
static struct config cfg;
static int ups, downs;

/* A loopback port no one listens on now (bound, read, closed). */
static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int
wait_port(int port)
{
	for (int i = 0; i < 300; i++) {
		redisContext *c = redisConnect("127.0.0.1", port);
		int ok = c != NULL && c->err == 0;

		redisFree(c);
		if (ok)
			return 0;
		usleep(10000);
	}
	return -1;
}

static redisReply *
R(int port, const char *fmt, ...)
{
	redisContext *c = redisConnect("127.0.0.1", port);
	redisReply *r;
	va_list ap;

	assert_true(c != NULL && c->err == 0);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	assert_non_null(r);
	return r;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run the loop for ms, or until *flag is at least want. */
static void
run_until(const int *flag, int want, int ms)
{
	double end = now_ms() + ms;

	while ((flag == NULL || *flag < want) && now_ms() < end) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(500);
	}
}

static void
on_up(void *arg)
{
	(void)arg;
	ups++;
}

static void
on_down(const char *reason, void *arg)
{
	(void)arg;
	assert_non_null(reason);
	downs++;
}

static const struct store_cb cbs = { on_up, on_down };

static pid_t
spawn(const char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		char *v[32];
		int i;

		for (i = 0; argv[i] != NULL && i < 31; i++)
			v[i] = strdup(argv[i]);
		v[i] = NULL;
		execvp(v[0], v);
		_exit(127);
	}
	return pid;
}

static void
sentinel_monitor(int port)
{
	redisReply *r;

	freeReplyObject(R(sentinel_port, "SENTINEL REMOVE m1"));
	r = R(sentinel_port, "SENTINEL MONITOR m1 127.0.0.1 %d 1", port);
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
}

static int
setup(void **state)
{
	char conf[160], logf[160], rport[16], sport[16];
	FILE *fp;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (access(REDIS_BIN, X_OK) != 0)
		return 0;
	assert_non_null(mkdtemp(tmpdir));
	redis_port = free_port();
	sentinel_port = free_port();
	dead_port = free_port();
	snprintf(rport, sizeof(rport), "%d", redis_port);
	snprintf(sport, sizeof(sport), "%d", sentinel_port);
	snprintf(logf, sizeof(logf), "%s/redis.log", tmpdir);
	{
		const char *argv[] = { REDIS_BIN, "--port", rport, "--bind",
		    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
		    tmpdir, "--logfile", logf, NULL };

		redis_pid = spawn(argv);
	}
	snprintf(conf, sizeof(conf), "%s/sentinel.conf", tmpdir);
	assert_non_null(fp = fopen(conf, "w"));
	fprintf(fp, "port %d\nbind 127.0.0.1\ndir %s\nlogfile %s/sentinel.log\n"
	    "sentinel monitor m1 127.0.0.1 %d 1\n", sentinel_port, tmpdir,
	    tmpdir, redis_port);
	fclose(fp);
	{
		const char *argv[] = { REDIS_BIN, conf, "--sentinel", NULL };

		sentinel_pid = spawn(argv);
	}
	if (wait_port(redis_port) != 0 || wait_port(sentinel_port) != 0)
		fail_msg("redis-server or the sentinel did not start");
	base = event_base_new();
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.redis.prefix, sizeof(cfg.redis.prefix), "t:");
	cfg.redis.timeout_ms = 200;
	cfg.redis.require_aof = CONFIG_AOF_NO;
	/* A dead sentinel first: any one that answers will do. */
	cfg.redis.nsentinels = 2;
	snprintf(cfg.redis.sentinels[0], sizeof(cfg.redis.sentinels[0]),
	    "127.0.0.1:%d", dead_port);
	snprintf(cfg.redis.sentinels[1], sizeof(cfg.redis.sentinels[1]),
	    "127.0.0.1:%d", sentinel_port);
	snprintf(cfg.redis.master_name, sizeof(cfg.redis.master_name), "m1");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	if (sentinel_pid > 0) {
		kill(sentinel_pid, SIGKILL);
		waitpid(sentinel_pid, NULL, 0);
	}
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
	}
	if (base != NULL)
		event_base_free(base);
	if (strchr(tmpdir, 'X') == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static void
test_found(void **state)
{
	struct store_metrics m;
	struct store *st;
	char want[64];

	(void)state;
	if (redis_pid <= 0)
		skip();
	ups = downs = 0;
	st = store_new(base, &cfg, &cbs, NULL);
	assert_non_null(st);
	run_until(&ups, 1, 5000);
	assert_int_equal(ups, 1);
	assert_true(store_is_up(st));
	store_metrics(st, &m);
	snprintf(want, sizeof(want), "127.0.0.1:%d", redis_port);
	assert_string_equal(m.master, want);
	assert_int_equal(m.failovers, 0);
	store_free(st);
}

/* No sentinel knows the name: down, retried, the loop never blocked. */
static void
test_unknown_name(void **state)
{
	struct config c2;
	struct store_metrics m;
	struct store *st;
	double t0;

	(void)state;
	if (redis_pid <= 0)
		skip();
	c2 = cfg;
	snprintf(c2.redis.master_name, sizeof(c2.redis.master_name), "nope");
	ups = downs = 0;
	st = store_new(base, &c2, &cbs, NULL);
	assert_non_null(st);
	t0 = now_ms();
	run_until(NULL, 0, 1500);
	assert_true(now_ms() - t0 < 2500);
	assert_int_equal(ups, 0);
	assert_false(store_is_up(st));
	store_metrics(st, &m);
	assert_string_equal(m.master, "");
	store_free(st);		/* a round may be out: clean under ASan */
	run_until(NULL, 0, 50);
}

struct done {
	int n, status;
};

static void
done_cb(void *arg, int status)
{
	struct done *d = arg;

	d->n++;
	d->status = status;
}

/*
 * The master demoted under us (REPLICAOF: -READONLY on a write) while the
 * sentinel still names it: the write fails, the store drops the
 * connection and asks again (down, then up), and writes work once the
 * server is a master again.
 */
static void
test_readonly(void **state)
{
	struct store_outbox_msg msg = { .bind = "b", .to = "212600000001",
	    .from = "", .kind = "docs", .lang = "fr", .body = "x",
	    .to_ton = 1, .to_npi = 1, .operator = "" };
	struct done d = { 0, 0 };
	struct store *st;
	redisReply *r;

	(void)state;
	if (redis_pid <= 0)
		skip();
	ups = downs = 0;
	st = store_new(base, &cfg, &cbs, NULL);
	assert_non_null(st);
	run_until(&ups, 1, 5000);
	assert_int_equal(ups, 1);
	r = R(redis_port, "REPLICAOF 127.0.0.1 %d", dead_port);
	freeReplyObject(r);
	store_outbox_add(st, &msg, done_cb, &d);
	run_until(&d.n, 1, 2000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.status, -1);		/* -READONLY */
	run_until(&downs, 1, 2000);
	assert_int_equal(downs, 1);		/* dropped to ask again */
	r = R(redis_port, "REPLICAOF NO ONE");
	freeReplyObject(r);
	run_until(&ups, 2, 5000);
	assert_true(ups >= 2);
	d.n = 0;
	for (int i = 0; i < 20 && d.n == 0; i++) {
		int was = d.n;

		store_outbox_add(st, &msg, done_cb, &d);
		run_until(&d.n, was + 1, 2000);
		if (d.status != 0) {
			d.n = 0;
			run_until(NULL, 0, 200);
		}
	}
	assert_int_equal(d.status, 0);
	store_free(st);
}

/*
 * The master moves (the sentinel now monitors another redis-server) and
 * the old one goes away: the store re-asks on reconnect, follows, and
 * counts one failover.
 */
static void
test_moved(void **state)
{
	struct store_metrics m;
	struct store *st;
	char port2[16], logf[160], want[64];
	pid_t pid2;
	int p2;

	(void)state;
	if (redis_pid <= 0)
		skip();
	ups = downs = 0;
	st = store_new(base, &cfg, &cbs, NULL);
	assert_non_null(st);
	run_until(&ups, 1, 5000);
	assert_int_equal(ups, 1);
	p2 = free_port();
	snprintf(port2, sizeof(port2), "%d", p2);
	snprintf(logf, sizeof(logf), "%s/redis2.log", tmpdir);
	{
		const char *argv[] = { REDIS_BIN, "--port", port2, "--bind",
		    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
		    tmpdir, "--logfile", logf, NULL };

		pid2 = spawn(argv);
	}
	assert_int_equal(wait_port(p2), 0);
	sentinel_monitor(p2);
	kill(redis_pid, SIGKILL);
	waitpid(redis_pid, NULL, 0);
	redis_pid = pid2;
	redis_port = p2;
	run_until(&ups, 2, 8000);
	assert_int_equal(ups, 2);
	assert_true(downs >= 1);
	store_metrics(st, &m);
	snprintf(want, sizeof(want), "127.0.0.1:%d", p2);
	assert_string_equal(m.master, want);
	assert_int_equal(m.failovers, 1);
	store_free(st);
}

/* A sentinel with requirepass (started here, stopped at the end). */
static void
test_sentinel_auth(void **state)
{
	struct config c2;
	struct store_metrics m;
	struct store *st;
	char conf[160], want[64];
	const char *argv[] = { REDIS_BIN, conf, "--sentinel", NULL };
	static const char *const wrong[] = { "", "not-it" };
	FILE *fp;
	pid_t pid;
	int port;

	(void)state;
	if (redis_pid <= 0)
		skip();
	port = free_port();
	snprintf(conf, sizeof(conf), "%s/sentinel-auth.conf", tmpdir);
	assert_non_null(fp = fopen(conf, "w"));
	fprintf(fp, "port %d\nbind 127.0.0.1\ndir %s\n"
	    "logfile %s/sentinel-auth.log\nrequirepass sen-pw\n"
	    "sentinel monitor m1 127.0.0.1 %d 1\n", port, tmpdir, tmpdir,
	    redis_port);
	fclose(fp);
	pid = spawn(argv);
	assert_int_equal(wait_port(port), 0);
	c2 = cfg;
	c2.redis.nsentinels = 1;
	snprintf(c2.redis.sentinels[0], sizeof(c2.redis.sentinels[0]),
	    "127.0.0.1:%d", port);

	/* Without the password, or a wrong one: refused, down. */
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		snprintf(c2.redis.sentinel_password,
		    sizeof(c2.redis.sentinel_password), "%s", wrong[i]);
		ups = downs = 0;
		st = store_new(base, &c2, &cbs, NULL);
		assert_non_null(st);
		run_until(&downs, 1, 3000);
		assert_true(downs >= 1);
		assert_int_equal(ups, 0);
		store_metrics(st, &m);
		assert_string_equal(m.master, "");
		store_free(st);
		run_until(NULL, 0, 50);
	}

	snprintf(c2.redis.sentinel_password, sizeof(c2.redis.sentinel_password),
	    "sen-pw");
	ups = downs = 0;
	st = store_new(base, &c2, &cbs, NULL);
	assert_non_null(st);
	run_until(&ups, 1, 5000);
	assert_int_equal(ups, 1);
	store_metrics(st, &m);
	snprintf(want, sizeof(want), "127.0.0.1:%d", redis_port);
	assert_string_equal(m.master, want);
	store_free(st);
	run_until(NULL, 0, 50);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_sentinel_auth),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_moved),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
