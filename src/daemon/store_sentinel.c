/*
 * store_sentinel: the master found through Redis Sentinel (issue 12). Every
 * connect of the main connection first asks all the sentinels at once
 * (SENTINEL get-master-addr-by-name, async, under a deadline: the first
 * answer wins), and a subscription to +switch-master on one sentinel
 * re-finds the master as soon as a failover is announced. With
 * redis.sentinel_password every sentinel connection sends AUTH first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "config.h"
#include "log.h"
#include "store_priv.h"

#define STORE_SENTINEL_ROUND_MS	1000	/* at least, for a whole round */
#define STORE_SENTINEL_SUB_MS	1000	/* between subscription attempts */

_Static_assert(STORE_SENTINEL_MAX == CONFIG_MAX_SENTINELS,
    "store_sentinel holds fewer sentinels than redis.sentinels");

/* Let a context go without any of our callbacks running for it again.
 * Never from inside one of its own callbacks (hiredis 0.14). */
static void
store_sentinel_conn_free(struct store_sentinel_conn *c)
{
	struct redisAsyncContext *ac = c->ac;

	if (ac == NULL)
		return;
	c->ac = NULL;
	ac->onConnect = NULL;
	ac->onDisconnect = NULL;
	ac->data = NULL;
	redisAsyncFree(ac);	/* reply callbacks see c->ac != ac */
}

/* A host and port a sentinel gave: printable, no space or quote (it ends
 * up in logs, /status and JSON). */
static int
store_sentinel_addr_ok(const redisReply *h, const redisReply *p, int *port)
{
	char *end;
	long v;

	if (h->type != REDIS_REPLY_STRING || p->type != REDIS_REPLY_STRING ||
	    h->len == 0 || h->len >= 256 || p->len == 0 || p->len > 5)
		return 0;
	for (size_t i = 0; i < h->len; i++) {
		char ch = h->str[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == ':' ||
		    ch == '-' || ch == '_'))
			return 0;
	}
	v = strtol(p->str, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return 0;
	*port = (int)v;
	return 1;
}

/* --- a round: ask every sentinel ------------------------------------ */

static void
store_sentinel_fail_one(struct store_sentinel_conn *c, const char *why)
{
	struct store *st = c->st;
	struct store_sentinel *s = &st->sen;

	if (c->failed || !s->asking)
		return;
	c->failed = 1;
	snprintf(s->why, sizeof(s->why), "%s", why);
	if (++s->nfailed == s->n)
		event_active(s->ev_done, EV_TIMEOUT, 1);	/* none left */
}

static void
store_sentinel_on_addr(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_sentinel_conn *c = privdata;
	struct store_sentinel *s;
	const redisReply *r = reply;
	char why[128];
	int port;

	if (c->ac != ac || c->st == NULL || r == NULL)
		return;		/* freed, or going: the disconnect says */
	s = &c->st->sen;
	if (!s->asking || s->found)
		return;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    store_sentinel_addr_ok(r->element[0], r->element[1], &port)) {
		s->found = 1;
		memcpy(s->ahost, r->element[0]->str, r->element[0]->len);
		s->ahost[r->element[0]->len] = '\0';
		s->aport = port;
		event_active(s->ev_done, EV_TIMEOUT, 1);
		return;
	}
	if (r->type == REDIS_REPLY_NIL)
		snprintf(why, sizeof(why), "a sentinel does not know master "
		    "'%s'", s->name);
	else if (r->type == REDIS_REPLY_ERROR)
		snprintf(why, sizeof(why), "a sentinel refused: %.60s", r->str);
	else
		snprintf(why, sizeof(why), "a sentinel gave no address");
	store_sentinel_fail_one(c, why);
}

static void
store_sentinel_on_connect(const redisAsyncContext *ac, int status)
{
	struct store_sentinel_conn *c = ac->data;

	if (c == NULL || c->ac != ac || status == REDIS_OK)
		return;
	c->ac = NULL;		/* hiredis frees it when this returns */
	store_sentinel_fail_one(c, ac->c.errstr[0] ? ac->c.errstr :
	    "connect failed");
}

static void
store_sentinel_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct store_sentinel_conn *c = ac->data;

	(void)status;
	if (c == NULL || c->ac != ac)
		return;
	c->ac = NULL;		/* hiredis frees it when this returns */
	store_sentinel_fail_one(c, ac->c.errstr[0] ? ac->c.errstr :
	    "connection closed");
}

/* The reply to AUTH on a round's connection: refused, this sentinel
 * fails (its next command would be refused too). */
static void
store_sentinel_on_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_sentinel_conn *c = privdata;
	const redisReply *r = reply;
	char why[128];

	if (c->ac != ac || c->st == NULL || r == NULL ||
	    r->type != REDIS_REPLY_ERROR)
		return;
	snprintf(why, sizeof(why), "AUTH refused (redis.sentinel_password): "
	    "%.40s", r->str);
	store_sentinel_fail_one(c, why);
}

/* The same on the subscription: said once until it works again; the
 * connection goes (hiredis closes it after this callback) and the
 * subscription is tried again later. */
static void
store_sentinel_sub_on_auth(redisAsyncContext *ac, void *reply,
    void *privdata)
{
	struct store_sentinel_conn *c = privdata;
	const redisReply *r = reply;

	if (c->ac != ac || c->st == NULL || r == NULL)
		return;
	if (r->type != REDIS_REPLY_ERROR) {
		c->st->sen.sub_auth_logged = 0;
		return;
	}
	if (!c->st->sen.sub_auth_logged++)
		log_warnx("[redis] a sentinel refused AUTH "
		    "(redis.sentinel_password): %.60s; no failover "
		    "announcements until it accepts", r->str);
	redisAsyncDisconnect(ac);
}

/* AUTH with redis.sentinel_password (when set) first on ac. 0 or -1. */
static int
store_sentinel_auth(struct store *st, struct redisAsyncContext *ac,
    redisCallbackFn *fn, struct store_sentinel_conn *c)
{
	const char *argv[2] = { "AUTH", st->sen.pass };
	size_t len[2] = { 4, strlen(st->sen.pass) };

	if (st->sen.pass[0] == '\0')
		return 0;
	return redisAsyncCommandArgv(ac, fn, c, 2, argv, len) == REDIS_OK ?
	    0 : -1;
}

/* hiredis sets a connect or disconnect callback only once per context:
 * they are given here. */
static struct redisAsyncContext *
store_sentinel_open(struct store *st, int i, struct store_sentinel_conn *c,
    redisConnectCallback *on_connect, redisDisconnectCallback *on_disconnect)
{
	struct redisAsyncContext *ac;

	ac = redisAsyncConnect(st->sen.host[i], st->sen.port[i]);
	if (ac == NULL)
		return NULL;
	if (ac->err || redisLibeventAttach(ac, st->base) != REDIS_OK) {
		redisAsyncFree(ac);
		return NULL;
	}
	c->st = st;
	c->ac = ac;
	ac->data = c;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	return ac;
}

void
store_sentinel_find(struct store *st)
{
	struct store_sentinel *s = &st->sen;
	const char *argv[3] = { "SENTINEL", "get-master-addr-by-name", s->name };
	size_t len[3];
	int ms;

	if (s->asking)
		return;
	s->asking = 1;
	s->found = 0;
	s->nfailed = 0;
	s->why[0] = '\0';
	for (int i = 0; i < 3; i++)
		len[i] = strlen(argv[i]);
	for (int i = 0; i < s->n; i++) {
		struct store_sentinel_conn *c = &s->ask[i];
		struct redisAsyncContext *ac;

		c->failed = 0;
		c->st = st;
		if ((ac = store_sentinel_open(st, i, c, store_sentinel_on_connect,
		    store_sentinel_on_disconnect)) == NULL ||
		    store_sentinel_auth(st, ac, store_sentinel_on_auth, c) != 0 ||
		    redisAsyncCommandArgv(ac, store_sentinel_on_addr, c, 3,
		    argv, len) != REDIS_OK) {
			store_sentinel_conn_free(c);
			store_sentinel_fail_one(c,
			    "cannot open a sentinel connection");
		}
	}
	ms = st->timeout_ms * 5 > STORE_SENTINEL_ROUND_MS ? st->timeout_ms * 5 :
	    STORE_SENTINEL_ROUND_MS;
	if (s->nfailed < s->n)
		store_timer(s->ev_done, ms);	/* the deadline */
}

/* End of a round (first answer, every sentinel failed, or the deadline),
 * from the loop: the connections go, then the main connection connects. */
static void
store_sentinel_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	struct store_sentinel *s = &st->sen;
	char why[180];
	int moved;

	(void)fd;
	(void)what;
	if (!s->asking)
		return;
	evtimer_del(s->ev_done);
	s->asking = 0;
	for (int i = 0; i < s->n; i++)
		store_sentinel_conn_free(&s->ask[i]);
	if (!s->found) {
		snprintf(why, sizeof(why), "no sentinel gave master '%.40s' "
		    "(%.100s)", s->name, s->why[0] != '\0' ? s->why :
		    "timed out");
		store_connect_failed(st, why);
		return;
	}
	moved = strcmp(s->ahost, st->host) != 0 || s->aport != st->port;
	if (moved) {
		if (s->known) {
			s->failovers++;
			log_notice("[redis] master '%s' moved: %s:%d -> %s:%d",
			    s->name, st->host, st->port, s->ahost, s->aport);
		} else
			log_info("[redis] master '%s' is %s:%d (Sentinel)",
			    s->name, s->ahost, s->aport);
		snprintf(st->host, sizeof(st->host), "%s", s->ahost);
		st->port = s->aport;
		snprintf(st->where, sizeof(st->where), "%s:%d", st->host,
		    st->port);
	}
	s->known = 1;
	store_hold(st);
	store_connect_master(st);	/* a failure reports down: may free st */
	if (store_release(st))
		return;
	if (moved)
		store_outbox_reader_follow(st);	/* may be on the old one */
}

/* --- the +switch-master subscription -------------------------------- */

static void
store_sentinel_sub_later(struct store *st)
{
	if (st->sen.ev_sub != NULL && !st->dead)
		store_timer(st->sen.ev_sub, STORE_SENTINEL_SUB_MS);
}

static void
store_sentinel_on_switch(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_sentinel_conn *c = privdata;
	struct store *st;
	const redisReply *r = reply, *m;
	char name[64], oldh[256], newh[256];
	int oldp, newp;

	if (c->ac != ac || (st = c->st) == NULL || r == NULL)
		return;
	/* ["message", "+switch-master", "<name> <old ip> <old port>
	 * <new ip> <new port>"]; the subscribe confirmation is ignored. */
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    (m = r->element[2])->type != REDIS_REPLY_STRING ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "message") != 0 || m->len > 600)
		return;
	if (sscanf(m->str, "%63s %255s %d %255s %d", name, oldh, &oldp, newh,
	    &newp) != 5 || strcmp(name, st->sen.name) != 0)
		return;
	log_notice("[redis] Sentinel announces a failover of '%s' to %s:%d",
	    name, newh, newp);
	if (st->ac != NULL && strcmp(newh, st->host) == 0 && newp == st->port)
		return;		/* already there */
	store_master_moved(st, "Sentinel announced a failover");
}

static void
store_sentinel_sub_on_connect(const redisAsyncContext *ac, int status)
{
	struct store_sentinel_conn *c = ac->data;

	if (c == NULL || c->ac != ac || status == REDIS_OK)
		return;
	c->ac = NULL;
	store_sentinel_sub_later(c->st);
}

static void
store_sentinel_sub_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct store_sentinel_conn *c = ac->data;

	(void)status;
	if (c == NULL || c->ac != ac)
		return;
	c->ac = NULL;
	store_sentinel_sub_later(c->st);
}

static void
store_sentinel_on_sub(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	struct store_sentinel *s = &st->sen;
	struct redisAsyncContext *ac;
	const char *argv[2] = { "SUBSCRIBE", "+switch-master" };
	size_t len[2] = { 9, 14 };
	int i = s->sub_next;

	(void)fd;
	(void)what;
	if (s->sub.ac != NULL || st->dead)
		return;
	s->sub_next = (i + 1) % s->n;	/* the next sentinel next time */
	if ((ac = store_sentinel_open(st, i, &s->sub,
	    store_sentinel_sub_on_connect,
	    store_sentinel_sub_on_disconnect)) == NULL) {
		store_sentinel_sub_later(st);
		return;
	}
	if (store_sentinel_auth(st, ac, store_sentinel_sub_on_auth,
	    &s->sub) != 0 ||
	    redisAsyncCommandArgv(ac, store_sentinel_on_switch, &s->sub, 2,
	    argv, len) != REDIS_OK) {
		store_sentinel_conn_free(&s->sub);
		store_sentinel_sub_later(st);
	}
}

/* --- life ----------------------------------------------------------- */

int
store_sentinel_init(struct store *st, const struct config *cfg)
{
	struct store_sentinel *s = &st->sen;

	s->n = cfg->redis.nsentinels < STORE_SENTINEL_MAX ?
	    cfg->redis.nsentinels : STORE_SENTINEL_MAX;
	if (s->n == 0)
		return 0;
	snprintf(s->name, sizeof(s->name), "%s", cfg->redis.master_name);
	snprintf(s->pass, sizeof(s->pass), "%s", cfg->redis.sentinel_password);
	for (int i = 0; i < s->n; i++) {
		const char *a = cfg->redis.sentinels[i];
		const char *colon = strrchr(a, ':');	/* checked by config */

		snprintf(s->host[i], sizeof(s->host[i]), "%.*s",
		    colon ? (int)(colon - a) : 0, a);
		s->port[i] = colon ? atoi(colon + 1) : 0;
	}
	/* Until a sentinel answers, the master is unknown. */
	st->host[0] = '\0';
	st->port = 0;
	snprintf(st->where, sizeof(st->where), "master '%s' (Sentinel)",
	    s->name);
	s->ev_done = evtimer_new(st->base, store_sentinel_on_done, st);
	s->ev_sub = evtimer_new(st->base, store_sentinel_on_sub, st);
	if (s->ev_done == NULL || s->ev_sub == NULL)
		return -1;
	store_timer(s->ev_sub, 0);
	return 0;
}

void
store_sentinel_close(struct store *st)
{
	struct store_sentinel *s = &st->sen;

	s->asking = 0;
	for (int i = 0; i < s->n; i++)
		store_sentinel_conn_free(&s->ask[i]);
	store_sentinel_conn_free(&s->sub);
	explicit_bzero(s->pass, sizeof(s->pass));
	if (s->ev_done != NULL)
		event_free(s->ev_done);
	if (s->ev_sub != NULL)
		event_free(s->ev_sub);
	s->ev_done = s->ev_sub = NULL;
}

void
store_sentinel_demoted(struct store *st, const char *conn)
{
	if (st->sen.n == 0 || st->dead ||
	    (st->ac != NULL && st->drop_reason[0] != '\0'))
		return;		/* no Sentinel, or already going */
	log_warnx("[redis] %s refused a write (READONLY, %s): the master was "
	    "demoted; asking the sentinels again", st->where, conn);
	store_master_moved(st, "the master was demoted (READONLY)");
}
