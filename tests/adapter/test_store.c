/*
 * test_store: the store adapter against a real redis-server (started here
 * on a unix socket in a temp dir; the test skips when redis-server is not
 * installed). Data is written with the registry.h layout, then every
 * request is checked: lookups and rate limits, NOSCRIPT recovery,
 * sessions, categories, documents, audit, deadlines, Redis going away and
 * coming back, and callbacks owed at store_free; then case B: OTP issue
 * and verify, the outbox (writes, consumer, claims, settling, receipts).
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
#include "store.h"

#define REDIS_BIN "/usr/bin/redis-server"

static char tmpdir[64] = "/tmp/tnsgw-store.XXXXXX";
static char sockpath[128];
static pid_t redis_pid = -1;
static struct event_base *base;
static struct config cfg;
static int in_call;		/* set around every store_* request call */
static int ups, downs;

static void
redis_start(void)
{
	char logf[160];

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
			return;
		usleep(10000);
	}
	fail_msg("redis-server did not start");
}

static void
redis_stop(void)
{
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
		redis_pid = -1;
	}
	unlink(sockpath);
}

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
	return r;
}

static void
Rq(const char *fmt, ...)
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
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("redis: %s", r->str);
	freeReplyObject(r);
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

/* Where put_person writes: generation 5, 3 buckets (layout 1), unless a
 * test switches generation. */
static long put_gen = 5;
static uint32_t put_nb = 3;

/* A record written the loader's way. */
static void
put_person(const char *type, const char *num, const char *birth,
    const char *expiry, const char *status, const char *matr,
    int acct, const char *phone, const char *reason)
{
	struct registry_rec r;
	unsigned char v[REGISTRY_PACKED_MAX];
	char key[REGISTRY_KEY_MAX], field[32];
	int n;

	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_idtype(type, &r.idtype), 0);
	assert_int_equal(parse_id_number(num, r.idnum, sizeof(r.idnum)), 0);
	assert_int_equal(parse_date_iso(birth, &r.birth), 0);
	if (expiry != NULL)
		assert_int_equal(parse_date_iso(expiry, &r.expiry), 0);
	r.status = strcmp(status, "REGISTERED") == 0 ?
	    REGISTRY_ST_REGISTERED : REGISTRY_ST_INELIGIBLE;
	snprintf(r.matricule, sizeof(r.matricule), "%s", matr);
	r.has_account = acct;
	snprintf(r.phone, sizeof(r.phone), "%s", phone);
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	n = registry_pack(&r, v, sizeof(v));
	assert_true(n > 0);
	registry_key_bucket(key, sizeof(key), "t:", put_gen,
	    registry_hash(r.idtype, r.idnum) % put_nb);
	registry_field(r.idtype, r.idnum, field, sizeof(field));
	Rq("HSET %s %s %b", key, field, v, (size_t)n);
}

static void
load_data(void)
{
	Rq("SET t:reg:gen 5:3");
	Rq("SET t:rsn:gen 5");
	Rq("SET t:cat:gen 5");
	put_person("CIN", "AB123456", "1980-02-01", "2030-05-31",
	    "REGISTERED", "990000001", 1, "", "");
	put_person("CIN", "BE765432", "1975-07-14", NULL, "REGISTERED",
	    "990000002", 0, "212600000102", "");
	put_person("CIN", "DA100002", "1972-02-02", "2030-02-02",
	    "INELIGIBLE", "", 0, "", "AMO_CNOPS");
	put_person("PASSPORT", "DA100002", "1972-02-02", NULL,
	    "INELIGIBLE", "", 0, "", "AYANT_DROIT");
	Rq("HSET t:rsn:5 AMO_CNOPS:fr %s AMO_CNOPS:ar %s", "Couvert CNOPS",
	    "مشمول");
	Rq("RPUSH t:cat:5:list MEDECINS AVOCATS");
	Rq("HSET t:cat:5:MEDECINS label_fr Médecins label_ar %s docs_fr %s "
	    "docs_ar %s", "الأطباء", "CIN|2 photos", "بطاقة|صورتان");
	Rq("HSET t:cat:5:AVOCATS label_fr Avocats docs_fr Barreau");
}

static void
on_up(void *arg)
{
	(void)arg;
	assert_int_equal(in_call, 0);
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

static struct store *
new_store(int timeout_ms, int max_req, int max_fail)
{
	struct store *st;
	int before = ups;
	int up = 0;

	cfg.redis.timeout_ms = timeout_ms;
	cfg.security.max_requests_per_msisdn_hour = max_req;
	cfg.security.max_failures_per_id_day = max_fail;
	st = store_new(base, &cfg, &cbs, NULL);
	assert_non_null(st);
	for (double end = now_ms() + 2000; ups == before && now_ms() < end;)
		run_until(&up, 5);
	assert_int_equal(ups, before + 1);
	assert_true(store_is_up(st));
	return st;
}

/* --- lookups -------------------------------------------------------- */

struct lk {
	int done;
	struct dialog_lookup res;
};

static void
lk_cb(void *arg, const struct dialog_lookup *res)
{
	struct lk *l = arg;

	assert_int_equal(in_call, 0);
	assert_int_equal(l->done, 0);
	l->done = 1;
	l->res = *res;
}

/* The birth date on record of load_data's people (the script compares
 * the caller's with it): a caller who knows it. */
static struct parse_date
right_birth(const char *num)
{
	struct parse_date d = { 0, 0, 0 };

	if (strcmp(num, "AB123456") == 0)
		d = (struct parse_date){ 1980, 2, 1 };
	else if (strcmp(num, "BE765432") == 0)
		d = (struct parse_date){ 1975, 7, 14 };
	else if (strcmp(num, "DA100002") == 0)
		d = (struct parse_date){ 1972, 2, 2 };
	return d;
}

/* A lookup with the birth date given (iso, NULL: none). */
static void
lookup_b(struct store *st, const char *msisdn, enum parse_idtype t,
    const char *num, const char *birth, struct lk *l)
{
	struct store_lookup_req q = { .msisdn = msisdn, .msisdn_ton = 1,
	    .idtype = t, .idnum = num, .lang = "fr" };

	if (birth != NULL)
		assert_int_equal(parse_date_iso(birth, &q.birth), 0);
	memset(l, 0, sizeof(*l));
	in_call = 1;
	store_lookup(st, &q, lk_cb, l);
	in_call = 0;
	run_until(&l->done, 3000);
	assert_int_equal(l->done, 1);
}

static void
lookup(struct store *st, const char *msisdn, enum parse_idtype t,
    const char *num, const char *lang, struct lk *l)
{
	struct store_lookup_req q = { .msisdn = msisdn, .msisdn_ton = 1,
	    .idtype = t, .idnum = num, .lang = lang, .birth = right_birth(num) };

	memset(l, 0, sizeof(*l));
	in_call = 1;
	store_lookup(st, &q, lk_cb, l);
	in_call = 0;
	run_until(&l->done, 3000);
	assert_int_equal(l->done, 1);
}

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);	/* as the daemon does */
	if (access(REDIS_BIN, X_OK) != 0)
		return 0;
	assert_non_null(mkdtemp(tmpdir));
	snprintf(sockpath, sizeof(sockpath), "%s/redis.sock", tmpdir);
	redis_start();
	load_data();
	base = event_base_new();
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.redis.socket, sizeof(cfg.redis.socket), "%s", sockpath);
	snprintf(cfg.redis.prefix, sizeof(cfg.redis.prefix), "t:");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	redis_stop();
	if (base != NULL)
		event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (strncmp(tmpdir, "/tmp/tnsgw-store.", 17) == 0 &&
	    strchr(tmpdir, 'X') == NULL && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return 0;
}

#define NEED_REDIS() do {						\
	if (base == NULL)						\
		skip();							\
} while (0)

static void
test_lookup(void **state)
{
	struct store *st;
	struct lk l;

	(void)state;
	NEED_REDIS();
	st = new_store(500, 100, 5);
	lookup(st, "212600000001", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_int_equal(l.res.rec[0].reg, DIALOG_REG_REGISTERED);
	assert_string_equal(l.res.rec[0].matricule, "990000001");
	assert_int_equal(l.res.rec[0].has_account, 1);
	assert_int_equal(l.res.rec[0].birth.y, 1980);
	assert_int_equal(l.res.rec[0].expiry.y, 2030);
	assert_int_equal(l.res.rec[0].expiry.d, 31);

	lookup(st, "212600000001", PARSE_ID_CIN, "BE765432", "fr", &l);
	assert_int_equal(l.res.rec[0].reg, DIALOG_REG_REGISTERED);
	assert_int_equal(l.res.rec[0].has_account, 0);
	assert_string_equal(l.res.rec[0].phone, "212600000102");
	assert_false(parse_date_is_set(&l.res.rec[0].expiry));

	lookup(st, "212600000001", PARSE_ID_CIN, "DA100002", "ar", &l);
	assert_int_equal(l.res.rec[0].reg, DIALOG_REG_INELIGIBLE);
	assert_string_equal(l.res.rec[0].reason_code, "AMO_CNOPS");
	assert_string_equal(l.res.rec[0].reason_text, "مشمول");
	lookup(st, "212600000001", PARSE_ID_CIN, "DA100002", "tzm", &l);
	assert_string_equal(l.res.rec[0].reason_text, "Couvert CNOPS");

	/* Same number, other type: its own record (reason without text). */
	lookup(st, "212600000001", PARSE_ID_PASSPORT, "DA100002", "fr", &l);
	assert_int_equal(l.res.rec[0].reg, DIALOG_REG_INELIGIBLE);
	assert_string_equal(l.res.rec[0].reason_code, "AYANT_DROIT");
	assert_string_equal(l.res.rec[0].reason_text, "");

	lookup(st, "212600000001", PARSE_ID_SEJOUR, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_int_equal(l.res.n, 0);

	/* Script cache flushed under us: EVAL takes over, same answer. */
	Rq("SCRIPT FLUSH");
	lookup(st, "212600000001", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_string_equal(l.res.rec[0].matricule, "990000001");
	store_free(st);
}

static void
test_rate_limits(void **state)
{
	struct store *st;
	struct lk l;
	redisReply *r;
	unsigned char idk[SECRET_KEY_LEN];
	char hex[SECRET_STATE_ID_HEX], kname[128];
	int i;

	(void)state;
	NEED_REDIS();
	st = new_store(500, 3, 2);
	memset(idk, 5, sizeof(idk));
	store_set_id_key(st, idk);
	for (i = 0; i < 3; i++) {
		lookup(st, "212611111111", PARSE_ID_CIN, "AB123456", "fr", &l);
		assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	}
	lookup(st, "212611111111", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	r = R("TTL t:rl:m:212611111111");
	assert_true(r->integer > 3500 && r->integer <= 3600);
	freeReplyObject(r);

	/* Failures, counted by the lookup itself: locked at the limit,
	 * for every caller. */
	lookup_b(st, "212622222222", PARSE_ID_CIN, "BE765432", "1975-07-15",
	    &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_int_equal(l.res.n, 0);
	lookup(st, "212622222222", PARSE_ID_CIN, "BE765432", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_int_equal(l.res.n, 1);
	lookup_b(st, "212622222222", PARSE_ID_CIN, "BE765432", NULL, &l);
	assert_int_equal(l.res.n, 0);
	lookup(st, "212633333333", PARSE_ID_CIN, "BE765432", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	/* The counter's name holds the number hashed under the id key,
	 * never the number itself. */
	secret_state_id_hash(idk, "CIN", "BE765432", hex);
	snprintf(kname, sizeof(kname), "TTL t:rl:f:CIN:%s", hex);
	r = R(kname);
	assert_true(r->integer > 86000 && r->integer <= 86400);
	freeReplyObject(r);
	snprintf(kname, sizeof(kname), "GET t:rl:f:CIN:%s", hex);
	r = R(kname);
	assert_string_equal(r->str, "2");
	freeReplyObject(r);
	r = R("EXISTS t:rl:f:CIN:BE765432");
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);
	store_free(st);
}

/* Locked by others' failures, an INELIGIBLE record with a reason, a
 * matricule and a phone on record: its phone (read past the reason and
 * the matricule) still gets it, with the reason text; another caller
 * with the same details is locked out. */
static void
test_owner_reason(void **state)
{
	struct store *st;
	struct lk l;

	(void)state;
	NEED_REDIS();
	put_person("CIN", "RS100003", "1960-06-06", NULL, "INELIGIBLE",
	    "990000177", 0, "212600000177", "AMO_CNOPS");
	st = new_store(500, 100, 1);
	lookup_b(st, "212600000178", PARSE_ID_CIN, "RS100003", "1960-06-07",
	    &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_int_equal(l.res.n, 0);
	lookup_b(st, "212600000178", PARSE_ID_CIN, "RS100003", "1960-06-06",
	    &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	lookup_b(st, "212600000177", PARSE_ID_CIN, "RS100003", "1960-06-06",
	    &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_int_equal(l.res.n, 1);
	assert_int_equal(l.res.rec[0].reg, DIALOG_REG_INELIGIBLE);
	assert_string_equal(l.res.rec[0].reason_code, "AMO_CNOPS");
	assert_string_equal(l.res.rec[0].reason_text, "Couvert CNOPS");
	assert_string_equal(l.res.rec[0].phone, "212600000177");
	lookup_b(st, "212600000177", PARSE_ID_CIN, "RS100003", "1960-06-05",
	    &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_LOCKED);
	store_free(st);
}

/* --- sessions, categories, docs, audit ------------------------------ */

struct sg {
	int done, status;
	char data[64];
	size_t len;
	int null;
};

static void
sg_cb(void *arg, int status, const char *data, size_t len)
{
	struct sg *s = arg;

	assert_int_equal(in_call, 0);
	s->done = 1;
	s->status = status;
	s->null = data == NULL;
	s->len = len;
	if (data != NULL && len < sizeof(s->data))
		memcpy(s->data, data, len);
}

static void
sd_cb(void *arg, int status)
{
	int *p = arg;

	assert_int_equal(in_call, 0);
	*p = status == 0 ? 1 : -1;
}

static void
test_sessions(void **state)
{
	struct store *st;
	struct sg s;
	int put = 0;
	redisReply *r;

	(void)state;
	NEED_REDIS();
	st = new_store(500, 100, 5);
	in_call = 1;
	store_session_put(st, "iam:212600000001", "a\0b", 3, 120, sd_cb, &put);
	in_call = 0;
	run_until(&put, 2000);
	assert_int_equal(put, 1);
	r = R("TTL t:sess:iam:212600000001");
	assert_true(r->integer > 100 && r->integer <= 120);
	freeReplyObject(r);

	memset(&s, 0, sizeof(s));
	in_call = 1;
	store_session_get(st, "iam:212600000001", sg_cb, &s);
	in_call = 0;
	run_until(&s.done, 2000);
	assert_int_equal(s.status, 0);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.data, "a\0b", 3);

	store_session_del(st, "iam:212600000001");
	memset(&s, 0, sizeof(s));
	store_session_get(st, "iam:212600000001", sg_cb, &s);
	run_until(&s.done, 2000);
	assert_int_equal(s.status, 0);
	assert_true(s.null);
	assert_int_equal(s.len, 0);
	store_free(st);
}

/* --- the versioned dialog state (DESIGN.md §6) ----------------------- */

struct sv {
	int done, status;
	char data[64];
	size_t len;
	long long ver;
};

static void
sv_cb(void *arg, int status, const char *data, size_t len, long long ver)
{
	struct sv *s = arg;

	assert_int_equal(in_call, 0);
	assert_int_equal(s->done, 0);
	s->done = 1;
	s->status = status;
	s->ver = ver;
	s->len = len;
	if (data != NULL && len < sizeof(s->data))
		memcpy(s->data, data, len);
}

static void
sv_get(struct store *st, const char *key, struct sv *s)
{
	memset(s, 0, sizeof(*s));
	in_call = 1;
	store_state_get(st, key, sv_cb, s);
	in_call = 0;
	run_until(&s->done, 2000);
	assert_int_equal(s->done, 1);
}

static void
sv_put(struct store *st, const char *key, long long ver, const char *data,
    long long floor_ms, struct sv *s)
{
	memset(s, 0, sizeof(*s));
	in_call = 1;
	store_state_put(st, key, ver, data, data != NULL ? strlen(data) : 0,
	    120, floor_ms, sv_cb, s);
	in_call = 0;
	run_until(&s->done, 2000);
	assert_int_equal(s->done, 1);
}

/*
 * Two instances (two stores, two connections) step the same session at
 * once: both read version v, both write over v. Exactly one applies; the
 * other is refused with the version found, re-reads the winner's state
 * and applies over it. Ending the state obeys the same check; a state of
 * the old format reads as version 0; a new dialog's version is never the
 * ended one's.
 */
static void
test_state_versions(void **state)
{
	struct store *a, *b;
	struct sv ga, gb, pa, pb, s;
	const char *key = "iam:212600000077";
	long long v0, ended;
	redisReply *r;
	int round, wins_a = 0, wins_b = 0;

	(void)state;
	NEED_REDIS();
	a = new_store(500, 100, 5);
	b = new_store(500, 100, 5);

	/* A new dialog: no version to compare, the clock's. */
	sv_put(a, key, STORE_STATE_ANY, "s0", 1000, &s);
	assert_int_equal(s.status, 0);
	assert_true(s.ver == 1000);
	r = R("GET t:sess:%s", key);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_string_equal(r->str, "1000:s0");
	freeReplyObject(r);
	r = R("TTL t:sess:%s", key);
	assert_true(r->integer > 100 && r->integer <= 120);
	freeReplyObject(r);
	sv_get(b, key, &s);
	assert_int_equal(s.status, 0);
	assert_int_equal(s.ver, 1000);
	assert_int_equal(s.len, 2);
	assert_memory_equal(s.data, "s0", 2);

	for (round = 0; round < 40; round++) {
		char da[16], db[16];

		sv_get(a, key, &ga);
		sv_get(b, key, &gb);
		assert_true(ga.ver == gb.ver);
		v0 = ga.ver;
		snprintf(da, sizeof(da), "a%d", round);
		snprintf(db, sizeof(db), "b%d", round);
		/* Both writes in flight together, from two connections;
		 * alternate which is sent first. */
		memset(&pa, 0, sizeof(pa));
		memset(&pb, 0, sizeof(pb));
		in_call = 1;
		if (round % 2 == 0) {
			store_state_put(a, key, v0, da, strlen(da), 120, 0,
			    sv_cb, &pa);
			store_state_put(b, key, v0, db, strlen(db), 120, 0,
			    sv_cb, &pb);
		} else {
			store_state_put(b, key, v0, db, strlen(db), 120, 0,
			    sv_cb, &pb);
			store_state_put(a, key, v0, da, strlen(da), 120, 0,
			    sv_cb, &pa);
		}
		in_call = 0;
		run_until(&pa.done, 2000);
		run_until(&pb.done, 2000);
		assert_true(pa.done && pb.done);
		/* Exactly one applied, over v0; the other saw its version. */
		assert_true((pa.status == 0) != (pb.status == 0));
		if (pa.status == 0) {
			wins_a++;
			assert_int_equal(pb.status, STORE_STATE_CONFLICT);
			assert_true(pa.ver == v0 + 1);
			assert_true(pb.ver == pa.ver);
		} else {
			wins_b++;
			assert_int_equal(pa.status, STORE_STATE_CONFLICT);
			assert_true(pb.ver == v0 + 1);
			assert_true(pa.ver == pb.ver);
		}
		/* The loser re-reads: the winner's state, then applies. */
		sv_get(pa.status == 0 ? b : a, key, &s);
		assert_true(s.ver == v0 + 1);
		assert_int_equal(s.len, strlen(pa.status == 0 ? da : db));
		assert_memory_equal(s.data, pa.status == 0 ? da : db, s.len);
		sv_put(pa.status == 0 ? b : a, key, s.ver, "re", 0, &s);
		assert_int_equal(s.status, 0);
		assert_true(s.ver == v0 + 2);
	}
	assert_true(wins_a + wins_b == 40);

	/* The end of the dialog is checked the same way. */
	sv_get(a, key, &ga);
	sv_put(b, key, ga.ver - 1, NULL, 0, &s);
	assert_int_equal(s.status, STORE_STATE_CONFLICT);
	assert_true(s.ver == ga.ver);
	r = R("EXISTS t:sess:%s", key);
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	sv_put(b, key, ga.ver, NULL, 0, &s);
	assert_int_equal(s.status, 0);
	assert_int_equal(s.ver, 0);
	ended = ga.ver;
	r = R("EXISTS t:sess:%s", key);
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);
	/* A step that read the ended state cannot write over the next
	 * dialog (no ABA): the new dialog's version is the clock's. */
	sv_put(a, key, STORE_STATE_ANY, "new", 1700000000000LL, &s);
	assert_int_equal(s.status, 0);
	assert_true(s.ver != ended);
	sv_put(b, key, ended, "late", 0, &s);
	assert_int_equal(s.status, STORE_STATE_CONFLICT);
	/* Nothing stored: version 0 (a step of a dialog whose state
	 * expired writes nothing over a new one either). */
	Rq("DEL t:sess:%s", key);
	sv_get(a, key, &s);
	assert_int_equal(s.status, 0);
	assert_int_equal(s.ver, 0);
	assert_int_equal(s.len, 0);
	/* A value of the format before versions (no prefix): version 0,
	 * the whole value; store_session_get strips the prefix too. */
	Rq("SET t:sess:%s S1:old", key);
	sv_get(b, key, &s);
	assert_int_equal(s.ver, 0);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.data, "S1:old", 6);
	sv_put(b, key, 0, "S1:new", 5, &s);
	assert_int_equal(s.status, 0);
	assert_true(s.ver == 5);
	{
		struct sg g;

		memset(&g, 0, sizeof(g));
		store_session_get(a, key, sg_cb, &g);
		run_until(&g.done, 2000);
		assert_int_equal(g.len, 6);
		assert_memory_equal(g.data, "S1:new", 6);
	}
	store_free(a);
	store_free(b);
}

/* A step's new version is the floor (the clock's ms) when the stored one
 * is below it, else the stored one + 1; an expected version that is only
 * a prefix of the stored one's digits, or found further in the value, is
 * a conflict. */
static void
test_state_floor(void **state)
{
	struct store *st;
	struct sv s;
	const char *key = "iam:212600000078";
	redisReply *r;

	(void)state;
	NEED_REDIS();
	st = new_store(500, 100, 5);
	sv_put(st, key, STORE_STATE_ANY, "s0", 1000, &s);
	sv_put(st, key, 1000, "s1", 1765000000123LL, &s);
	assert_int_equal(s.status, 0);
	assert_true(s.ver == 1765000000123LL);
	r = R("GET t:sess:%s", key);
	assert_string_equal(r->str, "1765000000123:s1");
	freeReplyObject(r);
	r = R("TTL t:sess:%s", key);
	assert_true(r->integer > 100 && r->integer <= 120);
	freeReplyObject(r);
	/* The floor not above the stored version: stored + 1. */
	sv_put(st, key, 1765000000123LL, "s2", 1765000000123LL, &s);
	assert_int_equal(s.status, 0);
	assert_true(s.ver == 1765000000124LL);
	sv_put(st, key, 1765000000124LL, "s3", 1000, &s);
	assert_true(s.ver == 1765000000125LL);
	r = R("GET t:sess:%s", key);
	assert_string_equal(r->str, "1765000000125:s3");
	freeReplyObject(r);
	sv_put(st, key, 176500000012LL, "x", 0, &s);
	assert_int_equal(s.status, STORE_STATE_CONFLICT);
	assert_true(s.ver == 1765000000125LL);
	/* The expected version's text inside the state bytes: no match. */
	sv_put(st, key, 1765000000125LL, "7:a", 0, &s);
	assert_true(s.ver == 1765000000126LL);
	sv_put(st, key, 7, "y", 0, &s);
	assert_int_equal(s.status, STORE_STATE_CONFLICT);
	assert_true(s.ver == 1765000000126LL);
	r = R("GET t:sess:%s", key);
	assert_string_equal(r->str, "1765000000126:7:a");
	freeReplyObject(r);
	store_free(st);
}

struct ct {
	int done;
	struct dialog_categories res;
};

static void
ct_cb(void *arg, const struct dialog_categories *res)
{
	struct ct *c = arg;

	assert_int_equal(in_call, 0);
	c->done = 1;
	c->res = *res;
}

struct dc {
	int done;
	struct dialog_docs res;
};

static void
dc_cb(void *arg, const struct dialog_docs *res)
{
	struct dc *d = arg;

	assert_int_equal(in_call, 0);
	d->done = 1;
	d->res = *res;
}

static void
test_catalogue_data(void **state)
{
	static struct ct c;
	static struct dc d;
	struct store *st;
	redisReply *r;

	(void)state;
	NEED_REDIS();
	st = new_store(500, 100, 5);
	memset(&c, 0, sizeof(c));
	in_call = 1;
	store_categories(st, "ar", ct_cb, &c);
	in_call = 0;
	run_until(&c.done, 2000);
	assert_int_equal(c.res.status, DIALOG_FETCH_OK);
	assert_int_equal(c.res.n, 2);
	assert_string_equal(c.res.item[0].code, "MEDECINS");
	assert_string_equal(c.res.item[0].label, "الأطباء");
	assert_string_equal(c.res.item[1].label, "Avocats");	/* fallback fr */

	memset(&d, 0, sizeof(d));
	store_docs(st, "MEDECINS", "ar", dc_cb, &d);
	run_until(&d.done, 2000);
	assert_int_equal(d.res.status, DIALOG_FETCH_OK);
	assert_int_equal(d.res.found, 1);
	assert_string_equal(d.res.label, "الأطباء");
	assert_string_equal(d.res.documents, "بطاقة|صورتان");
	memset(&d, 0, sizeof(d));
	store_docs(st, "AVOCATS", "tzm", dc_cb, &d);
	run_until(&d.done, 2000);
	assert_string_equal(d.res.documents, "Barreau");
	memset(&d, 0, sizeof(d));
	store_docs(st, "GONE", "fr", dc_cb, &d);
	run_until(&d.done, 2000);
	assert_int_equal(d.res.status, DIALOG_FETCH_OK);
	assert_int_equal(d.res.found, 0);

	store_audit(st, "A", "ussd", "iam", "2126****0001", "AB12****");
	memset(&d, 0, sizeof(d));
	store_docs(st, "GONE", "fr", dc_cb, &d);	/* after the XADD */
	run_until(&d.done, 2000);
	r = R("XRANGE t:audit - +");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 1);
	assert_int_equal(r->element[0]->element[1]->elements, 12);
	assert_string_equal(r->element[0]->element[1]->element[1]->str, "A");
	assert_string_equal(r->element[0]->element[1]->element[9]->str,
	    "AB12****");
	freeReplyObject(r);
	store_free(st);
}

/* --- generations (issue 12) ---------------------------------------- */

struct rg {
	int done;
	struct dialog_regions res;
};

static void
rg_cb(void *arg, const struct dialog_regions *res)
{
	struct rg *g = arg;

	assert_int_equal(in_call, 0);
	g->done = 1;
	g->res = *res;
}

struct pt {
	int done;
	struct dialog_points res;
};

static void
pt_cb(void *arg, const struct dialog_points *res)
{
	struct pt *p = arg;

	assert_int_equal(in_call, 0);
	p->done = 1;
	p->res = *res;
}

static long long
get_int(const char *key)
{
	redisReply *r = R("GET %s", key);
	long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;

	freeReplyObject(r);
	return v;
}

/*
 * A loader run under a live store: every dataset switches generation (and
 * the registry its bucket count) and the old generation's keys go. Each
 * kind of request, built from the generations read at connect, is answered
 * STALE, read again and sent again: the new data comes back, and the
 * rate limit counts one request, not two.
 */
static void
test_generation_switch(void **state)
{
	static struct ct c;
	static struct dc d;
	static struct rg g;
	static struct pt p;
	struct store_metrics m;
	struct store *st;
	struct lk l;
	char key[REGISTRY_KEY_MAX];
	int i;

	(void)state;
	NEED_REDIS();
	Rq("DEL t:pts:gen");
	Rq("RPUSH t:pts:5:regions 1 2");
	Rq("HSET t:pts:5:1 region_fr Oriental count 1 p1 %s", "A|rue 1|8-16|05");
	Rq("HSET t:pts:5:2 region_fr Souss region_ar %s count 2 p1 %s p2 %s",
	    "سوس", "B|rue 2|8-16|05", "C|rue 3|9-12|05");
	Rq("SET t:pts:gen 5");
	st = new_store(1000, 100, 5);
	lookup(st, "212600000077", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_string_equal(l.res.rec[0].matricule, "990000001");
	memset(&g, 0, sizeof(g));
	store_regions(st, "ar", rg_cb, &g);
	run_until(&g.done, 2000);
	assert_int_equal(g.res.status, DIALOG_FETCH_OK);
	assert_int_equal(g.res.n, 2);
	assert_string_equal(g.res.name[0], "Oriental");
	assert_string_equal(g.res.name[1], "سوس");
	memset(&p, 0, sizeof(p));
	store_points(st, 2, "fr", pt_cb, &p);
	run_until(&p.done, 2000);
	assert_int_equal(p.res.found, 1);
	assert_string_equal(p.res.region, "Souss");
	assert_int_equal(p.res.n, 2);
	assert_string_equal(p.res.point[1], "C|rue 3|9-12|05");
	memset(&p, 0, sizeof(p));
	store_points(st, 3, "fr", pt_cb, &p);	/* no such region */
	run_until(&p.done, 2000);
	assert_int_equal(p.res.status, DIALOG_FETCH_OK);
	assert_int_equal(p.res.found, 0);
	store_metrics(st, &m);
	assert_int_equal(m.stale_retries, 0);

	/* The loader's switch: generation 6 everywhere, 2 buckets. */
	put_gen = 6;
	put_nb = 2;
	put_person("CIN", "AB123456", "1980-02-01", "2030-05-31",
	    "REGISTERED", "990000061", 1, "", "");
	put_gen = 5;
	put_nb = 3;
	Rq("RPUSH t:cat:6:list NOTAIRES");
	Rq("HSET t:cat:6:NOTAIRES label_fr Notaires docs_fr Chambre");
	Rq("RPUSH t:pts:6:regions 1");
	Rq("HSET t:pts:6:1 region_fr Casablanca count 1 p1 %s",
	    "D|rue 4|8-16|05");
	Rq("MSET t:reg:gen 6:2 t:cat:gen 6 t:pts:gen 6");
	for (i = 0; i < 3; i++) {
		registry_key_bucket(key, sizeof(key), "t:", 5, (uint32_t)i);
		Rq("DEL %s", key);
	}
	Rq("DEL t:cat:5:list t:cat:5:MEDECINS t:cat:5:AVOCATS t:pts:5:regions "
	    "t:pts:5:1 t:pts:5:2");

	lookup(st, "212600000077", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_int_equal(l.res.n, 1);
	assert_string_equal(l.res.rec[0].matricule, "990000061");
	store_metrics(st, &m);
	assert_int_equal(m.stale_retries, 1);
	assert_int_equal(m.stale_failed, 0);
	/* STALE came before the INCR: two lookups, two requests counted. */
	assert_int_equal(get_int("t:rl:m:212600000077"), 2);

	/* The generations were read again whole: the next screens go
	 * through at once. */
	memset(&c, 0, sizeof(c));
	store_categories(st, "fr", ct_cb, &c);
	run_until(&c.done, 2000);
	assert_int_equal(c.res.status, DIALOG_FETCH_OK);
	assert_int_equal(c.res.n, 1);
	assert_string_equal(c.res.item[0].code, "NOTAIRES");
	memset(&d, 0, sizeof(d));
	store_docs(st, "NOTAIRES", "fr", dc_cb, &d);
	run_until(&d.done, 2000);
	assert_int_equal(d.res.found, 1);
	assert_string_equal(d.res.documents, "Chambre");
	memset(&g, 0, sizeof(g));
	store_regions(st, "fr", rg_cb, &g);
	run_until(&g.done, 2000);
	assert_int_equal(g.res.n, 1);
	assert_string_equal(g.res.name[0], "Casablanca");
	memset(&p, 0, sizeof(p));
	store_points(st, 1, "fr", pt_cb, &p);
	run_until(&p.done, 2000);
	assert_string_equal(p.res.point[0], "D|rue 4|8-16|05");
	store_metrics(st, &m);
	assert_int_equal(m.stale_retries, 1);

	/* Categories alone switch back: the categories screen is STALE
	 * once, then right. */
	Rq("SET t:cat:gen 5");
	load_data();
	memset(&c, 0, sizeof(c));
	store_categories(st, "fr", ct_cb, &c);
	run_until(&c.done, 2000);
	assert_int_equal(c.res.status, DIALOG_FETCH_OK);
	assert_int_equal(c.res.n, 2);
	assert_string_equal(c.res.item[1].code, "AVOCATS");
	store_metrics(st, &m);
	assert_int_equal(m.stale_retries, 2);

	/* The reasons switch: a record without a reason does not read their
	 * pointer (no STALE), one with a reason is STALE once and gets the
	 * new text, counted once. */
	Rq("HSET t:rsn:7 AMO_CNOPS:fr %s", "Couvert CNOPS (7)");
	Rq("SET t:rsn:gen 7");
	lookup(st, "212600000078", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_string_equal(l.res.rec[0].matricule, "990000001");
	store_metrics(st, &m);
	assert_int_equal(m.stale_retries, 2);
	assert_int_equal(get_int("t:rl:m:212600000078"), 1);
	lookup(st, "212600000079", PARSE_ID_CIN, "DA100002", "fr", &l);
	assert_int_equal(l.res.rec[0].reg, DIALOG_REG_INELIGIBLE);
	assert_string_equal(l.res.rec[0].reason_text, "Couvert CNOPS (7)");
	store_metrics(st, &m);
	assert_int_equal(m.stale_retries, 3);
	assert_int_equal(get_int("t:rl:m:212600000079"), 1);
	store_free(st);
	Rq("DEL t:rsn:7 t:rl:m:212600000078 t:rl:m:212600000079");
	Rq("SET t:rsn:gen 5");
	Rq("DEL t:reg:6:0 t:reg:6:1 t:cat:6:list t:cat:6:NOTAIRES t:pts:gen "
	    "t:pts:6:regions t:pts:6:1");
}

/* --- failures ------------------------------------------------------- */

static void
test_no_data(void **state)
{
	struct store *st;
	struct lk l;
	static struct ct c;

	(void)state;
	NEED_REDIS();
	Rq("RENAME t:reg:gen t:reg:gen.saved");
	Rq("RENAME t:cat:gen t:cat:gen.saved");
	st = new_store(500, 100, 5);
	lookup(st, "212600000009", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_ERROR);
	memset(&c, 0, sizeof(c));
	store_categories(st, "fr", ct_cb, &c);
	run_until(&c.done, 2000);
	assert_int_equal(c.res.status, DIALOG_FETCH_ERROR);
	store_free(st);
	Rq("RENAME t:reg:gen.saved t:reg:gen");
	Rq("RENAME t:cat:gen.saved t:cat:gen");
}

static void
test_deadline(void **state)
{
	struct store *st;
	struct lk l;
	double t0;

	(void)state;
	NEED_REDIS();
	st = new_store(100, 100, 5);
	Rq("CLIENT PAUSE 600 ALL");
	t0 = now_ms();
	lookup(st, "212600000010", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_ERROR);
	assert_true(now_ms() - t0 < 400);
	/* The late reply is swallowed; the next request works. */
	usleep(600000);
	lookup(st, "212600000010", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	store_free(st);
}

static void
test_redis_restart(void **state)
{
	struct store *st;
	struct lk l, l2;
	int d0;

	(void)state;
	NEED_REDIS();
	st = new_store(300, 100, 5);
	d0 = downs;
	/* In flight while Redis dies: fails once, from the loop. */
	memset(&l, 0, sizeof(l));
	{
		struct store_lookup_req q = { .msisdn = "212600000011",
		    .idtype = PARSE_ID_CIN, .idnum = "AB123456", .lang = "fr",
		    .birth = { 1980, 2, 1 } };

		Rq("CLIENT PAUSE 300 ALL");
		in_call = 1;
		store_lookup(st, &q, lk_cb, &l);
		in_call = 0;
	}
	redis_stop();
	run_until(&l.done, 2000);
	assert_int_equal(l.done, 1);
	assert_int_equal(l.res.status, DIALOG_FETCH_ERROR);
	for (double end = now_ms() + 2000; downs == d0 && now_ms() < end;)
		run_until(&l.done, 5);
	assert_int_equal(downs, d0 + 1);
	assert_false(store_is_up(st));

	/* While down: fails fast, never inside the call. */
	lookup(st, "212600000011", PARSE_ID_CIN, "AB123456", "fr", &l2);
	assert_int_equal(l2.res.status, DIALOG_FETCH_ERROR);

	/* Back: the store reconnects by itself (data is gone with it). */
	redis_start();
	load_data();
	{
		int before = ups, dummy = 0;

		for (double end = now_ms() + 8000; ups == before &&
		    now_ms() < end;)
			run_until(&dummy, 5);
		assert_int_equal(ups, before + 1);
	}
	lookup(st, "212600000011", PARSE_ID_CIN, "AB123456", "fr", &l);
	assert_int_equal(l.res.status, DIALOG_FETCH_OK);
	assert_string_equal(l.res.rec[0].matricule, "990000001");
	store_free(st);
}

static int freed_calls;

static void
free_cb(void *arg, const struct dialog_lookup *res)
{
	(void)arg;
	assert_int_equal(res->status, DIALOG_FETCH_ERROR);
	freed_calls++;
}

static void
test_free_pending(void **state)
{
	struct store *st;
	struct store_lookup_req q = { .msisdn = "212600000012",
	    .idtype = PARSE_ID_CIN, .idnum = "AB123456", .lang = "fr",
	    .birth = { 1980, 2, 1 } };
	int i, dummy = 0;

	(void)state;
	NEED_REDIS();
	st = new_store(500, 100, 5);
	freed_calls = 0;
	for (i = 0; i < 10; i++)
		store_lookup(st, &q, free_cb, NULL);
	store_free(st);
	assert_int_equal(freed_calls, 10);
	/* Nothing fires later. */
	run_until(&dummy, 100);
	assert_int_equal(freed_calls, 10);
	store_free(NULL);
}

static struct store *cb_store;
static int cb_ok, cb_err;

static void
free_inside_cb(void *arg, const struct dialog_lookup *res)
{
	(void)arg;
	if (res->status == DIALOG_FETCH_OK)
		cb_ok++;
	else
		cb_err++;
	if (cb_store != NULL) {
		struct store *st = cb_store;

		cb_store = NULL;
		store_free(st);		/* inside a reply callback */
	}
}

static void
test_free_in_callback(void **state)
{
	struct store_lookup_req q = { .msisdn = "212600000013",
	    .idtype = PARSE_ID_CIN, .idnum = "AB123456", .lang = "fr",
	    .birth = { 1980, 2, 1 } };
	int i, dummy = 0;

	(void)state;
	NEED_REDIS();
	cb_store = new_store(500, 100, 5);
	cb_ok = cb_err = 0;
	for (i = 0; i < 6; i++)
		store_lookup(cb_store, &q, free_inside_cb, NULL);
	for (double end = now_ms() + 2000; cb_ok + cb_err < 6 &&
	    now_ms() < end;)
		run_until(&dummy, 5);
	assert_int_equal(cb_ok, 1);
	assert_int_equal(cb_err, 5);
	run_until(&dummy, 100);		/* the context goes from the loop */
	assert_int_equal(cb_ok + cb_err, 6);
}

/* --- case B: OTP ---------------------------------------------------- */

#define PERSON "990000002"

struct ot {
	int done;
	struct dialog_otp res;
};

static void
ot_cb(void *arg, const struct dialog_otp *res)
{
	struct ot *o = arg;

	assert_int_equal(in_call, 0);
	assert_int_equal(o->done, 0);
	o->done = 1;
	o->res = *res;
}

static const struct store_outbox_msg otp_sms = { "iam", "212600000102", "",
    "otp", "fr", "SB1:sealed-otp", 1900000000123LL, 1, 1, "iam" };
/* TON/NPI 0/0 ("unknown") is kept as it is, not read back as 1/1. */
static const struct store_outbox_msg pw_sms = { "iam", "0600000102", "",
    "password", "ar", "SB1:sealed-password", 0, 0, 0, "" };

/* Issue with every new knob given: resend (0 a dial, 1 "9"), the gap,
 * the hourly cap (0 none). */
static void
issue_ex(struct store *st, const char *hash, int ttl_s, int max_failures,
    int resend, int gap_s, int max_hour, const char *tail, struct ot *o)
{
	struct store_otp_issue_req q = { PERSON, hash, ttl_s, max_failures,
	    resend, gap_s, max_hour, tail, otp_sms };

	memset(o, 0, sizeof(*o));
	in_call = 1;
	store_otp_issue(st, &q, ot_cb, o);
	in_call = 0;
	run_until(&o->done, 3000);
	assert_int_equal(o->done, 1);
}

/* A code that always replaces the last one (a resend without a gap or a
 * cap): what the older tests below expect. */
static void
issue(struct store *st, const char *hash, int ttl_s, int max_failures,
    const char *tail, struct ot *o)
{
	struct store_otp_issue_req q = { PERSON, hash, ttl_s, max_failures,
	    1, 0, 0, tail, otp_sms };

	memset(o, 0, sizeof(*o));
	in_call = 1;
	store_otp_issue(st, &q, ot_cb, o);
	in_call = 0;
	run_until(&o->done, 3000);
	assert_int_equal(o->done, 1);
}

static void
verify(struct store *st, const char *hash, int max_attempts,
    const char *tail, struct ot *o)
{
	struct store_otp_verify_req q = { PERSON, hash, max_attempts, 600,
	    tail, "212600000102", "SEALED-B64", "ussd", "iam", pw_sms };

	memset(o, 0, sizeof(*o));
	in_call = 1;
	store_otp_verify(st, &q, ot_cb, o);
	in_call = 0;
	run_until(&o->done, 3000);
	assert_int_equal(o->done, 1);
}

static void
clean_case_b(void)
{
	Rq("DEL t:otp:" PERSON " t:otp:" PERSON ":n t:otpf:" PERSON " t:pw:" PERSON
	    " t:outbox t:provisioning");
}

static long long
Ri(const char *fmt, ...)
{
	redisContext *c = redisConnectUnix(sockpath);
	redisReply *r;
	va_list ap;
	long long v;

	assert_true(c != NULL && c->err == 0);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	v = r->integer;
	freeReplyObject(r);
	return v;
}

/* GET/HGET as a string ("" for nil). */
static const char *
Rs(const char *fmt, ...)
{
	static char buf[256];
	redisContext *c = redisConnectUnix(sockpath);
	redisReply *r;
	va_list ap;

	assert_true(c != NULL && c->err == 0);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	assert_non_null(r);
	assert_true(r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_NIL);
	snprintf(buf, sizeof(buf), "%s", r->type == REDIS_REPLY_STRING ?
	    r->str : "");
	freeReplyObject(r);
	return buf;
}

/* The fields of entry i of a stream equal exactly names/values. */
static void
check_entry(const char *key, size_t i, const char *const *kv, size_t n)
{
	redisReply *r = R("XRANGE %s - +", key), *f;
	size_t j;

	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_true(r->elements > i);
	f = r->element[i]->element[1];
	assert_int_equal(f->elements, n);
	for (j = 0; j < n; j++)
		if (kv[j] != NULL)
			assert_string_equal(f->element[j]->str, kv[j]);
	freeReplyObject(r);
}

static void
check_sms(size_t i, const struct store_outbox_msg *m)
{
	char exp[24], ton[8], npi[8];
	const char *kv[20] = { "bind", m->bind, "to", m->to, "from", m->from,
	    "kind", m->kind, "lang", m->lang, "body", m->body, "expires_ms",
	    exp, "to_ton", ton, "to_npi", npi, "op", m->operator };

	snprintf(exp, sizeof(exp), "%lld", m->expires_ms);
	snprintf(ton, sizeof(ton), "%u", (unsigned)m->to_ton);
	snprintf(npi, sizeof(npi), "%u", (unsigned)m->to_npi);
	check_entry("t:outbox", i, kv, 20);
}

/*
 * Across sessions: a re-dial while a code is live gets LIVE (its tail, no
 * new SMS); "9" before the gap gets WAIT (seconds left), after it a new
 * code; past the hourly cap, LIMIT; a pending password still wins.
 */
static void
test_otp_live_resend_limit(void **state)
{
	struct store *st;
	struct ot o;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	st = new_store(500, 100, 5);
	issue_ex(st, "hashA", 300, 5, 0, 60, 2, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	assert_int_equal(Ri("XLEN t:outbox"), 1);
	/* the caller dials again: the same code is asked for */
	issue_ex(st, "hashB", 300, 5, 0, 60, 2, "77", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_LIVE);
	assert_string_equal(o.res.phone_tail, "02");	/* where it went */
	assert_string_equal(Rs("HGET t:otp:" PERSON " h"), "hashA");
	assert_int_equal(Ri("XLEN t:outbox"), 1);
	/* "9" too soon */
	issue_ex(st, "hashB", 300, 5, 1, 60, 2, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_WAIT);
	assert_true(o.res.wait_s > 55 && o.res.wait_s <= 60);
	assert_string_equal(Rs("HGET t:otp:" PERSON " h"), "hashA");
	/* "9" after the gap (0 here): a new code, the second this hour */
	issue_ex(st, "hashB", 300, 5, 1, 0, 2, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	assert_string_equal(Rs("HGET t:otp:" PERSON " h"), "hashB");
	assert_int_equal(Ri("XLEN t:outbox"), 2);
	/* a third within the hour: refused, nothing sent, the code kept */
	issue_ex(st, "hashC", 300, 5, 1, 0, 2, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_LIMIT);
	assert_string_equal(Rs("HGET t:otp:" PERSON " h"), "hashB");
	assert_int_equal(Ri("XLEN t:outbox"), 2);
	assert_true(Ri("TTL t:otp:" PERSON ":n") > 3500);
	/* a pending password comes first, live code or not */
	freeReplyObject(R("SET t:pw:" PERSON " 02 EX 60"));
	issue_ex(st, "hashD", 300, 5, 0, 60, 2, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ALREADY);
	store_free(st);
}

static void
test_otp_issue(void **state)
{
	struct store *st;
	struct ot o;
	long long ttl;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	st = new_store(500, 100, 5);
	issue(st, "hashA", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	assert_string_equal(o.res.phone_tail, "02");
	assert_int_equal(Ri("XLEN t:outbox"), 1);
	check_sms(0, &otp_sms);
	assert_string_equal(Rs("HGET t:otp:" PERSON " h"), "hashA");
	assert_string_equal(Rs("HGET t:otp:" PERSON " a"), "0");
	ttl = Ri("TTL t:otp:" PERSON);
	assert_true(ttl > 290 && ttl <= 300);

	/* A second issue replaces the code; the old one is wrong now. */
	issue(st, "hashB", 120, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	assert_string_equal(Rs("HGET t:otp:" PERSON " h"), "hashB");
	assert_int_equal(Ri("XLEN t:outbox"), 2);
	ttl = Ri("TTL t:otp:" PERSON);
	assert_true(ttl > 110 && ttl <= 120);
	verify(st, "hashA", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_WRONG);
	assert_int_equal(o.res.attempts_left, 2);

	/* A new code starts its attempts afresh; the failures stay. */
	issue(st, "hashC", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	assert_string_equal(Rs("HGET t:otp:" PERSON " a"), "0");
	assert_string_equal(Rs("GET t:otpf:" PERSON), "1");
	verify(st, "hashB", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_WRONG);
	assert_int_equal(o.res.attempts_left, 2);
	assert_string_equal(Rs("GET t:otpf:" PERSON), "2");
	store_free(st);
}

/*
 * Redis as a trust boundary (issue 9, piece c): the persistence read at
 * connect against redis.require_aof; below it case B fails without a
 * write and is counted; at or above it case B runs.
 */
static void
test_persistence(void **state)
{
	struct store *st;
	struct ot o;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	Rq("CONFIG SET appendonly no");
	cfg.redis.require_aof = CONFIG_AOF_EVERYSEC;
	st = new_store(500, 100, 5);
	assert_int_equal(store_persist_ok(st), 0);
	assert_string_equal(store_trust_problem(st),
	    "redis persistence: appendonly no, required everysec");
	issue(st, "hashA", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ERROR);
	verify(st, "hashA", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ERROR);
	assert_int_equal(store_persist_refused(st), 2);
	assert_int_equal(Ri("EXISTS t:outbox t:otp:" PERSON " t:pw:" PERSON), 0);
	store_free(st);

	/* everysec meets everysec, not always */
	Rq("CONFIG SET appendonly yes");
	Rq("CONFIG SET appendfsync everysec");
	st = new_store(500, 100, 5);
	assert_int_equal(store_persist_ok(st), 1);
	assert_string_equal(store_trust_problem(st), "");
	issue(st, "hashA", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	assert_int_equal(store_persist_refused(st), 0);
	store_free(st);
	cfg.redis.require_aof = CONFIG_AOF_ALWAYS;
	st = new_store(500, 100, 5);
	assert_int_equal(store_persist_ok(st), 0);
	assert_string_equal(store_trust_problem(st),
	    "redis persistence: appendfsync everysec, required always");
	store_free(st);
	Rq("CONFIG SET appendfsync always");
	st = new_store(500, 100, 5);
	assert_int_equal(store_persist_ok(st), 1);
	store_free(st);

	/* "no": nothing required, whatever Redis does */
	Rq("CONFIG SET appendonly no");
	cfg.redis.require_aof = CONFIG_AOF_NO;
	st = new_store(500, 100, 5);
	assert_int_equal(store_persist_ok(st), 1);
	store_free(st);
	clean_case_b();
}

static void
test_otp_verify(void **state)
{
	struct store *st;
	struct ot o;
	long long ttl, ts;
	redisReply *r;
	char tsbuf[24];

	(void)state;
	NEED_REDIS();
	clean_case_b();
	st = new_store(500, 100, 5);
	issue(st, "h1", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);

	/* Wrong, wrong, void: then no live code. */
	verify(st, "bad", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_WRONG);
	assert_int_equal(o.res.attempts_left, 2);
	ttl = Ri("TTL t:otpf:" PERSON);
	assert_true(ttl > 86000 && ttl <= 86400);
	verify(st, "bad", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_WRONG);
	assert_int_equal(o.res.attempts_left, 1);
	verify(st, "bad", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_VOID);
	assert_int_equal(Ri("EXISTS t:otp:" PERSON), 0);
	verify(st, "h1", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_EXPIRED);
	assert_string_equal(Rs("GET t:otpf:" PERSON), "3");
	assert_int_equal(Ri("EXISTS t:provisioning"), 0);

	/* Right: one provisioning entry, one password SMS, the marker. */
	issue(st, "h2", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	verify(st, "h2", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_OK);
	assert_string_equal(o.res.phone_tail, "02");
	assert_int_equal(Ri("EXISTS t:otp:" PERSON), 0);
	assert_int_equal(Ri("EXISTS t:otpf:" PERSON), 0);	/* reset */
	assert_string_equal(Rs("GET t:pw:" PERSON), "02");
	ttl = Ri("TTL t:pw:" PERSON);
	assert_true(ttl > 590 && ttl <= 600);
	assert_int_equal(Ri("XLEN t:provisioning"), 1);
	{
		const char *kv[12] = { "matricule", PERSON, "msisdn",
		    "212600000102", "password_sealed", "SEALED-B64",
		    "channel", "ussd", "operator", "iam", "ts", NULL };

		check_entry("t:provisioning", 0, kv, 12);
	}
	r = R("XRANGE t:provisioning - +");
	snprintf(tsbuf, sizeof(tsbuf), "%s",
	    r->element[0]->element[1]->element[11]->str);
	freeReplyObject(r);
	ts = atoll(tsbuf);
	assert_true(ts > (long long)time(NULL) - 10 &&
	    ts <= (long long)time(NULL) + 1);
	assert_int_equal(Ri("XLEN t:outbox"), 3);	/* otp, otp, password */
	check_sms(2, &pw_sms);

	/* Single use: the same code again (a copy of the MO) writes nothing
	 * and finds the password sent: ALREADY with its tail; once the
	 * password is no longer pending, nothing: EXPIRED. */
	verify(st, "h2", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ALREADY);
	assert_string_equal(o.res.phone_tail, "02");
	assert_int_equal(Ri("XLEN t:provisioning"), 1);
	assert_int_equal(Ri("XLEN t:outbox"), 3);
	Rq("DEL t:pw:" PERSON);
	verify(st, "h2", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_EXPIRED);
	Rq("SET t:pw:" PERSON " 02 EX 600");
	assert_int_equal(Ri("XLEN t:provisioning"), 1);
	assert_int_equal(Ri("XLEN t:outbox"), 3);

	/* Password pending: a new request gets ALREADY with the stored
	 * tail, and no new code. */
	issue(st, "h3", 300, 5, "99", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ALREADY);
	assert_string_equal(o.res.phone_tail, "02");
	assert_int_equal(Ri("EXISTS t:otp:" PERSON), 0);
	assert_int_equal(Ri("XLEN t:outbox"), 3);
	store_free(st);
}

static void
test_otp_already_locked_expired(void **state)
{
	struct store *st;
	struct ot o;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	st = new_store(500, 100, 5);

	/* A right code while a password is pending (issued elsewhere). */
	issue(st, "h1", 300, 5, "02", &o);
	Rq("SET t:pw:" PERSON " 77 EX 600");
	verify(st, "h1", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ALREADY);
	assert_string_equal(o.res.phone_tail, "77");
	assert_int_equal(Ri("EXISTS t:otp:" PERSON), 0);
	assert_int_equal(Ri("EXISTS t:provisioning"), 0);
	assert_int_equal(Ri("XLEN t:outbox"), 1);
	assert_string_equal(Rs("GET t:pw:" PERSON), "77");

	/* Locked at max failures: nothing written. */
	clean_case_b();
	Rq("SET t:otpf:" PERSON " 5");
	issue(st, "h1", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_LOCKED);
	assert_int_equal(Ri("EXISTS t:otp:" PERSON), 0);
	assert_int_equal(Ri("EXISTS t:outbox"), 0);
	issue(st, "h1", 300, 0, "02", &o);	/* 0: no limit */
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);

	/* Failures counted by verify lock the next issue. */
	clean_case_b();
	issue(st, "h1", 300, 2, "02", &o);
	verify(st, "x", 3, "02", &o);
	verify(st, "y", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_WRONG);
	issue(st, "h2", 300, 2, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_LOCKED);

	/* TTL passed. */
	clean_case_b();
	issue(st, "h1", 1, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_SENT);
	usleep(1100000);
	verify(st, "h1", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_EXPIRED);
	assert_int_equal(Ri("EXISTS t:provisioning"), 0);
	store_free(st);
}

static void
test_otp_down(void **state)
{
	struct store *st;
	struct ot o;
	char saved[sizeof(cfg.redis.socket)];

	(void)state;
	NEED_REDIS();
	memcpy(saved, cfg.redis.socket, sizeof(saved));
	snprintf(cfg.redis.socket, sizeof(cfg.redis.socket), "%s/none.sock",
	    tmpdir);
	st = store_new(base, &cfg, NULL, NULL);
	memcpy(cfg.redis.socket, saved, sizeof(saved));
	assert_non_null(st);
	issue(st, "h1", 300, 5, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ERROR);
	verify(st, "h1", 3, "02", &o);
	assert_int_equal(o.res.status, DIALOG_OTP_ERROR);
	store_free(st);
}

/* --- case B: outbox ------------------------------------------------- */

#define OB_MAX 64

struct ob {
	int n;			/* hand-outs so far */
	int want, reached;	/* reached = 1 when n >= want */
	char id[OB_MAX][32];
	long long deliveries[OB_MAX];
	char kind[OB_MAX][16], body[OB_MAX][32], to[OB_MAX][24];
	int ton[OB_MAX], npi[OB_MAX];
	struct store *free_me;	/* store_free on the first hand-out */
};

static void
ob_cb(void *arg, const struct store_outbox_entry *e)
{
	struct ob *b = arg;

	assert_int_equal(in_call, 0);
	assert_true(b->n < OB_MAX);
	snprintf(b->id[b->n], sizeof(b->id[0]), "%s", e->id);
	b->deliveries[b->n] = e->deliveries;
	snprintf(b->kind[b->n], sizeof(b->kind[0]), "%s", e->kind);
	snprintf(b->body[b->n], sizeof(b->body[0]), "%s", e->body);
	snprintf(b->to[b->n], sizeof(b->to[0]), "%s", e->to);
	b->ton[b->n] = e->to_ton;
	b->npi[b->n] = e->to_npi;
	b->n++;
	if (b->n >= b->want)
		b->reached = 1;
	if (b->free_me != NULL) {
		struct store *st = b->free_me;

		b->free_me = NULL;
		store_free(st);		/* inside the reader's callback */
	}
}

static void
spin(int ms)
{
	int never = 0;

	run_until(&never, ms);
}

static void
wait_n(struct ob *b, int n, int ms)
{
	b->want = n;
	b->reached = b->n >= n;
	run_until(&b->reached, ms);
}

/* How many hand-outs of id, and the highest delivery count seen. */
static int
ob_count(const struct ob *b, const char *id, long long *maxd)
{
	int i, c = 0;

	if (maxd != NULL)
		*maxd = 0;
	for (i = 0; i < b->n; i++)
		if (strcmp(b->id[i], id) == 0) {
			c++;
			if (maxd != NULL && b->deliveries[i] > *maxd)
				*maxd = b->deliveries[i];
		}
	return c;
}

/* Everything sent before this is done when it returns (one pipeline). */
static void
barrier(struct store *st)
{
	struct sg s;

	memset(&s, 0, sizeof(s));
	store_session_get(st, "barrier", sg_cb, &s);
	run_until(&s.done, 2000);
	assert_int_equal(s.done, 1);
}

static void
start_consumer(struct store *st, const char *name, int claim_ms, struct ob *b)
{
	int rc;

	in_call = 1;
	rc = store_outbox_start(st, name, claim_ms, ob_cb, b);
	in_call = 0;
	assert_int_equal(rc, 0);
}

static void
test_outbox_add(void **state)
{
	static const struct store_outbox_msg docs = { "inwi", "0700000001",
	    "2020", "docs", "fr", "CIN|2 photos", 0, 2, 1, "inwi" };
	struct store *st;
	int done = 0;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	st = new_store(500, 100, 5);
	in_call = 1;
	store_outbox_add(st, &docs, sd_cb, &done);
	in_call = 0;
	run_until(&done, 2000);
	assert_int_equal(done, 1);
	store_outbox_add(st, &docs, NULL, NULL);
	barrier(st);
	assert_int_equal(Ri("XLEN t:outbox"), 2);
	check_sms(0, &docs);
	check_sms(1, &docs);
	assert_int_equal(store_outbox_start(st, "", 300, ob_cb, NULL), -1);
	store_free(st);
}

/*
 * Trimming never passes a promise: with keep_s 1, settled entries older
 * than the oldest pending one go; the pending one, what follows it, and
 * what the group has not read yet stay.
 */
static void
test_outbox_trim(void **state)
{
	static const struct store_outbox_msg docs = { "inwi", "0700000001",
	    "2020", "docs", "fr", "CIN|2 photos", 0, 1, 1, "inwi" };
	static struct ob b;
	struct store *st;
	redisReply *r;
	int i;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	cfg.outbox.keep_s = 1;
	st = new_store(500, 100, 5);
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 5; i++)
		store_outbox_add(st, &docs, NULL, NULL);
	barrier(st);
	start_consumer(st, "trim", 60000, &b);
	wait_n(&b, 5, 3000);
	assert_int_equal(b.n, 5);
	/* Settle 0, 1 and 3; 2 and 4 stay pending. */
	store_outbox_ack(st, b.id[0], "sent", "inwi", NULL);
	store_outbox_ack(st, b.id[1], "sent", "inwi", NULL);
	store_outbox_ack(st, b.id[3], "sent", "inwi", NULL);
	barrier(st);
	store_free(st);
	/* Settled ones are deleted at once (issue 9): 2 and 4 left. One
	 * more the group never reads, then a store with no consumer: its
	 * trims run all the same. */
	assert_int_equal(Ri("XLEN t:outbox"), 2);
	freeReplyObject(R("XADD t:outbox * bind inwi to 1 kind docs body x "
	    "expires_ms 0"));
	assert_int_equal(Ri("XLEN t:outbox"), 3);
	st = new_store(500, 100, 5);
	spin(4500);		/* keep_s passed, a trim ran */
	/* 2 (pending), 4 (pending), 5 (unread) kept. */
	assert_int_equal(Ri("XLEN t:outbox"), 3);
	r = R("XRANGE t:outbox - +");
	assert_int_equal(r->elements, 3);
	assert_string_equal(r->element[0]->element[0]->str, b.id[2]);
	freeReplyObject(r);
	r = R("XPENDING t:outbox tnsgw");
	assert_int_equal(r->element[0]->integer, 2);
	freeReplyObject(r);
	store_free(st);
	cfg.outbox.keep_s = 0;
}

/* Calls of a command since Redis started (INFO commandstats). */
static long long
cmd_calls(const char *cmd)
{
	redisReply *r = R("INFO commandstats");
	char key[64];
	const char *p;
	long long n = 0;

	snprintf(key, sizeof(key), "cmdstat_%s:calls=", cmd);
	if (r->type == REDIS_REPLY_STRING && (p = strstr(r->str, key)) != NULL)
		n = strtoll(p + strlen(key), NULL, 10);
	freeReplyObject(r);
	return n;
}

/*
 * The records of one loop turn go in one script, in call order, at most
 * STORE_RECS_MAX (16) a script: 40 settles in a turn are 3 XACKs, not 40
 * (+1: a message id too long to be held sends those held, then its own).
 * Each state is what it would be one script at a time: an early receipt
 * applied, a note folded into its settle, a note with another id recorded
 * before it, a receipt in the same turn as its record sent after it.
 */
static void
test_outbox_batch(void **state)
{
	static const struct store_outbox_msg docs = { "inwi", "0700000001",
	    "2020", "docs", "fr", "CIN|2 photos", 0, 1, 1, "inwi" };
	static struct ob b;
	struct store *st;
	redisReply *r;
	char mid[16], longmid[100];
	long long acks, dels;
	int i;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	st = new_store(500, 100, 5);
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 40; i++)
		store_outbox_add(st, &docs, NULL, NULL);
	barrier(st);
	start_consumer(st, "batch", 60000, &b);
	wait_n(&b, 40, 3000);
	assert_int_equal(b.n, 40);
	Rq("SET t:outbox:mid:inwi:m5:w delivered|123 EX 3600");
	memset(longmid, 'x', 90);
	longmid[90] = '\0';
	acks = cmd_calls("xack");
	dels = cmd_calls("xdel");
	store_outbox_note_id(st, b.id[7], "inwi", "m7");
	store_outbox_note_id(st, b.id[9], "inwi", "m9x");
	for (i = 0; i < 39; i++) {
		snprintf(mid, sizeof(mid), "m%d", i);
		store_outbox_ack(st, b.id[i], "sent", "inwi",
		    i % 2 ? mid : NULL);
		if (i == 11)	/* waits for its held record, then direct */
			store_outbox_dlr(st, "inwi", "m11", "delivered");
	}
	/* 0..14 with note 9 went when 16 were held, then 15..30; 31..38
	 * go before this one, which goes alone. */
	store_outbox_ack(st, b.id[39], "sent", "inwi", longmid);
	barrier(st);
	barrier(st);
	assert_int_equal(cmd_calls("xack") - acks, 4);
	assert_int_equal(cmd_calls("xdel") - dels, 4);
	assert_int_equal(Ri("XLEN t:outbox"), 0);
	r = R("XPENDING t:outbox tnsgw");
	assert_int_equal(r->element[0]->integer, 0);
	freeReplyObject(r);
	for (i = 0; i < 40; i++) {
		const char *want = i == 5 || i == 11 ? "delivered" : "sent";

		assert_string_equal(Rs("HGET t:outbox:st:%s state", b.id[i]),
		    want);
		assert_string_equal(Rs("HGET t:outbox:st:%s bind", b.id[i]),
		    "inwi");
		assert_true(Ri("TTL t:outbox:st:%s", b.id[i]) > 604000);
		if (i % 2 == 0)
			continue;
		snprintf(mid, sizeof(mid), "m%d", i);
		assert_string_equal(Rs("HGET t:outbox:st:%s message_id",
		    b.id[i]), i == 39 ? longmid : mid);
		assert_string_equal(Rs("GET t:outbox:mid:inwi:%s",
		    i == 39 ? longmid : mid), b.id[i]);
	}
	assert_string_equal(Rs("HGET t:outbox:st:%s dlr_ts", b.id[5]), "123");
	assert_int_equal(Ri("EXISTS t:outbox:mid:inwi:m5:w"), 0);
	assert_string_equal(Rs("GET t:outbox:mid:inwi:m9x"), b.id[9]);
	assert_string_equal(Rs("GET t:outbox:mid:inwi:m7"), b.id[7]);
	assert_int_equal(Ri("EXISTS t:outbox:mid:inwi:m11:w"), 0);
	Rq("DEL t:outbox:mid:inwi:m9x");
	for (i = 0; i < 40; i++) {
		snprintf(mid, sizeof(mid), "m%d", i);
		Rq("DEL t:outbox:st:%s t:outbox:mid:inwi:%s", b.id[i],
		    i == 39 ? longmid : mid);
	}
	store_free(st);
}

/* A pending entry deleted under us is counted lost when claimed, and
 * said at err; nothing is handed out for it. */
static void
test_outbox_deleted(void **state)
{
	static const struct store_outbox_msg docs = { "inwi", "0700000001",
	    "2020", "docs", "fr", "CIN|2 photos", 0, 1, 1, "inwi" };
	static struct ob b;
	struct store *st;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	st = new_store(500, 100, 5);
	memset(&b, 0, sizeof(b));
	store_outbox_add(st, &docs, NULL, NULL);
	barrier(st);
	start_consumer(st, "del", 300, &b);
	wait_n(&b, 1, 3000);
	assert_int_equal(b.n, 1);
	freeReplyObject(R("XDEL t:outbox %s", b.id[0]));
	spin(1500);		/* idle 300 ms, claimed */
	assert_int_equal(b.n, 1);
	assert_int_equal(store_outbox_lost(st), 1);
	store_free(st);
}

static void
test_outbox_consumer(void **state)
{
	static struct ob b;
	struct store *st;
	char e0[32], e1[32], e2[32], m[32], m2[32], m3[32];
	long long maxd, len, pend;
	redisReply *r;
	int i;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	memset(&b, 0, sizeof(b));
	/* Written before the group exists: still delivered (group at 0). */
	r = R("XADD t:outbox * bind iam to 212600000001 from %s kind docs "
	    "lang fr body early expires_ms 0", "");
	snprintf(e0, sizeof(e0), "%s", r->str);
	freeReplyObject(r);
	st = new_store(500, 100, 5);
	start_consumer(st, "c1", 300, &b);
	assert_int_equal(store_outbox_start(st, "c1", 300, ob_cb, &b), -1);
	store_outbox_add(st, &otp_sms, NULL, NULL);
	store_outbox_add(st, &pw_sms, NULL, NULL);
	r = R("XADD t:outbox * foo bar");	/* malformed */
	snprintf(m, sizeof(m), "%s", r->str);
	freeReplyObject(r);
	/* ... and TON/NPI that are no octet */
	r = R("XADD t:outbox * bind iam to 2126 from %s kind docs lang fr "
	    "body x expires_ms 0 to_ton 256 to_npi 1", "");
	snprintf(m2, sizeof(m2), "%s", r->str);
	freeReplyObject(r);
	r = R("XADD t:outbox * bind iam to 2126 from %s kind docs lang fr "
	    "body x expires_ms 0 to_ton 1 to_npi -1", "");
	snprintf(m3, sizeof(m3), "%s", r->str);
	freeReplyObject(r);
	wait_n(&b, 3, 3000);
	spin(100);
	assert_int_equal(b.n, 3);	/* each once, the malformed ones never */
	for (i = 0; i < 3; i++)
		assert_int_equal(b.deliveries[i], 1);
	assert_string_equal(b.id[0], e0);
	assert_string_equal(b.body[0], "early");
	/* written without to_ton/to_npi (older version): international */
	assert_int_equal(b.ton[0], 1);
	assert_int_equal(b.npi[0], 1);
	assert_string_equal(b.kind[1], "otp");
	assert_string_equal(b.body[1], "SB1:sealed-otp");
	assert_int_equal(b.ton[1], 1);
	assert_int_equal(b.npi[1], 1);
	assert_string_equal(b.kind[2], "password");
	assert_string_equal(b.to[2], "0600000102");
	assert_int_equal(b.ton[2], 0);
	assert_int_equal(b.npi[2], 0);
	snprintf(e1, sizeof(e1), "%s", b.id[1]);
	snprintf(e2, sizeof(e2), "%s", b.id[2]);
	/* Malformed: to the dead letters, one entry each. */
	assert_int_equal(Ri("XLEN t:outbox:dead"), 3);
	assert_string_equal(Rs("HGET t:outbox:st:%s state", m), "dead");
	assert_string_equal(Rs("HGET t:outbox:st:%s state", m2), "dead");
	assert_string_equal(Rs("HGET t:outbox:st:%s state", m3), "dead");
	r = R("XPENDING t:outbox tnsgw - + 10");
	assert_int_equal(r->elements, 3);	/* e0, e1, e2, not m */
	freeReplyObject(r);

	/* Settle two; the third is claimed again once idle 300 ms. */
	store_outbox_ack(st, e0, "sent", "iam", NULL);
	store_outbox_ack(st, e1, "sent", "iam", "mid-1");
	wait_n(&b, 4, 2000);
	spin(350);
	assert_int_equal(ob_count(&b, e0, NULL), 1);
	assert_int_equal(ob_count(&b, e1, NULL), 1);
	assert_true(ob_count(&b, e2, &maxd) >= 2);
	assert_true(maxd >= 2);
	assert_string_equal(b.body[3], "SB1:sealed-password");
	store_outbox_ack(st, e2, "expired", "iam", NULL);
	barrier(st);
	i = b.n;
	spin(500);
	assert_int_equal(b.n, i);	/* settled: never again */
	r = R("XPENDING t:outbox tnsgw");
	assert_int_equal(r->element[0]->integer, 0);
	freeReplyObject(r);

	/* Settled state, receipt index. */
	assert_string_equal(Rs("HGET t:outbox:st:%s state", e0), "sent");
	assert_string_equal(Rs("HGET t:outbox:st:%s state", e2), "expired");
	assert_string_equal(Rs("HGET t:outbox:st:%s bind", e1), "iam");
	assert_string_equal(Rs("HGET t:outbox:st:%s message_id", e1), "mid-1");
	assert_true(Ri("TTL t:outbox:st:%s", e1) > 604000);
	assert_string_equal(Rs("GET t:outbox:mid:iam:mid-1"), e1);
	assert_true(Ri("TTL t:outbox:mid:iam:mid-1") > 172000);
	assert_int_equal(Ri("EXISTS t:outbox:mid:iam:"), 0);
	store_outbox_dlr(st, "iam", "mid-1", "delivered");
	store_outbox_dlr(st, "iam", "mid-404", "delivered");
	barrier(st);	/* a receipt: GET of its mapping, */
	barrier(st);	/* then the script naming the entry's key */
	/* Unknown (or early): kept for the record to apply. */
	assert_int_equal(Ri("EXISTS t:outbox:mid:iam:mid-404:w"), 1);
	assert_string_equal(Rs("HGET t:outbox:st:%s state", e1), "delivered");
	assert_int_equal(Ri("EXISTS t:outbox:st:"), 0);
	/* The early receipt applied by the record that learns its id, and
	 * kept by the next records of that entry (mid already held it). */
	store_outbox_note_id(st, "9-9", "iam", "mid-404");
	barrier(st);	/* a note goes at the end of the loop turn: */
	barrier(st);	/* after the first barrier's GET */
	assert_string_equal(Rs("HGET t:outbox:st:9-9 state"), "delivered");
	assert_string_equal(Rs("HGET t:outbox:st:9-9 message_id"), "mid-404");
	assert_string_equal(Rs("HGET t:outbox:st:9-9 bind"), "iam");
	assert_true(Ri("HEXISTS t:outbox:st:9-9 dlr_ts") == 1);
	assert_int_equal(Ri("EXISTS t:outbox:mid:iam:mid-404:w"), 0);
	assert_string_equal(Rs("GET t:outbox:mid:iam:mid-404"), "9-9");
	store_outbox_note_id(st, "9-9", "iam", "mid-404");
	barrier(st);
	barrier(st);
	assert_string_equal(Rs("HGET t:outbox:st:9-9 state"), "delivered");
	assert_true(Ri("TTL t:outbox:st:9-9") > 604000);
	/* Without a receipt: the record's own state, one HSET. */
	store_outbox_note_id(st, "9-8", "iam", "mid-405");
	barrier(st);
	barrier(st);
	assert_string_equal(Rs("HGET t:outbox:st:9-8 state"), "submitted");
	assert_int_equal(Ri("HEXISTS t:outbox:st:9-8 dlr_ts"), 0);
	assert_string_equal(Rs("HGET t:outbox:st:9-8 message_id"), "mid-405");
	/* A receipt for an id our record mapped goes to its script at once;
	 * when mid holds another entry since (another instance's record)
	 * or none, the script says so and mid is read: the receipt goes to
	 * the entry mid names, or waits as an early one. */
	store_outbox_dlr(st, "iam", "mid-405", "delivered");
	barrier(st);
	assert_string_equal(Rs("HGET t:outbox:st:9-8 state"), "delivered");
	store_outbox_note_id(st, "9-7", "iam", "mid-406");
	store_outbox_note_id(st, "9-5", "iam", "mid-407");
	barrier(st);
	barrier(st);
	Rq("SET t:outbox:mid:iam:mid-406 9-6");
	Rq("DEL t:outbox:mid:iam:mid-407");
	store_outbox_dlr(st, "iam", "mid-406", "undeliverable");
	store_outbox_dlr(st, "iam", "mid-407", "delivered");
	barrier(st);
	barrier(st);
	barrier(st);
	assert_string_equal(Rs("HGET t:outbox:st:9-6 state"), "undeliverable");
	assert_true(Ri("TTL t:outbox:st:9-6") > 604000);	/* made by the receipt */
	assert_string_equal(Rs("HGET t:outbox:st:9-7 state"), "submitted");
	assert_string_equal(Rs("HGET t:outbox:st:9-5 state"), "submitted");
	assert_int_equal(Ri("EXISTS t:outbox:mid:iam:mid-407:w"), 1);
	/* A note and the settle of its entry in one loop turn: the settle's
	 * record maps the id; with another id, the note is recorded too. */
	store_outbox_note_id(st, "9-4", "iam", "mid-408");
	store_outbox_ack(st, "9-4", "sent", "iam", "mid-408");
	store_outbox_note_id(st, "9-3", "iam", "mid-409");
	store_outbox_ack(st, "9-3", "sent", "iam", NULL);
	barrier(st);
	barrier(st);
	assert_string_equal(Rs("HGET t:outbox:st:9-4 state"), "sent");
	assert_string_equal(Rs("HGET t:outbox:st:9-4 message_id"), "mid-408");
	assert_string_equal(Rs("GET t:outbox:mid:iam:mid-408"), "9-4");
	assert_string_equal(Rs("HGET t:outbox:st:9-3 state"), "sent");
	assert_string_equal(Rs("GET t:outbox:mid:iam:mid-409"), "9-3");
	Rq("DEL t:outbox:st:9-4 t:outbox:st:9-3 t:outbox:mid:iam:mid-408 "
	    "t:outbox:mid:iam:mid-409");
	Rq("DEL t:outbox:st:9-9 t:outbox:st:9-8 t:outbox:mid:iam:mid-404 "
	    "t:outbox:mid:iam:mid-405 t:outbox:st:9-7 t:outbox:st:9-6 "
	    "t:outbox:st:9-5 t:outbox:mid:iam:mid-406 "
	    "t:outbox:mid:iam:mid-407:w");

	/* All 6 settled (sent, expired, dead): XACKed and XDELeted with
	 * their state, none left in the stream (issue 9); the depth says so
	 * once refreshed (every 2 s). */
	assert_int_equal(Ri("XLEN t:outbox"), 0);
	spin(2500);
	store_outbox_depth(st, &len, &pend);
	assert_int_equal(len, 0);
	assert_int_equal(pend, 0);
	store_free(st);
}

static void
test_outbox_takeover(void **state)
{
	static struct ob a, b, c;
	struct store *st;
	long long maxd;
	int i;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	st = new_store(500, 100, 5);
	start_consumer(st, "dead", 300, &a);
	store_outbox_add(st, &otp_sms, NULL, NULL);
	store_outbox_add(st, &pw_sms, NULL, NULL);
	wait_n(&a, 2, 3000);
	assert_int_equal(a.n, 2);
	store_free(st);		/* crashed before settling */
	Rq("HDEL t:outbox:alive dead");	/* and its heartbeat (5 s) gone */

	/* The next process, another consumer name, takes them over. */
	st = new_store(500, 100, 5);
	start_consumer(st, "next", 300, &b);
	wait_n(&b, 2, 3000);
	assert_int_equal(b.n, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ob_count(&b, a.id[i], &maxd), 1);
		assert_true(maxd >= 2);
		store_outbox_ack(st, b.id[i], "sent", "iam", NULL);
	}
	barrier(st);
	assert_int_equal(Ri("XLEN t:outbox"), 0);	/* settled: deleted */
	store_free(st);

	/* store_free from inside the consumer's callback. */
	memset(&c, 0, sizeof(c));
	st = new_store(500, 100, 5);
	c.free_me = st;
	start_consumer(st, "c3", 300, &c);
	store_outbox_add(st, &otp_sms, NULL, NULL);
	wait_n(&c, 1, 3000);
	spin(100);
	assert_int_equal(c.n, 1);
	assert_null(c.free_me);
}

static void
test_outbox_redis_restart(void **state)
{
	static struct ob b;
	struct store *st;
	redisReply *r;
	int n;

	(void)state;
	NEED_REDIS();
	clean_case_b();
	memset(&b, 0, sizeof(b));
	st = new_store(300, 100, 5);
	start_consumer(st, "c1", 300, &b);
	store_outbox_add(st, &otp_sms, NULL, NULL);
	wait_n(&b, 1, 3000);
	assert_int_equal(b.n, 1);
	redis_stop();
	spin(400);
	n = b.n;
	redis_start();
	load_data();
	r = R("XADD t:outbox * bind iam to 212600000001 from %s kind docs "
	    "lang fr body after expires_ms 0", "");
	freeReplyObject(r);
	wait_n(&b, n + 1, 6000);
	assert_int_equal(b.n, n + 1);
	assert_string_equal(b.body[n], "after");
	assert_int_equal(b.deliveries[n], 1);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_rate_limits),
		cmocka_unit_test(test_owner_reason),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_state_versions),
		cmocka_unit_test(test_state_floor),
		cmocka_unit_test(test_catalogue_data),
		cmocka_unit_test(test_generation_switch),
		cmocka_unit_test(test_no_data),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_free_pending),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_otp_issue),
		cmocka_unit_test(test_otp_live_resend_limit),
		cmocka_unit_test(test_otp_verify),
		cmocka_unit_test(test_otp_already_locked_expired),
		cmocka_unit_test(test_otp_down),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_outbox_add),
		cmocka_unit_test(test_outbox_consumer),
		cmocka_unit_test(test_outbox_takeover),
		cmocka_unit_test(test_outbox_trim),
		cmocka_unit_test(test_outbox_batch),
		cmocka_unit_test(test_outbox_deleted),
		cmocka_unit_test(test_redis_restart),
		cmocka_unit_test(test_outbox_redis_restart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
