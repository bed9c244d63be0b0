/*
 * test_smpp_client: the client against a tiny scripted SMSC on 127.0.0.1
 * (ephemeral port) inside the same libevent loop: bind, enquire_link,
 * unknown command, bad body, deliver_sm answered before on_deliver,
 * submit answered / timed out / lost on a garbage length, refused bind,
 * reconnect, unbind on stop. A hard loop deadline makes it always end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void
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
	on_bound, on_unbound, on_deliver, on_stopped,
};

static void
test_scenario(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct config_bind conf;
	struct timeval deadline = { 8, 0 };
	const struct smpp_client_stats *st;

	(void)state;
	memset(&S, 0, sizeof(S));
	memset(&C, 0, sizeof(C));
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
	struct smpp_client_cb cb = { NULL, NULL, NULL, idle_stopped };
	struct event_base *base = event_base_new();
	struct config_bind conf;
	struct smpp_client *c;
	struct timeval tv = { 0, 500000 };
	struct smpp_pdu p;

	(void)state;
	fill_conf(&conf, 1);	/* nothing listens on port 1 */
	conf.trace = 0;
	c = smpp_client_new(base, &conf, &cb, NULL);
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
	smpp_client_stop(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(stopped_idle, 2);
	assert_int_equal(smpp_client_state(c), SMPP_CLIENT_CLOSED);
	smpp_client_free(c);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_stop_idle_and_refused),
	};

	log_init(getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
