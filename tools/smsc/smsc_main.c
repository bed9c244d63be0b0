/*
 * tnsgw-smsc: the bundled SMSC simulator. An SMPP 3.4 server (SMSC side) on
 * libevent that the daemon binds to; it plays scenario files (smsc_script),
 * acts as a phone in the terminal (smsc_screen), drives many callers at once
 * and measures them (--load, smsc_caller), or just answers (--serve).
 * PDUs go through smpp_pdu only; text through gsm.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
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
#include <event2/util.h>

#include "gsm.h"
#include "log.h"
#include "smpp_pdu.h"
#include "smsc_dlr.h"
#include "smsc_caller.h"
#include "smsc_screen.h"
#include "smsc_script.h"

#define SMSC_MAX_CONNS       16
#define SMSC_MAX_SCRIPTS     64
#define SMSC_SCRIPT_FILE_MAX (1024 * 1024)
#define SMSC_EXPECT_S        10	/* each expect waits at most this */
#define SMSC_EXPECT_BIND_S   30	/* expect_bind waits at most this */
#define SMSC_PENDING_MAX     32	/* our requests remembered per connection */
#define SMSC_ENQUIRE_S       30	/* our enquire_link period */
#define SMSC_BIND_WAIT_S     30	/* a connection must bind within this */
#define SMSC_UNBIND_WAIT_MS  1000	/* on exit, wait this for unbind_resp */
#define SMSC_QUEUE_MAX       64	/* received messages not yet expected */
#define SMSC_TEXT_MAX        8192	/* decoded message text, bytes */
#define SMSC_CONCAT_SLOTS    8
#define SMSC_CONCAT_PARTS    16
#define SMSC_LINE_MAX        1024	/* stdin line in phone mode */
#define SMSC_SYSTEM_ID       "tnsgw-smsc"
#define SMSC_CALLER_TICK_MS    10	/* --load: deadlines and pacing */
#define SMSC_CALLER_CONC_DEF   10
#define SMSC_CALLER_CONC_MAX   100000
#define SMSC_CALLER_ERRORS_MAX 32	/* --error-text given */
#define SMSC_RECEIPTS_MAX    4096	/* receipts waiting for their time */


enum smsc_mode {
	MODE_NONE = 0,
	MODE_SCRIPT,
	MODE_PHONE,
	MODE_SERVE,
	MODE_LOAD,
};

/* Exit statuses of --script. */
#define EXIT_PASS     0
#define EXIT_MISMATCH 1
#define EXIT_ERROR    2

struct smsc_conn {
	int                  id;
	uint32_t             bind_id;	/* 0 until bound */
	uint32_t             seq;	/* our next request sequence */
	int                  closing;	/* unbind_resp sent: close once flushed */
	uint32_t             pending[SMSC_PENDING_MAX];	/* our requests' seqs */
	int                  npending;
	struct bufferevent  *bev;
	struct event        *ev_timer;	/* bind deadline, then enquire_link */
};

/* One message the gateway sent (submit_sm / data_sm), reassembled. */
struct smsc_msg {
	char  to[SMSC_SCRIPT_ADDR_MAX + 1];
	int   op;		/* ussd_service_op, -1 for a plain SMS */
	char *text;		/* UTF-8, owned */
};

/*
 * A delivery receipt owed for one message (--dlr): scheduled once the
 * message's response has gone out, sent --dlr-delay ms later.
 */
struct smsc_receipt {
	struct smsc_receipt *next;
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

enum run_state {
	RUN_WAIT_BIND = 0,	/* no session to deliver on yet */
	RUN_READY,		/* play the next command */
	RUN_WAIT_SCREEN,	/* expect: no screen yet */
	RUN_WAIT_SMS,		/* expect_sms: no SMS yet */
	RUN_SLEEP,
	RUN_WAIT_PDU,		/* expect_pdu: no PDU yet */
	RUN_WAIT_CLOSE,		/* expect_close: still open */
	RUN_WAIT_NEWBIND,	/* expect_bind: no new bind yet */
	RUN_DONE,
};

/* A PDU from the ESME for expect_pdu (header fields only). */
struct smsc_pdu_ev {
	int       conn;
	uint32_t  id, status, seq;
};

enum phone_state {
	PHONE_WAIT_BIND = 0,
	PHONE_WAIT_SCREEN,
	PHONE_INPUT,		/* "> " shown, reading the answer */
	PHONE_AGAIN,		/* session over: dial again or quit */
	PHONE_DONE,
};

static struct smsc {
	/* options */
	enum smsc_mode       mode;
	const char          *listen;
	const char          *system_id, *password;
	int                  timeout_s;
	int                  quiet;
	int                  verbose;	/* -v: log every PDU */
	FILE                *sms_log;	/* --sms-log: every SMS received, raw */
	int                  resp_delay_ms;	/* --resp-delay: SMS answered late */
	enum smsc_dlr_mode   dlr_mode;	/* --dlr */
	const char          *dlr_stat;	/* --dlr-stat [DELIVRD] */
	int                  dlr_delay_ms;	/* --dlr-delay */
	struct smsc_receipt *receipts;	/* owed, not sent yet */
	int                  nreceipts;
	struct smsc_delayed *delayed;	/* responses not sent yet */
	const char          *files[SMSC_MAX_SCRIPTS];
	struct smsc_script  *scripts[SMSC_MAX_SCRIPTS];
	int                  nscripts;
	char                 phone_msisdn[SMSC_SCRIPT_ADDR_MAX + 1];
	const char          *phone_code;
	char                 phone_service[SMSC_SCRIPT_ADDR_MAX + 1];

	struct event_base       *base;
	struct evconnlistener   *listener;
	struct event            *ev_sigint, *ev_sigterm;
	struct event            *ev_overall;	/* -t deadline */
	struct event            *ev_exit;	/* unbind grace on exit */
	struct smsc_conn        *conns[SMSC_MAX_CONNS];
	int                      next_conn_id;
	uint64_t                 message_id;
	int                      exit_status;
	int                      finishing;

	struct smsc_concat       concat[SMSC_CONCAT_SLOTS];
	uint64_t                 concat_age;

	/* --script */
	struct {
		enum run_state       state;
		int                  si;		/* script */
		size_t               ci;		/* command */
		char                 msisdn[SMSC_SCRIPT_ADDR_MAX + 1];
		char                 to[SMSC_SCRIPT_ADDR_MAX + 1];	/* service or short code */
		struct smsc_msg      queue[SMSC_QUEUE_MAX];
		int                  nqueue;
		struct smsc_msg      screen;		/* last expect's */
		struct smsc_msg      sms;		/* last expect_sms's */
		struct event        *ev_wait;	/* expect or sleep */
		struct smsc_pdu_ev   pdus[SMSC_QUEUE_MAX];	/* for expect_pdu */
		int                  npdus;
		int                  watch_id;	/* connection of the last raw/expect_bind */
		int                  watch_closed;	/* ... and it has closed */
	} run;

	/* --phone */
	struct {
		enum phone_state     state;
		int                  dialled;
		struct event        *ev_stdin;
		struct event        *ev_wait;
		char                 line[SMSC_LINE_MAX];
		size_t               len;
		int                  skipping;	/* inside an over-long line */
		int                  eof;
	} phone;

	/* --load */
	struct {
		const char             *path;
		const char             *results;	/* --results FILE */
		struct smsc_caller_list  *list;
		struct smsc_caller_cfg    cfg;
		const char             *errors[SMSC_CALLER_ERRORS_MAX];
		int                     nerrors;
		int                     concurrency;
		int                     duration_s;	/* 0: until the list is done */
		double                  rate;	/* dials started per second; 0: no cap */
		size_t                  next;	/* next caller to start */
		uint32_t               *active;	/* callers in flight */
		size_t                  nactive;
		struct event           *ev_tick;
		int                     started;
		int                     stopping;	/* --duration over */
		int                     over;	/* report printed */
		int64_t                 t_start, t_last, t_tokens;
		int64_t                 t_lost;	/* bind gone since; 0: bound */
		double                  tokens;
		uint64_t                done, failed, retries, binds_lost;
		uint64_t                why[4];
		struct smsc_caller_samples rtt, dialog;
	} load;
} smsc;

static void conn_close(struct smsc_conn *, const char *);
static void run_step(void);
static void run_pdu(struct smsc_conn *, const struct smpp_pdu *);
static void run_closed(int);
static void run_bound(void);
static void phone_bound(void);
static void phone_lost(void);
static void load_bound(void);
static void load_lost(void);
static void load_message(const struct smsc_msg *);
static void finish(int);

static const char *
mask(const char *msisdn)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	return log_mask_msisdn(msisdn, buf[i], sizeof(buf[i]));
}

static void
msg_clear(struct smsc_msg *m)
{
	free(m->text);
	memset(m, 0, sizeof(*m));
	m->op = -1;
}

/* --- output ------------------------------------------------------------ */

static void
show_box(const char *text, const char *title)
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

	if (smsc.quiet || !smsc.verbose)
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

static void
conn_request(struct smsc_conn *c, struct smpp_pdu *pdu)
{
	pdu->sequence = c->seq++;
	if (c->seq == 0 || c->seq > 0x7FFFFFFFu)
		c->seq = 1;
	/* Remembered so their answers are not taken for expect_pdu. */
	if (c->npending == SMSC_PENDING_MAX) {
		memmove(&c->pending[0], &c->pending[1],
		    (SMSC_PENDING_MAX - 1) * sizeof(c->pending[0]));
		c->npending--;
	}
	c->pending[c->npending++] = pdu->sequence;
	conn_send(c, pdu);
}

/* A response to one of our own requests: forget the request, return 1. */
static int
conn_answered(struct smsc_conn *c, uint32_t seq)
{
	for (int i = 0; i < c->npending; i++)
		if (c->pending[i] == seq) {
			memmove(&c->pending[i], &c->pending[i + 1],
			    (size_t)(c->npending - i - 1) * sizeof(c->pending[0]));
			c->npending--;
			return 1;
		}
	return 0;
}

/* The session deliver_sm go to: the first bound receiver or transceiver. */
static struct smsc_conn *
conn_rx(void)
{
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = smsc.conns[i];

		if (c && !c->closing && (c->bind_id == SMPP_BIND_RECEIVER ||
		    c->bind_id == SMPP_BIND_TRANSCEIVER))
			return c;
	}
	return NULL;
}

static int
nconns(void)
{
	int n = 0;

	for (int i = 0; i < SMSC_MAX_CONNS; i++)
		n += smsc.conns[i] != NULL;
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
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_ENQUIRE_LINK;
	conn_request(c, &p);
}

static void
conn_close(struct smsc_conn *c, const char *reason)
{
	int was_rx = (c == conn_rx());
	int id = c->id;

	log_info("[c%d] closed: %s", c->id, reason);
	for (int i = 0; i < SMSC_MAX_CONNS; i++)
		if (smsc.conns[i] == c)
			smsc.conns[i] = NULL;
	if (c->ev_timer)
		event_free(c->ev_timer);
	/* Safe inside the bufferevent's own callback: libevent defers it. */
	bufferevent_free(c->bev);
	free(c);

	if (smsc.finishing) {
		if (nconns() == 0)
			event_base_loopbreak(smsc.base);
		return;
	}
	if (was_rx && conn_rx() == NULL) {
		if (smsc.mode == MODE_SCRIPT && smsc.run.state != RUN_DONE)
			log_info("no session to deliver on: waiting for a bind");
		else if (smsc.mode == MODE_PHONE)
			phone_lost();
		else if (smsc.mode == MODE_LOAD)
			load_lost();
	}
	if (smsc.mode == MODE_SCRIPT)
		run_closed(id);
}

static void
conn_bound(struct smsc_conn *c)
{
	struct timeval tv = { SMSC_ENQUIRE_S, 0 };

	event_free(c->ev_timer);
	c->ev_timer = event_new(smsc.base, -1, EV_PERSIST, conn_timer_cb, c);
	if (c->ev_timer)
		event_add(c->ev_timer, &tv);
	if (c != conn_rx()) {
		if (smsc.mode == MODE_SCRIPT)
			run_bound();
		return;
	}
	if (smsc.mode == MODE_SCRIPT && smsc.run.state == RUN_WAIT_BIND) {
		smsc.run.state = RUN_READY;
		run_step();
	} else if (smsc.mode == MODE_SCRIPT)
		run_bound();
	else if (smsc.mode == MODE_PHONE)
		phone_bound();
	else if (smsc.mode == MODE_LOAD)
		load_bound();
}

static void
on_bind(struct smsc_conn *c, const struct smpp_pdu *p)
{
	static struct smpp_pdu r;
	uint32_t status = SMPP_ESME_ROK;

	if (c->bind_id != 0)
		status = SMPP_ESME_RINVBNDSTS;
	else if (smsc.system_id && strcmp(p->system_id, smsc.system_id) != 0)
		status = SMPP_ESME_RINVSYSID;
	else if (smsc.password && strcmp(p->password, smsc.password) != 0)
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

/* --- messages from the gateway ---------------------------------------- */

static void on_message(struct smsc_msg *);

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

/* Keep one part; when all are in, join them and hand the message on. */
static void
concat_add(const char *to, int op, unsigned ref, int total, int seq,
    const char *text)
{
	struct smsc_concat *k = NULL, *oldest = &smsc.concat[0];
	struct smsc_msg m;
	size_t len = 0;

	for (int i = 0; i < SMSC_CONCAT_SLOTS; i++) {
		struct smsc_concat *x = &smsc.concat[i];

		if (x->used && x->ref == ref && x->total == total &&
		    strcmp(x->to, to) == 0)
			k = x;
		if (!x->used || (oldest->used && x->age < oldest->age))
			oldest = x;
	}
	if (k == NULL) {
		if (oldest->used) {
			log_warnx("concatenated SMS to %s dropped unfinished",
			    mask(oldest->to));
			concat_free(oldest);
		}
		k = oldest;
		k->used = 1;
		k->age = ++smsc.concat_age;
		snprintf(k->to, sizeof(k->to), "%s", to);
		k->ref = ref;
		k->total = total;
		k->op = op;
	}
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
	m.text[0] = '\0';
	for (int i = 0; i < k->total; i++)
		strcat(m.text, k->part[i]);
	snprintf(m.to, sizeof(m.to), "%s", k->to);
	m.op = k->op;
	concat_free(k);
	on_message(&m);
}

/* --- delivery receipts (--dlr) ---------------------------------------- */

static void
receipt_free(struct smsc_receipt *r)
{
	struct smsc_receipt **pp;

	for (pp = &smsc.receipts; *pp && *pp != r; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = r->next;
		smsc.nreceipts--;
	}
	if (r->ev)
		event_free(r->ev);
	free(r);
}

/* Out now, on the first receiver or transceiver session; then freed. */
static void
receipt_send(struct smsc_receipt *r)
{
	static struct smpp_pdu p;
	struct smsc_conn *c = conn_rx();
	struct smsc_dlr d;
	char id[24];

	memset(&d, 0, sizeof(d));
	d.mode = smsc.dlr_mode;
	d.n = r->n;
	d.stat = smsc.dlr_stat;
	d.phone = r->phone;
	d.phone_ton = r->ton;
	d.phone_npi = r->npi;
	d.esme = r->esme;
	d.text = r->text;
	d.submitted = r->submitted;
	d.done = time(NULL);
	smsc_dlr_msgid(smsc.dlr_mode, r->n, id, sizeof(id));
	if (c == NULL)
		log_warnx("receipt for message %s dropped: no receiver session",
		    id);
	else if (smsc_dlr_build(&d, &p) == -1)
		log_warnx("receipt for message %s: cannot build it", id);
	else {
		conn_request(c, &p);
		log_info("[c%d] receipt %s (%s) for message %s to %s", c->id,
		    smsc.dlr_stat, smsc_dlr_strmode(smsc.dlr_mode), id,
		    mask(r->phone));
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
	struct timeval tv = { smsc.dlr_delay_ms / 1000,
	    (smsc.dlr_delay_ms % 1000) * 1000 };

	if (smsc.dlr_delay_ms == 0) {
		receipt_send(r);
		return;
	}
	if ((r->ev = evtimer_new(smsc.base, receipt_cb, r)) == NULL) {
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
receipt_new(const struct smpp_pdu *p, uint64_t n, const char *text)
{
	struct smsc_receipt *r, **pp;
	size_t tlen;

	if (smsc.dlr_mode == SMSC_DLR_NONE || !(p->registered_delivery & 1) ||
	    smsc.finishing)
		return NULL;
	if (smsc.nreceipts >= SMSC_RECEIPTS_MAX) {
		log_warnx("%d receipts waiting: receipt for message %" PRIu64
		    " dropped", smsc.nreceipts, n);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->n = n;
	snprintf(r->phone, sizeof(r->phone), "%s", p->destination_addr);
	snprintf(r->esme, sizeof(r->esme), "%s", p->source_addr);
	r->ton = p->dest_addr_ton;
	r->npi = p->dest_addr_npi;
	/* Cut on a byte count that always holds the characters echoed. */
	tlen = strlen(text);
	if (tlen >= sizeof(r->text))
		tlen = sizeof(r->text) - 1;
	memcpy(r->text, text, tlen);
	r->text[tlen] = '\0';
	r->submitted = time(NULL);
	/* In the order owed: a run's end sends them oldest first. */
	for (pp = &smsc.receipts; *pp; pp = &(*pp)->next)
		;
	*pp = r;
	smsc.nreceipts++;
	return r;
}

/*
 * At the end of a run: receipts whose time has not come go out now, before
 * the unbind; those whose message was never answered (--resp-delay) are
 * dropped with their response.
 */
static void
receipt_flush(void)
{
	struct smsc_receipt *r, *next;

	for (r = smsc.receipts; r; r = next) {
		next = r->next;
		if (r->ev != NULL)
			receipt_send(r);
	}
}

static void
delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_delayed *d = arg, **pp;
	static struct smpp_pdu r;

	(void)fd;
	(void)what;
	for (pp = &smsc.delayed; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = d->next;
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = smsc.conns[i];

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
	struct smsc_delayed *d;
	long ms = random() % (smsc.resp_delay_ms + 1L);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->ev = evtimer_new(smsc.base, delayed_cb, d)) == NULL) {
		free(d);
		return NULL;
	}
	d->conn = c->id;
	d->command_id = r->command_id;
	d->seq = r->sequence;
	snprintf(d->message_id, sizeof(d->message_id), "%s", r->message_id);
	d->next = smsc.delayed;
	smsc.delayed = d;
	event_add(d->ev, &tv);
	return d;
}

static void
on_submit(struct smsc_conn *c, const struct smpp_pdu *p)
{
	static struct smpp_pdu r;
	const struct smpp_tlv *t;
	const uint8_t *data = p->sm;
	size_t len = p->sm_len;
	char text[SMSC_TEXT_MAX];
	unsigned ref = 0;
	int total = 0, seq = 0, op = -1, parts;
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
	if ((t = smpp_pdu_tlv_get(p, SMPP_TLV_USSD_SERVICE_OP)) && t->len >= 1)
		op = t->val[0];
	n = ++smsc.message_id;
	smsc_dlr_msgid(smsc.dlr_mode, n, r.message_id, sizeof(r.message_id));
	/* The SMS is taken now (the phone gets it) even if the answer is
	 * late: a crash in between leaves the ESME unsure, as a busy SMSC
	 * does. USSD screens are answered at once. */
	if (op >= 0 || smsc.resp_delay_ms == 0 ||
	    (late = delay_resp(c, &r)) == NULL)
		conn_send(c, &r);

	if (len == 0 && (t = smpp_pdu_tlv_get(p, SMPP_TLV_MESSAGE_PAYLOAD))) {
		data = t->val;
		len = t->len;
	}
	if (gsm_decode(p->data_coding, GSM_CHARSET_GSM7,
	    data, len, text, sizeof(text)) == -1)
		log_warnx("[c%d] message text cut", c->id);
	parts = concat_info(p, &data, &len, &ref, &total, &seq);
	/* Decode again without the UDH. */
	if (parts || (p->esm_class & 0x40))
		gsm_decode(p->data_coding, GSM_CHARSET_GSM7, data, len, text,
		    sizeof(text));
	/* Owed before the message is handed on: the end of a run (which that
	 * can trigger) sends what is owed, then unbinds. */
	if ((rcpt = receipt_new(p, n, text)) != NULL) {
		if (late)
			late->receipt = rcpt;
		else
			receipt_schedule(rcpt);
	}
	if (parts) {
		concat_add(p->destination_addr, op, ref, total, seq, text);
		return;
	}
	memset(&m, 0, sizeof(m));
	snprintf(m.to, sizeof(m.to), "%s", p->destination_addr);
	m.op = op;
	if ((m.text = strdup(text)) == NULL)
		fatal("strdup");
	on_message(&m);
}

/* One whole framed PDU. Returns -1 when the connection was closed. */
static int
conn_pdu(struct smsc_conn *c, const uint8_t *buf, size_t len)
{
	static struct smpp_pdu p;
	enum smpp_decode rc;
	char err[128];
	uint32_t id;

	rc = smpp_pdu_decode(buf, len, &p, err, sizeof(err));
	id = p.command_id;
	if (smsc.mode == MODE_SCRIPT)
		run_pdu(c, &p);
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

	switch (id) {
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_RECEIVER:
	case SMPP_BIND_TRANSCEIVER:
		on_bind(c, &p);
		break;
	case SMPP_ENQUIRE_LINK:
		conn_reply(c, id | SMPP_RESP_BIT, p.sequence, SMPP_ESME_ROK);
		break;
	case SMPP_UNBIND:
		log_info("[c%d] unbind from the ESME", c->id);
		conn_reply(c, id | SMPP_RESP_BIT, p.sequence, SMPP_ESME_ROK);
		c->closing = 1;
		c->bind_id = 0;
		break;
	case SMPP_UNBIND | SMPP_RESP_BIT:
		conn_close(c, "unbound");
		return -1;
	case SMPP_SUBMIT_SM:
	case SMPP_DATA_SM:
		if (c->bind_id == 0) {
			conn_reply(c, id | SMPP_RESP_BIT, p.sequence,
			    SMPP_ESME_RINVBNDSTS);
			break;
		}
		on_submit(c, &p);
		break;
	case SMPP_DELIVER_SM | SMPP_RESP_BIT:
	case SMPP_DATA_SM | SMPP_RESP_BIT:
		if (p.command_status != SMPP_ESME_ROK)
			log_warnx("[c%d] %s seq %u: %s", c->id,
			    smpp_pdu_command_str(id), p.sequence,
			    smpp_pdu_status_str(p.command_status));
		break;
	case SMPP_ENQUIRE_LINK | SMPP_RESP_BIT:
	case SMPP_GENERIC_NACK:
		break;
	default:
		if (!(id & SMPP_RESP_BIT))
			conn_reply(c, SMPP_GENERIC_NACK, p.sequence,
			    SMPP_ESME_RINVCMDID);
		break;
	}
	return 0;
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
	struct timeval tv = { SMSC_BIND_WAIT_S, 0 };
	struct smsc_conn *c;
	int slot = -1, one = 1;

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	for (int i = 0; i < SMSC_MAX_CONNS && slot < 0; i++)
		if (smsc.conns[i] == NULL)
			slot = i;
	if (slot < 0 || smsc.finishing) {
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
	c->id = ++smsc.next_conn_id;
	c->seq = 1;
	c->bev = bufferevent_socket_new(smsc.base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_timer = event_new(smsc.base, -1, 0, conn_timer_cb, c);
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
	smsc.conns[slot] = c;
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 * SMPP_MAX_PDU);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	event_add(c->ev_timer, &tv);
	log_info("[c%d] connected", c->id);
}

/* --- messages to the gateway --------------------------------------------- */

/* A deliver_sm from msisdn to `to`; op < 0: a plain SMS. */
static int
send_mo(const char *msisdn, const char *to, int op, const char *text)
{
	static struct smpp_pdu p;
	struct smsc_conn *c = conn_rx();
	size_t len;
	uint8_t dc;

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
		uint8_t v = (uint8_t)op;

		smpp_pdu_tlv_add(&p, SMPP_TLV_USSD_SERVICE_OP, &v, 1);
	}
	conn_request(c, &p);
	return 0;
}

/* --- --script ------------------------------------------------------------ */

static const struct smsc_cmd *
run_cmd(void)
{
	return &smsc.scripts[smsc.run.si]->cmds[smsc.run.ci];
}

static void __attribute__((format(printf, 2, 3)))
run_fail(int status, const char *fmt, ...)
{
	va_list ap;
	const struct smsc_cmd *cmd = run_cmd();

	fprintf(stderr, "%s:%d: %s: ", smsc.files[smsc.run.si], cmd->line,
	    smsc_cmd_name(cmd->type));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	smsc.run.state = RUN_DONE;
	finish(status);
}

/* Take the first queued message of the kind (screen or SMS) to msisdn. */
static int
run_take(int want_screen, const char *msisdn, struct smsc_msg *out)
{
	for (int i = 0; i < smsc.run.nqueue; i++) {
		struct smsc_msg *m = &smsc.run.queue[i];

		if ((m->op >= 0) != want_screen || strcmp(m->to, msisdn) != 0)
			continue;
		event_del(smsc.run.ev_wait);
		msg_clear(out);
		*out = *m;
		memmove(m, m + 1, (size_t)(smsc.run.nqueue - i - 1) * sizeof(*m));
		smsc.run.nqueue--;
		return 1;
	}
	return 0;
}

/*
 * Wait for a message or the end of a sleep. An expect woken by a message
 * that was not its own keeps its first deadline.
 */
static void
run_wait(enum run_state st, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	smsc.run.state = st;
	if (!event_pending(smsc.run.ev_wait, EV_TIMEOUT, NULL))
		event_add(smsc.run.ev_wait, &tv);
}

/*
 * Every PDU from the ESME, decoded or not (the header is always read):
 * those expect_pdu may take are queued. Not queued: submit_sm/data_sm
 * (screens and SMS), binds, enquire_link requests (keep-alive, answered on
 * their own) and the answers to the simulator's own requests (deliver_sm of
 * dial/answer/sms, enquire_link, unbind).
 */
static void
run_pdu(struct smsc_conn *c, const struct smpp_pdu *p)
{
	struct smsc_pdu_ev *e;
	uint32_t id = p->command_id;

	if (smsc.run.state == RUN_DONE)
		return;
	if (id == SMPP_SUBMIT_SM || id == SMPP_DATA_SM ||
	    id == SMPP_BIND_TRANSMITTER || id == SMPP_BIND_RECEIVER ||
	    id == SMPP_BIND_TRANSCEIVER || id == SMPP_ENQUIRE_LINK)
		return;
	if ((id & SMPP_RESP_BIT) && conn_answered(c, p->sequence))
		return;
	if (smsc.run.npdus == SMSC_QUEUE_MAX) {
		log_warnx("too many PDUs not expected: dropping the oldest");
		memmove(&smsc.run.pdus[0], &smsc.run.pdus[1],
		    (SMSC_QUEUE_MAX - 1) * sizeof(smsc.run.pdus[0]));
		smsc.run.npdus--;
	}
	e = &smsc.run.pdus[smsc.run.npdus++];
	e->conn = c->id;
	e->id = id;
	e->status = p->command_status;
	e->seq = p->sequence;
	if (smsc.run.state == RUN_WAIT_PDU) {
		smsc.run.state = RUN_READY;
		run_step();
	}
}

static void
run_closed(int conn_id)
{
	if (smsc.run.state == RUN_DONE || conn_id != smsc.run.watch_id)
		return;
	smsc.run.watch_closed = 1;
	if (smsc.run.state == RUN_WAIT_CLOSE) {
		smsc.run.state = RUN_READY;
		run_step();
	}
}

static void
run_bound(void)
{
	if (smsc.run.state == RUN_WAIT_NEWBIND) {
		smsc.run.state = RUN_READY;
		run_step();
	}
}

/* A bound receiver/transceiver newer than the watched connection. */
static struct smsc_conn *
run_newer_bind(void)
{
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = smsc.conns[i];

		if (c && !c->closing && c->id > smsc.run.watch_id &&
		    (c->bind_id == SMPP_BIND_RECEIVER ||
		    c->bind_id == SMPP_BIND_TRANSCEIVER))
			return c;
	}
	return NULL;
}

/* "generic_nack|deliver_sm_resp !ESME_ROK seq=3" */
static void
pdu_want_str(const struct smsc_cmd *cmd, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < cmd->nids && n < outsz; i++)
		n += (size_t)snprintf(out + n, outsz - n, "%s%s", i ? "|" : "",
		    smpp_pdu_command_str(cmd->ids[i]));
	if (cmd->status_check != SMSC_STATUS_ANY && n < outsz)
		n += (size_t)snprintf(out + n, outsz - n, " %s%s",
		    cmd->status_check == SMSC_STATUS_NOT ? "!" : "",
		    smpp_pdu_status_str(cmd->status));
	if (cmd->has_seq && n < outsz)
		snprintf(out + n, outsz - n, " seq=%u", cmd->seq);
}

/* expect_pdu on the oldest queued PDU. Returns 1 done, 0 wait, -1 failed. */
static int
run_expect_pdu(const struct smsc_cmd *cmd)
{
	struct smsc_pdu_ev e;
	char want[160], got[96];

	if (smsc.run.npdus == 0) {
		run_wait(RUN_WAIT_PDU, SMSC_EXPECT_S * 1000L);
		return 0;
	}
	e = smsc.run.pdus[0];
	memmove(&smsc.run.pdus[0], &smsc.run.pdus[1],
	    (size_t)(smsc.run.npdus - 1) * sizeof(smsc.run.pdus[0]));
	smsc.run.npdus--;
	event_del(smsc.run.ev_wait);
	if (smsc_script_pdu_match(cmd, e.id, e.status, e.seq)) {
		if (!smsc.quiet)
			printf("  [c%d] got %s %s seq=%u\n", e.conn,
			    smpp_pdu_command_str(e.id),
			    smpp_pdu_status_str(e.status), e.seq);
		return 1;
	}
	pdu_want_str(cmd, want, sizeof(want));
	snprintf(got, sizeof(got), "%s", smpp_pdu_command_str(e.id));
	run_fail(EXIT_MISMATCH, "expected %s, got %s %s seq=%u", want, got,
	    smpp_pdu_status_str(e.status), e.seq);
	return -1;
}

static void
run_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	switch (smsc.run.state) {
	case RUN_SLEEP:
		smsc.run.ci++;
		smsc.run.state = RUN_READY;
		run_step();
		break;
	case RUN_WAIT_SCREEN:
		run_fail(EXIT_ERROR, "no screen to %s within %d s",
		    mask(smsc.run.msisdn), SMSC_EXPECT_S);
		break;
	case RUN_WAIT_SMS: {
		const struct smsc_cmd *cmd = run_cmd();

		run_fail(EXIT_ERROR, "no SMS to %s within %d s",
		    mask(cmd->msisdn[0] ? cmd->msisdn : smsc.run.msisdn),
		    SMSC_EXPECT_S);
		break;
	}
	case RUN_WAIT_PDU: {
		char want[160];

		pdu_want_str(run_cmd(), want, sizeof(want));
		run_fail(EXIT_ERROR, "no PDU within %d s (expected %s)",
		    SMSC_EXPECT_S, want);
		break;
	}
	case RUN_WAIT_CLOSE:
		run_fail(EXIT_ERROR, "the ESME kept connection c%d open for %d s",
		    smsc.run.watch_id, SMSC_EXPECT_S);
		break;
	case RUN_WAIT_NEWBIND:
		run_fail(EXIT_ERROR, "no new bind within %d s",
		    SMSC_EXPECT_BIND_S);
		break;
	default:
		break;
	}
}

static const char *
op_str(int op)
{
	switch (op) {
	case SMPP_USSD_USSR_REQ:	return "0x02 USSR request";
	case SMPP_USSD_PSSR_RESP:	return "0x11 PSSR response";
	case -1:		return "none (plain SMS)";
	default:		return "another value";
	}
}

/* Play commands until one has to wait. Returns when waiting or done. */
static void
run_step(void)
{
	char otp[16];
	const char *miss;

	while (smsc.run.state == RUN_READY) {
		const struct smsc_cmd *cmd;
		int op = -1;

		if (smsc.run.ci >= smsc.scripts[smsc.run.si]->ncmds) {
			if (!smsc.quiet)
				printf("== %s: passed\n", smsc.files[smsc.run.si]);
			smsc.run.si++;
			smsc.run.ci = 0;
			smsc.run.msisdn[0] = '\0';
			msg_clear(&smsc.run.screen);
			msg_clear(&smsc.run.sms);
			smsc.run.npdus = 0;
			smsc.run.watch_id = 0;
			smsc.run.watch_closed = 0;
			if (smsc.run.si == smsc.nscripts) {
				smsc.run.state = RUN_DONE;
				finish(EXIT_PASS);
				return;
			}
			continue;
		}
		cmd = run_cmd();
		switch (cmd->type) {
		case SMSC_CMD_DIAL:
		case SMSC_CMD_SMS:
		case SMSC_CMD_ANSWER:
		case SMSC_CMD_ANSWER_OTP:
		case SMSC_CMD_ABORT:
		case SMSC_CMD_RAW:
			if (conn_rx() == NULL) {
				smsc.run.state = RUN_WAIT_BIND;
				return;
			}
			break;
		default:
			break;
		}

		switch (cmd->type) {
		case SMSC_CMD_DIAL:
			snprintf(smsc.run.msisdn, sizeof(smsc.run.msisdn), "%s",
			    cmd->msisdn);
			snprintf(smsc.run.to, sizeof(smsc.run.to), "%s", cmd->to);
			msg_clear(&smsc.run.screen);
			send_mo(cmd->msisdn, cmd->to, SMPP_USSD_PSSR_IND, cmd->args[0]);
			break;
		case SMSC_CMD_SMS:
			snprintf(smsc.run.msisdn, sizeof(smsc.run.msisdn), "%s",
			    cmd->msisdn);
			snprintf(smsc.run.to, sizeof(smsc.run.to), "%s", cmd->to);
			msg_clear(&smsc.run.screen);
			send_mo(cmd->msisdn, cmd->to, -1, cmd->args[0]);
			break;
		case SMSC_CMD_ANSWER:
			if (send_mo(smsc.run.msisdn, smsc.run.to, SMPP_USSD_USSR_CONF,
			    cmd->args[0]) == -1) {
				run_fail(EXIT_ERROR, "cannot send the answer");
				return;
			}
			break;
		case SMSC_CMD_ANSWER_OTP:
			if (smsc.run.sms.text == NULL ||
			    smsc_script_otp(smsc.run.sms.text, otp,
			    sizeof(otp)) == -1) {
				run_fail(EXIT_MISMATCH,
				    "no code of 4-10 digits in the last SMS");
				return;
			}
			send_mo(smsc.run.msisdn, smsc.run.to, SMPP_USSD_USSR_CONF, otp);
			break;
		case SMSC_CMD_ABORT:
			send_mo(smsc.run.msisdn, smsc.run.to, SMPP_USSD_ABORT, "");
			break;
		case SMSC_CMD_EXPECT:
			if (!run_take(1, smsc.run.msisdn, &smsc.run.screen)) {
				run_wait(RUN_WAIT_SCREEN, SMSC_EXPECT_S * 1000L);
				return;
			}
			if ((miss = smsc_script_missing(cmd,
			    smsc.run.screen.text)) != NULL) {
				run_fail(EXIT_MISMATCH,
				    "expected \"%s\" in the screen, got:\n%s",
				    miss, smsc.run.screen.text);
				return;
			}
			break;
		case SMSC_CMD_EXPECT_SMS: {
			const char *to = cmd->msisdn[0] ? cmd->msisdn :
			    smsc.run.msisdn;

			if (!run_take(0, to, &smsc.run.sms)) {
				run_wait(RUN_WAIT_SMS, SMSC_EXPECT_S * 1000L);
				return;
			}
			if ((miss = smsc_script_missing(cmd,
			    smsc.run.sms.text)) != NULL) {
				run_fail(EXIT_MISMATCH,
				    "expected \"%s\" in the SMS, got:\n%s",
				    miss, smsc.run.sms.text);
				return;
			}
			break;
		}
		case SMSC_CMD_EXPECT_NOT:
			if (smsc.run.screen.text == NULL)
				break;	/* the parser saw an expect before */
			if ((miss = smsc_script_present(cmd,
			    smsc.run.screen.text)) != NULL) {
				run_fail(EXIT_MISMATCH,
				    "\"%s\" must not be in the screen, got:\n%s",
				    miss, smsc.run.screen.text);
				return;
			}
			break;
		case SMSC_CMD_CONTINUES:
		case SMSC_CMD_ENDS:
			op = cmd->type == SMSC_CMD_CONTINUES ? SMPP_USSD_USSR_REQ :
			    SMPP_USSD_PSSR_RESP;
			if (smsc.run.screen.op != op) {
				run_fail(EXIT_MISMATCH,
				    "expected ussd_service_op %s, got %s (0x%02x)",
				    op_str(op), op_str(smsc.run.screen.op),
				    smsc.run.screen.op & 0xFF);
				return;
			}
			break;
		case SMSC_CMD_SLEEP:
			run_wait(RUN_SLEEP, cmd->ms);
			return;
		case SMSC_CMD_QUIT:
			if (!smsc.quiet)
				printf("== %s:%d: quit\n", smsc.files[smsc.run.si],
				    cmd->line);
			fflush(stdout);
			smsc.run.state = RUN_DONE;
			smsc.exit_status = EXIT_PASS;
			event_base_loopbreak(smsc.base);
			return;
		case SMSC_CMD_PRINT:
			printf("%s\n", cmd->args[0]);
			fflush(stdout);
			break;
		case SMSC_CMD_RAW: {
			struct smsc_conn *c = conn_rx();

			if (!smsc.quiet)
				printf("  [c%d] raw: %zu bytes\n", c->id,
				    cmd->raw_len);
			if (bufferevent_write(c->bev, cmd->raw,
			    cmd->raw_len) == -1) {
				run_fail(EXIT_ERROR, "write failed");
				return;
			}
			smsc.run.watch_id = c->id;
			smsc.run.watch_closed = 0;
			break;
		}
		case SMSC_CMD_EXPECT_PDU: {
			int rc = run_expect_pdu(cmd);

			if (rc <= 0)
				return;
			break;
		}
		case SMSC_CMD_EXPECT_CLOSE:
			if (smsc.run.watch_id == 0) {
				struct smsc_conn *c = conn_rx();

				if (c == NULL) {
					run_fail(EXIT_MISMATCH,
					    "no bound connection to watch");
					return;
				}
				smsc.run.watch_id = c->id;
				smsc.run.watch_closed = 0;
			}
			if (!smsc.run.watch_closed) {
				run_wait(RUN_WAIT_CLOSE, SMSC_EXPECT_S * 1000L);
				return;
			}
			event_del(smsc.run.ev_wait);
			if (!smsc.quiet)
				printf("  [c%d] closed by the ESME\n",
				    smsc.run.watch_id);
			break;
		case SMSC_CMD_EXPECT_BIND: {
			struct smsc_conn *c = run_newer_bind();

			if (c == NULL) {
				run_wait(RUN_WAIT_NEWBIND,
				    SMSC_EXPECT_BIND_S * 1000L);
				return;
			}
			event_del(smsc.run.ev_wait);
			if (!smsc.quiet)
				printf("  [c%d] bound\n", c->id);
			smsc.run.watch_id = c->id;
			smsc.run.watch_closed = 0;
			break;
		}
		}
		smsc.run.ci++;
	}
}

static void
run_message(struct smsc_msg *m)
{
	if (smsc.run.nqueue == SMSC_QUEUE_MAX) {
		log_warnx("too many messages not expected: dropping the oldest");
		msg_clear(&smsc.run.queue[0]);
		memmove(&smsc.run.queue[0], &smsc.run.queue[1],
		    (SMSC_QUEUE_MAX - 1) * sizeof(smsc.run.queue[0]));
		smsc.run.nqueue--;
	}
	smsc.run.queue[smsc.run.nqueue++] = *m;
	if ((smsc.run.state == RUN_WAIT_SCREEN && m->op >= 0) ||
	    (smsc.run.state == RUN_WAIT_SMS && m->op < 0)) {
		smsc.run.state = RUN_READY;
		run_step();
	}
}

/* --- --phone ------------------------------------------------------------- */

static void
phone_prompt(const char *prompt)
{
	fputs(prompt, stdout);
	fflush(stdout);
}

static void phone_input(void);

static void
phone_dial(void)
{
	struct timeval tv = { SMSC_EXPECT_S, 0 };

	printf("Calling %s ...\n", smsc.phone_code);
	fflush(stdout);
	if (send_mo(smsc.phone_msisdn, smsc.phone_service, SMPP_USSD_PSSR_IND,
	    smsc.phone_code) == -1) {
		printf("(no network)\n");
		smsc.phone.state = PHONE_WAIT_BIND;
		return;
	}
	smsc.phone.dialled = 1;
	smsc.phone.state = PHONE_WAIT_SCREEN;
	event_add(smsc.phone.ev_wait, &tv);
}

static void
phone_again(void)
{
	smsc.phone.state = PHONE_AGAIN;
	phone_prompt("[Enter] dial again, [q] quit: ");
	phone_input();
}

static void
phone_bound(void)
{
	if (smsc.phone.state != PHONE_WAIT_BIND)
		return;
	event_del(smsc.ev_overall);
	if (!smsc.phone.dialled)
		phone_dial();
	else {
		printf("(network back)\n");
		phone_again();
	}
}

static void
phone_lost(void)
{
	event_del(smsc.phone.ev_wait);
	event_del(smsc.phone.ev_stdin);
	printf("\n(network lost: waiting for the gateway to bind again)\n");
	fflush(stdout);
	smsc.phone.state = PHONE_WAIT_BIND;
}

static void
phone_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (smsc.phone.state != PHONE_WAIT_SCREEN)
		return;
	printf("(no answer from the network within %d s)\n", SMSC_EXPECT_S);
	phone_again();
}

/* A whole line typed while a prompt is up. */
static void
phone_line(const char *line)
{
	if (!isatty(STDIN_FILENO)) {
		printf("%s\n", line);
		fflush(stdout);
	}
	if (smsc.phone.state == PHONE_INPUT) {
		struct timeval tv = { SMSC_EXPECT_S, 0 };

		if (send_mo(smsc.phone_msisdn, smsc.phone_service,
		    SMPP_USSD_USSR_CONF, line) == -1) {
			printf("(cannot send that)\n");
			phone_again();
			return;
		}
		smsc.phone.state = PHONE_WAIT_SCREEN;
		event_add(smsc.phone.ev_wait, &tv);
	} else if (smsc.phone.state == PHONE_AGAIN) {
		if (line[0] == 'q' || line[0] == 'Q') {
			smsc.phone.state = PHONE_DONE;
			finish(0);
		} else
			phone_dial();
	}
}

/*
 * Serve the prompt from what is already read, else wait for stdin. Lines
 * typed ahead stay in the buffer for the next prompt.
 */
static void
phone_input(void)
{
	char line[SMSC_LINE_MAX];
	char *nl;
	size_t n;

	if (smsc.phone.state != PHONE_INPUT && smsc.phone.state != PHONE_AGAIN) {
		event_del(smsc.phone.ev_stdin);
		return;
	}
	if ((nl = memchr(smsc.phone.line, '\n', smsc.phone.len)) != NULL) {
		n = (size_t)(nl - smsc.phone.line);
		memcpy(line, smsc.phone.line, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		smsc.phone.len -= n + 1;
		memmove(smsc.phone.line, nl + 1, smsc.phone.len);
		event_del(smsc.phone.ev_stdin);
		phone_line(line);
		return;
	}
	if (smsc.phone.eof) {
		printf("\n");
		smsc.phone.state = PHONE_DONE;
		finish(0);
		return;
	}
	event_add(smsc.phone.ev_stdin, NULL);
}

static void
phone_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	ssize_t n;

	(void)what;
	(void)arg;
	if (smsc.phone.len == sizeof(smsc.phone.line)) {
		/* Over-long line: keep its start, drop the rest. */
		smsc.phone.line[sizeof(smsc.phone.line) - 1] = '\n';
		smsc.phone.skipping = 1;
		phone_input();
		return;
	}
	n = read(fd, smsc.phone.line + smsc.phone.len,
	    sizeof(smsc.phone.line) - smsc.phone.len);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		n = 0;
	}
	if (n == 0) {
		smsc.phone.eof = 1;
		event_del(smsc.phone.ev_stdin);
		if (smsc.phone.len > 0 &&
		    memchr(smsc.phone.line, '\n', smsc.phone.len) == NULL)
			smsc.phone.line[smsc.phone.len++] = '\n';
		phone_input();
		return;
	}
	if (smsc.phone.skipping) {
		char *nl = memchr(smsc.phone.line + smsc.phone.len, '\n',
		    (size_t)n);

		if (nl == NULL)
			return;
		smsc.phone.skipping = 0;
		n -= nl + 1 - (smsc.phone.line + smsc.phone.len);
		memmove(smsc.phone.line + smsc.phone.len, nl + 1, (size_t)n);
	}
	smsc.phone.len += (size_t)n;
	phone_input();
}

static void
phone_message(struct smsc_msg *m)
{
	if (strcmp(m->to, smsc.phone_msisdn) != 0) {
		if (!smsc.quiet)
			show_box(m->text, m->op >= 0 ? "USSD (other)" : "SMS (other)");
		return;
	}
	if (m->op < 0) {
		show_box(m->text, "SMS");
		return;
	}
	if (smsc.phone.state != PHONE_WAIT_SCREEN) {
		show_box(m->text, "USSD (late)");
		return;
	}
	event_del(smsc.phone.ev_wait);
	show_box(m->text, "USSD");
	if (m->op == SMPP_USSD_USSR_REQ) {
		smsc.phone.state = PHONE_INPUT;
		phone_prompt("> ");
		phone_input();
	} else {
		printf("(session ended)\n");
		phone_again();
	}
}

/* --- --load ------------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void load_end(int status);

/* Carry out what one caller's event asks, and count what it measured. */
static void
load_apply(struct smsc_caller *c, const struct smsc_caller_act *act, int64_t now)
{
	int op;

	if (act->rtt_ms >= 0 && smsc_caller_sample_add(&smsc.load.rtt,
	    act->rtt_ms) == -1)
		fatal("malloc");
	if (act->dialog_ms >= 0 && smsc_caller_sample_add(&smsc.load.dialog,
	    act->dialog_ms) == -1)
		fatal("malloc");
	if (act->why != SMSC_CALLER_WHY_NONE) {
		smsc.load.retries++;
		smsc.load.why[act->why]++;
	}
	if (act->send != SMSC_CALLER_SEND_NONE) {
		op = act->send == SMSC_CALLER_SEND_DIAL ? SMPP_USSD_PSSR_IND :
		    act->send == SMSC_CALLER_SEND_ABORT ? SMPP_USSD_ABORT :
		    SMPP_USSD_USSR_CONF;
		if (send_mo(c->msisdn, c->service, op, act->text) == -1 &&
		    act->send != SMSC_CALLER_SEND_ABORT)
			smsc_caller_park(c);	/* dialled again once bound */
	}
	if (act->finished) {
		if (c->state == SMSC_CALLER_DONE)
			smsc.load.done++;
		else
			smsc.load.failed++;
		smsc.load.t_last = now;
		for (size_t i = 0; i < smsc.load.nactive; i++)
			if (&smsc.load.list->callers[smsc.load.active[i]] == c) {
				smsc.load.active[i] =
				    smsc.load.active[--smsc.load.nactive];
				break;
			}
	}
}

/* Start callers while there is room (concurrency, rate, a bind). */
static void
load_fill(int64_t now)
{
	struct smsc_caller_act act;

	while (!smsc.load.stopping && smsc.load.next < smsc.load.list->n &&
	    smsc.load.nactive < (size_t)smsc.load.concurrency &&
	    smsc.load.t_lost == 0 && conn_rx() != NULL &&
	    (smsc.load.rate <= 0 || smsc.load.tokens >= 1.0)) {
		size_t i = smsc.load.next++;
		struct smsc_caller *c = &smsc.load.list->callers[i];

		if (smsc.load.rate > 0)
			smsc.load.tokens -= 1.0;
		smsc.load.active[smsc.load.nactive++] = (uint32_t)i;
		smsc_caller_start(c, &smsc.load.cfg, now, &act);
		load_apply(c, &act, now);
	}
}

/* Every SMSC_CALLER_TICK_MS: deadlines, pacing, --duration, the end. */
static void
load_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_caller_act act;
	int64_t now = now_ms();
	size_t i;

	(void)fd;
	(void)what;
	(void)arg;
	if (smsc.load.over)
		return;
	if (smsc.load.rate > 0) {
		double burst = smsc.load.rate / 10 > 1 ? smsc.load.rate / 10 : 1;

		smsc.load.tokens += smsc.load.rate *
		    (double)(now - smsc.load.t_tokens) / 1000.0;
		if (smsc.load.tokens > burst)
			smsc.load.tokens = burst;
	}
	smsc.load.t_tokens = now;
	if (smsc.load.duration_s > 0 && !smsc.load.stopping &&
	    now - smsc.load.t_start >= smsc.load.duration_s * 1000L) {
		log_info("load: --duration over: no new dialog, no retry");
		smsc.load.stopping = 1;
		smsc.load.cfg.stopping = 1;
		for (i = smsc.load.nactive; i-- > 0; ) {
			struct smsc_caller *c =
			    &smsc.load.list->callers[smsc.load.active[i]];

			smsc_caller_stop(c, &act);
			load_apply(c, &act, now);
		}
	}
	if (smsc.load.t_lost != 0 &&
	    now - smsc.load.t_lost > smsc.timeout_s * 1000L) {
		fprintf(stderr, "load: no bind for %d s\n", smsc.timeout_s);
		load_end(EXIT_ERROR);
		return;
	}
	/* Backwards: a finished caller is swapped with the last one. */
	for (i = smsc.load.nactive; i-- > 0; ) {
		struct smsc_caller *c;

		if (i >= smsc.load.nactive)
			continue;
		c = &smsc.load.list->callers[smsc.load.active[i]];
		smsc_caller_tick(c, &smsc.load.cfg, now, &act);
		load_apply(c, &act, now);
	}
	load_fill(now);
	if (smsc.load.nactive == 0 && (smsc.load.stopping ||
	    smsc.load.next == smsc.load.list->n))
		load_end(smsc.load.done == smsc.load.list->n ? EXIT_PASS :
		    EXIT_MISMATCH);
}

static void
load_bound(void)
{
	struct timeval tv = { 0, SMSC_CALLER_TICK_MS * 1000 };
	struct smsc_caller_act act;
	int64_t now = now_ms();

	if (smsc.load.over)
		return;
	if (!smsc.load.started) {
		smsc.load.started = 1;
		event_del(smsc.ev_overall);
		smsc.load.t_start = smsc.load.t_tokens = now;
		smsc.load.tokens = 1.0;
		event_add(smsc.load.ev_tick, &tv);
	}
	if (smsc.load.t_lost != 0)
		log_info("load: bound again after %lld ms",
		    (long long)(now - smsc.load.t_lost));
	smsc.load.t_lost = 0;
	for (size_t i = smsc.load.nactive; i-- > 0; ) {
		struct smsc_caller *c;

		if (i >= smsc.load.nactive)
			continue;
		c = &smsc.load.list->callers[smsc.load.active[i]];
		smsc_caller_bound(c, &smsc.load.cfg, now, &act);
		load_apply(c, &act, now);
	}
	load_fill(now);
}

/* The bind deliver_sm go out on is gone: screens asked for are lost. */
static void
load_lost(void)
{
	struct smsc_caller_act act;
	int64_t now = now_ms();

	if (smsc.load.over || !smsc.load.started)
		return;
	smsc.load.binds_lost++;
	smsc.load.t_lost = now;
	for (size_t i = smsc.load.nactive; i-- > 0; ) {
		struct smsc_caller *c;

		if (i >= smsc.load.nactive)
			continue;
		c = &smsc.load.list->callers[smsc.load.active[i]];
		smsc_caller_lost(c, &smsc.load.cfg, now, &act);
		load_apply(c, &act, now);
	}
}

static void
load_message(const struct smsc_msg *m)
{
	struct smsc_caller_act act;
	struct smsc_caller *c;
	int64_t now = now_ms();

	if (smsc.load.over ||
	    (c = smsc_caller_find(smsc.load.list, m->to)) == NULL)
		return;
	if (m->op >= 0)
		smsc_caller_screen(c, &smsc.load.cfg, m->op, m->text, now, &act);
	else
		smsc_caller_sms(c, &smsc.load.cfg, m->text, now, &act);
	load_apply(c, &act, now);
	load_fill(now);
}

static int
load_results(const char *path)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < smsc.load.list->n; i++) {
		const struct smsc_caller *c = &smsc.load.list->callers[i];
		const char *st = smsc_caller_strstate(c->state);

		if (c->state == SMSC_CALLER_IDLE)
			st = "not_started";
		else if (c->state != SMSC_CALLER_DONE)
			st = "failed";
		fprintf(f, "%s\t%s\t%s\t%d\n", c->msisdn,
		    smsc_caller_strkind(c->kind), st, c->retries);
	}
	if (fclose(f) == EOF) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The figures, once: on stdout, and per caller in --results. */
static void
load_end(int status)
{
	const struct smsc_caller_list *l = smsc.load.list;
	uint64_t retried = 0, unstarted = 0, unfinished = 0;
	int64_t end = smsc.load.t_last ? smsc.load.t_last : now_ms();
	double secs;
	char pct[160];

	if (smsc.load.over)
		return;
	smsc.load.over = 1;
	event_del(smsc.load.ev_tick);
	for (size_t i = 0; i < l->n; i++) {
		const struct smsc_caller *c = &l->callers[i];

		retried += c->retries > 0;
		unstarted += c->state == SMSC_CALLER_IDLE;
		unfinished += c->state != SMSC_CALLER_IDLE &&
		    c->state != SMSC_CALLER_DONE &&
		    c->state != SMSC_CALLER_FAILED;
	}
	if (!smsc.load.started)
		end = smsc.load.t_start = 0;
	secs = (double)(end - smsc.load.t_start) / 1000.0;
	if (smsc.load.rate > 0)
		snprintf(pct, sizeof(pct), "%g/s", smsc.load.rate);
	else
		snprintf(pct, sizeof(pct), "no cap");
	printf("load: %zu callers (a %zu, b %zu, c %zu), concurrency %d, "
	    "rate %s, think 0..%d ms, retries %d\n", l->n,
	    l->nkind[SMSC_CALLER_A], l->nkind[SMSC_CALLER_B], l->nkind[SMSC_CALLER_C],
	    smsc.load.concurrency, pct, smsc.load.cfg.think_ms,
	    smsc.load.cfg.retries);
	printf("callers: done %" PRIu64 ", retried %" PRIu64 ", failed %" PRIu64
	    ", not started %" PRIu64 "\n", smsc.load.done, retried,
	    smsc.load.failed + unfinished, unstarted);
	printf("retries: %" PRIu64 " (timeout %" PRIu64 ", unexpected screen %"
	    PRIu64 ", bind lost %" PRIu64 "); binds lost %" PRIu64 "\n",
	    smsc.load.retries, smsc.load.why[SMSC_CALLER_WHY_TIMEOUT],
	    smsc.load.why[SMSC_CALLER_WHY_SCREEN],
	    smsc.load.why[SMSC_CALLER_WHY_LOST], smsc.load.binds_lost);
	printf("elapsed: %.2f s\n", secs);
	printf("dialogs/s: %.1f\n", secs > 0 ? (double)smsc.load.done / secs : 0.0);
	smsc_caller_pct_str(&smsc.load.dialog, pct, sizeof(pct));
	printf("dial->final ms: %s\n", pct);
	smsc_caller_pct_str(&smsc.load.rtt, pct, sizeof(pct));
	printf("round trip ms: %s\n", pct);
	fflush(stdout);
	if (smsc.load.results && load_results(smsc.load.results) == -1)
		status = EXIT_ERROR;
	finish(status);
}

static int
load_init(void)
{
	struct smsc_caller_list *l;
	char err[256], *text;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(smsc.load.path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "%s: %s\n", smsc.load.path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > SMSC_CALLER_FILE_MAX) {
		fprintf(stderr, "%s: not a regular file under %ld MB\n",
		    smsc.load.path, SMSC_CALLER_FILE_MAX >> 20);
		close(fd);
		return -1;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("malloc");
	while (len < (size_t)st.st_size &&
	    (n = read(fd, text + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: %s\n", smsc.load.path,
			    strerror(errno));
			free(text);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	l = smsc_caller_parse(text, len, err, sizeof(err));
	free(text);
	if (l == NULL) {
		fprintf(stderr, "%s:%s\n", smsc.load.path, err);
		return -1;
	}
	smsc.load.list = l;
	if (smsc.load.nerrors > 0) {
		smsc.load.cfg.errors = smsc.load.errors;
		smsc.load.cfg.nerrors = smsc.load.nerrors;
	}
	if ((size_t)smsc.load.concurrency > l->n)
		smsc.load.concurrency = (int)l->n;
	if ((smsc.load.active = calloc((size_t)smsc.load.concurrency,
	    sizeof(*smsc.load.active))) == NULL)
		fatal("calloc");
	return 0;
}

/* --- common --------------------------------------------------------------- */

static void
on_message(struct smsc_msg *m)
{
	char title[40];

	if (smsc.sms_log && m->op < 0) {
		/* One line per (reassembled) SMS: "TO<TAB>text", \n and \\ escaped. */
		fprintf(smsc.sms_log, "%s\t", m->to);
		for (const char *t = m->text; *t; t++) {
			if (*t == '\n')
				fputs("\\n", smsc.sms_log);
			else if (*t == '\\')
				fputs("\\\\", smsc.sms_log);
			else
				fputc(*t, smsc.sms_log);
		}
		fputc('\n', smsc.sms_log);
		fflush(smsc.sms_log);
	}

	if (smsc.mode != MODE_PHONE && smsc.mode != MODE_LOAD && !smsc.quiet) {
		snprintf(title, sizeof(title), "%s %s", m->op >= 0 ? "USSD" : "SMS",
		    mask(m->to));
		show_box(m->text, title);
		if (m->op == SMPP_USSD_USSR_REQ)
			printf("  (waits for an answer)\n");
		else if (m->op == SMPP_USSD_PSSR_RESP)
			printf("  (end of session)\n");
		else if (m->op >= 0)
			printf("  (ussd_service_op 0x%02x)\n", m->op);
		fflush(stdout);
	}
	switch (smsc.mode) {
	case MODE_SCRIPT:
		if (smsc.run.state != RUN_DONE) {
			run_message(m);	/* the queue takes the text */
			return;
		}
		break;
	case MODE_PHONE:
		phone_message(m);
		break;
	case MODE_LOAD:
		load_message(m);
		break;
	default:
		break;
	}
	msg_clear(m);
}

static void
exit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(smsc.base);
}

/* Unbind every session, wait a little for the answers, leave the loop. */
static void
finish(int status)
{
	struct timeval tv = { 0, SMSC_UNBIND_WAIT_MS * 1000 };
	static struct smpp_pdu p;

	if (smsc.finishing)
		return;
	receipt_flush();
	smsc.finishing = 1;
	smsc.exit_status = status;
	if (smsc.listener)
		evconnlistener_disable(smsc.listener);
	for (int i = 0; i < SMSC_MAX_CONNS; i++) {
		struct smsc_conn *c = smsc.conns[i];

		if (c == NULL)
			continue;
		if (c->bind_id == 0 || c->closing) {
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.command_id = SMPP_UNBIND;
		conn_request(c, &p);
	}
	if (nconns() == 0)
		event_base_loopbreak(smsc.base);
	else
		event_add(smsc.ev_exit, &tv);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	log_info("signal %d: exiting", (int)sig);
	if (smsc.mode == MODE_LOAD && !smsc.load.over)
		load_end(EXIT_ERROR);
	finish(smsc.mode == MODE_SCRIPT || smsc.mode == MODE_LOAD ?
	    EXIT_ERROR : 0);
}

static void
overall_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (smsc.mode == MODE_SCRIPT && smsc.run.state != RUN_DONE) {
		if (smsc.run.state == RUN_WAIT_BIND && smsc.run.si == 0 &&
		    smsc.run.ci == 0)
			fprintf(stderr, "timeout: no bind within %d s\n",
			    smsc.timeout_s);
		else
			run_fail(EXIT_ERROR, "timeout: the run took over %d s",
			    smsc.timeout_s);
		smsc.run.state = RUN_DONE;
	} else if (smsc.mode == MODE_PHONE || smsc.mode == MODE_LOAD)
		fprintf(stderr, "timeout: no bind within %d s\n", smsc.timeout_s);
	if (smsc.mode == MODE_LOAD)
		load_end(EXIT_ERROR);
	finish(EXIT_ERROR);
}

/* --- start-up ------------------------------------------------------------- */

static void
usage(void)
{
	printf(
"usage: tnsgw-smsc -l ADDR:PORT [-u SYSTEM_ID -w PASSWORD] [-t TIMEOUT_S] [-q] MODE\n"
"\n"
"An SMPP 3.4 SMSC simulator that the tnsgw daemon binds to.\n"
"\n"
"modes:\n"
"  --script FILE [--script FILE ...]\n"
"        play each scenario in order over the first bound receiver or\n"
"        transceiver session (format: tests/integration/scenarios/README.md).\n"
"        Exit 0 when all pass, 1 on the first mismatch (file:line, what was\n"
"        expected, what came), 2 on usage/IO errors or a timeout.\n"
"  --phone MSISDN [--code '*1515#']\n"
"        interactive phone: dials the code once the daemon has bound, shows\n"
"        each screen, reads the answer from stdin (\"> \"); when the session\n"
"        ends, an empty line dials again and 'q' quits. EOF quits.\n"
"  --serve\n"
"        only accept binds and answer, until SIGTERM/SIGINT.\n"
"  --load CALLERS_FILE [--concurrency C] [--rate R] [--duration S]\n"
"         [--retries K] [--think MS] [--results FILE] [--error-text TEXT ...]\n"
"         [--otp-sms TEXT] [--otp-screen TEXT] [--docs-screen TEXT]\n"
"        many callers at once, one per line of CALLERS_FILE:\n"
"          KIND MSISDN \"DIAL_STRING\"     (# comments, blank lines ok)\n"
"        KIND a: the first screen ends the session; b: a screen asking for\n"
"        the OTP, answered with the code of the SMS to MSISDN, then a final\n"
"        screen (a first screen that ends, \"already sent\", is done too);\n"
"        c: the category list, answered \"1\", then a screen with\n"
"        --docs-screen [\"%s\"] (paged: the caller hangs up). A step\n"
"        that takes over %d s, an unexpected screen or a lost bind dials\n"
"        again, K times at most [%d], then the caller failed. C callers at\n"
"        once [%d], at most R new dialogs a second [no cap], no new one\n"
"        after S seconds [none]; waits for the daemon to bind again (-t).\n"
"        --think: before each answer the caller reads for 0..MS ms [0].\n"
"        Prints callers done/retried/failed, dialogs/s and latency\n"
"        percentiles (dial -> final screen, MO -> next screen); --results\n"
"        writes \"MSISDN<TAB>KIND<TAB>done|failed|not_started<TAB>RETRIES\".\n"
"        A screen containing an --error-text (default: the French service\n"
"        error, locked, mismatch, expired, void code texts) is never a\n"
"        success; an SMS with --otp-sms [\"%s\"] carries the OTP (its first\n"
"        4-10 digits), a screen with --otp-screen [\"%s\"] asks for it.\n"
"        Exit 0 every caller done, 1 some failed or not started, 2 error.\n"
"\n"
"options:\n"
"  -l, --listen ADDR:PORT  address to listen on (e.g. 127.0.0.1:2775)\n"
"  -u, --system-id ID      refuse binds with another system_id (ESME_RINVSYSID)\n"
"  -w, --password PW       refuse binds with another password (ESME_RINVPASWD)\n"
"  -t, --timeout S         --script: whole run; --phone: wait for the bind;\n"
"                          --load: wait for the first bind and each rebind [30]\n"
"                          (each expect waits at most %d s)\n"
"  -q, --quiet             no screen log (the phone still shows its screens)\n"
"  -v, --verbose           also log every PDU (addresses masked, bodies as lengths)\n"
"      --sms-log FILE      append every SMS received (not USSD screens) to FILE,\n"
"                          one line each: MSISDN, a tab, the text (\\n escaped)\n"
"      --resp-delay MS     answer each plain SMS's submit_sm after 0..MS ms, as a\n"
"                          busy SMSC (the SMS is taken at once; screens: no delay)\n"
"      --dlr MODE          delivery receipts for messages sent with\n"
"                          registered_delivery bit 0, as a deliver_sm (esm_class\n"
"                          0x04) on the receiver/transceiver session: none [default];\n"
"                          text (SMPP 3.4 appendix B \"id:N ... stat:...\");\n"
"                          tlv (receipted_message_id + message_state, no text);\n"
"                          hex (message ids answered in hex, \"1a2f\", while the\n"
"                          receipt text says the same number in decimal)\n"
"      --dlr-stat STAT     the receipts' state: DELIVRD [default], UNDELIV,\n"
"                          EXPIRED, DELETED, ACCEPTD, REJECTD, UNKNOWN, ENROUTE\n"
"      --dlr-delay MS      send each receipt MS ms after the message's response [0];\n"
"                          those still waiting when a run ends go out at once\n"
"      --msgid-start N     message ids count from N [1]\n"
"  -h, --help              this text\n",
	    SMSC_CALLER_DOCS_SCREEN, SMSC_CALLER_STEP_MS / 1000, SMSC_CALLER_RETRIES,
	    SMSC_CALLER_CONC_DEF,
	    SMSC_CALLER_OTP_SMS, SMSC_CALLER_OTP_SCREEN, SMSC_EXPECT_S);
}

static int
load_script(const char *path)
{
	struct smsc_script *s;
	char err[256], *text;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	if (smsc.nscripts == SMSC_MAX_SCRIPTS) {
		fprintf(stderr, "more than %d scripts\n", SMSC_MAX_SCRIPTS);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > SMSC_SCRIPT_FILE_MAX) {
		fprintf(stderr, "%s: not a regular file under 1 MB\n", path);
		close(fd);
		return -1;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("malloc");
	while (len < (size_t)st.st_size &&
	    (n = read(fd, text + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			free(text);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	s = smsc_script_parse(text, len, err, sizeof(err));
	free(text);
	if (s == NULL) {
		fprintf(stderr, "%s:%s\n", path, err);
		return -1;
	}
	smsc.files[smsc.nscripts] = path;
	smsc.scripts[smsc.nscripts++] = s;
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	enum { O_SCRIPT = 256, O_PHONE, O_CODE, O_SERVE, O_SMSLOG, O_LOAD,
	    O_CONC, O_RATE, O_DURATION, O_RETRIES, O_RESULTS, O_ERRTEXT,
	    O_OTPSMS, O_OTPSCREEN, O_DOCSSCREEN, O_THINK, O_RESPDELAY,
	    O_DLR, O_DLRSTAT, O_DLRDELAY, O_MSGIDSTART };
	static const struct option opts[] = {
		{ "listen",	required_argument, NULL, 'l' },
		{ "system-id",	required_argument, NULL, 'u' },
		{ "password",	required_argument, NULL, 'w' },
		{ "timeout",	required_argument, NULL, 't' },
		{ "quiet",	no_argument,       NULL, 'q' },
		{ "verbose",	no_argument,       NULL, 'v' },
		{ "help",	no_argument,       NULL, 'h' },
		{ "script",	required_argument, NULL, O_SCRIPT },
		{ "phone",	required_argument, NULL, O_PHONE },
		{ "code",	required_argument, NULL, O_CODE },
		{ "serve",	no_argument,       NULL, O_SERVE },
		{ "sms-log",	required_argument, NULL, O_SMSLOG },
		{ "load",	required_argument, NULL, O_LOAD },
		{ "concurrency", required_argument, NULL, O_CONC },
		{ "rate",	required_argument, NULL, O_RATE },
		{ "duration",	required_argument, NULL, O_DURATION },
		{ "retries",	required_argument, NULL, O_RETRIES },
		{ "results",	required_argument, NULL, O_RESULTS },
		{ "error-text",	required_argument, NULL, O_ERRTEXT },
		{ "otp-sms",	required_argument, NULL, O_OTPSMS },
		{ "otp-screen",	required_argument, NULL, O_OTPSCREEN },
		{ "docs-screen", required_argument, NULL, O_DOCSSCREEN },
		{ "think",	required_argument, NULL, O_THINK },
		{ "resp-delay",	required_argument, NULL, O_RESPDELAY },
		{ "dlr",	required_argument, NULL, O_DLR },
		{ "dlr-stat",	required_argument, NULL, O_DLRSTAT },
		{ "dlr-delay",	required_argument, NULL, O_DLRDELAY },
		{ "msgid-start", required_argument, NULL, O_MSGIDSTART },
		{ NULL, 0, NULL, 0 },
	};
	enum smsc_mode m;
	char *end;
	long v;
	int ch;

	smsc.timeout_s = 30;
	smsc.phone_code = "*1515#";
	smsc.dlr_stat = "DELIVRD";
	smsc_caller_cfg_init(&smsc.load.cfg);
	smsc.load.concurrency = SMSC_CALLER_CONC_DEF;
	while ((ch = getopt_long(argc, argv, "l:u:w:t:qvh", opts, NULL)) != -1) {
		m = MODE_NONE;
		switch (ch) {
		case 'l':
			smsc.listen = optarg;
			break;
		case 'u':
			smsc.system_id = optarg;
			break;
		case 'w':
			smsc.password = optarg;
			break;
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 86400) {
				fprintf(stderr, "-t: 1..86400 seconds\n");
				return -1;
			}
			smsc.timeout_s = (int)v;
			break;
		case 'q':
			smsc.quiet = 1;
			break;
		case 'v':
			smsc.verbose = 1;
			break;
		case 'h':
			usage();
			exit(0);
		case O_SCRIPT:
			m = MODE_SCRIPT;
			if (load_script(optarg) == -1)
				return -1;
			break;
		case O_PHONE:
			m = MODE_PHONE;
			v = (long)strlen(optarg);
			if (v == 0 || v > SMSC_SCRIPT_ADDR_MAX ||
			    strspn(optarg, "0123456789") != (size_t)v) {
				fprintf(stderr, "--phone: MSISDN of 1..%d digits\n",
				    SMSC_SCRIPT_ADDR_MAX);
				return -1;
			}
			snprintf(smsc.phone_msisdn, sizeof(smsc.phone_msisdn),
			    "%s", optarg);
			break;
		case O_CODE:
			smsc.phone_code = optarg;
			break;
		case O_SMSLOG:
			if ((smsc.sms_log = fopen(optarg, "a")) == NULL) {
				fprintf(stderr, "%s: %s\n", optarg, strerror(errno));
				return -1;
			}
			break;
		case O_SERVE:
			m = MODE_SERVE;
			break;
		case O_LOAD:
			m = MODE_LOAD;
			smsc.load.path = optarg;
			break;
		case O_CONC:
		case O_DURATION:
		case O_RETRIES:
		case O_THINK:
		case O_RESPDELAY: {
			long lo = ch == O_CONC || ch == O_DURATION ? 1 : 0;
			long hi = ch == O_CONC ? SMSC_CALLER_CONC_MAX :
			    ch == O_RETRIES ? 100 : ch == O_THINK ? 60000 :
			    ch == O_RESPDELAY ? 30000 : 86400;
			const char *name = ch == O_CONC ? "concurrency" :
			    ch == O_RETRIES ? "retries" : ch == O_THINK ?
			    "think" : ch == O_RESPDELAY ? "resp-delay" :
			    "duration";

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < lo || v > hi) {
				fprintf(stderr, "--%s: %ld..%ld\n", name, lo, hi);
				return -1;
			}
			if (ch == O_CONC)
				smsc.load.concurrency = (int)v;
			else if (ch == O_RETRIES)
				smsc.load.cfg.retries = (int)v;
			else if (ch == O_THINK)
				smsc.load.cfg.think_ms = (int)v;
			else if (ch == O_RESPDELAY)
				smsc.resp_delay_ms = (int)v;
			else
				smsc.load.duration_s = (int)v;
			break;
		}
		case O_RATE: {
			double r;

			errno = 0;
			r = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(r > 0) ||
			    r > 1e6) {
				fprintf(stderr, "--rate: dialogs a second, "
				    "over 0, at most 1000000\n");
				return -1;
			}
			smsc.load.rate = r;
			break;
		}
		case O_RESULTS:
			smsc.load.results = optarg;
			break;
		case O_DLR:
			if (smsc_dlr_mode_parse(optarg, &smsc.dlr_mode) == -1) {
				fprintf(stderr, "--dlr: none, text, tlv or hex\n");
				return -1;
			}
			break;
		case O_DLRSTAT:
			if (smsc_dlr_stat_state(optarg) < 0) {
				fprintf(stderr, "--dlr-stat: DELIVRD, UNDELIV, "
				    "EXPIRED, DELETED, ACCEPTD, REJECTD, UNKNOWN "
				    "or ENROUTE\n");
				return -1;
			}
			smsc.dlr_stat = optarg;
			break;
		case O_DLRDELAY:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 600000) {
				fprintf(stderr, "--dlr-delay: 0..600000 ms\n");
				return -1;
			}
			smsc.dlr_delay_ms = (int)v;
			break;
		case O_MSGIDSTART: {
			unsigned long long u;

			errno = 0;
			u = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' ||
			    u < 1 || u > (1ULL << 62)) {
				fprintf(stderr, "--msgid-start: 1..%llu\n",
				    1ULL << 62);
				return -1;
			}
			smsc.message_id = u - 1;
			break;
		}
		case O_ERRTEXT:
			if (smsc.load.nerrors == SMSC_CALLER_ERRORS_MAX ||
			    optarg[0] == '\0') {
				fprintf(stderr, "--error-text: %d non-empty "
				    "texts at most\n", SMSC_CALLER_ERRORS_MAX);
				return -1;
			}
			smsc.load.errors[smsc.load.nerrors++] = optarg;
			break;
		case O_OTPSMS:
			smsc.load.cfg.otp_sms = optarg;
			break;
		case O_OTPSCREEN:
			smsc.load.cfg.otp_screen = optarg;
			break;
		case O_DOCSSCREEN:
			smsc.load.cfg.docs_screen = optarg;
			break;
		default:
			return -1;
		}
		if (m != MODE_NONE) {
			if (smsc.mode != MODE_NONE && smsc.mode != m) {
				fprintf(stderr, "one mode only\n");
				return -1;
			}
			smsc.mode = m;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	if (smsc.mode == MODE_NONE || smsc.listen == NULL) {
		fprintf(stderr, "need -l ADDR:PORT and a mode\n");
		return -1;
	}
	if (smsc.mode == MODE_LOAD && load_init() == -1)
		return -1;
	if (smsc.mode == MODE_PHONE && (strlen(smsc.phone_code) > 160 ||
	    smsc_script_service(smsc.phone_code, smsc.phone_service,
	    sizeof(smsc.phone_service)) == -1)) {
		fprintf(stderr, "--code: not a dial string: %s\n", smsc.phone_code);
		return -1;
	}
	return 0;
}

static int
listen_on(const char *addr)
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
	smsc.listener = evconnlistener_new_bind(smsc.base, accept_cb, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    16, (struct sockaddr *)&ss, sslen);
	if (smsc.listener == NULL) {
		fprintf(stderr, "listen on %s: %s\n", addr, strerror(errno));
		return -1;
	}
	fd = evconnlistener_get_fd(smsc.listener);
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

int
main(int argc, char **argv)
{
	struct event_config *cfg;
	struct timeval tv;

	log_init(LOG_LVL_INFO);
	if (parse_args(argc, argv) == -1) {
		fprintf(stderr, "usage: tnsgw-smsc -l ADDR:PORT [-u ID -w PW] "
		    "[-t S] [-q] [-v] --script FILE... | --phone MSISDN | --serve "
		    "| --load CALLERS_FILE (see --help)\n");
		return EXIT_ERROR;
	}
	if (smsc.quiet)
		log_init(LOG_LVL_WARNING);
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	/* epoll refuses regular files, and the phone may read one as stdin. */
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	if (smsc.mode == MODE_PHONE)
		event_config_avoid_method(cfg, "epoll");
	smsc.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (smsc.base == NULL)
		fatalx("event_base_new");

	if (listen_on(smsc.listen) == -1)
		return EXIT_ERROR;
	smsc.ev_sigint = evsignal_new(smsc.base, SIGINT, signal_cb, NULL);
	smsc.ev_sigterm = evsignal_new(smsc.base, SIGTERM, signal_cb, NULL);
	smsc.ev_exit = evtimer_new(smsc.base, exit_cb, NULL);
	smsc.ev_overall = evtimer_new(smsc.base, overall_cb, NULL);
	smsc.run.ev_wait = evtimer_new(smsc.base, run_wait_cb, NULL);
	smsc.phone.ev_wait = evtimer_new(smsc.base, phone_wait_cb, NULL);
	smsc.phone.ev_stdin = event_new(smsc.base, STDIN_FILENO,
	    EV_READ | EV_PERSIST, phone_stdin_cb, NULL);
	smsc.load.ev_tick = event_new(smsc.base, -1, EV_PERSIST, load_tick_cb,
	    NULL);
	if (!smsc.ev_sigint || !smsc.ev_sigterm || !smsc.ev_exit ||
	    !smsc.ev_overall || !smsc.run.ev_wait || !smsc.phone.ev_wait ||
	    !smsc.phone.ev_stdin || !smsc.load.ev_tick)
		fatalx("event_new");
	evsignal_add(smsc.ev_sigint, NULL);
	evsignal_add(smsc.ev_sigterm, NULL);
	msg_clear(&smsc.run.screen);
	msg_clear(&smsc.run.sms);

	if (smsc.mode != MODE_SERVE) {
		tv.tv_sec = smsc.timeout_s;
		tv.tv_usec = 0;
		event_add(smsc.ev_overall, &tv);
	}
	if (smsc.mode == MODE_PHONE)
		printf("Phone %s: waiting for the gateway to bind on %s\n",
		    smsc.phone_msisdn, smsc.listen);
	if (smsc.mode == MODE_LOAD)
		log_info("load: %zu callers, waiting for the gateway to bind",
		    smsc.load.list->n);
	fflush(stdout);

	event_base_dispatch(smsc.base);

	for (int i = 0; i < SMSC_MAX_CONNS; i++)
		if (smsc.conns[i]) {
			event_free(smsc.conns[i]->ev_timer);
			bufferevent_free(smsc.conns[i]->bev);
			free(smsc.conns[i]);
		}
	while (smsc.delayed) {
		struct smsc_delayed *d = smsc.delayed;

		smsc.delayed = d->next;
		event_free(d->ev);
		if (d->receipt)
			receipt_free(d->receipt);
		free(d);
	}
	while (smsc.receipts)
		receipt_free(smsc.receipts);
	for (int i = 0; i < smsc.run.nqueue; i++)
		msg_clear(&smsc.run.queue[i]);
	for (int i = 0; i < SMSC_CONCAT_SLOTS; i++)
		concat_free(&smsc.concat[i]);
	msg_clear(&smsc.run.screen);
	msg_clear(&smsc.run.sms);
	for (int i = 0; i < smsc.nscripts; i++)
		smsc_script_free(smsc.scripts[i]);
	evconnlistener_free(smsc.listener);
	event_free(smsc.ev_sigint);
	event_free(smsc.ev_sigterm);
	event_free(smsc.ev_exit);
	event_free(smsc.ev_overall);
	event_free(smsc.run.ev_wait);
	event_free(smsc.phone.ev_wait);
	event_free(smsc.phone.ev_stdin);
	event_free(smsc.load.ev_tick);
	smsc_caller_list_free(smsc.load.list);
	free(smsc.load.active);
	smsc_caller_samples_free(&smsc.load.rtt);
	smsc_caller_samples_free(&smsc.load.dialog);
	event_base_free(smsc.base);
	fflush(stdout);
	return smsc.exit_status;
}
