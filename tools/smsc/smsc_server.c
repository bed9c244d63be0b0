/*
 * smsc_server: the simulator's SMPP server side on libevent — listener,
 * sessions framed as osmocom does (command_length checked first, one whole
 * PDU to smpp_pdu), binds, enquire_link, unbind, submit_sm/data_sm taken
 * and reassembled, late responses (--resp-delay) and receipts (--dlr).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "gsm.h"
#include "log.h"
#include "smsc_screen.h"
#include "smsc_server.h"
#include "smsc_window.h"
#include "tbuf.h"
#include "utf8.h"

#define SMSC_MAX_CONNS       16
#define SMSC_ENQUIRE_S       30	/* our enquire_link period */
#define SMSC_BIND_WAIT_S     30	/* a connection must bind within this */
#define SMSC_UNBIND_WAIT_MS  1000	/* on exit, wait this for unbind_resp */
#define SMSC_CONCAT_SLOTS    8
#define SMSC_CONCAT_PARTS    16
#define SMSC_RECEIPTS_MAX    4096	/* receipts waiting for their time */

struct smsc_conn {
	struct smsc_server  *srv;
	int                  id;
	uint32_t             bind_id;	/* 0 until bound */
	uint32_t             seq;	/* our next request sequence */
	int                  closing;	/* unbind_resp sent: close once flushed */
	struct smsc_window   win;	/* our requests without their response */
	struct bufferevent  *bev;
	struct event        *ev_timer;	/* bind deadline, then enquire_link */
};

/*
 * A delivery receipt owed for one message (--dlr): scheduled once the
 * message's response has gone out, sent --dlr-delay ms later.
 */
struct smsc_receipt {
	struct smsc_receipt *next;
	struct smsc_server  *srv;
	struct event        *ev;	/* NULL while its response waits */
	uint64_t             n;		/* the message's number (its id) */
	char                 phone[21], esme[21];
	uint8_t              ton, npi;
	char                 text[4 * SMSC_DLR_TEXT_CHARS + 1];	/* its first characters */
	time_t               submitted;
};

/* A submit_sm_resp held back (--resp-delay), for a connection by id. */
struct smsc_delayed {
	struct smsc_delayed *next;
	struct smsc_server  *srv;
	struct event        *ev;
	int                  conn;
	uint32_t             command_id, seq;
	char                 message_id[65];	/* as struct smpp_pdu */
	struct smsc_receipt *receipt;	/* owed once this goes out, or NULL */
};

/* Parts of a concatenated SMS being collected. */
struct smsc_concat {
	int       used;
	uint64_t  age;
	char      to[SMSC_SCRIPT_ADDR_MAX + 1];
	unsigned  ref;
	int       total, got, op;
	char     *part[SMSC_CONCAT_PARTS];
};

struct smsc_server {
	struct smsc_server_cfg    cfg;
	struct smsc_server_hooks  hooks;
	struct event_base        *base;
	struct evconnlistener    *listener;
	struct event             *ev_deadline;	/* -t */
	struct event             *ev_exit;	/* unbind grace on exit */
	struct smsc_conn         *conns[SMSC_MAX_CONNS];
	int                       next_conn_id;
	uint64_t                  message_id;	/* the last one given */
	int                       exit_status;
	int                       finishing;
	struct smsc_receipt      *receipts;	/* owed, not sent yet */
	int                       nreceipts;
	struct smsc_delayed      *delayed;	/* responses not sent yet */
	struct smsc_concat        concat[SMSC_CONCAT_SLOTS];
	uint64_t                  concat_age;
	struct smsc_dialect_book *book;	/* the callers' sessions */
	uint64_t                  echo_bad;	/* screens with a wrong echo */
	uint64_t                  throttled;	/* --throttle-screens: refused */
	uint64_t                  after_throttle;	/* ... and taken when sent again */
	int                       spread_last;	/* --mo-spread: conn id of the last MO */
};

static void conn_close(struct smsc_conn *, const char *);
static void server_message(struct smsc_server *, struct smsc_msg *);

const char *
smsc_server_mask(const char *msisdn)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	return log_mask_msisdn(msisdn, buf[i], sizeof(buf[i]));
}

void
smsc_server_msg_clear(struct smsc_msg *m)
{
	free(m->text);
	memset(m, 0, sizeof(*m));
	m->op = -1;
}

/* --- output ------------------------------------------------------------ */

void
smsc_server_show_box(const char *text, const char *title)
{
	static char box[SMSC_TEXT_MAX * 4];

	if (smsc_screen_box(text, title, SMSC_SCREEN_WIDTH, box, sizeof(box)) == -1)
		printf("[%s] %s\n", title ? title : "", text);
	else
		fputs(box, stdout);
	fflush(stdout);
}

static void
pdu_log(const struct smsc_conn *c, const char *dir, const struct smpp_pdu *pdu)
{
	char line[1024];

	if (c->srv->cfg.quiet || !c->srv->cfg.verbose)
		return;
	smpp_pdu_trace(pdu, line, sizeof(line));
	printf("[c%d] %s %s\n", c->id, dir, line);
	fflush(stdout);
}

/* --- connections ----------------------------------------------------- */

static int
conn_send(struct smsc_conn *c, const struct smpp_pdu *pdu)
{
	static uint8_t buf[4096];
	char err[128];
	long n;

	if ((n = smpp_pdu_encode(pdu, buf, sizeof(buf), err, sizeof(err))) < 0) {
		log_warnx("[c%d] cannot encode %s: %s", c->id,
		    smpp_pdu_command_str(pdu->command_id), err);
		return -1;
	}
	pdu_log(c, "->", pdu);
	if (bufferevent_write(c->bev, buf, (size_t)n) == -1) {
		log_warnx("[c%d] write failed", c->id);
		return -1;
	}
	return 0;
}

/* A response (or generic_nack) with only a status. */
static void
conn_reply(struct smsc_conn *c, uint32_t command_id, uint32_t seq,
    uint32_t status)
{
	static struct smpp_pdu r;

	memset(&r, 0, sizeof(r));
	r.command_id = command_id;
	r.command_status = status;
	r.sequence = seq;
	conn_send(c, &r);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One of our requests: remembered (kind, the mode's tag) so its answer is
 * told apart from the ESME's own requests and handed back. */
static void
conn_request_tag(struct smsc_conn *c, struct smpp_pdu *pdu,
    enum smsc_window_kind kind, uint32_t tag, uint32_t aux)
{
	pdu->sequence = c->seq++;
	if (c->seq == 0 || c->seq > SMSC_WINDOW_SEQ_MAX)
		c->seq = 1;
	if (smsc_window_add(&c->win, pdu->sequence, kind, tag, aux,
	    mono_ms()) != 0)
		log_warnx("[c%d] out of memory: seq %u not remembered", c->id,
		    pdu->sequence);
	conn_send(c, pdu);
}

static void
conn_request(struct smsc_conn *c, struct smpp_pdu *pdu)
{
	conn_request_tag(c, pdu, SMSC_WINDOW_OTHER, 0, 0);
}

/* Requests left unanswered too long are forgotten (the window's memory). */
static void
conn_expire(struct smsc_conn *c)
{
	struct smsc_window_req r;
	int64_t now = mono_ms();

	while (smsc_window_expire(&c->win, now,
	    SMSC_SERVER_RESP_WAIT_S * 1000L, &r))
		log_warnx("[c%d] no response to seq %u within %d s", c->id,
		    r.seq, SMSC_SERVER_RESP_WAIT_S);
}

/* The session deliver_sm go to: the first bound receiver or transceiver. */
static struct smsc_conn *
conn_rx(const struct smsc_server *s)
{
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = s->conns[i];

		if (c && !c->closing && (c->bind_id == SMPP_BIND_RECEIVER ||
		    c->bind_id == SMPP_BIND_TRANSCEIVER))
			return c;
	}
	return NULL;
}

/* A session the ESME's screens can come on: transmitter or transceiver. */
static struct smsc_conn *
conn_tx(const struct smsc_server *s)
{
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = s->conns[i];

		if (c && !c->closing && (c->bind_id == SMPP_BIND_TRANSMITTER ||
		    c->bind_id == SMPP_BIND_TRANSCEIVER))
			return c;
	}
	return NULL;
}

/* --mo-spread: the bound receiver after the one of the last MO (by conn
 * id, wrapping), so that a dialog's successive MOs go to different ESMEs
 * when several are bound. */
static struct smsc_conn *
conn_rx_next(struct smsc_server *s)
{
	struct smsc_conn *first = NULL, *next = NULL;

	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = s->conns[i];

		if (c == NULL || c->closing || !(c->bind_id ==
		    SMPP_BIND_RECEIVER || c->bind_id == SMPP_BIND_TRANSCEIVER))
			continue;
		if (first == NULL || c->id < first->id)
			first = c;
		if (c->id > s->spread_last && (next == NULL || c->id < next->id))
			next = c;
	}
	if (next == NULL)
		next = first;
	if (next != NULL)
		s->spread_last = next->id;
	return next;
}

static struct smsc_conn *
conn_by_id(const struct smsc_server *s, int id)
{
	for (int i = 0; i < SMSC_MAX_CONNS; i++)
		if (s->conns[i] && s->conns[i]->id == id)
			return s->conns[i];
	return NULL;
}

static int
nconns(const struct smsc_server *s)
{
	int n = 0;

	for (int i = 0; i < SMSC_MAX_CONNS; i++)
		n += s->conns[i] != NULL;
	return n;
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_conn *c = arg;
	static struct smpp_pdu p;

	(void)fd;
	(void)what;
	if (c->bind_id == 0) {
		conn_close(c, "no bind in time");
		return;
	}
	conn_expire(c);
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_ENQUIRE_LINK;
	conn_request(c, &p);
}

static void
conn_close(struct smsc_conn *c, const char *reason)
{
	struct smsc_server *s = c->srv;
	int was_rx = (c == conn_rx(s));
	int id = c->id;

	log_info("[c%d] closed: %s", c->id, reason);
	for (int i = 0; i < SMSC_MAX_CONNS; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	if (c->ev_timer)
		event_free(c->ev_timer);
	/* Safe inside the bufferevent's own callback: libevent defers it. */
	bufferevent_free(c->bev);
	smsc_window_free(&c->win);
	free(c);

	if (s->finishing) {
		if (nconns(s) == 0)
			event_base_loopbreak(s->base);
		return;
	}
	if (was_rx && conn_rx(s) == NULL && s->hooks.lost)
		s->hooks.lost(s->hooks.arg);
	if (s->hooks.closed)
		s->hooks.closed(s->hooks.arg, id);
}

static void
conn_bound(struct smsc_conn *c)
{
	struct smsc_server *s = c->srv;
	struct timeval tv = { SMSC_ENQUIRE_S, 0 };

	event_free(c->ev_timer);
	c->ev_timer = event_new(s->base, -1, EV_PERSIST, conn_timer_cb, c);
	if (c->ev_timer)
		event_add(c->ev_timer, &tv);
	if (s->hooks.bound)
		s->hooks.bound(s->hooks.arg, (c == conn_rx(s) ||
		    c == conn_tx(s)) && smsc_server_ready(s));
}

static void
on_bind(struct smsc_conn *c, const struct smpp_pdu *p)
{
	const struct smsc_server_cfg *cfg = &c->srv->cfg;
	static struct smpp_pdu r;
	uint32_t status = SMPP_ESME_ROK;

	if (c->bind_id != 0)
		status = SMPP_ESME_RINVBNDSTS;
	else if (cfg->system_id && strcmp(p->system_id, cfg->system_id) != 0)
		status = SMPP_ESME_RINVSYSID;
	else if (cfg->password && strcmp(p->password, cfg->password) != 0)
		status = SMPP_ESME_RINVPASWD;

	memset(&r, 0, sizeof(r));
	r.command_id = p->command_id | SMPP_RESP_BIT;
	r.command_status = status;
	r.sequence = p->sequence;
	snprintf(r.system_id, sizeof(r.system_id), "%s", SMSC_SYSTEM_ID);
	conn_send(c, &r);
	if (status != SMPP_ESME_ROK) {
		log_info("[c%d] bind refused: %s", c->id,
		    smpp_pdu_status_str(status));
		return;
	}
	c->bind_id = p->command_id;
	log_info("[c%d] bound as %s (system_id %s)", c->id,
	    smpp_pdu_command_str(p->command_id), p->system_id);
	conn_bound(c);
}

/* --- concatenated SMS ------------------------------------------------- */

/*
 * Concatenation info from the UDH (IE 0x00 or 0x08) or the sar_* TLVs.
 * Strips the UDH from *data. Returns 1 with ref/total/seq when the message
 * is one part of several, 0 otherwise.
 */
static int
concat_info(const struct smpp_pdu *p, const uint8_t **data, size_t *len,
    unsigned *ref, int *total, int *seq)
{
	const struct smpp_tlv *t;
	int found = 0;

	if ((p->esm_class & 0x40) && *len > 0) {
		size_t udhl = (*data)[0];
		const uint8_t *u = *data + 1;

		if (udhl + 1 > *len)
			udhl = *len - 1;
		for (size_t i = 0; i + 2 <= udhl; ) {
			uint8_t iei = u[i], iel = u[i + 1];

			if (i + 2 + iel > udhl)
				break;
			if (iei == 0x00 && iel == 3) {
				*ref = u[i + 2];
				*total = u[i + 3];
				*seq = u[i + 4];
				found = 1;
			} else if (iei == 0x08 && iel == 4) {
				*ref = (unsigned)u[i + 2] << 8 | u[i + 3];
				*total = u[i + 4];
				*seq = u[i + 5];
				found = 1;
			}
			i += 2 + iel;
		}
		*data += udhl + 1;
		*len -= udhl + 1;
	}
	if (!found && (t = smpp_pdu_tlv_get(p, SMPP_TLV_SAR_MSG_REF_NUM)) &&
	    t->len == 2) {
		const struct smpp_tlv *tt, *ts;

		tt = smpp_pdu_tlv_get(p, SMPP_TLV_SAR_TOTAL_SEGMENTS);
		ts = smpp_pdu_tlv_get(p, SMPP_TLV_SAR_SEGMENT_SEQNUM);
		if (tt && ts && tt->len == 1 && ts->len == 1) {
			*ref = (unsigned)t->val[0] << 8 | t->val[1];
			*total = tt->val[0];
			*seq = ts->val[0];
			found = 1;
		}
	}
	return found && *total > 1 && *total <= SMSC_CONCAT_PARTS &&
	    *seq >= 1 && *seq <= *total;
}

static void
concat_free(struct smsc_concat *k)
{
	for (int i = 0; i < SMSC_CONCAT_PARTS; i++)
		free(k->part[i]);
	memset(k, 0, sizeof(*k));
}

/* The slot collecting (to, ref, total), else a free or the oldest one. */
static struct smsc_concat *
concat_slot(struct smsc_server *s, const char *to, unsigned ref, int total,
    int op)
{
	struct smsc_concat *k = NULL, *oldest = &s->concat[0];

	for (int i = 0; i < SMSC_CONCAT_SLOTS; i++) {
		struct smsc_concat *x = &s->concat[i];

		if (x->used && x->ref == ref && x->total == total &&
		    strcmp(x->to, to) == 0)
			k = x;
		if (!x->used || (oldest->used && x->age < oldest->age))
			oldest = x;
	}
	if (k != NULL)
		return k;
	if (oldest->used) {
		log_warnx("concatenated SMS to %s dropped unfinished",
		    smsc_server_mask(oldest->to));
		concat_free(oldest);
	}
	k = oldest;
	k->used = 1;
	k->age = ++s->concat_age;
	snprintf(k->to, sizeof(k->to), "%s", to);
	k->ref = ref;
	k->total = total;
	k->op = op;
	return k;
}

/* Keep one part; when all are in, join them and hand the message on. */
static void
concat_add(struct smsc_server *s, const char *to, int op, unsigned ref,
    int total, int seq, const char *text)
{
	struct smsc_concat *k = concat_slot(s, to, ref, total, op);
	struct smsc_msg m;
	struct tbuf b;
	size_t len = 0;

	if (k->part[seq - 1] == NULL)
		k->got++;
	free(k->part[seq - 1]);
	if ((k->part[seq - 1] = strdup(text)) == NULL)
		fatal("strdup");
	if (k->got < k->total)
		return;

	for (int i = 0; i < k->total; i++)
		len += strlen(k->part[i]);
	memset(&m, 0, sizeof(m));
	if ((m.text = malloc(len + 1)) == NULL)
		fatal("malloc");
	tbuf_init(&b, m.text, len + 1);
	for (int i = 0; i < k->total; i++)
		tbuf_adds(&b, k->part[i]);
	snprintf(m.to, sizeof(m.to), "%s", k->to);
	m.op = k->op;
	concat_free(k);
	server_message(s, &m);
}

/* --- delivery receipts (--dlr) ---------------------------------------- */

static void
receipt_free(struct smsc_receipt *r)
{
	struct smsc_server *s = r->srv;
	struct smsc_receipt **pp;

	for (pp = &s->receipts; *pp && *pp != r; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = r->next;
		s->nreceipts--;
	}
	if (r->ev)
		event_free(r->ev);
	free(r);
}

/* Out now, on the first receiver or transceiver session; then freed. */
static void
receipt_send(struct smsc_receipt *r)
{
	const struct smsc_server_cfg *cfg = &r->srv->cfg;
	static struct smpp_pdu p;
	struct smsc_conn *c = conn_rx(r->srv);
	struct smsc_dlr d;
	char id[24];

	memset(&d, 0, sizeof(d));
	d.mode = cfg->dlr_mode;
	d.n = r->n;
	d.stat = cfg->dlr_stat;
	d.phone = r->phone;
	d.phone_ton = r->ton;
	d.phone_npi = r->npi;
	d.esme = r->esme;
	d.text = r->text;
	d.submitted = r->submitted;
	d.done = time(NULL);
	smsc_dlr_msgid(cfg->dlr_mode, r->n, id, sizeof(id));
	if (c == NULL)
		log_warnx("receipt for message %s dropped: no receiver session",
		    id);
	else if (smsc_dlr_build(&d, &p) == -1)
		log_warnx("receipt for message %s: cannot build it", id);
	else {
		conn_request(c, &p);
		log_info("[c%d] receipt %s (%s) for message %s to %s", c->id,
		    cfg->dlr_stat, smsc_dlr_strmode(cfg->dlr_mode), id,
		    smsc_server_mask(r->phone));
	}
	receipt_free(r);
}

static void
receipt_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	receipt_send(arg);
}

/* The message's response is out: the receipt follows --dlr-delay later. */
static void
receipt_schedule(struct smsc_receipt *r)
{
	int ms = r->srv->cfg.dlr_delay_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms == 0) {
		receipt_send(r);
		return;
	}
	if ((r->ev = evtimer_new(r->srv->base, receipt_cb, r)) == NULL) {
		log_warnx("receipt for message %" PRIu64 " dropped: no timer",
		    r->n);
		receipt_free(r);
		return;
	}
	evtimer_add(r->ev, &tv);
}

/*
 * A receipt owed for message n (submit_sm p, its text decoded), or NULL
 * when none was asked for (registered_delivery bit 0, --dlr none) or the
 * backlog is full.
 */
static struct smsc_receipt *
receipt_new(struct smsc_server *s, const struct smpp_pdu *p, uint64_t n,
    const char *text)
{
	struct smsc_receipt *r, **pp;
	size_t tlen;

	if (s->cfg.dlr_mode == SMSC_DLR_NONE ||
	    !(p->registered_delivery & 1) || s->finishing)
		return NULL;
	if (s->nreceipts >= SMSC_RECEIPTS_MAX) {
		log_warnx("%d receipts waiting: receipt for message %" PRIu64
		    " dropped", s->nreceipts, n);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->srv = s;
	r->n = n;
	snprintf(r->phone, sizeof(r->phone), "%s", p->destination_addr);
	snprintf(r->esme, sizeof(r->esme), "%s", p->source_addr);
	r->ton = p->dest_addr_ton;
	r->npi = p->dest_addr_npi;
	/* Cut on a character boundary, at a byte count that always holds
	 * the characters echoed. */
	tlen = utf8_cut(text, strlen(text), sizeof(r->text) - 1);
	memcpy(r->text, text, tlen);
	r->text[tlen] = '\0';
	r->submitted = time(NULL);
	/* In the order owed: a run's end sends them oldest first. */
	for (pp = &s->receipts; *pp; pp = &(*pp)->next)
		;
	*pp = r;
	s->nreceipts++;
	return r;
}

/*
 * At the end of a run: receipts whose time has not come go out now, before
 * the unbind; those whose message was never answered (--resp-delay) are
 * dropped with their response.
 */
static void
receipt_flush(struct smsc_server *s)
{
	struct smsc_receipt *r, *next;

	for (r = s->receipts; r; r = next) {
		next = r->next;
		if (r->ev != NULL)
			receipt_send(r);
	}
}

/* --- late responses (--resp-delay) ------------------------------------- */

static void
delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_delayed *d = arg, **pp;
	struct smsc_server *s = d->srv;
	static struct smpp_pdu r;

	(void)fd;
	(void)what;
	for (pp = &s->delayed; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = d->next;
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = s->conns[i];

		if (c == NULL || c->id != d->conn || c->closing)
			continue;
		memset(&r, 0, sizeof(r));
		r.command_id = d->command_id;
		r.sequence = d->seq;
		snprintf(r.message_id, sizeof(r.message_id), "%s",
		    d->message_id);
		conn_send(c, &r);
		if (d->receipt)
			receipt_schedule(d->receipt);
		d->receipt = NULL;
	}
	/* Else the ESME is gone: it never learns this SMS was taken (nor
	 * gets its receipt: it could not match it). */
	if (d->receipt)
		receipt_free(d->receipt);
	event_free(d->ev);
	free(d);
}

/* Answer after 0..--resp-delay ms; NULL when it cannot be scheduled. */
static struct smsc_delayed *
delay_resp(struct smsc_conn *c, const struct smpp_pdu *r)
{
	struct smsc_server *s = c->srv;
	struct smsc_delayed *d;
	long ms = random() % (s->cfg.resp_delay_ms + 1L);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->ev = evtimer_new(s->base, delayed_cb, d)) == NULL) {
		free(d);
		return NULL;
	}
	d->srv = s;
	d->conn = c->id;
	d->command_id = r->command_id;
	d->seq = r->sequence;
	snprintf(d->message_id, sizeof(d->message_id), "%s", r->message_id);
	d->next = s->delayed;
	s->delayed = d;
	event_add(d->ev, &tv);
	return d;
}

/* --- messages from the gateway ---------------------------------------- */

/* A submit_sm / data_sm as the server reads it. */
struct smsc_in {
	int       op;		/* as struct smsc_msg */
	int       parts;	/* one part of a concatenated SMS: */
	unsigned  ref;
	int       total, seq;
	char      text[SMSC_TEXT_MAX];	/* UTF-8, without the UDH */
};

/* What p is in the dialect's terms (a screen's echo checked), its text. */
static void
submit_read(struct smsc_conn *c, const struct smpp_pdu *p, struct smsc_in *in)
{
	struct smsc_server *s = c->srv;
	struct smsc_dialect_read rd;
	const struct smpp_tlv *t;
	const uint8_t *data = p->sm;
	size_t len = p->sm_len;

	smsc_dialect_read(s->cfg.dialect, p,
	    smsc_dialect_book_get(s->book, p->destination_addr, 0), &rd);
	in->op = smsc_dialect_op(&rd);
	if (rd.bad) {
		s->echo_bad++;
		log_warnx("[c%d] %s screen to %s: %s", c->id,
		    smsc_dialect_str(s->cfg.dialect),
		    smsc_server_mask(p->destination_addr), rd.why);
	}
	if (len == 0 && (t = smpp_pdu_tlv_get(p, SMPP_TLV_MESSAGE_PAYLOAD))) {
		data = t->val;
		len = t->len;
	}
	if (gsm_decode(p->data_coding, GSM_CHARSET_GSM7,
	    data, len, in->text, sizeof(in->text)) == -1)
		log_warnx("[c%d] message text cut", c->id);
	in->parts = concat_info(p, &data, &len, &in->ref, &in->total, &in->seq);
	/* Decode again without the UDH. */
	if (in->parts || (p->esm_class & 0x40))
		gsm_decode(p->data_coding, GSM_CHARSET_GSM7, data, len,
		    in->text, sizeof(in->text));
}

/* --throttle-screens: 1 when this screen is refused (its first submit). */
static int
submit_throttle(struct smsc_conn *c, const struct smpp_pdu *p,
    const char *text)
{
	struct smsc_server *s = c->srv;
	struct smsc_dialect_sess *sess;

	if ((sess = smsc_dialect_book_get(s->book, p->destination_addr,
	    1)) == NULL)
		return 0;	/* out of memory: taken */
	if (smsc_dialect_throttle(sess, text)) {
		s->throttled++;
		return 1;
	}
	s->after_throttle++;
	return 0;
}

static void
on_submit(struct smsc_conn *c, const struct smpp_pdu *p)
{
	struct smsc_server *s = c->srv;
	static struct smpp_pdu r;
	static struct smsc_in in;
	struct smsc_msg m;
	struct smsc_delayed *late = NULL;
	struct smsc_receipt *rcpt;
	uint64_t n;

	memset(&r, 0, sizeof(r));
	r.command_id = p->command_id | SMPP_RESP_BIT;
	r.sequence = p->sequence;
	if (c->bind_id != SMPP_BIND_TRANSMITTER &&
	    c->bind_id != SMPP_BIND_TRANSCEIVER) {
		r.command_status = SMPP_ESME_RINVBNDSTS;
		conn_send(c, &r);
		return;
	}
	submit_read(c, p, &in);
	if (in.op >= 0 && s->cfg.throttle_screens &&
	    submit_throttle(c, p, in.text)) {
		r.command_status = SMPP_ESME_RTHROTTLED;
		conn_send(c, &r);
		return;
	}
	n = ++s->message_id;
	smsc_dlr_msgid(s->cfg.dlr_mode, n, r.message_id, sizeof(r.message_id));
	/* The SMS is taken now (the phone gets it) even if the answer is
	 * late: a crash in between leaves the ESME unsure, as a busy SMSC
	 * does. USSD screens are answered at once. */
	if (in.op >= 0 || s->cfg.resp_delay_ms == 0 ||
	    (late = delay_resp(c, &r)) == NULL)
		conn_send(c, &r);
	/* Owed before the message is handed on: the end of a run (which that
	 * can trigger) sends what is owed, then unbinds. */
	if ((rcpt = receipt_new(s, p, n, in.text)) != NULL) {
		if (late)
			late->receipt = rcpt;
		else
			receipt_schedule(rcpt);
	}
	if (in.parts) {
		concat_add(s, p->destination_addr, in.op, in.ref, in.total,
		    in.seq, in.text);
		return;
	}
	memset(&m, 0, sizeof(m));
	snprintf(m.to, sizeof(m.to), "%s", p->destination_addr);
	m.op = in.op;
	if ((m.text = strdup(in.text)) == NULL)
		fatal("strdup");
	server_message(s, &m);
}

/* One line per (reassembled) SMS: "TO<TAB>text", \n and \\ escaped. */
static void
sms_log(FILE *f, const struct smsc_msg *m)
{
	fprintf(f, "%s\t", m->to);
	for (const char *t = m->text; *t; t++) {
		if (*t == '\n')
			fputs("\\n", f);
		else if (*t == '\\')
			fputs("\\\\", f);
		else
			fputc(*t, f);
	}
	fputc('\n', f);
	fflush(f);
}

/* A whole message: logged, then the mode's (m->text is taken or freed). */
static void
server_message(struct smsc_server *s, struct smsc_msg *m)
{
	char title[40];

	if (s->cfg.sms_log && m->op < 0)
		sms_log(s->cfg.sms_log, m);
	if (s->cfg.show && !s->cfg.quiet) {
		snprintf(title, sizeof(title), "%s %s", m->op >= 0 ? "USSD" : "SMS",
		    smsc_server_mask(m->to));
		smsc_server_show_box(m->text, title);
		if (m->op == SMPP_USSD_USSR_REQ)
			printf("  (waits for an answer)\n");
		else if (m->op == SMPP_USSD_PSSR_RESP)
			printf("  (end of session)\n");
		else if (m->op >= 0)
			printf("  (ussd_service_op 0x%02x)\n", m->op);
		fflush(stdout);
	}
	if (s->hooks.message && s->hooks.message(s->hooks.arg, m))
		return;
	smsc_server_msg_clear(m);
}

/* --- framing and dispatch --------------------------------------------- */

/* What the server does with one decoded PDU. -1: the connection closed. */
static int
conn_dispatch(struct smsc_conn *c, const struct smpp_pdu *p)
{
	uint32_t id = p->command_id;

	switch (id) {
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_RECEIVER:
	case SMPP_BIND_TRANSCEIVER:
		on_bind(c, p);
		break;
	case SMPP_ENQUIRE_LINK:
		conn_reply(c, id | SMPP_RESP_BIT, p->sequence, SMPP_ESME_ROK);
		break;
	case SMPP_UNBIND:
		log_info("[c%d] unbind from the ESME", c->id);
		conn_reply(c, id | SMPP_RESP_BIT, p->sequence, SMPP_ESME_ROK);
		c->closing = 1;
		c->bind_id = 0;
		break;
	case SMPP_UNBIND | SMPP_RESP_BIT:
		conn_close(c, "unbound");
		return -1;
	case SMPP_SUBMIT_SM:
	case SMPP_DATA_SM:
		if (c->bind_id == 0) {
			conn_reply(c, id | SMPP_RESP_BIT, p->sequence,
			    SMPP_ESME_RINVBNDSTS);
			break;
		}
		on_submit(c, p);
		break;
	case SMPP_DELIVER_SM | SMPP_RESP_BIT:
	case SMPP_DATA_SM | SMPP_RESP_BIT:
		/* The load mode counts them; one line each would flood. */
		if (p->command_status != SMPP_ESME_ROK &&
		    c->srv->hooks.mo_resp == NULL)
			log_warnx("[c%d] %s seq %u: %s", c->id,
			    smpp_pdu_command_str(id), p->sequence,
			    smpp_pdu_status_str(p->command_status));
		break;
	case SMPP_ENQUIRE_LINK | SMPP_RESP_BIT:
	case SMPP_GENERIC_NACK:
		break;
	default:
		if (!(id & SMPP_RESP_BIT))
			conn_reply(c, SMPP_GENERIC_NACK, p->sequence,
			    SMPP_ESME_RINVCMDID);
		break;
	}
	return 0;
}

/* One whole framed PDU. Returns -1 when the connection was closed. */
static int
conn_pdu(struct smsc_conn *c, const uint8_t *buf, size_t len)
{
	struct smsc_server *s = c->srv;
	static struct smpp_pdu p;
	struct smsc_window_req req;
	enum smpp_decode rc;
	char err[128];
	uint32_t id;
	int ours;

	rc = smpp_pdu_decode(buf, len, &p, err, sizeof(err));
	id = p.command_id;
	/* generic_nack has the response bit too: it may answer ours. */
	ours = (id & SMPP_RESP_BIT) && smsc_window_answer(&c->win, p.sequence,
	    &req);
	if (s->hooks.pdu)
		s->hooks.pdu(s->hooks.arg, c->id, &p, ours);
	if (ours && req.kind == SMSC_WINDOW_MO && req.tag != 0 &&
	    s->hooks.mo_resp)
		s->hooks.mo_resp(s->hooks.arg, req.tag, req.aux, id,
		    p.command_status, (long)(mono_ms() - req.t_ms));
	if (rc == SMPP_DECODE_UNKNOWN) {
		log_info("[c%d] unknown command 0x%08x", c->id, id);
		if (!(id & SMPP_RESP_BIT))
			conn_reply(c, SMPP_GENERIC_NACK, p.sequence,
			    SMPP_ESME_RINVCMDID);
		return 0;
	}
	if (rc == SMPP_DECODE_BAD_BODY) {
		log_warnx("[c%d] bad %s: %s", c->id,
		    smpp_pdu_command_str(id), err);
		if (!(id & SMPP_RESP_BIT))
			conn_reply(c, id | SMPP_RESP_BIT, p.sequence,
			    SMPP_ESME_RSYSERR);
		return 0;
	}
	pdu_log(c, "<-", &p);
	return conn_dispatch(c, &p);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct smsc_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	/* Bounded: the input buffer is capped by the read watermark. */
	while (!c->closing) {
		size_t avail = evbuffer_get_length(in);
		const uint8_t *hdr;
		long n;

		if (avail < SMPP_HEADER_LEN)
			return;
		if ((hdr = evbuffer_pullup(in, SMPP_HEADER_LEN)) == NULL)
			return;
		if ((n = smpp_pdu_frame(hdr, avail, SMPP_MAX_PDU)) < 0) {
			conn_close(c, "bad command_length");
			return;
		}
		if (n == 0 || avail < (size_t)n)
			return;
		if (conn_pdu(c, evbuffer_pullup(in, n), (size_t)n) == -1)
			return;
		evbuffer_drain(in, (size_t)n);
	}
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct smsc_conn *c = arg;

	(void)bev;
	if (c->closing)
		conn_close(c, "unbind");
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct smsc_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF)
		conn_close(c, "peer closed");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct smsc_server *s = arg;
	struct timeval tv = { SMSC_BIND_WAIT_S, 0 };
	struct smsc_conn *c;
	int slot = -1, one = 1;

	(void)l;
	(void)sa;
	(void)salen;
	for (int i = 0; i < SMSC_MAX_CONNS && slot < 0; i++)
		if (s->conns[i] == NULL)
			slot = i;
	if (slot < 0 || s->finishing) {
		log_warnx("connection refused: %s", slot < 0 ?
		    "too many connections" : "exiting");
		evutil_closesocket(fd);
		return;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_warn("TCP_NODELAY");
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->srv = s;
	c->id = ++s->next_conn_id;
	c->seq = 1;
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_timer = event_new(s->base, -1, 0, conn_timer_cb, c);
	if (c->bev == NULL || c->ev_timer == NULL) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->ev_timer)
			event_free(c->ev_timer);
		free(c);
		return;
	}
	s->conns[slot] = c;
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 * SMPP_MAX_PDU);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	event_add(c->ev_timer, &tv);
	log_info("[c%d] connected", c->id);
}

/* --- what the modes call ------------------------------------------------ */

int
smsc_server_send_mo(struct smsc_server *s, const char *msisdn, const char *to,
    int op, const char *text)
{
	return smsc_server_send_mo_tag(s, msisdn, to, op, text, 0, 0);
}

int
smsc_server_send_mo_tag(struct smsc_server *s, const char *msisdn,
    const char *to, int op, const char *text, uint32_t tag, uint32_t aux)
{
	static struct smpp_pdu p;
	struct smsc_conn *c = s->cfg.mo_spread ? conn_rx_next(s) : conn_rx(s);
	struct smsc_dialect_sess *sess;
	size_t len;
	uint8_t dc;
	int copies = 0;

	if (c == NULL)
		return -1;
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_DELIVER_SM;
	if (op >= 0)
		snprintf(p.service_type, sizeof(p.service_type), "USSD");
	p.source_addr_ton = 1;
	p.source_addr_npi = 1;
	snprintf(p.source_addr, sizeof(p.source_addr), "%s", msisdn);
	snprintf(p.destination_addr, sizeof(p.destination_addr), "%s", to);
	if (gsm_encode(text, GSM_CHARSET_GSM7, p.sm, SMPP_SM_MAX, &len,
	    &dc) == -1) {
		log_warnx("text does not fit a short_message");
		return -1;
	}
	p.sm_len = (uint16_t)len;
	p.data_coding = dc;
	if (op >= 0) {
		if ((sess = smsc_dialect_book_get(s->book, msisdn, 1)) == NULL) {
			log_warnx("out of memory: no MO to %s",
			    smsc_server_mask(msisdn));
			return -1;
		}
		if (smsc_dialect_mo(s->cfg.dialect, sess, op, &p) != 0) {
			log_warnx("no room for the dialect's TLVs");
			return -1;
		}
	}
	if (!s->cfg.mo_twice) {
		conn_request_tag(c, &p, SMSC_WINDOW_MO, tag, aux);
		return 1;
	}
	/* --mo-twice: the same deliver_sm on every bound receiver at once
	 * (each its own sequence number), as an operator that redelivers. */
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		c = s->conns[i];
		if (c == NULL || c->closing || !(c->bind_id ==
		    SMPP_BIND_RECEIVER || c->bind_id == SMPP_BIND_TRANSCEIVER))
			continue;
		conn_request_tag(c, &p, SMSC_WINDOW_MO, tag, aux);
		copies++;
	}
	return copies;
}

size_t
smsc_server_mo_out(const struct smsc_server *s)
{
	const struct smsc_conn *c = conn_rx(s);

	return c ? c->win.nmo : 0;
}

int
smsc_server_ready(const struct smsc_server *s)
{
	return conn_rx(s) != NULL && conn_tx(s) != NULL;
}

int
smsc_server_rx(const struct smsc_server *s)
{
	const struct smsc_conn *c = conn_rx(s);

	return c ? c->id : 0;
}

int
smsc_server_newer_rx(const struct smsc_server *s, int after_id)
{
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		const struct smsc_conn *c = s->conns[i];

		if (c && !c->closing && c->id > after_id &&
		    (c->bind_id == SMPP_BIND_RECEIVER ||
		    c->bind_id == SMPP_BIND_TRANSCEIVER))
			return c->id;
	}
	return 0;
}

int
smsc_server_write(struct smsc_server *s, int conn_id, const void *buf,
    size_t len)
{
	struct smsc_conn *c = conn_by_id(s, conn_id);

	if (c == NULL || bufferevent_write(c->bev, buf, len) == -1)
		return -1;
	return 0;
}

void
smsc_server_finish(struct smsc_server *s, int status)
{
	struct timeval tv = { 0, SMSC_UNBIND_WAIT_MS * 1000 };
	static struct smpp_pdu p;

	if (s->finishing)
		return;
	receipt_flush(s);
	s->finishing = 1;
	s->exit_status = status;
	if (s->listener)
		evconnlistener_disable(s->listener);
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = s->conns[i];

		if (c == NULL || c->bind_id == 0 || c->closing)
			continue;
		memset(&p, 0, sizeof(p));
		p.command_id = SMPP_UNBIND;
		conn_request(c, &p);
	}
	if (nconns(s) == 0)
		event_base_loopbreak(s->base);
	else
		event_add(s->ev_exit, &tv);
}

void
smsc_server_quit(struct smsc_server *s, int status)
{
	s->exit_status = status;
	event_base_loopbreak(s->base);
}

int
smsc_server_exit_status(const struct smsc_server *s)
{
	if (s->exit_status == SMSC_EXIT_PASS && s->echo_bad > 0)
		return SMSC_EXIT_MISMATCH;
	return s->exit_status;
}

void
smsc_server_report(const struct smsc_server *s)
{
	if (s->cfg.throttle_screens)
		printf("throttle-screens: throttled %" PRIu64 ", accepted after "
		    "throttle %" PRIu64 "\n", s->throttled, s->after_throttle);
	fflush(stdout);
	if (s->echo_bad > 0)
		fprintf(stderr, "%s: %" PRIu64 " screen(s) with a wrong session "
		    "echo (see above)\n", smsc_dialect_str(s->cfg.dialect),
		    s->echo_bad);
}

void
smsc_server_set_hooks(struct smsc_server *s, const struct smsc_server_hooks *h)
{
	s->hooks = *h;
}

const struct smsc_server_cfg *
smsc_server_cfg(const struct smsc_server *s)
{
	return &s->cfg;
}

struct event_base *
smsc_server_base(const struct smsc_server *s)
{
	return s->base;
}

static void
exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_server *s = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(s->base);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_server *s = arg;

	(void)fd;
	(void)what;
	if (s->hooks.timeout)
		s->hooks.timeout(s->hooks.arg);
	smsc_server_finish(s, SMSC_EXIT_ERROR);
}

void
smsc_server_deadline(struct smsc_server *s, int on)
{
	struct timeval tv = { s->cfg.timeout_s, 0 };

	if (on)
		event_add(s->ev_deadline, &tv);
	else
		event_del(s->ev_deadline);
}

/* --- start-up and the end ------------------------------------------------ */

static int
listen_on(struct smsc_server *s, const char *addr)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char name[64];
	evutil_socket_t fd;

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) == -1) {
		fprintf(stderr, "-l: not an address:port: %s\n", addr);
		return -1;
	}
	s->listener = evconnlistener_new_bind(s->base, accept_cb, s,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    16, (struct sockaddr *)&ss, sslen);
	if (s->listener == NULL) {
		fprintf(stderr, "listen on %s: %s\n", addr, strerror(errno));
		return -1;
	}
	fd = evconnlistener_get_fd(s->listener);
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, (socklen_t *)&sslen) == 0) {
		const void *a;
		int port;

		if (ss.ss_family == AF_INET6) {
			a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			a = &((struct sockaddr_in *)&ss)->sin_addr;
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
		if (evutil_inet_ntop(ss.ss_family, a, name, sizeof(name)))
			log_info("listening on %s port %d", name, port);
	}
	return 0;
}

struct smsc_server *
smsc_server_new(struct event_base *base, const struct smsc_server_cfg *cfg)
{
	struct smsc_server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	s->cfg = *cfg;
	s->base = base;
	s->message_id = cfg->msgid_start > 0 ? cfg->msgid_start - 1 : 0;
	if ((s->book = smsc_dialect_book_new()) == NULL)
		fatal("calloc");
	if (listen_on(s, cfg->listen) == -1) {
		smsc_dialect_book_free(s->book);
		free(s);
		return NULL;
	}
	s->ev_exit = evtimer_new(base, exit_cb, s);
	s->ev_deadline = evtimer_new(base, deadline_cb, s);
	if (s->ev_exit == NULL || s->ev_deadline == NULL)
		fatalx("event_new");
	return s;
}

void
smsc_server_free(struct smsc_server *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < SMSC_MAX_CONNS; i++)
		if (s->conns[i]) {
			event_free(s->conns[i]->ev_timer);
			bufferevent_free(s->conns[i]->bev);
			smsc_window_free(&s->conns[i]->win);
			free(s->conns[i]);
		}
	while (s->delayed) {
		struct smsc_delayed *d = s->delayed;

		s->delayed = d->next;
		event_free(d->ev);
		if (d->receipt)
			receipt_free(d->receipt);
		free(d);
	}
	while (s->receipts)
		receipt_free(s->receipts);
	for (int i = 0; i < SMSC_CONCAT_SLOTS; i++)
		concat_free(&s->concat[i]);
	smsc_dialect_book_free(s->book);
	evconnlistener_free(s->listener);
	event_free(s->ev_exit);
	event_free(s->ev_deadline);
	free(s);
}
