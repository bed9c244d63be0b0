/*
 * test_store_limits: the failure limits of the lookup script against a
 * real redis-server (unix socket in a temp dir; skipped without
 * redis-server): a burst of concurrent lookups gets no more date checks
 * than the limit, an unknown number counts and locks like a registered
 * one, the phone on record is never locked out (but stays under the
 * per-MSISDN limit), digits-only numbers and the expiry are matched by
 * the script; the hourly cap of OTP codes per person holds under
 * concurrency too. The registry is written in layout 2, as tnsgw-load
 * does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "registry.h"
#include "secret.h"
#include "store.h"

#define REDIS_BIN "/usr/bin/redis-server"
#define NBUCKETS  2

static char tmpdir[64] = "/tmp/tnsgw-limits.XXXXXX";
static char sockpath[128];
static pid_t redis_pid = -1;
static struct event_base *base;
static struct config cfg;

static redisReply *
R(const char *fmt, ...)
{
	redisContext *c = redisConnectUnix(sockpath);
	redisReply *r;
	va_list ap;

	assert_true(c != NULL && c->err == 0);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	assert_non_null(r);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	return r;
}

/* An integer key's value, 0 when absent. */
static long long
Rint(const char *key)
{
	redisReply *r = R("GET %s", key);
	long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : 0;

	freeReplyObject(r);
	return v;
}

/* The failure counter's key name: the number hashed under the test's
 * id key, as the store names it. */
static unsigned char idk[SECRET_KEY_LEN];

static const char *
fkey(const char *type, const char *number)
{
	static char k[4][128];
	static int i;
	char hex[SECRET_STATE_ID_HEX];

	i = (i + 1) % 4;
	secret_state_id_hash(idk, type, number, hex);
	snprintf(k[i], sizeof(k[i]), "t:rl:f:%s:%s", type, hex);
	return k[i];
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
run_until(const int *flag, int ms)
{
	double end = now_ms() + ms;

	while (!*flag && now_ms() < end) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (!*flag)
			usleep(200);
	}
}

/* A record written the loader's way, layout 2: generation 7. */
static void
put_person(const char *num, const char *birth, const char *expiry,
    const char *matr, const char *phone)
{
	struct registry_rec r;
	unsigned char v[REGISTRY_PACKED_MAX];
	char key[REGISTRY_KEY_MAX], field[32];
	int n;

	memset(&r, 0, sizeof(r));
	r.idtype = PARSE_ID_CIN;
	assert_int_equal(parse_id_number(num, r.idnum, sizeof(r.idnum)), 0);
	assert_int_equal(parse_date_iso(birth, &r.birth), 0);
	if (expiry != NULL)
		assert_int_equal(parse_date_iso(expiry, &r.expiry), 0);
	r.status = REGISTRY_ST_REGISTERED;
	snprintf(r.matricule, sizeof(r.matricule), "%s", matr);
	r.has_account = 1;
	snprintf(r.phone, sizeof(r.phone), "%s", phone);
	n = registry_pack(&r, v, sizeof(v));
	assert_true(n > 0);
	registry_key_bucket(key, sizeof(key), "t:", 7,
	    registry_hash2(r.idtype, r.idnum) % NBUCKETS);
	registry_field(r.idtype, r.idnum, field, sizeof(field));
	freeReplyObject(R("HSET %s %s %b", key, field, v, (size_t)n));
}

static int
setup(void **state)
{
	char logf[160];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (access(REDIS_BIN, X_OK) != 0)
		return 0;
	assert_non_null(mkdtemp(tmpdir));
	snprintf(sockpath, sizeof(sockpath), "%s/redis.sock", tmpdir);
	snprintf(logf, sizeof(logf), "%s/redis.log", tmpdir);
	if ((redis_pid = fork()) == 0) {
		execl(REDIS_BIN, REDIS_BIN, "--port", "0", "--unixsocket",
		    sockpath, "--save", "", "--appendonly", "no", "--dir",
		    tmpdir, "--logfile", logf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		redisContext *c = redisConnectUnix(sockpath);
		int ok = c != NULL && c->err == 0;

		redisFree(c);
		if (ok)
			break;
		usleep(10000);
	}
	base = event_base_new();
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.redis.socket, sizeof(cfg.redis.socket), "%s", sockpath);
	snprintf(cfg.redis.prefix, sizeof(cfg.redis.prefix), "t:");
	cfg.redis.timeout_ms = 2000;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
	}
	if (base != NULL)
		event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (strncmp(tmpdir, "/tmp/tnsgw-limits.", 18) == 0 &&
	    strchr(tmpdir, 'X') == NULL && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return 0;
}

/* Every test starts from this registry, no counter. */
static int
reset(void **state)
{
	(void)state;
	if (base == NULL)
		return 0;
	freeReplyObject(R("FLUSHALL"));
	freeReplyObject(R("SET t:reg:gen 7:%d:2", NBUCKETS));
	/* The phone on record in national form: compared as 2126... */
	put_person("AB123456", "1980-02-01", "2030-05-31", "990000001",
	    "0600000104");
	put_person("B123456", "1990-01-01", NULL, "990000002", "");
	put_person("CD555555", "1970-07-07", NULL, "990000003", "");
	put_person("E555555", "1970-07-07", NULL, "990000004", "");
	return 0;
}

#define NEED_REDIS() do {						\
	if (base == NULL)						\
		skip();							\
} while (0)

static int ups;

static void
on_up(void *arg)
{
	(void)arg;
	ups++;
}

static struct store *
new_store(int max_req, int max_fail)
{
	static const struct store_cb cbs = { on_up, NULL };
	struct store *st;
	int before = ups, dummy = 0;

	cfg.security.max_requests_per_msisdn_hour = max_req;
	cfg.security.max_failures_per_id_day = max_fail;
	st = store_new(base, &cfg, &cbs, NULL);
	assert_non_null(st);
	memset(idk, 7, sizeof(idk));
	store_set_id_key(st, idk);
	for (double end = now_ms() + 2000; ups == before && now_ms() < end;)
		run_until(&dummy, 5);
	assert_true(store_is_up(st));
	return st;
}

struct lk {
	int done;
	struct dialog_lookup res;
};

static void
lk_cb(void *arg, const struct dialog_lookup *res)
{
	struct lk *l = arg;

	l->done = 1;
	l->res = *res;
}

/* Queue one lookup (birth, expiry iso or NULL; expiry given: compared). */
static void
send_lookup(struct store *st, const char *msisdn, int ton, const char *num,
    const char *birth, const char *expiry, struct lk *l)
{
	struct store_lookup_req q = { .msisdn = msisdn, .msisdn_ton = ton,
	    .idtype = PARSE_ID_CIN, .idnum = num, .lang = "fr" };

	if (birth != NULL)
		assert_int_equal(parse_date_iso(birth, &q.birth), 0);
	if (expiry != NULL) {
		q.match_expiry = 1;
		if (expiry[0] != '\0')
			assert_int_equal(parse_date_iso(expiry, &q.expiry), 0);
	}
	memset(l, 0, sizeof(*l));
	store_lookup(st, &q, lk_cb, l);
}

static void
lookup(struct store *st, const char *msisdn, int ton, const char *num,
    const char *birth, const char *expiry, struct lk *l)
{
	send_lookup(st, msisdn, ton, num, birth, expiry, l);
	run_until(&l->done, 3000);
	assert_int_equal(l->done, 1);
}

#define IS_NOMATCH(l) ((l).res.status == DIALOG_FETCH_OK && (l).res.n == 0)
#define IS_FOUND(l, m) ((l).res.status == DIALOG_FETCH_OK &&		\
	(l).res.n == 1 && strcmp((l).res.rec[0].matricule, (m)) == 0)

/* 40 wrong dates and the right one, all in flight at once (one pipeline,
 * as the daemon sends them): 5 dates checked, the rest locked. */
static void
test_burst(void **state)
{
	static struct lk l[41];
	struct store *st;
	char msisdn[41][24], birth[16];
	int nomatch = 0, locked = 0, found = 0, all;
	redisReply *r;

	(void)state;
	NEED_REDIS();
	st = new_store(10, 5);
	for (int i = 0; i < 41; i++) {
		snprintf(msisdn[i], sizeof(msisdn[i]), "2126110%05d", i);
		snprintf(birth, sizeof(birth), "1980-03-%02d", i % 28 + 1);
		send_lookup(st, msisdn[i], 1, "AB123456", i < 40 ? birth :
		    "1980-02-01", NULL, &l[i]);
	}
	for (double end = now_ms() + 5000; now_ms() < end;) {
		all = 1;
		for (int i = 0; i < 41; i++)
			all &= l[i].done;
		if (all)
			break;
		run_until(&l[0].done, 5);
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	for (int i = 0; i < 41; i++) {
		assert_int_equal(l[i].done, 1);
		nomatch += IS_NOMATCH(l[i]);
		locked += l[i].res.status == DIALOG_FETCH_LOCKED;
		found += IS_FOUND(l[i], "990000001");
	}
	assert_int_equal(nomatch, 5);
	assert_int_equal(locked, 36);
	assert_int_equal(found, 0);
	assert_int_equal(l[40].res.status, DIALOG_FETCH_LOCKED);
	assert_int_equal(Rint(fkey("CIN", "AB123456")), 5);
	r = R("TTL %s", fkey("CIN", "AB123456"));
	assert_true(r->integer > 86000 && r->integer <= 86400);
	freeReplyObject(r);
	store_free(st);
}

/* A number not in the registry: the same answer as a wrong date, counted
 * the same way, locked at the same count. */
static void
test_unknown_counts(void **state)
{
	struct store *st;
	struct lk a, b;

	(void)state;
	NEED_REDIS();
	st = new_store(100, 3);
	for (int i = 0; i < 3; i++) {
		lookup(st, "212611200001", 1, "ZZ999999", "1980-02-01", NULL, &a);
		lookup(st, "212611200002", 1, "AB123456", "1980-02-02", NULL, &b);
		assert_true(IS_NOMATCH(a));
		assert_true(IS_NOMATCH(b));
		assert_int_equal(a.res.digits_only, b.res.digits_only);
	}
	assert_int_equal(Rint(fkey("CIN", "ZZ999999")), 3);
	assert_int_equal(Rint(fkey("CIN", "AB123456")), 3);
	lookup(st, "212611200001", 1, "ZZ999999", "1980-02-01", NULL, &a);
	lookup(st, "212611200002", 1, "AB123456", "1980-02-01", NULL, &b);
	assert_int_equal(a.res.status, DIALOG_FETCH_LOCKED);
	assert_int_equal(b.res.status, DIALOG_FETCH_LOCKED);
	/* Locked: nothing more is counted. */
	assert_int_equal(Rint(fkey("CIN", "ZZ999999")), 3);
	assert_int_equal(Rint(fkey("CIN", "AB123456")), 3);
	store_free(st);
}

/* Locked by others: the phone on record still gets its record (in
 * international or national form), with the right dates only; it stays
 * under its own request limit. */
static void
test_owner(void **state)
{
	struct store *st;
	struct lk l;

	(void)state;
	NEED_REDIS();
	st = new_store(4, 2);
	lookup(st, "212611300001", 1, "AB123456", "1980-01-01", NULL, &l);
	lookup(st, "212611300002", 1, "AB123456", "1980-01-02", NULL, &l);
	lookup(st, "212611300003", 1, "AB123456", "1980-02-01", NULL, &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);

	lookup(st, "212600000104", 1, "AB123456", "1980-02-01",
	    "2030-05-31", &l);
	assert_true(IS_FOUND(l, "990000001"));
	lookup(st, "0600000104", 2, "AB123456", "1980-02-01", NULL, &l);
	assert_true(IS_FOUND(l, "990000001"));
	/* The owner's phone with a wrong date: locked, not counted. */
	lookup(st, "212600000104", 1, "AB123456", "1980-02-02", NULL, &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	assert_int_equal(Rint(fkey("CIN", "AB123456")), 2);
	/* A caller whose number is unknown (ton -1) is never the owner. */
	lookup(st, "212600000104", -1, "AB123456", "1980-02-01", NULL, &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	/* Four requests an hour, the owner's too: this is its fourth. */
	lookup(st, "212600000104", 1, "AB123456", "1980-02-01", NULL, &l);
	assert_true(IS_FOUND(l, "990000001"));
	lookup(st, "212600000104", 1, "AB123456", "1980-02-01", NULL, &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	assert_int_equal(Rint("t:rl:m:212600000104"), 5);
	store_free(st);
}

/* Digits only: the one candidate whose date matches; none or two: one
 * failure, counted against the digits typed. */
static void
test_digits_only(void **state)
{
	struct store *st;
	struct lk l;

	(void)state;
	NEED_REDIS();
	st = new_store(100, 5);
	lookup(st, "212611400001", 1, "123456", "1980-02-01", NULL, &l);
	assert_true(IS_FOUND(l, "990000001"));
	assert_int_equal(l.res.digits_only, 1);
	lookup(st, "212611400001", 1, "123456", "1990-01-01", NULL, &l);
	assert_true(IS_FOUND(l, "990000002"));
	lookup(st, "212611400001", 1, "123456", "1990-01-02", NULL, &l);
	assert_true(IS_NOMATCH(l));
	assert_int_equal(Rint(fkey("CIN", "123456")), 1);
	/* Two candidates with the same birth date: ambiguous. */
	lookup(st, "212611400001", 1, "555555", "1970-07-07", NULL, &l);
	assert_true(IS_NOMATCH(l));
	assert_int_equal(Rint(fkey("CIN", "555555")), 1);
	assert_int_equal(Rint(fkey("CIN", "AB123456")), 0);
	store_free(st);
}

/* The expiry, when checked: compared when the record has one; not given
 * while checked (USSD) matches no record that has one. */
static void
test_expiry(void **state)
{
	struct store *st;
	struct lk l;

	(void)state;
	NEED_REDIS();
	st = new_store(100, 10);
	lookup(st, "212611500001", 1, "AB123456", "1980-02-01", "2030-05-31",
	    &l);
	assert_true(IS_FOUND(l, "990000001"));
	lookup(st, "212611500001", 1, "AB123456", "1980-02-01", "2030-05-30",
	    &l);
	assert_true(IS_NOMATCH(l));
	lookup(st, "212611500001", 1, "AB123456", "1980-02-01", "", &l);
	assert_true(IS_NOMATCH(l));
	lookup(st, "212611500001", 1, "AB123456", "1980-02-01", NULL, &l);
	assert_true(IS_FOUND(l, "990000001"));
	/* No expiry on record: nothing to compare. */
	lookup(st, "212611500001", 1, "CD555555", "1970-07-07", "2031-01-01",
	    &l);
	assert_true(IS_FOUND(l, "990000003"));
	/* No birth date given: never a match. */
	lookup(st, "212611500001", 1, "AB123456", NULL, NULL, &l);
	assert_true(IS_NOMATCH(l));
	assert_int_equal(Rint(fkey("CIN", "AB123456")), 3);
	store_free(st);
}

/* Dates whose packed bytes hold zeros (1900: 00 00 xx; 2028 before
 * August: 01 00 xx) and a 22nd-century one: compared byte for byte, in
 * full and digits only, with the expiry checked; the owner's phone on
 * record written with its international prefix (00212...). */
static void
test_dates_bytes(void **state)
{
	struct store *st;
	struct lk l;

	(void)state;
	NEED_REDIS();
	put_person("FG280315", "1900-01-05", "2028-03-15", "990000005",
	    "00212600000105");
	put_person("H777777", "2028-07-31", "2199-12-31", "990000006", "");
	st = new_store(100, 2);
	lookup(st, "212611600001", 1, "FG280315", "1900-01-05", "2028-03-15",
	    &l);
	assert_true(IS_FOUND(l, "990000005"));
	lookup(st, "212611600001", 1, "280315", "1900-01-05", "2028-03-15",
	    &l);
	assert_true(IS_FOUND(l, "990000005"));
	assert_int_equal(l.res.digits_only, 1);
	lookup(st, "212611600001", 1, "H777777", "2028-07-31", "2199-12-31",
	    &l);
	assert_true(IS_FOUND(l, "990000006"));
	lookup(st, "212611600001", 1, "777777", "2028-07-31", NULL, &l);
	assert_true(IS_FOUND(l, "990000006"));
	/* One byte off, in each of the three bytes: no match. */
	lookup(st, "212611600001", 1, "FG280315", "1900-01-05", "2028-03-14",
	    &l);
	assert_true(IS_NOMATCH(l));
	lookup(st, "212611600001", 1, "280315", "1900-01-05", "2156-03-15",
	    &l);
	assert_true(IS_NOMATCH(l));
	lookup(st, "212611600001", 1, "FG280315", "1900-09-05", NULL, &l);
	assert_true(IS_NOMATCH(l));
	assert_int_equal(Rint(fkey("CIN", "FG280315")), 2);
	/* Locked now: the phone on record (00 212...) still gets it. */
	lookup(st, "212600000105", 1, "FG280315", "1900-01-05", "2028-03-15",
	    &l);
	assert_true(IS_FOUND(l, "990000005"));
	lookup(st, "212600000106", 1, "FG280315", "1900-01-05", "2028-03-15",
	    &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	store_free(st);
}

/* No limits (0): nothing is locked, but every request and failure is
 * still counted, the second request's too (an INCR). */
static void
test_no_limits(void **state)
{
	struct store *st;
	struct lk l;

	(void)state;
	NEED_REDIS();
	st = new_store(0, 0);
	for (int i = 0; i < 3; i++) {
		lookup(st, "212611700001", 1, "AB123456", "1980-02-02", NULL,
		    &l);
		assert_true(IS_NOMATCH(l));
	}
	lookup(st, "212611700001", 1, "AB123456", "1980-02-01", NULL, &l);
	assert_true(IS_FOUND(l, "990000001"));
	assert_int_equal(Rint("t:rl:m:212611700001"), 4);
	assert_int_equal(Rint(fkey("CIN", "AB123456")), 3);
	store_free(st);
}

struct ot {
	int done;
	struct dialog_otp res;
};

static void
ot_cb(void *arg, const struct dialog_otp *res)
{
	struct ot *o = arg;

	o->done = 1;
	o->res = *res;
}

/* The hourly cap of codes per person holds under concurrency: 8 requests
 * for a new code at once (no gap), cap 3: 3 codes sent, 3 SMS queued. */
static void
test_otp_cap(void **state)
{
	static const struct store_outbox_msg sms = { "iam", "212600000104",
	    "", "otp", "fr", "SB1:sealed-otp", 0, 1, 1, "iam" };
	struct store_otp_issue_req q = { "990000001", "h1", 300, 5, 1, 0, 3,
	    "04", sms };
	struct ot o[8];
	struct store *st;
	int sent = 0, limit = 0, all;
	redisReply *r;

	(void)state;
	NEED_REDIS();
	st = new_store(100, 5);
	for (int i = 0; i < 8; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		store_otp_issue(st, &q, ot_cb, &o[i]);
	}
	for (double end = now_ms() + 5000; now_ms() < end;) {
		all = 1;
		for (int i = 0; i < 8; i++)
			all &= o[i].done;
		if (all)
			break;
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(200);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(o[i].done, 1);
		sent += o[i].res.status == DIALOG_OTP_SENT;
		limit += o[i].res.status == DIALOG_OTP_LIMIT;
	}
	assert_int_equal(sent, 3);
	assert_int_equal(limit, 5);
	r = R("XLEN t:outbox");
	assert_int_equal(r->integer, 3);
	freeReplyObject(r);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst, reset),
		cmocka_unit_test_setup(test_unknown_counts, reset),
		cmocka_unit_test_setup(test_owner, reset),
		cmocka_unit_test_setup(test_digits_only, reset),
		cmocka_unit_test_setup(test_expiry, reset),
		cmocka_unit_test_setup(test_dates_bytes, reset),
		cmocka_unit_test_setup(test_no_limits, reset),
		cmocka_unit_test_setup(test_otp_cap, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
