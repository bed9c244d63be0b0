/*
 * test_outbox: the outbox's retry of an SMS the SMSC throttles
 * (ESME_RTHROTTLED 0x58) or cannot queue (ESME_RMSGQFUL 0x14), end to end:
 * a real redis-server (started here on a unix socket in a temp dir; the
 * test skips without one), the real store and outbox, and a real SMPP
 * session over 127.0.0.1 to a scripted SMSC in the same libevent loop.
 * One test per case of a table (success after one throttle or queue-full;
 * the pause doubling up to max_retries; spent past max_retries or with
 * max_retries 0: left pending, not failed; a two-segment SMS whose second
 * segment alone is re-sent), then a spent entry claimed and sent; then
 * ownership between two instances, and self-fencing: an instance cut off
 * from Redis by a proxy that stops forwarding (a partition) sends nothing
 * another instance claimed meanwhile; the heartbeat and claim scripts
 * sent as EVALSHA (EVAL once after SCRIPT FLUSH). Every wait is bounded;
 * all sockets are loopback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "log.h"
#include "outbox.h"
#include "smpp_client.h"
#include "smpp_pdu.h"
#include "store.h"

#define REDIS_BIN "/usr/bin/redis-server"
#define MAX_SUBMITS 16
#define MAX_ANSWERS 8
#define T  SMPP_ESME_RTHROTTLED
#define Q  SMPP_ESME_RMSGQFUL
#define NK 0xFFFFFFFEu		/* the server answers a generic_nack */
#define GAP_EARLY_MS 10	/* libevent times by the coarse clock: a jiffy early */
#define GAP_LATE_MS  300	/* a busy 2-core box under ASan */

static char tmpdir[64] = "/tmp/tnsgw-outbox.XXXXXX";
static char sockpath[128];
static pid_t redis_pid = -1;
static struct event_base *base;
static struct config cfg;

/* --- redis-server and a synchronous client for the checks ------------ */

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
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	return r;
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

/* HGET as a string ("" for nil). */
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

/* --- the loop --------------------------------------------------------- */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run the loop until cond(arg) holds or ms pass; cond's last value. */
static int
run_until(int (*cond)(const void *), const void *arg, int ms)
{
	double end = now_ms() + ms;

	while (!cond(arg) && now_ms() < end) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (!cond(arg))
			usleep(200);
	}
	return cond(arg);
}

static int
never(const void *arg)
{
	(void)arg;
	return 0;
}

static int
flag_set(const void *arg)
{
	return *(const int *)arg != 0;
}

/* --- the scripted SMSC ------------------------------------------------- */

/*
 * Answers bind, enquire_link and unbind; answers the n-th submit_sm (from
 * 0) with answers[n] while there are some, then with ESME_ROK; an ESME_ROK
 * carries message_id "mid-<n>" (canonical "s:mid-<n>"). Keeps each
 * submit's arrival time and bytes.
 */
static struct {
	struct evconnlistener *l;
	struct bufferevent    *bev;
	int                    port;
	uint32_t               answers[MAX_ANSWERS];
	int                    nanswers;
	int                    nsubmits;
	double                 at[MAX_SUBMITS];
	struct smpp_pdu        pdu[MAX_SUBMITS];
	int                    unbinds;
} S;

static void
srv_send(struct smpp_pdu *p)
{
	uint8_t b[2048];
	char err[128];
	long n = smpp_pdu_encode(p, b, sizeof(b), err, sizeof(err));

	if (n < 0)
		fail_msg("SMSC encode: %s", err);
	bufferevent_write(S.bev, b, (size_t)n);
}

static void
srv_pdu(const struct smpp_pdu *p)
{
	struct smpp_pdu r;
	int n;

	memset(&r, 0, sizeof(r));
	r.command_id = p->command_id | SMPP_RESP_BIT;
	r.sequence = p->sequence;
	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER:
		strcpy(r.system_id, "SMSC");
		break;
	case SMPP_ENQUIRE_LINK:
		break;
	case SMPP_UNBIND:
		S.unbinds++;
		break;
	case SMPP_SUBMIT_SM:
		assert_true(S.nsubmits < MAX_SUBMITS);
		n = S.nsubmits++;
		S.at[n] = now_ms();
		S.pdu[n] = *p;
		if (n < S.nanswers)
			r.command_status = S.answers[n];
		if (r.command_status == NK) {
			r.command_id = SMPP_GENERIC_NACK;
			r.command_status = SMPP_ESME_RSYSERR;
		}
		if (r.command_status == SMPP_ESME_ROK)
			snprintf(r.message_id, sizeof(r.message_id), "mid-%d", n);
		break;
	default:
		return;
	}
	srv_send(&r);
}

static void
srv_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct smpp_pdu p;
	char err[128];
	long len;

	(void)arg;
	for (;;) {
		size_t avail = evbuffer_get_length(in);
		const uint8_t *d;

		if (avail < 16)
			return;
		d = evbuffer_pullup(in, 16);
		len = smpp_pdu_frame(d, avail, SMPP_MAX_PDU);
		assert_true(len > 0);
		if ((size_t)len > avail)
			return;
		d = evbuffer_pullup(in, len);
		memset(&p, 0, sizeof(p));
		assert_int_equal(smpp_pdu_decode(d, (size_t)len, &p, err,
		    sizeof(err)), SMPP_DECODE_OK);
		evbuffer_drain(in, (size_t)len);
		srv_pdu(&p);
	}
}

static void
srv_event(struct bufferevent *bev, short events, void *arg)
{
	(void)arg;
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(bev);
		if (S.bev == bev)
			S.bev = NULL;
	}
}

static void
srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	if (S.bev != NULL)
		bufferevent_free(S.bev);
	S.bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(S.bev, srv_read, NULL, srv_event, NULL);
	bufferevent_enable(S.bev, EV_READ | EV_WRITE);
}

static void
srv_start(const uint32_t *answers, int nanswers)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(&S, 0, sizeof(S));
	assert_true(nanswers <= MAX_ANSWERS);
	memcpy(S.answers, answers, sizeof(*answers) * (size_t)nanswers);
	S.nanswers = nanswers;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	S.l = evconnlistener_new_bind(base, srv_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	assert_non_null(S.l);
	assert_int_equal(getsockname(evconnlistener_get_fd(S.l),
	    (struct sockaddr *)&sin, &sl), 0);
	S.port = ntohs(sin.sin_port);
}

static void
srv_stop(void)
{
	if (S.bev != NULL)
		bufferevent_free(S.bev);
	S.bev = NULL;
	evconnlistener_free(S.l);
	S.l = NULL;
}

/* --- the gateway's side: store, bind, outbox ---------------------------- */

static struct {
	struct store       *st;
	struct smpp_client *c;
	struct outbox      *ob;
	int                 up, stopped;
	char                id[32];		/* the entry's stream id */
} G;

/* outbox.max_deliveries for the next gw_start (the config's default). */
static int max_deliveries = 10;

static void
on_up(void *arg)
{
	(void)arg;
	G.up = 1;
}

static const struct store_cb store_cbs = { on_up, NULL };

static void
on_bound(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	outbox_set_bound(G.ob, 1);
}

static void
on_unbound(struct smpp_client *c, const char *reason, void *arg)
{
	(void)c;
	(void)reason;
	(void)arg;
	outbox_set_bound(G.ob, 0);
}

static void
on_stopped(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	G.stopped = 1;
}

static const struct smpp_client_cb client_cbs = {
	on_bound, on_unbound, NULL, on_stopped, NULL,
};

static struct smpp_client *
bind_fn(void *arg, const char *name, const char *operator)
{
	(void)arg;
	(void)operator;
	return strcmp(name, "iam") == 0 ? G.c : NULL;
}

static void
added(void *arg, int status)
{
	*(int *)arg = status == 0 ? 1 : -1;
}

/*
 * A fresh Redis, SMSC, store, bind and outbox with these outbox settings;
 * then one SMS written to the outbox, its stream id in G.id.
 */
static void
gw_start(const char *consumer, int max_retries, int delay_ms, int claim_s,
    const char *body)
{
	struct store_outbox_msg m = { "iam", "212600000001", "", "docs", "fr",
	    body, 0, 1, 1, "iam" };
	struct config_bind bc;
	redisReply *r;
	int done = 0;

	freeReplyObject(R("FLUSHALL"));
	cfg.outbox.max_deliveries = max_deliveries;
	cfg.outbox.max_retries = max_retries;
	cfg.outbox.retry_delay_ms = delay_ms;
	cfg.outbox.claim_idle_s = claim_s;
	memset(&G, 0, sizeof(G));
	G.st = store_new(base, &cfg, &store_cbs, NULL);
	assert_non_null(G.st);
	assert_true(run_until(flag_set, &G.up, 3000));

	memset(&bc, 0, sizeof(bc));
	strcpy(bc.name, "iam");
	strcpy(bc.host, "127.0.0.1");
	bc.port = S.port;
	strcpy(bc.system_id, "tnsgw");
	strcpy(bc.password, "pw");
	strcpy(bc.source_addr, "1515");
	bc.window = 10;
	bc.enquire_link_s = 30;
	bc.response_timeout_s = 3;
	bc.reconnect_min_s = 0;
	bc.reconnect_max_s = 1;
	bc.max_pdu = SMPP_MAX_PDU;
	bc.charset = GSM_CHARSET_GSM7;
	G.c = smpp_client_new(base, &bc, &client_cbs, NULL);
	assert_non_null(G.c);

	G.ob = outbox_new(base, &cfg, G.st, NULL, 0, bind_fn, NULL);
	assert_non_null(G.ob);
	assert_int_equal(outbox_start(G.ob, consumer), 0);
	assert_int_equal(smpp_client_start(G.c), 0);

	store_outbox_add(G.st, &m, added, &done);
	assert_true(run_until(flag_set, &done, 3000));
	assert_int_equal(done, 1);
	r = R("XRANGE t:outbox - +");
	assert_int_equal(r->elements, 1);
	snprintf(G.id, sizeof(G.id), "%s", r->element[0]->element[0]->str);
	freeReplyObject(r);
}

/* Everything the store was asked before this has run when it returns. */
static int barrier_done;

static void
barrier_cb(void *arg, int status, const char *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	assert_int_equal(status, 0);
	barrier_done = 1;
}

static void
barrier(void)
{
	barrier_done = 0;
	store_session_get(G.st, "barrier", barrier_cb, NULL);
	assert_true(run_until(flag_set, &barrier_done, 2000));
}

/*
 * The gateway's order: the store first, then the client (unbound; its
 * last callbacks reach the outbox), then the outbox. Also after a failed
 * check, from the test's teardown: whatever is left goes.
 */
static int
gw_stop(void **state)
{
	(void)state;
	if (G.ob != NULL) {
		outbox_stop(G.ob);
		outbox_detach_store(G.ob);
	}
	store_free(G.st);
	G.st = NULL;
	if (G.c != NULL) {
		smpp_client_stop(G.c);
		run_until(flag_set, &G.stopped, 3000);
		smpp_client_free(G.c);
		G.c = NULL;
	}
	outbox_free(G.ob);
	G.ob = NULL;
	if (S.l != NULL)
		srv_stop();
	return 0;
}

static int
dead_one(const void *arg)
{
	return outbox_stats(arg)->dead > 0;
}

static int
settled_or_requeued(const void *arg)
{
	const struct outbox_stats *s = outbox_stats(arg);

	return s->sent + s->dead + s->expired + s->requeued > 0;
}

static long long
pending_count(void)
{
	redisReply *r = R("XPENDING t:outbox tnsgw");
	long long n;

	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	n = r->element[0]->integer;
	freeReplyObject(r);
	return n;
}

/* Submit j carried the same message as submit i (a re-send is identical). */
static void
assert_same_submit(int i, int j)
{
	const struct smpp_pdu *a = &S.pdu[i], *b = &S.pdu[j];

	assert_string_equal(a->destination_addr, b->destination_addr);
	assert_int_equal(a->esm_class, b->esm_class);
	assert_int_equal(a->data_coding, b->data_coding);
	assert_int_equal(a->sm_len, b->sm_len);
	assert_memory_equal(a->sm, b->sm, a->sm_len);
}

/* The pause before submit i + 1 was the k-th retry pause (k from 0). */
static void
assert_pause(int i, int delay_ms, int k)
{
	double gap = S.at[i + 1] - S.at[i];
	double want = (double)delay_ms * (1 << k);

	print_message("  pause %d: %.1f ms (want %.0f)\n", k + 1, gap, want);
	assert_true(gap >= want - GAP_EARLY_MS);
	assert_true(gap <= want + GAP_LATE_MS);
}

/* --- the cases ------------------------------------------------------- */

/*
 * One SMS, the SMSC's first answers, the outbox's settings and what must
 * come of it: how many submits, which of them retry which (the segment
 * re-sent), the pauses, and the end state.
 */
struct retry_case {
	const char *name;
	const char *body;
	uint32_t    answers[MAX_ANSWERS];
	int         nanswers;
	int         max_retries, delay_ms;
	int         submits;		/* the SMSC sees exactly this many */
	int         same[MAX_SUBMITS];	/* submit i repeats submit same[i] */
	int         pause_after[MAX_SUBMITS];	/* 1 + retry number k, 0 none */
	int         sent;		/* 1: settled sent; 0: left pending */
	uint64_t    retried;
	const char *message_id;		/* with sent: the first segment's */
	int         dead;		/* 1: to the dead letters at once */
};

/* 191 GSM characters: two segments. */
#define LONG_BODY							\
	"Liste des documents: CIN, deux photos, attestation de travail, " \
	"releve d'identite bancaire, copie du diplome, certificat medical " \
	"et formulaire signe, a deposer avant la fin du mois au guichet."

static const struct retry_case cases[] = {
	{ "throttled once, then sent",
	  "Bonjour", { T }, 1, 5, 100,
	  2, { 0, 0 }, { 0, 1 }, 1, 1, "s:mid-1", 0 },
	{ "queue full once, then sent",
	  "Bonjour", { Q }, 1, 5, 100,
	  2, { 0, 0 }, { 0, 1 }, 1, 1, "s:mid-1", 0 },
	/* The pause doubles; max_retries retries are all made. */
	{ "doubling pause up to max_retries, then sent",
	  "Bonjour", { Q, T, Q }, 3, 3, 100,
	  4, { 0, 0, 0, 0 }, { 0, 1, 2, 3 }, 1, 3, "s:mid-3", 0 },
	/* One retry too many is never made: left pending, not failed. */
	{ "throttled past max_retries: left pending",
	  "Bonjour", { T, T, T, T }, 4, 3, 50,
	  4, { 0, 0, 0, 0 }, { 0, 1, 2, 3 }, 0, 3, NULL, 0 },
	{ "max_retries 0: no retry, left pending",
	  "Bonjour", { Q }, 1, 0, 50,
	  1, { 0 }, { 0 }, 0, 0, NULL, 0 },
	/* Every transient refusal is retried like a throttle. */
	{ "ESME_RSYSERR, ESME_RX_T_APPN, generic_nack: retried, then sent",
	  "Bonjour", { SMPP_ESME_RSYSERR, SMPP_ESME_RX_T_APPN, NK }, 3, 5, 50,
	  4, { 0, 0, 0, 0 }, { 0, 1, 2, 3 }, 1, 3, "s:mid-3", 0 },
	/* Refused for good: never re-sent, to the dead letters. */
	{ "ESME_RINVDSTADR: dead at once, never re-sent",
	  "Bonjour", { 0x0B }, 1, 5, 50,
	  1, { 0 }, { 0 }, 0, 0, NULL, 1 },
	/* Only the segment not yet accepted is sent again, as it was. */
	{ "two segments, the second throttled: only it is re-sent",
	  LONG_BODY, { SMPP_ESME_ROK, T }, 2, 2, 100,
	  3, { 0, 1, 1 }, { 0, 0, 1 }, 1, 1, "s:mid-0", 0 },
};

static void
test_retry(void **state)
{
	const struct retry_case *c = *state;
	const struct outbox_stats *s;
	int quiet_ms;

	if (base == NULL)
		skip();
	srv_start(c->answers, c->nanswers);
	gw_start("retry", c->max_retries, c->delay_ms, 60, c->body);
	assert_true(run_until(settled_or_requeued, G.ob, 5000));
	s = outbox_stats(G.ob);
	barrier();

	assert_int_equal(S.nsubmits, c->submits);
	for (int i = 1; i < c->submits; i++) {
		assert_same_submit(c->same[i], i);
		if (c->pause_after[i] > 0)
			assert_pause(i - 1, c->delay_ms, c->pause_after[i] - 1);
	}
	assert_int_equal(s->segments, (uint64_t)c->submits);
	assert_int_equal(s->retried, c->retried);
	assert_int_equal(s->dead, (uint64_t)c->dead);
	assert_int_equal(s->expired, 0);
	if (c->dead) {
		assert_int_equal(s->sent, 0);
		assert_int_equal(s->requeued, 0);
		assert_string_equal(Rs("HGET t:outbox:st:%s state", G.id), "dead");
		assert_int_equal(pending_count(), 0);
		assert_int_equal(Ri("XLEN t:outbox:dead"), 1);
	} else if (c->sent) {
		assert_int_equal(s->sent, 1);
		assert_int_equal(s->requeued, 0);
		assert_string_equal(Rs("HGET t:outbox:st:%s state", G.id), "sent");
		assert_string_equal(Rs("HGET t:outbox:st:%s message_id", G.id),
		    c->message_id);
		assert_string_equal(Rs("GET t:outbox:mid:iam:%s", c->message_id),
		    G.id);
		assert_int_equal(pending_count(), 0);
	} else {
		/* Spent: still pending in Redis, no state recorded. */
		assert_int_equal(s->sent, 0);
		assert_int_equal(s->requeued, 1);
		assert_int_equal(pending_count(), 1);
		assert_int_equal(Ri("EXISTS t:outbox:st:%s", G.id), 0);
		assert_int_equal(outbox_busy(G.ob), 0);
	}
	/* Nothing more comes (spent: not even after the next pause would
	 * have ended). */
	quiet_ms = c->sent ? 200 : (c->delay_ms << c->max_retries) + 100;
	run_until(never, NULL, quiet_ms);
	assert_int_equal(S.nsubmits, c->submits);
}

static int
sent_one(const void *arg)
{
	return outbox_stats(arg)->sent > 0;
}

/*
 * Spent by throttling, the entry stays pending; the store's claim hands it
 * out again after claim_idle_s and, the SMSC taking it now, it is sent,
 * identical, and settled once.
 */
static void
test_spent_then_claimed(void **state)
{
	static const uint32_t answers[] = { T, T, T };
	const struct outbox_stats *s;
	redisReply *r;

	(void)state;
	if (base == NULL)
		skip();
	srv_start(answers, 3);
	gw_start("claim", 2, 50, 2, "Bonjour");
	assert_true(run_until(settled_or_requeued, G.ob, 3000));
	s = outbox_stats(G.ob);
	assert_int_equal(S.nsubmits, 3);
	assert_int_equal(s->requeued, 1);
	assert_int_equal(s->retried, 2);
	assert_int_equal(s->dead, 0);
	assert_int_equal(pending_count(), 1);
	assert_int_equal(Ri("EXISTS t:outbox:st:%s", G.id), 0);

	/* Claimed once idle 2 s (claims every 1 s): sent the fourth time. */
	assert_true(run_until(sent_one, G.ob, 5000));
	barrier();
	assert_int_equal(S.nsubmits, 4);
	assert_same_submit(0, 3);
	assert_true(S.at[3] - S.at[0] >= 2000 - GAP_EARLY_MS);
	assert_int_equal(s->sent, 1);
	assert_int_equal(s->requeued, 1);
	assert_int_equal(s->retried, 2);
	assert_string_equal(Rs("HGET t:outbox:st:%s state", G.id), "sent");
	assert_string_equal(Rs("HGET t:outbox:st:%s message_id", G.id),
	    "s:mid-3");
	assert_int_equal(pending_count(), 0);
	r = R("XLEN t:outbox");
	assert_int_equal(r->integer, 0);	/* settled: deleted (issue 9) */
	freeReplyObject(r);
}

/*
 * outbox.max_deliveries 2: spent by throttling, claimed, spent again: the
 * second hand-out was the last, so the entry goes to the dead letters with
 * its reason (not pending for ever), and is never sent again.
 */
static void
test_spent_twice_dead(void **state)
{
	static const uint32_t answers[] = { T, T, T, T };
	const struct outbox_stats *s;
	redisReply *r;
	int found = 0;

	(void)state;
	if (base == NULL)
		skip();
	srv_start(answers, 4);
	max_deliveries = 2;
	gw_start("dead", 1, 50, 2, "Bonjour");
	max_deliveries = 10;
	assert_true(run_until(dead_one, G.ob, 8000));
	s = outbox_stats(G.ob);
	barrier();
	assert_int_equal(S.nsubmits, 4);	/* 2 per hand-out */
	assert_int_equal(s->requeued, 1);
	assert_int_equal(s->sent, 0);
	assert_int_equal(s->dead, 1);
	assert_string_equal(Rs("HGET t:outbox:st:%s state", G.id), "dead");
	assert_int_equal(pending_count(), 0);
	r = R("XRANGE t:outbox:dead - +");
	assert_int_equal(r->elements, 1);
	for (size_t i = 0; i + 1 < r->element[0]->element[1]->elements; i += 2) {
		const char *k = r->element[0]->element[1]->element[i]->str;
		const char *v = r->element[0]->element[1]->element[i + 1]->str;

		if (strcmp(k, "id") == 0)
			found += strcmp(v, G.id) == 0;
		if (strcmp(k, "reason") == 0)
			found += strstr(v, "ESME_RTHROTTLED after 1 retries, 2 "
			    "times") != NULL;
		if (strcmp(k, "deliveries") == 0)
			found += strcmp(v, "2") == 0;
	}
	freeReplyObject(r);
	assert_int_equal(found, 3);
	/* Never sent again: not even after the next claim would be due. */
	run_until(never, NULL, 2500);
	assert_int_equal(S.nsubmits, 4);
}

/* --- set-up ------------------------------------------------------------ */

/* --- ownership between instances (two stores, two consumers) --------- */

#define OWN_MAX 16

struct own {
	struct store *st;
	int           up;
	int           ack;		/* settle what comes (else keep it) */
	int           n;		/* hand-outs */
	int           first;		/* of which first deliveries */
	long long     deliveries[OWN_MAX];
	char          ids[OWN_MAX][32];
};

static void
own_up(void *arg)
{
	((struct own *)arg)->up = 1;
}

static const struct store_cb own_cbs = { own_up, NULL };

static void
own_entry(void *arg, const struct store_outbox_entry *e)
{
	struct own *o = arg;

	if (e->deliveries == 1)
		o->first++;
	if (o->n < OWN_MAX) {
		snprintf(o->ids[o->n], sizeof(o->ids[0]), "%s", e->id);
		o->deliveries[o->n] = e->deliveries;
	}
	o->n++;
	if (o->ack)
		store_outbox_ack(o->st, e->id, "sent", e->bind, NULL);
}

/* A store with an outbox consumer named name, claims after claim_ms. */
static void
own_start(struct own *o, const char *name, int claim_ms, int ack)
{
	memset(o, 0, sizeof(*o));
	o->ack = ack;
	o->st = store_new(base, &cfg, &own_cbs, o);
	assert_non_null(o->st);
	assert_true(run_until(flag_set, &o->up, 3000));
	assert_int_equal(store_outbox_start(o->st, name, claim_ms, own_entry,
	    o), 0);
}

struct own_wait {
	const struct own *o;
	int n;
	int first;		/* count first deliveries only */
};

static int
own_reached(const void *arg)
{
	const struct own_wait *w = arg;

	return (w->first ? w->o->first : w->o->n) >= w->n;
}

/* The stores of the ownership tests, freed by own_stop (a failed check
 * must not leave a live consumer behind for the next test). */
static struct own OA, OB;

static int
own_stop(void **state)
{
	(void)state;
	store_free(OA.st);
	store_free(OB.st);
	OA.st = OB.st = NULL;
	return 0;
}

/* n plain SMS written through st. */
static void
own_add(struct store *st, int n)
{
	struct store_outbox_msg m = { "iam", "212600000001", "", "docs", "fr",
	    "Bonjour", 0, 1, 1, "iam" };
	int done;

	for (int i = 0; i < n; i++) {
		done = 0;
		store_outbox_add(st, &m, added, &done);
		assert_true(run_until(flag_set, &done, 3000));
		assert_int_equal(done, 1);
	}
}

static long long
pending_of(const char *consumer)
{
	redisReply *r = R("XPENDING t:outbox tnsgw - + 100 %s", consumer);
	long long n = (long long)r->elements;

	freeReplyObject(r);
	return n;
}

static int
consumer_exists(const char *name)
{
	redisReply *r = R("XINFO CONSUMERS t:outbox tnsgw");
	int found = 0;

	for (size_t i = 0; i < r->elements; i++)
		for (size_t j = 0; j + 1 < r->element[i]->elements; j += 2)
			if (strcmp(r->element[i]->element[j]->str, "name") == 0 &&
			    strcmp(r->element[i]->element[j + 1]->str, name) == 0)
				found = 1;
	freeReplyObject(r);
	return found;
}

/*
 * A slow instance (its entries handed out, not settled: throttled, or
 * waiting for its bind) keeps them while its heartbeat lives: the other
 * instance, claiming every 0.5 s with claim_idle 1 s, takes none in 3.5 s.
 */
static void
test_owner_slow_keeps(void **state)
{
	struct own *a = &OA, *b = &OB;
	struct own_wait w = { &OA, 5, 1 };
	long long dead, removed;

	(void)state;
	if (base == NULL)
		skip();
	freeReplyObject(R("FLUSHALL"));
	own_start(a, "gw-a", 1000, 0);
	own_add(a->st, 5);
	assert_true(run_until(own_reached, &w, 3000));
	assert_int_equal(a->first, 5);
	own_start(b, "gw-b", 1000, 1);
	run_until(never, NULL, 3500);
	assert_int_equal(b->n, 0);
	assert_int_equal(pending_of("gw-a"), 5);
	assert_int_equal(pending_of("gw-b"), 0);
	store_outbox_owners(b->st, &dead, &removed);
	assert_int_equal(dead, 0);
	assert_int_equal(removed, 0);
	assert_true(consumer_exists("gw-a"));
	/* The heartbeat: a deadline of Redis's clock ahead of now. */
	assert_int_equal(Ri("HEXISTS t:outbox:alive gw-a"), 1);
	assert_int_equal(Ri("HEXISTS t:outbox:alive gw-b"), 1);
	/* A new entry goes to one of the two, once. */
	a->ack = 1;
	own_add(b->st, 1);
	run_until(never, NULL, 1500);
	assert_int_equal(a->first + b->first, 6);
	store_free(b->st);
	b->st = NULL;
	store_free(a->st);
	a->st = NULL;
}

/*
 * An instance that dies (its store freed: the heartbeat stops) leaves 5
 * entries pending. The other takes none while the heartbeat's deadline
 * holds, then each of them exactly once, and removes the dead consumer.
 */
static void
test_owner_dead_claimed_once(void **state)
{
	struct own *a = &OA, *b = &OB;
	struct own_wait w = { &OA, 5, 1 }, wb = { &OB, 5, 0 };
	long long dead, removed;
	double t0;

	(void)state;
	if (base == NULL)
		skip();
	freeReplyObject(R("FLUSHALL"));
	own_start(a, "gw-a", 1000, 0);
	own_add(a->st, 5);
	assert_true(run_until(own_reached, &w, 3000));
	store_free(a->st);
	a->st = NULL;
	t0 = now_ms();
	own_start(b, "gw-b", 1000, 1);
	run_until(never, NULL, 2500);
	assert_int_equal(b->n, 0);		/* the heartbeat still holds */
	assert_true(run_until(own_reached, &wb, 10000));
	assert_true(now_ms() - t0 >= 4000);	/* not before its deadline */
	run_until(never, NULL, 1500);		/* nothing more comes */
	assert_int_equal(b->n, 5);
	assert_int_equal(b->first, 0);
	for (int i = 0; i < 5; i++) {
		/* 2, or more when a handed it to itself again first */
		assert_true(b->deliveries[i] >= 2);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(b->ids[i], b->ids[j]);
	}
	assert_int_equal(pending_of("gw-a"), 0);
	assert_int_equal(pending_of("gw-b"), 0);
	assert_false(consumer_exists("gw-a"));
	assert_int_equal(Ri("HEXISTS t:outbox:alive gw-a"), 0);
	store_outbox_owners(b->st, &dead, &removed);
	assert_int_equal(dead, 5);
	assert_int_equal(removed, 1);
	store_free(b->st);
	b->st = NULL;
}

/*
 * Restarted under the same name (claim_idle 30 s), an instance takes its
 * own pending entries back at once, not after claim_idle.
 */
static void
test_owner_restart_takes_back(void **state)
{
	struct own *a = &OA, *a2 = &OB;
	struct own_wait w = { &OA, 3, 1 }, w2 = { &OB, 3, 0 };

	(void)state;
	if (base == NULL)
		skip();
	freeReplyObject(R("FLUSHALL"));
	own_start(a, "gw-a", 30000, 0);
	own_add(a->st, 3);
	assert_true(run_until(own_reached, &w, 3000));
	store_free(a->st);
	a->st = NULL;
	run_until(never, NULL, 300);
	own_start(a2, "gw-a", 30000, 1);
	assert_true(run_until(own_reached, &w2, 3000));
	run_until(never, NULL, 500);
	assert_int_equal(a2->n, 3);
	assert_int_equal(a2->deliveries[0], 2);
	assert_int_equal(pending_of("gw-a"), 0);
	store_free(a2->st);
	a2->st = NULL;
}

/* --- the outbox's scripts go as EVALSHA ----------------------------- */

/* Calls of command cmd since the last CONFIG RESETSTAT (0 when none). */
static long long
cmd_calls(const char *cmd)
{
	redisReply *r = R("INFO commandstats");
	char pat[64];
	const char *p;
	long long n = 0;

	assert_int_equal(r->type, REDIS_REPLY_STRING);
	snprintf(pat, sizeof(pat), "cmdstat_%s:calls=", cmd);
	for (p = r->str; (p = strstr(p, pat)) != NULL; p++)
		if (p == r->str || p[-1] == '\n') {
			n = strtoll(p + strlen(pat), NULL, 10);
			break;
		}
	freeReplyObject(r);
	return n;
}

/* The SHA of the store's script called name, as SCRIPT LOAD gives it. */
static void
script_sha(const char *name, char *sha, size_t shasz)
{
	const char *text, *n;
	redisReply *r;
	int i;

	for (i = 0; (text = store_script_text(i, &n)) != NULL; i++)
		if (strcmp(n, name) == 0)
			break;
	assert_non_null(text);
	r = R("SCRIPT LOAD %s", text);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	snprintf(sha, shasz, "%s", r->str);
	freeReplyObject(r);
}

static long long
alive_deadline(const char *name)
{
	return strtoll(Rs("HGET t:outbox:alive %s", name), NULL, 10);
}

/*
 * The heartbeat and the claim are scripts of the table: loaded at
 * connect and sent as EVALSHA, never their text (no EVAL while an
 * instance beats and takes its own idle entry back, claim_idle 0.4 s).
 * After SCRIPT FLUSH each goes once as EVAL (NOSCRIPT), which loads it
 * again, and both go on: the deadline moves, the entry comes back.
 */
static void
test_scripts_evalsha(void **state)
{
	struct own *a = &OA;
	struct own_wait w = { &OA, 3, 0 };
	char hb[48], claim[48];
	long long d0, evalsha;
	redisReply *r;

	(void)state;
	if (base == NULL)
		skip();
	freeReplyObject(R("FLUSHALL"));
	freeReplyObject(R("CONFIG RESETSTAT"));
	own_start(a, "gw-a", 400, 0);
	own_add(a->st, 1);
	/* handed out, then claimed back twice by the claim script */
	assert_true(run_until(own_reached, &w, 5000));
	assert_true(a->deliveries[2] >= 3);
	assert_int_equal(cmd_calls("eval"), 0);
	evalsha = cmd_calls("evalsha");
	assert_true(evalsha >= 3);
	script_sha("OUTBOX_HB", hb, sizeof(hb));
	script_sha("OUTBOX_CLAIM", claim, sizeof(claim));
	freeReplyObject(R("SCRIPT FLUSH"));
	d0 = alive_deadline("gw-a");
	w.n = a->n + 2;
	assert_true(run_until(own_reached, &w, 5000));
	run_until(never, NULL, 1200);	/* a heartbeat at least */
	assert_true(alive_deadline("gw-a") > d0);
	assert_true(cmd_calls("eval") >= 2);	/* the heartbeat's, the claim's */
	assert_true(cmd_calls("evalsha") > evalsha);
	r = R("SCRIPT EXISTS %s %s", hb, claim);
	assert_int_equal(r->elements, 2);
	assert_int_equal(r->element[0]->integer, 1);
	assert_int_equal(r->element[1]->integer, 1);
	freeReplyObject(r);
	store_free(a->st);
	a->st = NULL;
}

/* --- self-fencing: one instance cut off from Redis ------------------ */

/*
 * A proxy on a unix socket of its own in front of Redis's: instance A's
 * store connects through it, and a cut stops everything crossing (both
 * ways, new connections included) until it is lifted, as a partition or
 * a stalled network would; instance B talks to Redis directly.
 */
#define PX_MAX 32

static struct {
	struct evconnlistener *l;
	char                   path[160];
	int                    cut;
	struct bufferevent    *a[PX_MAX];	/* the store's side */
	struct bufferevent    *b[PX_MAX];	/* Redis's side */
} P;

static void
px_move(int i)
{
	if (P.cut || P.a[i] == NULL || P.b[i] == NULL)
		return;
	bufferevent_write_buffer(P.b[i], bufferevent_get_input(P.a[i]));
	bufferevent_write_buffer(P.a[i], bufferevent_get_input(P.b[i]));
}

static void
px_close(int i)
{
	if (P.a[i] != NULL)
		bufferevent_free(P.a[i]);
	if (P.b[i] != NULL)
		bufferevent_free(P.b[i]);
	P.a[i] = P.b[i] = NULL;
}

static void
px_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	px_move((int)(intptr_t)arg);
}

static void
px_event(struct bufferevent *bev, short events, void *arg)
{
	(void)bev;
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		px_close((int)(intptr_t)arg);
}

static void
px_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct sockaddr_un sun;
	int i;

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	for (i = 0; i < PX_MAX && P.a[i] != NULL; i++)
		;
	assert_true(i < PX_MAX);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(sockpath) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);
	P.a[i] = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	P.b[i] = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	assert_true(P.a[i] != NULL && P.b[i] != NULL);
	bufferevent_setcb(P.a[i], px_read, NULL, px_event, (void *)(intptr_t)i);
	bufferevent_setcb(P.b[i], px_read, NULL, px_event, (void *)(intptr_t)i);
	bufferevent_enable(P.a[i], EV_READ | EV_WRITE);
	bufferevent_enable(P.b[i], EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(P.b[i], (struct sockaddr *)&sun,
	    sizeof(sun)) != 0)
		px_close(i);
}

static void
px_start(void)
{
	struct sockaddr_un sun;

	memset(&P, 0, sizeof(P));
	snprintf(P.path, sizeof(P.path), "%s/proxy.sock", tmpdir);
	unlink(P.path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(P.path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, P.path, strlen(P.path) + 1);
	P.l = evconnlistener_new_bind(base, px_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE, 16, (struct sockaddr *)&sun, sizeof(sun));
	assert_non_null(P.l);
}

static void
px_cut(int cut)
{
	P.cut = cut;
	for (int i = 0; !cut && i < PX_MAX; i++)
		px_move(i);
}

static void
px_stop(void)
{
	for (int i = 0; i < PX_MAX; i++)
		px_close(i);
	if (P.l != NULL)
		evconnlistener_free(P.l);
	P.l = NULL;
	unlink(P.path);
}

static int
fence_stop(void **state)
{
	gw_stop(state);
	own_stop(state);
	px_stop();
	return 0;
}

/* Instance A (G: store, bind, outbox) through the proxy; the one SMS of
 * gw_start is throttled at its first submit and retried after 4 s. */
static void
fence_start(int claim_s)
{
	static const uint32_t answers[] = { T };

	srv_start(answers, 1);
	px_start();
	snprintf(cfg.redis.socket, sizeof(cfg.redis.socket), "%s", P.path);
	gw_start("gw-a", 5, 4000, claim_s, "Bonjour");
	snprintf(cfg.redis.socket, sizeof(cfg.redis.socket), "%s", sockpath);
	assert_true(run_until(flag_set, &S.nsubmits, 5000));
	assert_int_equal(S.nsubmits, 1);
}

static int
fenced(const void *arg)
{
	(void)arg;
	return store_outbox_fenced(G.st);
}

static int
dropped_one(const void *arg)
{
	return outbox_stats(arg)->fenced_dropped > 0;
}

/*
 * A is cut off from Redis while it holds an SMS (throttled, its retry
 * due in 4 s). A fences itself before its heartbeat's deadline passes;
 * B claims the entry only after it (and settles it). When the cut is
 * lifted, A learns the entry is no longer its own and drops it: the SMSC
 * sees A's first submit only, never a second copy.
 */
static void
test_fenced_claimed_not_sent(void **state)
{
	struct own *b = &OB;
	struct own_wait wb = { &OB, 1, 0 };
	const struct outbox_stats *s;
	double t0;

	(void)state;
	if (base == NULL)
		skip();
	fence_start(1);
	px_cut(1);
	t0 = now_ms();
	own_start(b, "gw-b", 1000, 1);
	assert_true(run_until(fenced, NULL, 5000));
	assert_true(now_ms() - t0 <= 3600);	/* before A's deadline (5 s) */
	assert_true(run_until(own_reached, &wb, 12000));
	assert_true(now_ms() - t0 >= 4000);	/* not before the deadline */
	assert_int_equal(b->deliveries[0], 2);
	assert_string_equal(b->ids[0], G.id);
	assert_true(store_outbox_fenced(G.st));	/* A was fenced all along */
	assert_int_equal(S.nsubmits, 1);	/* its retry came: held */
	px_cut(0);
	s = outbox_stats(G.ob);
	assert_true(run_until(dropped_one, G.ob, 15000));
	run_until(never, NULL, 1500);
	assert_int_equal(S.nsubmits, 1);	/* never sent twice */
	assert_int_equal(s->fenced_dropped, 1);
	assert_int_equal(s->sent, 0);
	assert_int_equal(outbox_busy(G.ob), 0);
	assert_false(store_outbox_fenced(G.st));
	assert_true(store_outbox_fences(G.st) >= 1);
	assert_int_equal(b->n, 1);
	assert_string_equal(Rs("HGET t:outbox:st:%s state", G.id), "sent");
	assert_int_equal(pending_count(), 0);
}

/*
 * Cut off 4.5 s with nobody to claim: A fences itself and holds its retry;
 * when the cut is lifted, the entry is still its own and goes, once.
 */
static void
test_fenced_still_ours_sent(void **state)
{
	const struct outbox_stats *s;
	double t0;

	(void)state;
	if (base == NULL)
		skip();
	fence_start(30);
	px_cut(1);
	t0 = now_ms();
	assert_true(run_until(fenced, NULL, 5000));
	run_until(never, NULL, 4500 - (int)(now_ms() - t0));
	assert_int_equal(S.nsubmits, 1);	/* the retry (due at 4 s) held */
	px_cut(0);
	s = outbox_stats(G.ob);
	assert_true(run_until(sent_one, G.ob, 15000));
	barrier();
	assert_int_equal(S.nsubmits, 2);
	assert_same_submit(0, 1);
	assert_int_equal(s->fenced_dropped, 0);
	assert_false(store_outbox_fenced(G.st));
	assert_string_equal(Rs("HGET t:outbox:st:%s state", G.id), "sent");
	assert_int_equal(pending_count(), 0);
}

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (access(REDIS_BIN, X_OK) != 0)
		return 0;
	assert_non_null(mkdtemp(tmpdir));
	snprintf(sockpath, sizeof(sockpath), "%s/redis.sock", tmpdir);
	redis_start();
	base = event_base_new();
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.redis.socket, sizeof(cfg.redis.socket), "%s", sockpath);
	snprintf(cfg.redis.prefix, sizeof(cfg.redis.prefix), "t:");
	cfg.redis.timeout_ms = 1000;
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
	if (strncmp(tmpdir, "/tmp/tnsgw-outbox.", 18) == 0 &&
	    strchr(tmpdir, 'X') == NULL && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return 0;
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

int
main(void)
{
	struct CMUnitTest tests[NCASES + 8];

	/* One test per case, named after it; each ends by gw_stop. */
	memset(tests, 0, sizeof(tests));
	for (size_t i = 0; i < NCASES; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = test_retry;
		tests[i].teardown_func = gw_stop;
		tests[i].initial_state = (void *)(uintptr_t)&cases[i];
	}
	tests[NCASES].name = "spent by throttling, claimed, then sent";
	tests[NCASES].test_func = test_spent_then_claimed;
	tests[NCASES].teardown_func = gw_stop;
	tests[NCASES + 1].name = "spent twice with max_deliveries 2: dead";
	tests[NCASES + 1].test_func = test_spent_twice_dead;
	tests[NCASES + 1].teardown_func = gw_stop;
	tests[NCASES + 2].name = "two instances: the slow one keeps its entries";
	tests[NCASES + 2].test_func = test_owner_slow_keeps;
	tests[NCASES + 2].teardown_func = own_stop;
	tests[NCASES + 3].name = "two instances: a dead one's entries sent once";
	tests[NCASES + 3].test_func = test_owner_dead_claimed_once;
	tests[NCASES + 3].teardown_func = own_stop;
	tests[NCASES + 4].name = "restarted under its name: entries back at once";
	tests[NCASES + 4].test_func = test_owner_restart_takes_back;
	tests[NCASES + 4].teardown_func = own_stop;
	tests[NCASES + 5].name = "cut off from Redis: what another claimed is "
	    "never sent";
	tests[NCASES + 5].test_func = test_fenced_claimed_not_sent;
	tests[NCASES + 5].teardown_func = fence_stop;
	tests[NCASES + 6].name = "cut off briefly: still ours, sent once";
	tests[NCASES + 6].test_func = test_fenced_still_ours_sent;
	tests[NCASES + 6].teardown_func = fence_stop;
	tests[NCASES + 7].name = "heartbeat and claim as EVALSHA, EVAL after "
	    "SCRIPT FLUSH";
	tests[NCASES + 7].test_func = test_scripts_evalsha;
	tests[NCASES + 7].teardown_func = own_stop;
	log_init(getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
