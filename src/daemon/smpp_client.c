/*
 * smpp_client: one outbound SMPP bind on the libevent loop. Owns the
 * socket (bufferevent), the timers and the request window; PDU bytes go
 * through smpp_pdu. One close path, smpp_client_close(c, reason); user
 * callbacks for failed requests and lost binds are fired from a
 * zero-timeout event, never from inside the call that caused them.
 */
#include "smpp_client.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "log.h"
#include "metrics.h"
#include "secret.h"

#define CLIENT_QUEUE_MAX   SMPP_CLIENT_QUEUE_MAX
#define CLIENT_URGENT_RUN  8		/* urgent sends in a row while a normal waits */
#define CLIENT_URGENT_DIV  10		/* window / this (at least 1) kept for urgent */
#define CLIENT_TICK_MS     250		/* timeouts, enquire_link, connect */
#define CLIENT_WRITE_HIGH  (256 * 1024)	/* stop reading/sending above */
#define CLIENT_WRITE_LOW   (64 * 1024)	/* resume below */
#define CLIENT_ENC_MAX     8192		/* largest PDU we encode */
#define CLIENT_SEQ_MAX     0x7FFFFFFFu
#define CLIENT_THROTTLE_MS 100		/* first pause after ESME_RTHROTTLED/RMSGQFUL */
#define CLIENT_THROTTLE_MAX_MS 1000	/* longest pause */
#define CLIENT_SCREEN_RETRY_MS 5000	/* a screen is re-sent this long after its first send */
#define CLIENT_POOL_MAX    1024		/* free request slots kept, per client (512 KiB) */

/* Under AddressSanitizer (make SAN=1, the fuzz builds) every request is
 * an allocation of its exact size, so a read or write past its PDU is
 * caught; no slot is pooled. */
#if defined(__SANITIZE_ADDRESS__)
#define CLIENT_POOL_USE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLIENT_POOL_USE 0
#endif
#endif
#ifndef CLIENT_POOL_USE
#define CLIENT_POOL_USE 1
#endif

struct smpp_req {
	TAILQ_ENTRY(smpp_req) entry;
	uint32_t  seq;
	uint32_t  command_id;
	uint32_t  status;		/* local completion code */
	int       urgent;		/* USSD screen: ahead of SMS */
	uint64_t  deadline_ms;
	uint64_t  first_ms;		/* first sent (0: never), for the retry bound */
	uint64_t  sent_us;		/* last written, for the round trip */
	uint64_t  mo_us;		/* a screen: its MO received (0: none) */
	int       tries;
	smpp_client_done_cb *done;
	void     *arg;
	int       slot;			/* bytes[] is SMPP_CLIENT_SLOT_PDU long, pooled */
	size_t    len;
	uint8_t   bytes[];		/* encoded PDU, sequence patched at send */
};
TAILQ_HEAD(smpp_reqq, smpp_req);

struct smpp_client {
	struct event_base   *base;
	struct config_bind   conf;
	enum smpp_client_role role;
	char                 label[48];		/* "name" or "name/tx", for logs */
	struct smpp_client_cb cb;
	void                *arg;
	enum smpp_client_state state;
	int                  stopping;
	uint32_t             max_pdu;

	struct bufferevent  *bev;
	struct evdns_base   *dns;
	uint64_t             conn_deadline_ms;	/* connect / bind / unbind */

	struct event        *ev_reconnect;
	struct event        *ev_tick;
	struct event        *ev_notify;	/* deferred user callbacks */
	struct event        *ev_pump;	/* TPS wait */

	uint32_t             next_seq;
	uint32_t             bind_seq, unbind_seq, enq_seq;
	uint64_t             enq_deadline_ms;
	uint64_t             last_rx_ms;

	/*
	 * Two queues behind one window: urgent (USSD screens, which the
	 * network drops after a few seconds) and normal (SMS, which can
	 * wait). The window is one list in send order, so the timeout scan
	 * stays a scan of its head; nwin_normal counts the normal requests
	 * in it, for their cap (client_normal_cap).
	 */
	struct smpp_reqq     uqueue, queue, window, done;
	int                  nuqueue, nqueue, nwindow, nwin_normal;
	/* Free request slots (struct smpp_req + SMPP_CLIENT_SLOT_PDU bytes),
	 * all zero: a PDU is encoded straight into one, no malloc per PDU. */
	struct smpp_reqq     pool;
	int                  npool;
	int                  urgent_run;	/* urgent sends while a normal could go */

	int                  backoff_ms;
	uint64_t             rng;
	/* Binds refused since the last bound session: the first is logged
	 * at err (an outage someone must fix: password, system_id), the
	 * retries at warning. */
	int                  refusals;
	/* A connection that fails through the whole reconnect backoff (it
	 * reached reconnect_max_s): said at err once, until bound again. */
	int                  down_logged;

	double               tokens;
	uint64_t             tokens_ms;

	/* The SMSC said "slow down" (0x58 / 0x14): nothing is sent before
	 * paused_until_ms; the pause doubles while it keeps saying it. */
	uint64_t             paused_until_ms;
	int                  throttle_ms;

	int                  in_deliver;	/* inside on_deliver: hold output */
	int                  notify_unbound, notify_stopped;
	int                  flush_close;	/* close once output is sent */
	char                 flush_reason[64];
	struct smpp_pdu     *rx;		/* decode scratch (large) */
	char                 unbound_reason[128];
	/* The last close not asked for (lost, refused, timed out), for
	 * /status: its reason and when (wall clock, s). */
	char                 last_error[128];
	int64_t              last_error_s;

	struct smpp_client_stats stats;
	/* "queue full" lines: the last one written, refusals since. */
	uint64_t             qfull_log_ms;
	unsigned             qfull_quiet;
};

static void smpp_client_close(struct smpp_client *, const char *);

/* A request's encoded PDU may carry a password or an OTP in clear (a
 * submit_sm of case B): its bytes are wiped before it goes, then a slot
 * goes back to the pool (all zero again: only its len bytes were used). */
static void
req_free(struct smpp_client *c, struct smpp_req *r)
{
	int slot = r->slot;

	secret_wipe(r, sizeof(*r) + r->len);
	if (slot && c->npool < CLIENT_POOL_MAX) {
		TAILQ_INSERT_HEAD(&c->pool, r, entry);
		c->npool++;
	} else
		free(r);
}

/* A zeroed slot from the pool, or a new one; NULL when pooling is off or
 * out of memory. */
static struct smpp_req *
req_slot(struct smpp_client *c)
{
	struct smpp_req *r;

	if (!CLIENT_POOL_USE)
		return NULL;
	if ((r = TAILQ_FIRST(&c->pool)) != NULL) {
		TAILQ_REMOVE(&c->pool, r, entry);
		c->npool--;
		return r;
	}
	return calloc(1, sizeof(*r) + SMPP_CLIENT_SLOT_PDU);
}
static void client_pump(struct smpp_client *);
static void client_connect(struct smpp_client *);
static void handle_pdu(struct smpp_client *, const struct smpp_pdu *);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
smpp_client_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

const char *
smpp_client_strstate(enum smpp_client_state s)
{
	switch (s) {
	case SMPP_CLIENT_IDLE:		return "idle";
	case SMPP_CLIENT_CONNECTING:	return "connecting";
	case SMPP_CLIENT_BINDING:	return "binding";
	case SMPP_CLIENT_BOUND:		return "bound";
	case SMPP_CLIENT_UNBINDING:	return "unbinding";
	case SMPP_CLIENT_CLOSED:	return "closed";
	}
	return "?";
}

static void
enter_state(struct smpp_client *c, enum smpp_client_state s)
{
	if (c->state == s)
		return;
	if (s == SMPP_CLIENT_BOUND || c->state == SMPP_CLIENT_BOUND)
		log_info("[bind %s] %s -> %s", c->label,
		    smpp_client_strstate(c->state), smpp_client_strstate(s));
	else
		log_debug("[bind %s] %s -> %s", c->label,
		    smpp_client_strstate(c->state), smpp_client_strstate(s));
	c->state = s;
}

/* xorshift64*: jitter only, no security need. */
static uint32_t
client_rand(struct smpp_client *c, uint32_t bound)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return bound ? (uint32_t)((c->rng * 2685821657736338717ULL) >> 33) % bound : 0;
}

static uint32_t
client_seq(struct smpp_client *c)
{
	uint32_t s = c->next_seq;

	c->next_seq = s >= CLIENT_SEQ_MAX ? 1 : s + 1;
	return s;
}

static void
schedule_notify(struct smpp_client *c)
{
	event_active(c->ev_notify, EV_TIMEOUT, 0);
}

/* Move a request to the completion list; its callback fires from
 * ev_notify. */
static void
req_fail(struct smpp_client *c, struct smpp_req *r, uint32_t status)
{
	r->status = status;
	TAILQ_INSERT_TAIL(&c->done, r, entry);
	c->stats.submit_err++;
	schedule_notify(c);
}

static void
client_notify_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct smpp_client *c = arg;
	struct smpp_req *r;

	(void)fd;
	(void)ev;
	while ((r = TAILQ_FIRST(&c->done)) != NULL) {
		TAILQ_REMOVE(&c->done, r, entry);
		if (r->done)
			r->done(r->arg, r->status, NULL);
		req_free(c, r);
	}
	if (c->notify_unbound) {
		c->notify_unbound = 0;
		if (c->cb.on_unbound)
			c->cb.on_unbound(c, c->unbound_reason, c->arg);
	}
	if (c->notify_stopped) {
		c->notify_stopped = 0;
		if (c->cb.on_stopped)
			c->cb.on_stopped(c, c->arg);
	}
}

/* ---- output ---- */

static void
trace_pdu(struct smpp_client *c, const char *dir, const uint8_t *b, size_t len)
{
	struct smpp_pdu *p;
	char line[768], err[96];

	if (!c->conf.trace || (p = malloc(sizeof(*p))) == NULL)
		return;
	if (smpp_pdu_decode(b, len, p, err, sizeof(err)) == SMPP_DECODE_OK) {
		smpp_pdu_trace(p, line, sizeof(line));
		log_info("[bind %s] %s %s", c->label, dir, line);
	} else
		log_info("[bind %s] %s %s seq=%u (%s)", c->label, dir,
		    smpp_pdu_command_str(p->command_id), p->sequence, err);
	secret_wipe(p, sizeof(*p));	/* the body: an OTP, a password */
	free(p);
}

static int
send_bytes(struct smpp_client *c, const uint8_t *b, size_t len)
{
	if (c->bev == NULL)
		return -1;
	trace_pdu(c, ">", b, len);
	if (bufferevent_write(c->bev, b, len) == -1) {
		log_warnx("[bind %s] write failed", c->label);
		return -1;
	}
	c->stats.pdus_out++;
	/* Back-pressure: a peer that does not read stops us reading (no
	 * more deliver_sm to answer) and sending, until it drains. */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > CLIENT_WRITE_HIGH)
		bufferevent_disable(c->bev, EV_READ);
	return 0;
}

static int
send_pdu(struct smpp_client *c, const struct smpp_pdu *p)
{
	uint8_t buf[CLIENT_ENC_MAX];
	char err[128];
	long n;

	n = smpp_pdu_encode(p, buf, sizeof(buf), err, sizeof(err));
	if (n < 0) {
		log_warnx("[bind %s] cannot encode %s: %s", c->label,
		    smpp_pdu_command_str(p->command_id), err);
		return -1;
	}
	n = send_bytes(c, buf, (size_t)n);
	secret_wipe(buf, sizeof(buf));	/* a bind's password */
	return (int)n;
}

/*
 * A PDU of a header only, or a response whose body is an empty
 * message_id (submit_sm_resp, deliver_sm_resp, data_sm_resp): written
 * straight, no struct, no allocation: one of these answers every MO.
 */
static int
send_simple(struct smpp_client *c, uint32_t id, uint32_t status, uint32_t seq)
{
	uint8_t b[SMPP_HEADER_LEN + 1];
	uint32_t w[4];
	size_t n = SMPP_HEADER_LEN;

	/* As smpp_pdu_encode: deliver_sm_resp always carries its empty
	 * message_id, the others only with ESME_ROK. */
	if (id == (SMPP_DELIVER_SM | SMPP_RESP_BIT) ||
	    (status == SMPP_ESME_ROK && (id == (SMPP_SUBMIT_SM | SMPP_RESP_BIT) ||
	    id == (SMPP_DATA_SM | SMPP_RESP_BIT))))
		b[n++] = '\0';
	w[0] = (uint32_t)n;
	w[1] = id;
	w[2] = status;
	w[3] = seq;
	for (int i = 0; i < 4; i++) {
		b[4 * i] = (uint8_t)(w[i] >> 24);
		b[4 * i + 1] = (uint8_t)(w[i] >> 16);
		b[4 * i + 2] = (uint8_t)(w[i] >> 8);
		b[4 * i + 3] = (uint8_t)w[i];
	}
	return send_bytes(c, b, n);
}

static int
output_full(struct smpp_client *c)
{
	return c->bev == NULL ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > CLIENT_WRITE_HIGH;
}

/* ---- queues and window ---- */

static void
window_remove(struct smpp_client *c, struct smpp_req *r)
{
	TAILQ_REMOVE(&c->window, r, entry);
	c->nwindow--;
	if (!r->urgent)
		c->nwin_normal--;
}

static void
queue_remove(struct smpp_client *c, struct smpp_req *r)
{
	if (r->urgent) {
		TAILQ_REMOVE(&c->uqueue, r, entry);
		c->nuqueue--;
	} else {
		TAILQ_REMOVE(&c->queue, r, entry);
		c->nqueue--;
	}
}

/* Every queued request, urgent first, completes with status. */
static void
fail_queued(struct smpp_client *c, uint32_t status)
{
	struct smpp_req *r;

	while ((r = TAILQ_FIRST(&c->uqueue)) != NULL ||
	    (r = TAILQ_FIRST(&c->queue)) != NULL) {
		queue_remove(c, r);
		req_fail(c, r, status);
	}
}

/*
 * How many window slots normal requests may hold: a tenth of the window
 * (at least one slot) stays free for urgent ones, so a screen never waits
 * for a slow SMSC to answer SMS it holds the whole window with, nor
 * stalls with it. Why not more: the reserve is SMS capacity lost whenever
 * SMS are the bottleneck. Window 10, SMS answered 0..1 s late, 500 case-B
 * callers at 12.8 dials/s: 2 slots kept (a quarter) cut SMS to ~16/s,
 * under the ~19/s asked, and 115 callers failed waiting for their OTP;
 * 1 slot: none failed, screens at 1 ms. A window of 1 cannot be split:
 * SMS keep their slot then, and screens only jump the queue.
 */
static int
client_normal_cap(const struct smpp_client *c)
{
	int reserve = c->conf.window / CLIENT_URGENT_DIV;

	if (reserve < 1)
		reserve = 1;
	return c->conf.window > reserve ? c->conf.window - reserve : 1;
}

/*
 * The next request the window may take, or NULL. Urgent first; but after
 * CLIENT_URGENT_RUN urgent sends in a row while a normal request could
 * have gone, one normal goes, so a steady stream of screens slows SMS
 * down (to one slot in CLIENT_URGENT_RUN + 1) without starving them.
 */
static struct smpp_req *
client_next(struct smpp_client *c)
{
	struct smpp_req *u = TAILQ_FIRST(&c->uqueue);
	struct smpp_req *n = TAILQ_FIRST(&c->queue);

	if (c->nwindow >= c->conf.window)
		return NULL;
	if (n != NULL && c->nwin_normal >= client_normal_cap(c))
		n = NULL;
	if (u != NULL && (n == NULL || c->urgent_run < CLIENT_URGENT_RUN))
		return u;
	return n;
}

/* ---- close, reconnect ---- */

static void
client_reconnect_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct smpp_client *c = arg;

	(void)fd;
	(void)ev;
	if (c->state == SMPP_CLIENT_IDLE && !c->stopping) {
		c->stats.reconnects++;
		client_connect(c);
	}
}

static void
schedule_reconnect(struct smpp_client *c)
{
	int min_ms = c->conf.reconnect_min_s * 1000;
	int max_ms = c->conf.reconnect_max_s * 1000;
	int delay;
	struct timeval tv;

	if (min_ms < 100)
		min_ms = 100;
	if (max_ms < min_ms)
		max_ms = min_ms;
	if (c->backoff_ms < min_ms)
		c->backoff_ms = min_ms;
	/* Up to a quarter off, so binds lost together do not come back
	 * together. */
	delay = c->backoff_ms - (int)client_rand(c, (uint32_t)c->backoff_ms / 4 + 1);
	if (delay < min_ms)
		delay = min_ms;
	c->backoff_ms = c->backoff_ms > max_ms / 2 ? max_ms : c->backoff_ms * 2;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	log_info("[bind %s] reconnecting in %d ms", c->label, delay);
	evtimer_add(c->ev_reconnect, &tv);
}

/*
 * A connect or bind that failed again (not a session lost): once the
 * backoff has reached reconnect_max_s the outage is persistent, said at
 * err once (a refused bind was said already), the next tries stay info.
 */
static void
client_still_down(struct smpp_client *c, const char *reason)
{
	int max_ms = c->conf.reconnect_max_s * 1000;

	if (max_ms < c->conf.reconnect_min_s * 1000)
		max_ms = c->conf.reconnect_min_s * 1000;
	if (c->refusals || c->down_logged || c->backoff_ms < max_ms)
		return;
	c->down_logged = 1;
	log_err("[bind %s] not bound through the whole reconnect backoff "
	    "(now every %d s): %s", c->label, max_ms / 1000, reason);
}

/*
 * The one close path: drop the connection, fail every request still
 * waiting (callbacks deferred to ev_notify), then reconnect later or, when
 * stopping, finish with on_stopped.
 */
static void
smpp_client_close(struct smpp_client *c, const char *reason)
{
	struct smpp_req *r;
	int was_bound = c->state == SMPP_CLIENT_BOUND ||
	    c->state == SMPP_CLIENT_UNBINDING;

	if (c->state == SMPP_CLIENT_CLOSED)
		return;
	if (!c->stopping) {
		snprintf(c->last_error, sizeof(c->last_error), "%s", reason);
		c->last_error_s = (int64_t)time(NULL);
	}
	if (c->bev != NULL) {
		log_info("[bind %s] closed (%s): %s", c->label,
		    smpp_client_strstate(c->state), reason);
		/* Safe inside the bufferevent's own callbacks: libevent
		 * holds a reference until the callback returns. */
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	evtimer_del(c->ev_tick);
	evtimer_del(c->ev_pump);
	while ((r = TAILQ_FIRST(&c->window)) != NULL) {
		window_remove(c, r);
		req_fail(c, r, SMPP_CLIENT_E_CLOSED);
	}
	fail_queued(c, SMPP_CLIENT_E_CLOSED);
	c->bind_seq = c->unbind_seq = c->enq_seq = 0;
	c->paused_until_ms = 0;
	c->throttle_ms = 0;
	if (was_bound) {
		c->notify_unbound = 1;
		snprintf(c->unbound_reason, sizeof(c->unbound_reason), "%s",
		    reason);
		schedule_notify(c);
	}
	if (c->stopping) {
		evtimer_del(c->ev_reconnect);
		enter_state(c, SMPP_CLIENT_CLOSED);
		c->notify_stopped = 1;
		schedule_notify(c);
	} else {
		enter_state(c, SMPP_CLIENT_IDLE);
		if (!was_bound)
			client_still_down(c, reason);
		schedule_reconnect(c);
	}
}

/* ---- requests ---- */

static void
req_send(struct smpp_client *c, struct smpp_req *r)
{
	r->seq = client_seq(c);
	r->bytes[12] = (uint8_t)(r->seq >> 24);
	r->bytes[13] = (uint8_t)(r->seq >> 16);
	r->bytes[14] = (uint8_t)(r->seq >> 8);
	r->bytes[15] = (uint8_t)r->seq;
	r->deadline_ms = now_ms() + (uint64_t)c->conf.response_timeout_s * 1000;
	if (r->first_ms == 0)
		r->first_ms = r->deadline_ms -
		    (uint64_t)c->conf.response_timeout_s * 1000;
	TAILQ_INSERT_TAIL(&c->window, r, entry);
	c->nwindow++;
	if (!r->urgent)
		c->nwin_normal++;
	r->sent_us = smpp_client_now_us();
	/* MO -> screen ends when the screen is first written (a re-send
	 * after a throttle is not counted again). */
	if (r->mo_us != 0 && r->tries == 0 && r->sent_us >= r->mo_us)
		metrics_hist_observe(&c->stats.mo_screen,
		    r->sent_us - r->mo_us);
	send_bytes(c, r->bytes, r->len);
}

static int
take_token(struct smpp_client *c, uint64_t now, uint64_t *wait_ms)
{
	double cap;

	if (c->conf.tps <= 0)
		return 1;
	cap = c->conf.tps;
	c->tokens += (double)(now - c->tokens_ms) * c->conf.tps / 1000.0;
	c->tokens_ms = now;
	if (c->tokens > cap)
		c->tokens = cap;
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		return 1;
	}
	*wait_ms = (uint64_t)((1.0 - c->tokens) * 1000.0 / c->conf.tps) + 1;
	return 0;
}

static void
client_pump_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	client_pump(arg);
}

/* Move requests from the queues into the window while the window, the
 * token bucket and the output buffer allow; client_next says which. The
 * one token bucket covers both queues: a screen is a submit_sm the SMSC
 * counts like any other. */
static void
client_pump(struct smpp_client *c)
{
	struct smpp_req *r;
	uint64_t wait_ms = 0, now;
	struct timeval tv;

	/* Inside on_deliver the deliver_sm_resp is not written yet: what the
	 * callback submits waits for it (handle_deliver pumps after). */
	if (c->in_deliver)
		return;
	while (c->state == SMPP_CLIENT_BOUND && !output_full(c) &&
	    (r = client_next(c)) != NULL) {
		now = now_ms();
		if (now < c->paused_until_ms || !take_token(c, now, &wait_ms)) {
			if (now < c->paused_until_ms)
				wait_ms = c->paused_until_ms - now;
			if (!evtimer_pending(c->ev_pump, NULL)) {
				tv.tv_sec = (time_t)(wait_ms / 1000);
				tv.tv_usec = (suseconds_t)(wait_ms % 1000) * 1000;
				evtimer_add(c->ev_pump, &tv);
			}
			return;
		}
		if (!r->urgent)
			c->urgent_run = 0;
		else if (TAILQ_FIRST(&c->queue) != NULL &&
		    c->nwin_normal < client_normal_cap(c))
			c->urgent_run++;	/* a normal one could have gone */
		queue_remove(c, r);
		req_send(c, r);
	}
}

/* Back into the urgent queue in first-send order, ahead of screens never
 * sent: a throttled screen keeps its place. */
static void
requeue_urgent(struct smpp_client *c, struct smpp_req *r)
{
	struct smpp_req *q;

	TAILQ_FOREACH(q, &c->uqueue, entry)
		if (q->first_ms == 0 || q->first_ms > r->first_ms ||
		    (q->first_ms == r->first_ms && q->seq > r->seq))
			break;
	if (q != NULL)
		TAILQ_INSERT_BEFORE(q, r, entry);
	else
		TAILQ_INSERT_TAIL(&c->uqueue, r, entry);
	c->nuqueue++;
}

/*
 * The SMSC refused r with ESME_RTHROTTLED or ESME_RMSGQFUL: pause the
 * whole bind (in order, never reordering), doubling the pause while it
 * keeps refusing. A screen (urgent) is re-sent by us while it is young
 * enough for the caller to still be waiting; an SMS goes back to its
 * sender with the status (the outbox has its own retry rule). Returns 1
 * when r was kept for a re-send.
 */
static int
client_throttled(struct smpp_client *c, struct smpp_req *r, uint32_t status)
{
	uint64_t now = now_ms();
	struct timeval tv;

	c->stats.throttled++;
	c->throttle_ms = c->throttle_ms == 0 ? CLIENT_THROTTLE_MS :
	    c->throttle_ms * 2 > CLIENT_THROTTLE_MAX_MS ? CLIENT_THROTTLE_MAX_MS :
	    c->throttle_ms * 2;
	if (c->paused_until_ms < now + (uint64_t)c->throttle_ms) {
		c->paused_until_ms = now + (uint64_t)c->throttle_ms;
		tv.tv_sec = c->throttle_ms / 1000;
		tv.tv_usec = (c->throttle_ms % 1000) * 1000;
		evtimer_del(c->ev_pump);
		evtimer_add(c->ev_pump, &tv);
	}
	log_info("[bind %s] %s seq=%u: %s, pausing %d ms", c->label,
	    smpp_pdu_command_str(r->command_id), r->seq,
	    smpp_pdu_status_str(status), c->throttle_ms);
	if (!r->urgent || c->stopping ||
	    now + (uint64_t)c->throttle_ms - r->first_ms > CLIENT_SCREEN_RETRY_MS)
		return 0;
	r->tries++;
	c->stats.resent++;
	requeue_urgent(c, r);
	return 1;
}

/*
 * A full queue refuses every request while it stays full (an outbox
 * backlog can offer thousands a second): one warning a second per bind,
 * with the count of refusals it stands for, not one line each. The
 * sender is told every time (SMPP_CLIENT_E_QUEUE).
 */
static void
client_queue_full_log(struct smpp_client *c, int urgent, int nq, uint32_t id)
{
	uint64_t now = now_ms();

	if (c->qfull_log_ms != 0 && now - c->qfull_log_ms < 1000) {
		c->qfull_quiet++;
		return;
	}
	if (c->qfull_quiet > 0)
		log_warnx("[bind %s] %s queue full (%d), %s refused (and %u "
		    "more since the last line)", c->label,
		    urgent ? "urgent" : "normal", nq,
		    smpp_pdu_command_str(id), c->qfull_quiet);
	else
		log_warnx("[bind %s] %s queue full (%d), %s refused",
		    c->label, urgent ? "urgent" : "normal", nq,
		    smpp_pdu_command_str(id));
	c->qfull_log_ms = now;
	c->qfull_quiet = 0;
}

int
smpp_client_submit(struct smpp_client *c, const struct smpp_pdu *pdu,
    smpp_client_done_cb *done, void *arg)
{
	return smpp_client_submit_prio(c, pdu, 0, done, arg);
}

int
smpp_client_submit_prio(struct smpp_client *c, const struct smpp_pdu *pdu,
    int urgent, smpp_client_done_cb *done, void *arg)
{
	return smpp_client_submit_mo(c, pdu, urgent, 0, done, arg);
}

int
smpp_client_submit_mo(struct smpp_client *c, const struct smpp_pdu *pdu,
    int urgent, uint64_t mo_us, smpp_client_done_cb *done, void *arg)
{
	uint8_t buf[CLIENT_ENC_MAX];
	struct smpp_req *r;
	char err[128];
	long n = -1;
	int *nq, slot = 0;

	if (c->state != SMPP_CLIENT_BOUND || c->stopping ||
	    c->role == SMPP_CLIENT_RX)
		return -1;
	/* Straight into a pooled slot; a PDU larger than a slot (or one
	 * that does not encode) takes the long way below. */
	if ((r = req_slot(c)) != NULL) {
		n = smpp_pdu_encode(pdu, r->bytes, SMPP_CLIENT_SLOT_PDU, err,
		    sizeof(err));
		if (n >= 0)
			slot = 1;
		else {
			secret_wipe(r->bytes, SMPP_CLIENT_SLOT_PDU);
			r->slot = 1;
			req_free(c, r);	/* len 0: the header is zero */
			r = NULL;
		}
	}
	if (r == NULL) {
		n = smpp_pdu_encode(pdu, buf, sizeof(buf), err, sizeof(err));
		if (n < 0) {
			log_warnx("[bind %s] cannot encode %s: %s", c->label,
			    smpp_pdu_command_str(pdu->command_id), err);
			secret_wipe(buf, sizeof(buf));
			return -1;
		}
		/* The header set whole, the bytes copied: nothing zeroed
		 * twice. */
		if ((r = malloc(sizeof(*r) + (size_t)n)) == NULL) {
			log_warn("[bind %s] malloc", c->label);
			secret_wipe(buf, (size_t)n);
			return -1;
		}
		memcpy(r->bytes, buf, (size_t)n);
		secret_wipe(buf, (size_t)n);	/* the body: an OTP, a password */
	}
	*r = (struct smpp_req){
		.command_id = pdu->command_id,
		.urgent = urgent != 0,
		.mo_us = mo_us,
		.done = done,
		.arg = arg,
		.slot = slot,
		.len = (size_t)n,
	};
	/* Bounded per queue: a backlog of SMS never refuses a screen. */
	nq = r->urgent ? &c->nuqueue : &c->nqueue;
	if (*nq >= CLIENT_QUEUE_MAX) {
		client_queue_full_log(c, r->urgent, *nq, pdu->command_id);
		req_fail(c, r, SMPP_CLIENT_E_QUEUE);
		return 0;
	}
	TAILQ_INSERT_TAIL(r->urgent ? &c->uqueue : &c->queue, r, entry);
	(*nq)++;
	client_pump(c);
	return 0;
}

/*
 * A response to one of our requests: complete it from here (we are in a
 * loop callback, not inside smpp_client_submit). Only the matching
 * command's response settles a request; a generic_nack settles it as
 * failed (SMPP_CLIENT_E_NACK unless it throttles), never as sent.
 */
static void
handle_response(struct smpp_client *c, const struct smpp_pdu *p)
{
	struct smpp_req *r;
	uint32_t status = p->command_status;
	int nack = p->command_id == SMPP_GENERIC_NACK;

	TAILQ_FOREACH(r, &c->window, entry)
		if (r->seq == p->sequence)
			break;
	if (r == NULL) {
		log_warnx("[bind %s] %s seq=%u matches no request",
		    c->label, smpp_pdu_command_str(p->command_id),
		    p->sequence);
		return;
	}
	if (!nack && p->command_id != (r->command_id | SMPP_RESP_BIT)) {
		/* Left in the window: its own response or the timeout
		 * settles it. */
		log_warnx("[bind %s] %s answers %s seq=%u: ignored", c->label,
		    smpp_pdu_command_str(p->command_id),
		    smpp_pdu_command_str(r->command_id), p->sequence);
		return;
	}
	window_remove(c, r);
	if (nack)
		c->stats.nacks_recv++;
	metrics_status_count(&c->stats.results, status);
	metrics_hist_observe(&c->stats.resp_time,
	    smpp_client_now_us() - r->sent_us);
	if (status == SMPP_ESME_RTHROTTLED || status == SMPP_ESME_RMSGQFUL) {
		if (client_throttled(c, r, status))
			return;
	} else if (nack)
		status = SMPP_CLIENT_E_NACK;
	else if (status == SMPP_ESME_ROK)
		c->throttle_ms = 0;
	if (status == SMPP_ESME_ROK)
		c->stats.submit_ok++;
	else {
		c->stats.submit_err++;
		log_info("[bind %s] %s seq=%u: %s", c->label,
		    smpp_pdu_command_str(p->command_id), p->sequence,
		    smpp_pdu_status_str(p->command_status));
	}
	if (r->done)
		r->done(r->arg, status, p);
	req_free(c, r);
	client_pump(c);
}

/* ---- input ---- */

static void
handle_bind_resp(struct smpp_client *c, const struct smpp_pdu *p)
{
	char reason[96];

	if (c->state != SMPP_CLIENT_BINDING || p->sequence != c->bind_seq) {
		log_warnx("[bind %s] unexpected %s seq=%u", c->label,
		    smpp_pdu_command_str(p->command_id), p->sequence);
		return;
	}
	c->bind_seq = 0;
	if (p->command_status != SMPP_ESME_ROK) {
		snprintf(reason, sizeof(reason), "bind refused: %s",
		    smpp_pdu_status_str(p->command_status));
		if (c->refusals++ == 0)
			log_err("[bind %s] %s; retrying, further refusals at "
			    "warning until it binds", c->label, reason);
		else
			log_warnx("[bind %s] %s (%d in a row)", c->label,
			    reason, c->refusals);
		smpp_client_close(c, reason);
		return;
	}
	c->backoff_ms = 0;
	c->tokens = c->conf.tps > 0 ? 1.0 : 0.0;
	c->tokens_ms = now_ms();
	enter_state(c, SMPP_CLIENT_BOUND);
	if (c->refusals)
		log_notice("[bind %s] bound to %.15s after %d refused "
		    "bind%s", c->label, p->system_id, c->refusals,
		    c->refusals == 1 ? "" : "s");
	else if (c->down_logged)
		log_notice("[bind %s] bound to %.15s again", c->label,
		    p->system_id);
	else
		log_info("[bind %s] bound to %.15s", c->label, p->system_id);
	c->refusals = c->down_logged = 0;
	if (c->cb.on_bound)
		c->cb.on_bound(c, c->arg);
	client_pump(c);
}

/*
 * deliver_sm / data_sm: on_deliver says what to answer (admission: a
 * refusal is ESME_RTHROTTLED, never a silent drop); the _resp goes out
 * right after it returns and before anything it submitted.
 */
static void
handle_deliver(struct smpp_client *c, const struct smpp_pdu *p)
{
	uint32_t status = SMPP_ESME_ROK;

	if (c->state != SMPP_CLIENT_BOUND || c->role == SMPP_CLIENT_TX)
		status = SMPP_ESME_RINVBNDSTS;
	else if (c->cb.on_deliver) {
		c->in_deliver = 1;
		status = c->cb.on_deliver(c, p, c->arg);
		c->in_deliver = 0;
	}
	if (status != SMPP_ESME_ROK)
		c->stats.deliver_refused++;
	send_simple(c, p->command_id | SMPP_RESP_BIT, status, p->sequence);
	client_pump(c);
}

static void
handle_bad(struct smpp_client *c, const struct smpp_pdu *p, const char *err)
{
	uint32_t id = p->command_id;

	c->stats.bad_pdus++;
	log_warnx("[bind %s] undecodable %s seq=%u: %s", c->label,
	    smpp_pdu_command_str(id), p->sequence, err);
	if (id & SMPP_RESP_BIT) {
		/* The header is sound: settle what it answers, except a
		 * bind we cannot read, which we do not trust. */
		if ((id & ~SMPP_RESP_BIT) == SMPP_BIND_TRANSCEIVER ||
		    (id & ~SMPP_RESP_BIT) == SMPP_BIND_TRANSMITTER ||
		    (id & ~SMPP_RESP_BIT) == SMPP_BIND_RECEIVER) {
			if (c->state == SMPP_CLIENT_BINDING)
				smpp_client_close(c, "undecodable bind response");
		} else
			handle_pdu(c, p);
		return;
	}
	switch (id) {
	case SMPP_DELIVER_SM:
	case SMPP_DATA_SM:
	case SMPP_ENQUIRE_LINK:
	case SMPP_UNBIND:
		send_simple(c, id | SMPP_RESP_BIT, SMPP_ESME_RINVMSGLEN,
		    p->sequence);
		break;
	default:
		send_simple(c, SMPP_GENERIC_NACK, SMPP_ESME_RINVMSGLEN,
		    p->sequence);
		c->stats.nacks_sent++;
		break;
	}
}

static void
flush_then_close(struct smpp_client *c, const char *reason)
{
	c->flush_close = 1;
	snprintf(c->flush_reason, sizeof(c->flush_reason), "%s", reason);
	if (c->bev != NULL) {
		bufferevent_disable(c->bev, EV_READ);
		/* The write callback fires once the output is empty. */
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			smpp_client_close(c, reason);
	}
}

static void
handle_pdu(struct smpp_client *c, const struct smpp_pdu *p)
{
	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT:
	case SMPP_BIND_TRANSMITTER | SMPP_RESP_BIT:
	case SMPP_BIND_RECEIVER | SMPP_RESP_BIT:
		handle_bind_resp(c, p);
		break;
	case SMPP_ENQUIRE_LINK:
		send_simple(c, SMPP_ENQUIRE_LINK | SMPP_RESP_BIT,
		    SMPP_ESME_ROK, p->sequence);
		break;
	case SMPP_ENQUIRE_LINK | SMPP_RESP_BIT:
		if (p->sequence == c->enq_seq)
			c->enq_seq = 0;
		break;
	case SMPP_UNBIND:
		log_info("[bind %s] peer unbinds", c->label);
		/* Nothing more goes out after the peer's unbind. */
		if (c->state == SMPP_CLIENT_BOUND) {
			c->conn_deadline_ms = now_ms() +
			    (uint64_t)c->conf.response_timeout_s * 1000;
			enter_state(c, SMPP_CLIENT_UNBINDING);
		}
		send_simple(c, SMPP_UNBIND | SMPP_RESP_BIT, SMPP_ESME_ROK,
		    p->sequence);
		flush_then_close(c, "unbound by peer");
		break;
	case SMPP_UNBIND | SMPP_RESP_BIT:
		if (c->unbind_seq != 0 && p->sequence == c->unbind_seq)
			smpp_client_close(c, "unbind done");
		break;
	case SMPP_DELIVER_SM:
	case SMPP_DATA_SM:
		handle_deliver(c, p);
		break;
	case SMPP_GENERIC_NACK:
		log_warnx("[bind %s] generic_nack seq=%u: %s", c->label,
		    p->sequence, smpp_pdu_status_str(p->command_status));
		if (c->bind_seq != 0 && p->sequence == c->bind_seq)
			smpp_client_close(c, "bind rejected by generic_nack");
		else if (c->unbind_seq != 0 && p->sequence == c->unbind_seq)
			smpp_client_close(c, "unbind rejected by generic_nack");
		else if (c->enq_seq != 0 && p->sequence == c->enq_seq)
			c->enq_seq = 0;		/* the peer is alive */
		else
			handle_response(c, p);
		break;
	default:
		if (p->command_id & SMPP_RESP_BIT)
			handle_response(c, p);
		else {
			/* A request an ESME does not serve (bind, submit_sm). */
			send_simple(c, SMPP_GENERIC_NACK, SMPP_ESME_RINVCMDID,
			    p->sequence);
			c->stats.nacks_sent++;
		}
		break;
	}
}

/*
 * An MO the user refuses before it is decoded (on_busy): answered from
 * its header. Receipts, and anything but a bound receiving session's
 * deliver_sm/data_sm, take the normal path. 1 when answered here.
 */
static int
client_refuse_early(struct smpp_client *c, const uint8_t *data, size_t len)
{
	uint32_t id, status;
	int esm;

	if (c->cb.on_busy == NULL || c->state != SMPP_CLIENT_BOUND ||
	    c->role == SMPP_CLIENT_TX || c->conf.trace)
		return 0;
	id = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
	    (uint32_t)data[6] << 8 | data[7];
	if (id != SMPP_DELIVER_SM && id != SMPP_DATA_SM)
		return 0;
	if ((esm = smpp_pdu_peek_esm_class(data, len)) < 0 ||
	    (esm & 0x3C) == 0x04)
		return 0;
	if ((status = c->cb.on_busy(c, c->arg)) == SMPP_ESME_ROK)
		return 0;
	c->stats.deliver_refused++;
	send_simple(c, id | SMPP_RESP_BIT, status,
	    (uint32_t)data[12] << 24 | (uint32_t)data[13] << 16 |
	    (uint32_t)data[14] << 8 | data[15]);
	return 1;
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct smpp_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct smpp_pdu *p = c->rx;
	enum smpp_decode rc;
	const uint8_t *data;
	char err[128], line[768];
	size_t avail;
	long len;

	/* Callbacks below may close the session (and free bev's owner
	 * reference): re-check before each PDU. */
	while (c->bev == bev && !c->flush_close) {
		avail = evbuffer_get_length(in);
		if (avail < SMPP_HEADER_LEN)
			return;
		data = evbuffer_pullup(in, SMPP_HEADER_LEN);
		len = smpp_pdu_frame(data, avail, c->max_pdu);
		if (len < 0) {
			c->stats.bad_pdus++;
			log_warnx("[bind %s] command_length %u outside 16..%u,"
			    " closing", c->label,
			    (unsigned)data[0] << 24 | (unsigned)data[1] << 16 |
			    (unsigned)data[2] << 8 | data[3], c->max_pdu);
			smpp_client_close(c, "bad command_length");
			return;
		}
		if ((size_t)len > avail)
			return;
		data = evbuffer_pullup(in, len);
		if (data == NULL) {
			smpp_client_close(c, "out of memory");
			return;
		}
		c->stats.pdus_in++;
		c->last_rx_ms = now_ms();
		if (client_refuse_early(c, data, (size_t)len)) {
			evbuffer_drain(in, (size_t)len);
			continue;
		}
		rc = smpp_pdu_decode(data, (size_t)len, p, err, sizeof(err));
		evbuffer_drain(in, (size_t)len);
		if (c->conf.trace) {
			if (rc == SMPP_DECODE_OK) {
				smpp_pdu_trace(p, line, sizeof(line));
				log_info("[bind %s] < %s", c->label, line);
			} else
				log_info("[bind %s] < %s seq=%u len=%ld (%s)",
				    c->label,
				    smpp_pdu_command_str(p->command_id),
				    p->sequence, len, err);
		}
		switch (rc) {
		case SMPP_DECODE_OK:
			handle_pdu(c, p);
			break;
		case SMPP_DECODE_BAD_BODY:
			handle_bad(c, p, err);
			break;
		case SMPP_DECODE_UNKNOWN:
			c->stats.bad_pdus++;
			if (p->command_id & SMPP_RESP_BIT) {
				log_warnx("[bind %s] unknown response %s seq=%u"
				    " dropped", c->label,
				    smpp_pdu_command_str(p->command_id),
				    p->sequence);
				break;
			}
			log_warnx("[bind %s] unknown command %s seq=%u,"
			    " generic_nack", c->label,
			    smpp_pdu_command_str(p->command_id), p->sequence);
			send_simple(c, SMPP_GENERIC_NACK, SMPP_ESME_RINVCMDID,
			    p->sequence);
			c->stats.nacks_sent++;
			break;
		}
	}
}

static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct smpp_client *c = arg;
	size_t out = evbuffer_get_length(bufferevent_get_output(bev));

	if (c->bev != bev)
		return;
	if (c->flush_close) {
		if (out == 0)
			smpp_client_close(c, c->flush_reason);
		return;
	}
	if (out <= CLIENT_WRITE_LOW) {
		bufferevent_enable(bev, EV_READ);
		client_pump(c);
	}
}

static void
send_bind(struct smpp_client *c)
{
	struct smpp_pdu *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		smpp_client_close(c, "out of memory");
		return;
	}
	p->command_id = c->role == SMPP_CLIENT_TX ? SMPP_BIND_TRANSMITTER :
	    c->role == SMPP_CLIENT_RX ? SMPP_BIND_RECEIVER : SMPP_BIND_TRANSCEIVER;
	p->sequence = c->bind_seq = client_seq(c);
	snprintf(p->system_id, sizeof(p->system_id), "%s", c->conf.system_id);
	snprintf(p->password, sizeof(p->password), "%s", c->conf.password);
	snprintf(p->system_type, sizeof(p->system_type), "%s",
	    c->conf.system_type);
	p->interface_version = 0x34;
	if (send_pdu(c, p) == -1)
		smpp_client_close(c, "cannot send bind");
	free(p);
}

static void
client_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct smpp_client *c = arg;
	char reason[384];
	int one = 1, dnserr;

	if (c->bev != bev)
		return;
	if (events & BEV_EVENT_CONNECTED) {
		if (setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof(one)) == -1)
			log_warn("[bind %s] TCP_NODELAY", c->label);
		log_info("[bind %s] connected to %s:%d, binding as %s",
		    c->label, c->conf.host, c->conf.port, c->conf.system_id);
		enter_state(c, SMPP_CLIENT_BINDING);
		c->conn_deadline_ms = now_ms() +
		    (uint64_t)c->conf.response_timeout_s * 1000;
		send_bind(c);
		return;
	}
	if (events & BEV_EVENT_EOF)
		snprintf(reason, sizeof(reason), "connection closed by peer");
	else if ((dnserr = bufferevent_socket_get_dns_error(bev)) != 0)
		snprintf(reason, sizeof(reason), "resolving %s: %s",
		    c->conf.host, evutil_gai_strerror(dnserr));
	else
		snprintf(reason, sizeof(reason), "%s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	smpp_client_close(c, reason);
}

static void
client_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct smpp_client *c = arg;
	struct smpp_req *r;
	uint64_t now = now_ms();

	(void)fd;
	(void)ev;
	switch (c->state) {
	case SMPP_CLIENT_CONNECTING:
	case SMPP_CLIENT_BINDING:
		if (now >= c->conn_deadline_ms) {
			smpp_client_close(c, c->state == SMPP_CLIENT_BINDING ?
			    "no bind response" : "connect timeout");
			return;
		}
		return;
	case SMPP_CLIENT_UNBINDING:
		if (now >= c->conn_deadline_ms) {
			smpp_client_close(c, "no unbind response");
			return;
		}
		break;
	case SMPP_CLIENT_BOUND:
		if (c->enq_seq != 0 && now >= c->enq_deadline_ms) {
			smpp_client_close(c, "no enquire_link response");
			return;
		}
		if (c->enq_seq == 0 && c->conf.enquire_link_s > 0 &&
		    now - c->last_rx_ms >= (uint64_t)c->conf.enquire_link_s * 1000) {
			c->enq_seq = client_seq(c);
			c->enq_deadline_ms = now +
			    (uint64_t)c->conf.response_timeout_s * 1000;
			send_simple(c, SMPP_ENQUIRE_LINK, SMPP_ESME_ROK,
			    c->enq_seq);
		}
		break;
	default:
		return;
	}
	/* The window is in send order: expired requests are at its head.
	 * A timed-out request is never resent (it could duplicate an SMS). */
	while ((r = TAILQ_FIRST(&c->window)) != NULL && r->deadline_ms <= now) {
		window_remove(c, r);
		c->stats.timeouts++;
		log_warnx("[bind %s] %s seq=%u: no response in %d s, not resent",
		    c->label, smpp_pdu_command_str(r->command_id), r->seq,
		    c->conf.response_timeout_s);
		req_fail(c, r, SMPP_CLIENT_E_TIMEOUT);
	}
	client_pump(c);
}

static int
host_is_numeric(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return evutil_inet_pton(AF_INET, host, &a4) == 1 ||
	    evutil_inet_pton(AF_INET6, host, &a6) == 1;
}

static void
client_connect(struct smpp_client *c)
{
	struct bufferevent *bev;
	struct evdns_base *dns = NULL;
	struct timeval tick = { 0, CLIENT_TICK_MS * 1000 };
	size_t rhigh = (size_t)c->max_pdu * 2;

	bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warnx("[bind %s] cannot create a socket", c->label);
		schedule_reconnect(c);
		return;
	}
	if (rhigh < 128 * 1024)
		rhigh = 128 * 1024;
	bufferevent_setcb(bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	bufferevent_setwatermark(bev, EV_READ, 0, rhigh);
	bufferevent_setwatermark(bev, EV_WRITE, CLIENT_WRITE_LOW, 0);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	c->bev = bev;
	c->flush_close = 0;
	c->last_rx_ms = now_ms();
	c->conn_deadline_ms = c->last_rx_ms +
	    (uint64_t)c->conf.response_timeout_s * 1000;
	enter_state(c, SMPP_CLIENT_CONNECTING);
	event_add(c->ev_tick, &tick);

	/* Never a blocking resolver on the loop: numeric hosts directly,
	 * names through evdns. */
	if (!host_is_numeric(c->conf.host)) {
		if (c->dns == NULL)
			c->dns = evdns_base_new(c->base,
			    EVDNS_BASE_INITIALIZE_NAMESERVERS);
		if (c->dns == NULL) {
			smpp_client_close(c, "no DNS resolver");
			return;
		}
		dns = c->dns;
	}
	log_debug("[bind %s] connecting to %s:%d", c->label, c->conf.host,
	    c->conf.port);
	if (bufferevent_socket_connect_hostname(bev, dns, AF_UNSPEC,
	    c->conf.host, c->conf.port) == -1 && c->bev == bev)
		smpp_client_close(c, "connect failed");
}

/* ---- public ---- */

struct smpp_client *
smpp_client_new(struct event_base *base, const struct config_bind *conf,
    const struct smpp_client_cb *cb, void *arg)
{
	struct smpp_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->conf = *conf;
	if (cb != NULL)
		c->cb = *cb;
	c->arg = arg;
	c->role = SMPP_CLIENT_TRX;
	snprintf(c->label, sizeof(c->label), "%s", conf->name);
	if (c->conf.window < 1)
		c->conf.window = 1;
	if (c->conf.response_timeout_s < 1)
		c->conf.response_timeout_s = 1;
	c->max_pdu = conf->max_pdu >= SMPP_HEADER_LEN ?
	    (uint32_t)conf->max_pdu : SMPP_MAX_PDU;
	c->next_seq = 1;
	c->rng = now_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)c;
	if (c->rng == 0)
		c->rng = 0x9E3779B97F4A7C15ULL;
	TAILQ_INIT(&c->uqueue);
	TAILQ_INIT(&c->queue);
	TAILQ_INIT(&c->window);
	TAILQ_INIT(&c->done);
	TAILQ_INIT(&c->pool);
	c->rx = malloc(sizeof(*c->rx));
	c->ev_reconnect = evtimer_new(base, client_reconnect_cb, c);
	c->ev_tick = event_new(base, -1, EV_PERSIST, client_tick_cb, c);
	c->ev_notify = event_new(base, -1, 0, client_notify_cb, c);
	c->ev_pump = evtimer_new(base, client_pump_cb, c);
	if (c->rx == NULL || c->ev_reconnect == NULL || c->ev_tick == NULL ||
	    c->ev_notify == NULL || c->ev_pump == NULL) {
		log_warnx("[bind %s] out of memory", conf->name);
		smpp_client_free(c);
		return NULL;
	}
	return c;
}

/*
 * Requests still pending get their callback here (E_CLOSED), so "exactly
 * once" holds; on_unbound/on_stopped do not fire from free.
 */
void
smpp_client_free(struct smpp_client *c)
{
	struct smpp_req *r;

	if (c == NULL)
		return;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	while ((r = TAILQ_FIRST(&c->window)) != NULL) {
		TAILQ_REMOVE(&c->window, r, entry);
		r->status = SMPP_CLIENT_E_CLOSED;
		TAILQ_INSERT_TAIL(&c->done, r, entry);
	}
	while ((r = TAILQ_FIRST(&c->uqueue)) != NULL ||
	    (r = TAILQ_FIRST(&c->queue)) != NULL) {
		queue_remove(c, r);
		r->status = SMPP_CLIENT_E_CLOSED;
		TAILQ_INSERT_TAIL(&c->done, r, entry);
	}
	while ((r = TAILQ_FIRST(&c->done)) != NULL) {
		TAILQ_REMOVE(&c->done, r, entry);
		if (r->done)
			r->done(r->arg, r->status, NULL);
		req_free(c, r);
	}
	while ((r = TAILQ_FIRST(&c->pool)) != NULL) {
		TAILQ_REMOVE(&c->pool, r, entry);
		free(r);	/* zero: wiped when pooled */
	}
	if (c->ev_reconnect)
		event_free(c->ev_reconnect);
	if (c->ev_tick)
		event_free(c->ev_tick);
	if (c->ev_notify)
		event_free(c->ev_notify);
	if (c->ev_pump)
		event_free(c->ev_pump);
	if (c->dns)
		evdns_base_free(c->dns, 0);
	if (c->rx != NULL)	/* the last PDU read: what a caller typed */
		secret_wipe(c->rx, sizeof(*c->rx));
	free(c->rx);
	free(c);
}

const char *
smpp_client_strrole(enum smpp_client_role r)
{
	switch (r) {
	case SMPP_CLIENT_TRX:	return "transceiver";
	case SMPP_CLIENT_TX:	return "transmitter";
	case SMPP_CLIENT_RX:	return "receiver";
	}
	return "?";
}

int
smpp_client_set_role(struct smpp_client *c, enum smpp_client_role role)
{
	if (c->state != SMPP_CLIENT_IDLE || c->bev != NULL)
		return -1;
	c->role = role;
	snprintf(c->label, sizeof(c->label), "%s%s", c->conf.name,
	    role == SMPP_CLIENT_TX ? "/tx" : role == SMPP_CLIENT_RX ? "/rx" : "");
	return 0;
}

enum smpp_client_role
smpp_client_role(const struct smpp_client *c)
{
	return c->role;
}

int
smpp_client_start(struct smpp_client *c)
{
	if (c->state != SMPP_CLIENT_IDLE || c->stopping || c->bev != NULL)
		return -1;
	evtimer_del(c->ev_reconnect);
	client_connect(c);
	return 0;
}

void
smpp_client_stop(struct smpp_client *c)
{
	if (c->stopping || c->state == SMPP_CLIENT_CLOSED)
		return;
	c->stopping = 1;
	evtimer_del(c->ev_reconnect);
	evtimer_del(c->ev_pump);
	fail_queued(c, SMPP_CLIENT_E_NOTBOUND);
	switch (c->state) {
	case SMPP_CLIENT_BOUND:
		c->unbind_seq = client_seq(c);
		c->conn_deadline_ms = now_ms() +
		    (uint64_t)c->conf.response_timeout_s * 1000;
		enter_state(c, SMPP_CLIENT_UNBINDING);
		if (send_simple(c, SMPP_UNBIND, SMPP_ESME_ROK, c->unbind_seq) == -1)
			smpp_client_close(c, "cannot send unbind");
		break;
	case SMPP_CLIENT_IDLE:
		enter_state(c, SMPP_CLIENT_CLOSED);
		c->notify_stopped = 1;
		schedule_notify(c);
		break;
	default:
		smpp_client_close(c, "stopped");
		break;
	}
}

enum smpp_client_state
smpp_client_state(const struct smpp_client *c)
{
	return c->state;
}

const char *
smpp_client_name(const struct smpp_client *c)
{
	return c->conf.name;
}

const struct config_bind *
smpp_client_conf(const struct smpp_client *c)
{
	return &c->conf;
}

int
smpp_client_urgent_pending(const struct smpp_client *c)
{
	return c->nuqueue + (c->nwindow - c->nwin_normal);
}

const struct smpp_client_stats *
smpp_client_stats(const struct smpp_client *c)
{
	return &c->stats;
}

int
smpp_client_window_used(const struct smpp_client *c)
{
	return c->nwindow;
}

int
smpp_client_queued(const struct smpp_client *c)
{
	return c->nuqueue + c->nqueue;
}

const char *
smpp_client_last_error(const struct smpp_client *c, int64_t *when)
{
	*when = c->last_error_s;
	return c->last_error;
}
