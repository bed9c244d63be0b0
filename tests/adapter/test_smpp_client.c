/*
 * test_smpp_client: the client against a tiny scripted SMSC on 127.0.0.1
 * (ephemeral port) inside the same libevent loop: bind, enquire_link,
 * unknown command, bad body, deliver_sm answered before on_deliver,
 * submit answered / timed out / lost on a garbage length, refused bind,
 * reconnect, unbind on stop; then the two priorities (screens ahead of SMS,
 * the window share kept for screens, SMS never starved, TPS for both).
 * A hard loop deadline makes it always end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "smpp_client.h"
#include "smpp_pdu.h"

struct srv {
	struct event_base     *base;
	struct evconnlistener *l;
	struct bufferevent    *bev;
	int port;
	int nconn;
	int enq_resp_ok, nack_ok, bad_resp_ok, dresp_ok, order_ok;
	int submits, unbinds, binds;
	int bind_iv;
};

struct cli {
	struct smpp_client *c;
	int nbound, nunbound, ndeliver, stopped;
	int done_ok, done_timeout, done_closed;
	uint32_t last_status;
};

static struct srv S;
static struct cli C;
static void srv_pdu(const struct smpp_pdu *);
static void (*srv_handler)(const struct smpp_pdu *) = srv_pdu;

static void
srv_send(struct smpp_pdu *p)
{
	uint8_t b[2048];
	char err[128];
	long n = smpp_pdu_encode(p, b, sizeof(b), err, sizeof(err));

	if (n < 0)
		fail_msg("server encode: %s", err);
	bufferevent_write(S.bev, b, (size_t)n);
}

static void
srv_simple(uint32_t id, uint32_t status, uint32_t seq)
{
	struct smpp_pdu p;

	memset(&p, 0, sizeof(p));
	p.command_id = id;
	p.command_status = status;
	p.sequence = seq;
	srv_send(&p);
}

static void
srv_deliver(uint32_t seq)
{
	static const uint8_t op = 0x01;
	struct smpp_pdu p;

	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_DELIVER_SM;
	p.sequence = seq;
	p.source_addr_ton = 1;
	p.source_addr_npi = 1;
	strcpy(p.source_addr, "212612340123");
	strcpy(p.destination_addr, "1515");
	p.sm_len = 6;
	memcpy(p.sm, "*1515#", 6);
	smpp_pdu_tlv_add(&p, SMPP_TLV_USSD_SERVICE_OP, &op, 1);
	srv_send(&p);
}

static void
srv_pdu(const struct smpp_pdu *p)
{
	static const uint8_t bad[] = {	/* deliver_sm cut inside a string */
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x34,
		'U', 'S', 'S', 'D',
	};
	static const uint8_t unknown[] = {
		0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x77,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33,
	};
	static const uint8_t garbage[] = {
		0x00, 0x00, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	};
	struct smpp_pdu r;

	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER:
		S.binds++;
		S.bind_iv = p->interface_version;
		assert_string_equal(p->system_id, "tnsgw");
		assert_string_equal(p->password, "pw");
		memset(&r, 0, sizeof(r));
		r.command_id = SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT;
		r.sequence = p->sequence;
		strcpy(r.system_id, "SMSC");
		if (S.nconn == 2) {	/* second connection: refused */
			r.command_status = SMPP_ESME_RINVPASWD;
			r.system_id[0] = '\0';
		}
		srv_send(&r);
		if (S.nconn == 1) {
			srv_simple(SMPP_ENQUIRE_LINK, 0, 50);
			bufferevent_write(S.bev, unknown, sizeof(unknown));
			bufferevent_write(S.bev, bad, sizeof(bad));
			srv_deliver(100);
		}
		break;
	case SMPP_ENQUIRE_LINK | SMPP_RESP_BIT:
		S.enq_resp_ok = p->sequence == 50;
		break;
	case SMPP_GENERIC_NACK:
		S.nack_ok = p->sequence == 0x33 &&
		    p->command_status == SMPP_ESME_RINVCMDID;
		break;
	case SMPP_DELIVER_SM | SMPP_RESP_BIT:
		if (p->sequence == 0x34)
			S.bad_resp_ok = p->command_status == SMPP_ESME_RINVMSGLEN;
		else if (p->sequence == 100)
			S.dresp_ok = p->command_status == SMPP_ESME_ROK;
		break;
	case SMPP_SUBMIT_SM:
		S.submits++;
		if (S.submits == 1) {
			/* the deliver_sm_resp came before on_deliver's submit */
			S.order_ok = S.dresp_ok;
			assert_int_equal(p->sm_len, 3);
			memset(&r, 0, sizeof(r));
			r.command_id = SMPP_SUBMIT_SM | SMPP_RESP_BIT;
			r.sequence = p->sequence;
			strcpy(r.message_id, "abc");
			srv_send(&r);
		} else if (S.submits == 3)
			bufferevent_write(S.bev, garbage, sizeof(garbage));
		/* submit 2: never answered */
		break;
	case SMPP_UNBIND:
		S.unbinds++;
		srv_simple(SMPP_UNBIND | SMPP_RESP_BIT, 0, p->sequence);
		break;
	default:
		break;
	}
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
		assert_int_equal(smpp_pdu_decode(d, (size_t)len, &p, err,
		    sizeof(err)), SMPP_DECODE_OK);
		evbuffer_drain(in, (size_t)len);
		srv_handler(&p);
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
	S.nconn++;
	S.bev = bufferevent_socket_new(S.base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(S.bev, srv_read, NULL, srv_event, NULL);
	bufferevent_enable(S.bev, EV_READ | EV_WRITE);
}

static void
submit_text(const char *text, smpp_client_done_cb *done)
{
	struct smpp_pdu p;

	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	strcpy(p.source_addr, "1515");
	strcpy(p.destination_addr, "212612340123");
	p.sm_len = (uint16_t)strlen(text);
	memcpy(p.sm, text, p.sm_len);
	assert_int_equal(smpp_client_submit(C.c, &p, done, &C), 0);
}

static void
done3(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	(void)arg;
	C.last_status = status;
	assert_null(resp);
	C.done_closed = status == SMPP_CLIENT_E_CLOSED;
}

static void
done2(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	(void)arg;
	assert_null(resp);
	C.done_timeout = status == SMPP_CLIENT_E_TIMEOUT;
	submit_text("pending", done3);
}

static void
done1(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	(void)arg;
	assert_int_equal(status, SMPP_ESME_ROK);
	assert_non_null(resp);
	assert_string_equal(resp->message_id, "abc");
	C.done_ok = 1;
	submit_text("no answer", done2);
}

static void
on_bound(struct smpp_client *c, void *arg)
{
	(void)arg;
	assert_int_equal(smpp_client_state(c), SMPP_CLIENT_BOUND);
	if (++C.nbound == 2)
		smpp_client_stop(c);
}

static void
on_unbound(struct smpp_client *c, const char *reason, void *arg)
{
	(void)c;
	(void)arg;
	assert_non_null(reason);
	C.nunbound++;
}

static uint32_t
on_deliver(struct smpp_client *c, const struct smpp_pdu *p, void *arg)
{
	const struct smpp_tlv *t;

	(void)c;
	(void)arg;
	C.ndeliver++;
	assert_int_equal(p->sequence, 100);
	assert_string_equal(p->source_addr, "212612340123");
	t = smpp_pdu_tlv_get(p, SMPP_TLV_USSD_SERVICE_OP);
	assert_non_null(t);
	assert_int_equal(t->val[0], 0x01);
	submit_text("Bye", done1);
	return SMPP_ESME_ROK;
}

static void
on_stopped(struct smpp_client *c, void *arg)
{
	(void)arg;
	assert_int_equal(smpp_client_state(c), SMPP_CLIENT_CLOSED);
	C.stopped = 1;
	event_base_loopexit(S.base, NULL);
}

static void
fill_conf(struct config_bind *conf, int port)
{
	memset(conf, 0, sizeof(*conf));
	strcpy(conf->name, "test");
	strcpy(conf->host, "127.0.0.1");
	conf->port = port;
	strcpy(conf->system_id, "tnsgw");
	strcpy(conf->password, "pw");
	strcpy(conf->system_type, "USSD");
	conf->window = 2;
	conf->enquire_link_s = 30;
	conf->response_timeout_s = 1;
	conf->reconnect_min_s = 0;
	conf->reconnect_max_s = 1;
	conf->max_pdu = SMPP_MAX_PDU;
	conf->trace = 1;
}

static const struct smpp_client_cb cbs = {
	on_bound, on_unbound, on_deliver, on_stopped, NULL,
};

/* A fresh server state and a listener on an ephemeral loopback port. */
static void
srv_start(void (*handler)(const struct smpp_pdu *))
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(&S, 0, sizeof(S));
	srv_handler = handler;
	S.base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	S.l = evconnlistener_new_bind(S.base, srv_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	assert_non_null(S.l);
	getsockname(evconnlistener_get_fd(S.l), (struct sockaddr *)&sin, &sl);
	S.port = ntohs(sin.sin_port);
}

static void
test_scenario(void **state)
{
	struct config_bind conf;
	struct timeval deadline = { 8, 0 };
	const struct smpp_client_stats *st;

	(void)state;
	srv_start(srv_pdu);
	memset(&C, 0, sizeof(C));
	fill_conf(&conf, S.port);
	C.c = smpp_client_new(S.base, &conf, &cbs, &C);
	assert_non_null(C.c);
	assert_string_equal(smpp_client_name(C.c), "test");
	assert_int_equal(smpp_client_state(C.c), SMPP_CLIENT_IDLE);
	assert_int_equal(smpp_client_start(C.c), 0);
	assert_int_equal(smpp_client_start(C.c), -1);
	event_base_loopexit(S.base, &deadline);
	event_base_dispatch(S.base);

	assert_int_equal(S.bind_iv, 0x34);
	assert_true(S.enq_resp_ok);
	assert_true(S.nack_ok);
	assert_true(S.bad_resp_ok);
	assert_true(S.dresp_ok);
	assert_true(S.order_ok);
	assert_int_equal(C.ndeliver, 1);
	assert_true(C.done_ok);
	assert_true(C.done_timeout);
	assert_true(C.done_closed);
	assert_int_equal(S.nconn, 3);		/* garbage, refused bind, ok */
	assert_int_equal(S.binds, 3);
	assert_int_equal(C.nbound, 2);
	assert_int_equal(C.nunbound, 2);	/* garbage close, stop */
	assert_int_equal(S.unbinds, 1);
	assert_true(C.stopped);
	st = smpp_client_stats(C.c);
	assert_int_equal(st->submit_ok, 1);
	assert_int_equal(st->timeouts, 1);
	assert_int_equal(st->reconnects, 2);
	assert_true(st->nacks_sent >= 1);
	assert_true(st->bad_pdus >= 3);		/* unknown, bad body, garbage */
	assert_int_equal(smpp_client_submit(C.c, &(struct smpp_pdu){
	    .command_id = SMPP_SUBMIT_SM }, done1, NULL), -1);

	smpp_client_free(C.c);
	if (S.bev)
		bufferevent_free(S.bev);
	evconnlistener_free(S.l);
	event_base_free(S.base);
}

static int stopped_idle;

static void
idle_stopped(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	stopped_idle++;
}

/* Stop before start: on_stopped still fires once, from the loop; a
 * connect that is refused reconnects until stopped. */
static void
test_stop_idle_and_refused(void **state)
{
	struct smpp_client_cb cb = { NULL, NULL, NULL, idle_stopped, NULL };
	struct event_base *base = event_base_new();
	struct config_bind conf;
	struct smpp_client *c;
	struct timeval tv = { 0, 500000 };
	struct smpp_pdu p;
	const char *err;
	char saved[128];
	int64_t when, when2;

	(void)state;
	fill_conf(&conf, 1);	/* nothing listens on port 1 */
	conf.trace = 0;
	c = smpp_client_new(base, &conf, &cb, NULL);
	/* /status's last error: none yet, nothing in the window or queued. */
	assert_string_equal(smpp_client_last_error(c, &when), "");
	assert_int_equal(when, 0);
	assert_int_equal(smpp_client_window_used(c), 0);
	assert_int_equal(smpp_client_queued(c), 0);
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	assert_int_equal(smpp_client_submit(c, &p, NULL, NULL), -1);
	smpp_client_stop(c);
	assert_int_equal(stopped_idle, 0);	/* not re-entrantly */
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(stopped_idle, 1);
	assert_int_equal(smpp_client_start(c), -1);
	smpp_client_free(c);

	c = smpp_client_new(base, &conf, &cb, NULL);
	assert_int_equal(smpp_client_start(c), 0);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_true(smpp_client_stats(c)->reconnects >= 1);
	assert_true(smpp_client_state(c) == SMPP_CLIENT_IDLE ||
	    smpp_client_state(c) == SMPP_CLIENT_CONNECTING);
	/* The refused connect is the last error, with its time. */
	err = smpp_client_last_error(c, &when);
	assert_true(err[0] != '\0');
	assert_true(when > 0);
	snprintf(saved, sizeof(saved), "%s", err);
	smpp_client_stop(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(stopped_idle, 2);
	/* Our own stop is not an error: the last one stays. */
	assert_string_equal(smpp_client_last_error(c, &when2), saved);
	assert_true(when2 == when);
	assert_int_equal(smpp_client_state(c), SMPP_CLIENT_CLOSED);
	smpp_client_free(c);
	event_base_free(base);
}

/* ---- priorities ---- */

#define PRIO_MAX 32

/*
 * One case: the window (and TPS), how late the peer answers each kind,
 * the submits made at once when bound ('N' normal, 'U' urgent, in this
 * order), and the order the peer must see them in.
 */
struct prio_case {
	const char *name;
	int window, tps;
	int normal_delay_ms, urgent_delay_ms;
	const char *plan;
	const char *want;
	int min_ms;		/* least time the sends must take (TPS) */
	int u_while_n_out;	/* first U sent with SMS out, unanswered */
};

static struct {
	const struct prio_case *pc;
	struct smpp_client *c;
	char seen[PRIO_MAX + 1];	/* kinds in arrival order at the peer */
	int nseen;
	int normal_answered_at_u;	/* normal resps sent before the first U */
	int normal_out_at_u;		/* normals outstanding then */
	int normal_answered, normal_seen;
	int ndone[PRIO_MAX];		/* done callbacks per request */
	uint32_t status[PRIO_MAX];
	int first_done;			/* kind of the first completion */
	int total_done, stopped;
	struct timespec t0;
} P;

static void
prio_resp_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	if (S.bev == NULL)
		return;
	srv_simple(SMPP_SUBMIT_SM | SMPP_RESP_BIT, SMPP_ESME_ROK,
	    (uint32_t)(uintptr_t)arg);
	P.normal_answered++;
}

static void
prio_srv_pdu(const struct smpp_pdu *p)
{
	struct smpp_pdu r;
	struct timeval tv;
	int urgent, delay;

	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER:
		memset(&r, 0, sizeof(r));
		r.command_id = SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT;
		r.sequence = p->sequence;
		strcpy(r.system_id, "SMSC");
		srv_send(&r);
		break;
	case SMPP_SUBMIT_SM:
		assert_true(p->sm_len >= 1);
		assert_true(P.nseen < PRIO_MAX);
		urgent = p->sm[0] == 'U';
		P.seen[P.nseen++] = (char)p->sm[0];
		if (urgent && strchr(P.seen, 'U') == &P.seen[P.nseen - 1]) {
			P.normal_answered_at_u = P.normal_answered;
			P.normal_out_at_u = P.normal_seen - P.normal_answered;
		}
		if (!urgent)
			P.normal_seen++;
		delay = urgent ? P.pc->urgent_delay_ms : P.pc->normal_delay_ms;
		if (delay == 0 && urgent) {
			srv_simple(SMPP_SUBMIT_SM | SMPP_RESP_BIT, SMPP_ESME_ROK,
			    p->sequence);
			break;
		}
		/* Normal answers always go through the loop, in order. */
		tv.tv_sec = 0;
		tv.tv_usec = delay * 1000;
		assert_int_equal(event_base_once(S.base, -1, EV_TIMEOUT,
		    prio_resp_cb, (void *)(uintptr_t)p->sequence, &tv), 0);
		break;
	case SMPP_UNBIND:
		srv_simple(SMPP_UNBIND | SMPP_RESP_BIT, 0, p->sequence);
		break;
	default:
		break;
	}
}

static void
prio_done(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	int i = (int)(intptr_t)arg;

	(void)resp;
	assert_true(i >= 0 && i < PRIO_MAX);
	if (P.total_done == 0)
		P.first_done = P.pc->plan[i];
	P.ndone[i]++;
	P.status[i] = status;
	if (++P.total_done == (int)strlen(P.pc->plan))
		smpp_client_stop(P.c);
}

static void
prio_bound(struct smpp_client *c, void *arg)
{
	const char *plan = P.pc->plan;
	struct smpp_pdu p;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &P.t0);
	for (int i = 0; plan[i] != '\0'; i++) {
		memset(&p, 0, sizeof(p));
		p.command_id = SMPP_SUBMIT_SM;
		strcpy(p.source_addr, "1515");
		strcpy(p.destination_addr, "212612340123");
		p.sm_len = (uint16_t)snprintf((char *)p.sm, sizeof(p.sm),
		    "%c%02d", plan[i], i);
		assert_int_equal(plan[i] == 'U' ?
		    smpp_client_submit_prio(c, &p, 1, prio_done,
		    (void *)(intptr_t)i) :
		    smpp_client_submit(c, &p, prio_done, (void *)(intptr_t)i), 0);
	}
}

static void
prio_stopped(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	P.stopped = 1;
	event_base_loopexit(S.base, NULL);
}

static const struct prio_case prio_cases[] = {
	/* Window 4: SMS hold at most 3 slots; the screen goes at once,
	 * ahead of the 7 queued, while 3 SMS wait for their answers. */
	{ "screen jumps queued SMS", 4, 0, 100, 0,
	  "NNNNNNNNNNU", "NNNUNNNNNNN", 0, 1 },
	/* Screens queued behind a full window still pass every SMS. */
	{ "screens before queued SMS", 4, 0, 100, 0,
	  "NNNNNNNNNNUUU", "NNNUUUNNNNNNN", 0, 1 },
	/* Window 10: one slot kept; window 20: two. */
	{ "window 10", 10, 0, 100, 0, "NNNNNNNNNNNNU", "NNNNNNNNNUNNN", 0, 1 },
	{ "window 20", 20, 0, 100, 0, "NNNNNNNNNNNNNNNNNNNNU",
	  "NNNNNNNNNNNNNNNNNNUNN", 0, 1 },
	/* A window of 1 cannot be split: the screen only jumps the queue. */
	{ "window 1", 1, 0, 50, 0, "NNU", "NUN", 0, 0 },
	/* A stream of screens: one SMS after 8 screens in a row. */
	{ "SMS not starved", 4, 0, 0, 0,
	  "UUUUUUUUUUUUUUUUUUUUNNNNN",
	  "UUUU" "UUUUUUUU" "N" "UUUUUUUU" "NNNN", 0, 0 },
	/* One token bucket for both, urgent first: 5 more sends at 20/s. */
	{ "TPS for both", 10, 20, 0, 0, "NNNNNU", "NUNNNN", 200, 0 },
};

static void
test_priority(void **state)
{
	struct smpp_client_cb cb = { prio_bound, NULL, NULL, prio_stopped, NULL };
	struct timeval deadline = { 5, 0 };
	struct config_bind conf;
	struct timespec t1;
	long ms;

	(void)state;
	for (size_t k = 0; k < sizeof(prio_cases) / sizeof(prio_cases[0]); k++) {
		const struct prio_case *pc = &prio_cases[k];
		int n = (int)strlen(pc->plan);

		print_message("case: %s\n", pc->name);
		memset(&P, 0, sizeof(P));
		P.pc = pc;
		srv_start(prio_srv_pdu);
		fill_conf(&conf, S.port);
		conf.trace = 0;
		conf.window = pc->window;
		conf.tps = pc->tps;
		conf.response_timeout_s = 3;
		P.c = smpp_client_new(S.base, &conf, &cb, NULL);
		assert_non_null(P.c);
		assert_int_equal(smpp_client_start(P.c), 0);
		event_base_loopexit(S.base, &deadline);
		event_base_dispatch(S.base);
		clock_gettime(CLOCK_MONOTONIC, &t1);

		assert_true(P.stopped);
		assert_string_equal(P.seen, pc->want);
		for (int i = 0; i < n; i++) {
			assert_int_equal(P.ndone[i], 1);	/* exactly once */
			assert_int_equal(P.status[i], SMPP_ESME_ROK);
		}
		if (pc->u_while_n_out) {
			/* Sent while SMS were outstanding, none answered. */
			assert_int_equal(P.normal_answered_at_u, 0);
			assert_int_equal(P.normal_out_at_u,
			    pc->window - (pc->window / 10 > 1 ? pc->window / 10 : 1));
			assert_int_equal(P.first_done, 'U');
		}
		ms = (t1.tv_sec - P.t0.tv_sec) * 1000 +
		    (t1.tv_nsec - P.t0.tv_nsec) / 1000000;
		assert_true(ms >= pc->min_ms);
		assert_int_equal(smpp_client_stats(P.c)->submit_ok, n);

		smpp_client_free(P.c);
		if (S.bev)
			bufferevent_free(S.bev);
		evconnlistener_free(S.l);
		event_base_free(S.base);
	}
}

/*
 * The queue bound is per priority: with the window held by an SMS the
 * peer never answers, 1000 more SMS queue and the next is refused, yet
 * screens still queue (1000 of them, then refused too). Stopping settles
 * every one: each request gets exactly one completion.
 */
#define QB_N (1 + 1000 + 1)		/* normals: in the window, queued, refused */
#define QB_U (1000 + 1)			/* urgents: queued, refused */

static struct {
	struct smpp_client *c;
	int ndone[QB_N + QB_U];
	int nqueue_n, nqueue_u, nnotbound, nclosed, nother, stopped;
} Q;

static void
qb_srv_pdu(const struct smpp_pdu *p)
{
	struct smpp_pdu r;

	if (p->command_id == SMPP_BIND_TRANSCEIVER) {
		memset(&r, 0, sizeof(r));
		r.command_id = SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT;
		r.sequence = p->sequence;
		strcpy(r.system_id, "SMSC");
		srv_send(&r);
	} else if (p->command_id == SMPP_UNBIND)
		srv_simple(SMPP_UNBIND | SMPP_RESP_BIT, 0, p->sequence);
	/* submit_sm: never answered */
}

static void
qb_done(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	int i = (int)(intptr_t)arg;

	assert_null(resp);
	Q.ndone[i]++;
	if (status == SMPP_CLIENT_E_QUEUE) {
		if (i < QB_N)
			Q.nqueue_n += i == QB_N - 1;
		else
			Q.nqueue_u += i == QB_N + QB_U - 1;
	} else if (status == SMPP_CLIENT_E_NOTBOUND)
		Q.nnotbound++;
	else if (status == SMPP_CLIENT_E_CLOSED)
		Q.nclosed += i == 0;
	else
		Q.nother++;
}

static void
qb_bound(struct smpp_client *c, void *arg)
{
	struct smpp_pdu p;

	(void)arg;
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	strcpy(p.source_addr, "1515");
	strcpy(p.destination_addr, "212612340123");
	p.sm_len = 1;
	p.sm[0] = 'x';
	for (int i = 0; i < QB_N + QB_U; i++)
		assert_int_equal(smpp_client_submit_prio(c, &p, i >= QB_N,
		    qb_done, (void *)(intptr_t)i), 0);
	smpp_client_stop(c);
}

static void
qb_stopped(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	Q.stopped = 1;
	event_base_loopexit(S.base, NULL);
}

static void
test_queue_bound_per_priority(void **state)
{
	struct smpp_client_cb cb = { qb_bound, NULL, NULL, qb_stopped, NULL };
	struct timeval deadline = { 5, 0 };
	struct config_bind conf;

	(void)state;
	memset(&Q, 0, sizeof(Q));
	srv_start(qb_srv_pdu);
	fill_conf(&conf, S.port);
	conf.trace = 0;
	conf.window = 1;
	conf.response_timeout_s = 3;
	Q.c = smpp_client_new(S.base, &conf, &cb, NULL);
	assert_non_null(Q.c);
	assert_int_equal(smpp_client_start(Q.c), 0);
	event_base_loopexit(S.base, &deadline);
	event_base_dispatch(S.base);

	assert_true(Q.stopped);
	for (int i = 0; i < QB_N + QB_U; i++)
		assert_int_equal(Q.ndone[i], 1);
	assert_int_equal(Q.nqueue_n, 1);	/* the 1002nd SMS */
	assert_int_equal(Q.nqueue_u, 1);	/* the 1001st screen */
	assert_int_equal(Q.nclosed, 1);		/* the one in the window */
	assert_int_equal(Q.nnotbound, 2000);	/* the queued ones */
	assert_int_equal(Q.nother, 0);

	smpp_client_free(Q.c);
	if (S.bev)
		bufferevent_free(S.bev);
	evconnlistener_free(S.l);
	event_base_free(S.base);
}

/* ---- throttling, nacks, refusals, roles, the peer's unbind ---- */

/*
 * The peer answers the first send of every request ESME_RTHROTTLED (or
 * RMSGQFUL for the second screen), then accepts: the three screens come
 * back once each, in their order, after a pause; the SMS goes back to its
 * sender with the status. Then a generic_nack, a response of the wrong
 * command, an MO refused by on_deliver, and the peer's unbind.
 */
#define TH_MAX 16

static struct {
	struct smpp_client *c;
	char seen[64];			/* "U0 U1 ..." arrival order */
	int tries[TH_MAX];
	int ndone[TH_MAX];
	uint32_t status[TH_MAX];
	struct timespec first, again;	/* U0's first and second arrival */
	int phase, ndone_total, stopped, dresp_status_seen;
	uint32_t dresp_status;
	int after_unbind_submits, submit_rc_after_unbind;
	uint32_t bind_cmd;
} T;

static void th_submit(int i, int urgent);

static void
th_srv_pdu(const struct smpp_pdu *p)
{
	struct smpp_pdu r;
	int i;

	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER:
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_RECEIVER:
		T.bind_cmd = p->command_id;
		memset(&r, 0, sizeof(r));
		r.command_id = p->command_id | SMPP_RESP_BIT;
		r.sequence = p->sequence;
		strcpy(r.system_id, "SMSC");
		srv_send(&r);
		break;
	case SMPP_SUBMIT_SM:
		if (T.phase == 3) {
			T.after_unbind_submits++;
			break;
		}
		i = p->sm[1] - '0';
		assert_true(i >= 0 && i < TH_MAX);
		snprintf(T.seen + strlen(T.seen), sizeof(T.seen) - strlen(T.seen),
		    "%s%c%d", T.seen[0] ? " " : "", p->sm[0], i);
		if (i == 0)
			clock_gettime(CLOCK_MONOTONIC, T.tries[0] ? &T.again :
			    &T.first);
		if (T.tries[i]++ == 0 && i < 4) {
			srv_simple(SMPP_SUBMIT_SM | SMPP_RESP_BIT, i == 1 ?
			    SMPP_ESME_RMSGQFUL : SMPP_ESME_RTHROTTLED, p->sequence);
			break;
		}
		if (i == 4) {		/* a generic_nack, status 0x03 */
			srv_simple(SMPP_GENERIC_NACK, SMPP_ESME_RINVCMDID,
			    p->sequence);
			break;
		}
		if (i == 5) {		/* the wrong command first, then ours */
			srv_simple(SMPP_DELIVER_SM | SMPP_RESP_BIT, 0, p->sequence);
		}
		memset(&r, 0, sizeof(r));
		r.command_id = SMPP_SUBMIT_SM | SMPP_RESP_BIT;
		r.sequence = p->sequence;
		snprintf(r.message_id, sizeof(r.message_id), "m%d", i);
		srv_send(&r);
		break;
	case SMPP_DELIVER_SM | SMPP_RESP_BIT:
		T.dresp_status = p->command_status;
		T.dresp_status_seen = 1;
		/* Now the peer unbinds: nothing may be sent after it. */
		T.phase = 3;
		srv_simple(SMPP_UNBIND, 0, 77);
		break;
	case SMPP_UNBIND | SMPP_RESP_BIT:
		T.submit_rc_after_unbind = 1;
		break;
	case SMPP_UNBIND:
		srv_simple(SMPP_UNBIND | SMPP_RESP_BIT, 0, p->sequence);
		break;
	default:
		break;
	}
}

static void
th_done(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	int i = (int)(intptr_t)arg;

	(void)resp;
	T.ndone[i]++;
	T.status[i] = status;
	if (++T.ndone_total == 6) {
		/* Every request settled: an MO that on_deliver refuses. */
		T.phase = 2;
		srv_deliver(200);
	}
}

static void
th_submit(int i, int urgent)
{
	struct smpp_pdu p;

	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	strcpy(p.source_addr, "1515");
	strcpy(p.destination_addr, "212612340123");
	p.sm_len = 2;
	p.sm[0] = urgent ? 'U' : 'N';
	p.sm[1] = (uint8_t)('0' + i);
	assert_int_equal(smpp_client_submit_prio(T.c, &p, urgent, th_done,
	    (void *)(intptr_t)i), 0);
}

static void
th_bound(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	th_submit(0, 1);
	th_submit(1, 1);
	th_submit(2, 1);
	th_submit(3, 0);	/* an SMS: its sender decides */
	th_submit(4, 0);
	th_submit(5, 0);
}

/* Refuses every MO: the peer must see ESME_RTHROTTLED in the _resp. */
static uint32_t
th_deliver(struct smpp_client *c, const struct smpp_pdu *p, void *arg)
{
	(void)c;
	(void)arg;
	assert_int_equal(p->sequence, 200);
	return SMPP_ESME_RTHROTTLED;
}

static void
th_unbound(struct smpp_client *c, const char *reason, void *arg)
{
	struct smpp_pdu p;

	(void)reason;
	(void)arg;
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	assert_int_equal(smpp_client_submit(c, &p, NULL, NULL), -1);
	T.stopped = 1;
	event_base_loopexit(S.base, NULL);
}

static void
test_throttle_nack_refuse(void **state)
{
	struct smpp_client_cb cb = { th_bound, th_unbound, th_deliver, NULL, NULL };
	struct timeval deadline = { 5, 0 };
	struct config_bind conf;
	const struct smpp_client_stats *st;
	long ms;

	(void)state;
	memset(&T, 0, sizeof(T));
	srv_start(th_srv_pdu);
	fill_conf(&conf, S.port);
	conf.trace = 0;
	conf.window = 10;
	conf.response_timeout_s = 3;
	T.c = smpp_client_new(S.base, &conf, &cb, NULL);
	assert_non_null(T.c);
	assert_int_equal(smpp_client_start(T.c), 0);
	event_base_loopexit(S.base, &deadline);
	event_base_dispatch(S.base);

	assert_true(T.stopped);
	assert_int_equal(T.bind_cmd, SMPP_BIND_TRANSCEIVER);
	/* first round, then the screens again in their order; the throttled
	 * SMS is not re-sent by the client */
	assert_string_equal(T.seen, "U0 U1 U2 N3 N4 N5 U0 U1 U2");
	for (int i = 0; i < 6; i++)
		assert_int_equal(T.ndone[i], 1);
	assert_int_equal(T.status[0], SMPP_ESME_ROK);
	assert_int_equal(T.status[1], SMPP_ESME_ROK);
	assert_int_equal(T.status[2], SMPP_ESME_ROK);
	assert_int_equal(T.status[3], SMPP_ESME_RTHROTTLED);
	assert_int_equal(T.status[4], SMPP_CLIENT_E_NACK);	/* not sent */
	assert_int_equal(T.status[5], SMPP_ESME_ROK);
	ms = (T.again.tv_sec - T.first.tv_sec) * 1000 +
	    (T.again.tv_nsec - T.first.tv_nsec) / 1000000;
	assert_true(ms >= 90);		/* the bind paused */
	st = smpp_client_stats(T.c);
	assert_int_equal(st->throttled, 4);
	assert_int_equal(st->resent, 3);
	assert_int_equal(st->nacks_recv, 1);
	assert_int_equal(st->deliver_refused, 1);
	assert_true(T.dresp_status_seen);
	assert_int_equal(T.dresp_status, SMPP_ESME_RTHROTTLED);
	assert_int_equal(T.after_unbind_submits, 0);

	smpp_client_free(T.c);
	if (S.bev)
		bufferevent_free(S.bev);
	evconnlistener_free(S.l);
	event_base_free(S.base);
}

/* Each half of a transmitter + receiver pair binds as itself; a receiver
 * refuses submits, a transmitter refuses MOs. */
static void
roles_bound(struct smpp_client *c, void *arg)
{
	struct smpp_pdu p;

	(void)arg;
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	strcpy(p.destination_addr, "212612340123");
	assert_int_equal(smpp_client_submit(c, &p, NULL, NULL),
	    smpp_client_role(c) == SMPP_CLIENT_RX ? -1 : 0);
	if (smpp_client_role(c) == SMPP_CLIENT_TX)
		srv_deliver(300);
	else
		event_base_loopexit(S.base, NULL);
}

static void
roles_srv_pdu(const struct smpp_pdu *p)
{
	th_srv_pdu(p);
	if (p->command_id == (SMPP_DELIVER_SM | SMPP_RESP_BIT))
		event_base_loopexit(S.base, NULL);
}

static void
test_roles(void **state)
{
	struct smpp_client_cb cb = { roles_bound, NULL, th_deliver, NULL, NULL };
	struct timeval deadline = { 3, 0 };
	struct config_bind conf;
	enum smpp_client_role roles[] = { SMPP_CLIENT_TX, SMPP_CLIENT_RX };
	uint32_t want[] = { SMPP_BIND_TRANSMITTER, SMPP_BIND_RECEIVER };

	(void)state;
	for (int k = 0; k < 2; k++) {
		memset(&T, 0, sizeof(T));
		T.phase = 3;
		srv_start(roles_srv_pdu);
		fill_conf(&conf, S.port);
		conf.trace = 0;
		T.c = smpp_client_new(S.base, &conf, &cb, NULL);
		assert_int_equal(smpp_client_set_role(T.c, roles[k]), 0);
		assert_int_equal(smpp_client_start(T.c), 0);
		assert_int_equal(smpp_client_set_role(T.c, SMPP_CLIENT_TRX), -1);
		event_base_loopexit(S.base, &deadline);
		event_base_dispatch(S.base);
		assert_int_equal(T.bind_cmd, want[k]);
		assert_int_equal(smpp_client_state(T.c), SMPP_CLIENT_BOUND);
		if (roles[k] == SMPP_CLIENT_TX) {
			assert_true(T.dresp_status_seen);
			assert_int_equal(T.dresp_status, SMPP_ESME_RINVBNDSTS);
		}
		smpp_client_free(T.c);
		if (S.bev)
			bufferevent_free(S.bev);
		evconnlistener_free(S.l);
		event_base_free(S.base);
	}
}

/* on_busy refuses an MO before it is decoded (on_deliver never sees it);
 * a delivery receipt still goes through. */
static int busy_delivers;

static uint32_t
busy_deliver(struct smpp_client *c, const struct smpp_pdu *p, void *arg)
{
	(void)c;
	(void)arg;
	busy_delivers++;
	assert_int_equal(p->esm_class, 0x04);
	event_base_loopexit(S.base, NULL);
	return SMPP_ESME_ROK;
}

static uint32_t
busy_busy(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	return SMPP_ESME_RTHROTTLED;
}

static void
busy_bound(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	srv_deliver(300);
}

static void
busy_srv_pdu(const struct smpp_pdu *p)
{
	struct smpp_pdu d;

	if (p->command_id != (SMPP_DELIVER_SM | SMPP_RESP_BIT)) {
		th_srv_pdu(p);		/* the bind */
		return;
	}
	if (p->sequence != 300)
		return;
	T.dresp_status = p->command_status;
	T.dresp_status_seen = 1;
	/* Refused from its header; now a receipt. */
	memset(&d, 0, sizeof(d));
	d.command_id = SMPP_DELIVER_SM;
	d.sequence = 301;
	d.esm_class = 0x04;
	strcpy(d.source_addr, "212612340123");
	strcpy(d.destination_addr, "1515");
	d.sm_len = 12;
	memcpy(d.sm, "id:1 stat:DE", 12);
	srv_send(&d);
}

static void
test_busy_refused_undecoded(void **state)
{
	struct smpp_client_cb cb = { busy_bound, NULL, busy_deliver, NULL,
	    busy_busy };
	struct timeval deadline = { 3, 0 };
	struct config_bind conf;

	(void)state;
	memset(&T, 0, sizeof(T));
	T.phase = 3;
	busy_delivers = 0;
	srv_start(busy_srv_pdu);
	fill_conf(&conf, S.port);
	conf.trace = 0;
	T.c = smpp_client_new(S.base, &conf, &cb, NULL);
	assert_int_equal(smpp_client_start(T.c), 0);
	event_base_loopexit(S.base, &deadline);
	event_base_dispatch(S.base);
	assert_true(T.dresp_status_seen);
	assert_int_equal(T.dresp_status, SMPP_ESME_RTHROTTLED);
	assert_int_equal(busy_delivers, 1);	/* the receipt only */
	assert_int_equal(smpp_client_stats(T.c)->deliver_refused, 1);
	smpp_client_free(T.c);
	if (S.bev)
		bufferevent_free(S.bev);
	evconnlistener_free(S.l);
	event_base_free(S.base);
}

/*
 * Request slots: PDUs smaller and larger than a pooled slot
 * (SMPP_CLIENT_SLOT_PDU), around its size and far past it
 * (message_payload), arrive whole and byte for byte, three rounds in a
 * row (the slots of a round come back to the pool for the next), each
 * completed exactly once.
 */
static const uint16_t slot_sizes[] = {
	1, 100, 254, 300, 350, 360, 370, 380, 390, 400, 1000, 2, 380,
	SMPP_PAYLOAD_MAX,
};
#define SLOT_N     (int)(sizeof(slot_sizes) / sizeof(slot_sizes[0]))
#define SLOT_ROUNDS 3

static struct {
	struct smpp_client *c;
	int round, seen, bad, ndone[SLOT_ROUNDS][SLOT_N], done_round, stopped;
} SL;

static uint8_t
slot_byte(int round, int i, int j)
{
	return (uint8_t)(round * 101 + i * 31 + j * 7 + 1);
}

static void
slot_srv_pdu(const struct smpp_pdu *p)
{
	struct smpp_pdu r;
	int round, i;

	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER:
		memset(&r, 0, sizeof(r));
		r.command_id = SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT;
		r.sequence = p->sequence;
		strcpy(r.system_id, "SMSC");
		srv_send(&r);
		break;
	case SMPP_SUBMIT_SM:
		/* Which one: the destination says "r<round>i<index>". */
		if (sscanf(p->destination_addr, "r%di%d", &round, &i) != 2 ||
		    round < 0 || round >= SLOT_ROUNDS || i < 0 || i >= SLOT_N ||
		    p->sm_len != slot_sizes[i])
			SL.bad++;
		else
			for (int j = 0; j < p->sm_len; j++)
				if (p->sm[j] != slot_byte(round, i, j)) {
					SL.bad++;
					break;
				}
		SL.seen++;
		srv_simple(SMPP_SUBMIT_SM | SMPP_RESP_BIT, SMPP_ESME_ROK,
		    p->sequence);
		break;
	case SMPP_UNBIND:
		srv_simple(SMPP_UNBIND | SMPP_RESP_BIT, 0, p->sequence);
		break;
	default:
		break;
	}
}

static void slot_round(struct smpp_client *c, int round);

static void
slot_done(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	int k = (int)(intptr_t)arg, round = k / SLOT_N, i = k % SLOT_N;

	(void)resp;
	assert_int_equal(status, SMPP_ESME_ROK);
	SL.ndone[round][i]++;
	if (++SL.done_round < SLOT_N)
		return;
	SL.done_round = 0;
	if (round + 1 < SLOT_ROUNDS)
		slot_round(SL.c, round + 1);
	else
		smpp_client_stop(SL.c);
}

static void
slot_round(struct smpp_client *c, int round)
{
	struct smpp_pdu p;

	for (int i = 0; i < SLOT_N; i++) {
		memset(&p, 0, sizeof(p));
		p.command_id = SMPP_SUBMIT_SM;
		strcpy(p.source_addr, "1515");
		snprintf(p.destination_addr, sizeof(p.destination_addr),
		    "r%di%d", round, i);
		p.sm_len = slot_sizes[i];
		for (int j = 0; j < p.sm_len; j++)
			p.sm[j] = slot_byte(round, i, j);
		assert_int_equal(smpp_client_submit(c, &p, slot_done,
		    (void *)(intptr_t)(round * SLOT_N + i)), 0);
	}
}

static void
slot_bound(struct smpp_client *c, void *arg)
{
	(void)arg;
	slot_round(c, 0);
}

static void
slot_stopped(struct smpp_client *c, void *arg)
{
	(void)c;
	(void)arg;
	SL.stopped = 1;
	event_base_loopexit(S.base, NULL);
}

static void
test_pdu_slots(void **state)
{
	struct smpp_client_cb cb = { slot_bound, NULL, NULL, slot_stopped, NULL };
	struct timeval deadline = { 5, 0 };
	struct config_bind conf;

	(void)state;
	memset(&SL, 0, sizeof(SL));
	srv_start(slot_srv_pdu);
	fill_conf(&conf, S.port);
	conf.trace = 0;
	conf.window = 2;
	conf.response_timeout_s = 3;
	SL.c = smpp_client_new(S.base, &conf, &cb, NULL);
	assert_non_null(SL.c);
	assert_int_equal(smpp_client_start(SL.c), 0);
	event_base_loopexit(S.base, &deadline);
	event_base_dispatch(S.base);

	assert_true(SL.stopped);
	assert_int_equal(SL.bad, 0);
	assert_int_equal(SL.seen, SLOT_ROUNDS * SLOT_N);
	for (int r = 0; r < SLOT_ROUNDS; r++)
		for (int i = 0; i < SLOT_N; i++)
			assert_int_equal(SL.ndone[r][i], 1);
	assert_int_equal(smpp_client_stats(SL.c)->submit_ok,
	    SLOT_ROUNDS * SLOT_N);
	smpp_client_free(SL.c);
	if (S.bev)
		bufferevent_free(S.bev);
	evconnlistener_free(S.l);
	event_base_free(S.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_stop_idle_and_refused),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_pdu_slots),
		cmocka_unit_test(test_queue_bound_per_priority),
		cmocka_unit_test(test_throttle_nack_refuse),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_busy_refused_undecoded),
	};

	log_init(getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
