/*
 * gateway: decodes each MO through its bind's dialect, admits it or
 * refuses it in its deliver_sm_resp, routes it to its dialog, runs the
 * dialog's needs through the store, then answers on the operator's
 * transmitting session. One struct gw_req per MO held; a session's MOs go
 * one at a time through the session_queue so a dialog never forks.
 */
#include "gateway.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dialog.h"
#include "gateway_priv.h"
#include "gsm.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "secret.h"
#include "session_queue.h"
#include "smpp_client.h"
#include "sms.h"
#include "store.h"

/* --- SMPP side -------------------------------------------------------- */

/*
 * An MO reaches the gateway in one decode step (dialect_decode: receipt,
 * SMS, begin, continue, abort, with its session key), then is settled
 * (receipt), refused in its deliver_sm_resp when the gateway could not
 * keep the promise (gw_admit), or taken: an abort ends its session, a
 * begin or continue goes through the session queue to its dialog.
 */

static void
gw_receipt(struct gw_bind *b, const struct dialect_event *ev)
{
	if (ev->msgid[0] == '\0') {
		log_info("[bind %s] delivery receipt without a usable id",
		    b->conf->name);
		return;
	}
	b->gw->dlrs++;
	store_outbox_dlr(b->gw->store, b->conf->name, ev->msgid,
	    sms_dlr_state_str(ev->dlr_state));
}

uint32_t
gateway_refuse(struct gw_bind *b, enum gw_refusal why, const char *msisdn)
{
	static const char *const text[GW_REFUSE_MAX] = {
		"stopping", "MOs in flight at the cap",
		"too many MOs queued in the session",
		"too many screens owed to the operator",
		"no transmitter bound", "out of memory",
	};
	char m[32];

	b->refused[why]++;
	/* A refusal is the SMSC's cue to retry or tell the caller: logged
	 * at debug (a flood would drown the log), counted per reason. Under
	 * a flood this is the hot path: nothing is formatted unless asked. */
	if (log_get_level() >= LOG_LVL_DEBUG)
		log_debug("[bind %s] MO from %s refused (ESME_RTHROTTLED): %s",
		    b->conf->name, msisdn ? log_mask_msisdn(msisdn, m,
		    sizeof(m)) : "?", text[why]);
	return SMPP_ESME_RTHROTTLED;
}

/*
 * Can the gateway promise this USSD MO a screen? Refused while stopping,
 * past the global cap, when the operator has no transmitter bound, or
 * when it already owes as many screens as its queue and TPS can carry.
 */
static int
gw_admit(struct gw_bind *b, enum gw_refusal *why)
{
	struct smpp_client *tx = gw_tx(b);
	int cap = GW_BACKLOG_MAX;

	if (b->gw->stopping || b->admin == GW_ADMIN_STOPPED)
		*why = GW_REFUSE_STOPPING;
	else if (session_queue_busy(b->gw->sq))
		*why = GW_REFUSE_BUSY;
	else if (tx == NULL || !gw_tx_bound(b))
		*why = GW_REFUSE_NO_TX;
	else {
		if (b->conf->tps > 0 && b->conf->tps * GW_BACKLOG_S < cap)
			cap = b->conf->tps * GW_BACKLOG_S > b->conf->window ?
			    b->conf->tps * GW_BACKLOG_S : b->conf->window;
		if (b->owed + smpp_client_urgent_pending(tx) < cap)
			return 1;
		*why = GW_REFUSE_BACKLOG;
	}
	return 0;
}

/* Under AddressSanitizer (make SAN=1) nothing is pooled, so a request
 * used after its release is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define GW_REQ_POOL_USE 0
#else
#define GW_REQ_POOL_USE GW_REQ_POOL
#endif

/*
 * The request pool. A request may hold an ID number, dates or a typed
 * code: what it used is wiped when it is given back (gw_req_wipe), so a
 * pooled one reads as calloc would give it and is handed out without a
 * second pass over it. While the gateway is being freed nothing is pooled.
 */
struct gw_req *
gateway_req_alloc(struct gateway *gw)
{
	if (gw->nreq_pool > 0)
		return gw->req_pool[--gw->nreq_pool];
	return calloc(1, sizeof(struct gw_req));
}

/* The wipe below walks struct gw_req in order: a field added elsewhere
 * than in one of its spans fails here, not silently unwiped. */
#define GW_END(t, f)	(offsetof(t, f) + sizeof(((t *)0)->f))
_Static_assert(GW_END(struct gw_req, echo) == offsetof(struct gw_req, input),
    "gw_req: input follows echo");
_Static_assert(offsetof(struct dialog_out, text) == 0 &&
    GW_END(struct dialog_out, sms) == offsetof(struct dialog_out, sms2),
    "dialog_out: text first, sms2 after sms");

/* A text up to its NUL (the whole field when it has none). */
static void
gw_wipe_str(char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	secret_wipe(s, n < cap ? n + 1 : cap);
}

/* Bytes [from, to) of r. */
static void
gw_wipe_span(struct gw_req *r, size_t from, size_t to)
{
	secret_wipe((char *)r + from, to - from);
}

/*
 * Wipe what r used, not its 8 KiB: the fixed fields whole (the dialog, its
 * record fields and the SMS request are small), each echoed TLV up to its
 * length, the MO's input and the two SMS bodies up to their NUL, the
 * screen whole (1 KiB). Past those NULs nothing was written since the
 * request was zero: input is copied once (gw_req_new), and the dialog
 * engine clears the whole struct dialog_out before each step writes its
 * bodies once; the screen, though, may be rendered, then cut or paged
 * shorter, leaving bytes past its NUL. Under ASan gw_req_wipe_check
 * proves it for every request the tests make.
 */
static void
gw_req_wipe(struct gw_req *r)
{
	size_t out = offsetof(struct gw_req, out);
	int necho = r->necho < 0 ? 0 : r->necho > DIALECT_ECHO_MAX ?
	    DIALECT_ECHO_MAX : r->necho;

	for (int i = 0; i < necho; i++)
		secret_wipe(&r->echo[i], offsetof(struct smpp_tlv, val) +
		    (r->echo[i].len < sizeof(r->echo[i].val) ?
		    r->echo[i].len : sizeof(r->echo[i].val)));
	gw_wipe_str(r->input, sizeof(r->input));
	gw_wipe_str(r->out.sms, sizeof(r->out.sms));
	gw_wipe_str(r->out.sms2, sizeof(r->out.sms2));
	gw_wipe_span(r, 0, offsetof(struct gw_req, echo));
	gw_wipe_span(r, GW_END(struct gw_req, input),
	    out + offsetof(struct dialog_out, sms));
	gw_wipe_span(r, out + GW_END(struct dialog_out, sms2),
	    sizeof(struct gw_req));
}

/* Under AddressSanitizer (make SAN=1 test) the wipe is checked: a
 * request must be all zero after it, or a byte the spans above do not
 * cover was written (a body rewritten shorter, a new field): fatal, so
 * the tests say it. */
static void
gw_req_wipe_check(const struct gw_req *r)
{
#if GW_REQ_POOL_USE == 0
	const unsigned char *b = (const unsigned char *)r;

	for (size_t i = 0; i < sizeof(*r); i++)
		if (b[i] != 0)
			fatalx("gateway: byte %zu of struct gw_req left "
			    "after gw_req_wipe (a text rewritten shorter, or a "
			    "field outside its spans)", i);
#else
	(void)r;
#endif
}

void
gateway_req_release(struct gw_req *r)
{
	struct gateway *gw;

	if (r == NULL)
		return;
	gw = r->gw;
	gw_req_wipe(r);
	gw_req_wipe_check(r);
	if (gw != NULL && !gw->freeing && gw->nreq_pool < GW_REQ_POOL_USE)
		gw->req_pool[gw->nreq_pool++] = r;
	else
		free(r);
}

/* src into dst (dstsz > 0), cut to fit, NUL-terminated, no format parse. */
static void
gw_copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strnlen(src, dstsz - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct gw_req *
gw_req_new(struct gw_bind *b, const struct dialect_event *ev)
{
	struct gw_req *r;

	if ((r = gateway_req_alloc(b->gw)) == NULL) {
		log_warn("[bind %s] calloc", b->conf->name);
		return NULL;
	}
	r->gw = b->gw;
	r->bind = b;
	r->begin = ev->kind == DIALECT_EV_BEGIN;
	r->mo_us = smpp_client_now_us();	/* from the read callback */
	gw_copy(r->key, sizeof(r->key), ev->key);
	gw_copy(r->msisdn, sizeof(r->msisdn), ev->msisdn);
	r->msisdn_ton = ev->ton;
	r->msisdn_npi = ev->npi;
	gw_copy(r->service_addr, sizeof(r->service_addr), ev->service_addr);
	r->necho = ev->necho < DIALECT_ECHO_MAX ? ev->necho : DIALECT_ECHO_MAX;
	for (int i = 0; i < r->necho; i++) {
		r->echo[i].tag = ev->echo[i].tag;
		r->echo[i].len = ev->echo[i].len;
		memcpy(r->echo[i].val, ev->echo[i].val, ev->echo[i].len);
	}
	gw_copy(r->input, sizeof(r->input), ev->text);
	if (ev->text_cut)
		log_debug("[bind %s] MO text truncated", b->conf->name);
	return r;
}

/* The network ended the session: the MO in flight finishes without a
 * screen, what waits behind it is dropped (their screens would go to no
 * one); with nothing in flight the saved session goes at once. */
static void
gw_abort(struct gw_bind *b, const struct dialect_event *ev)
{
	struct gateway *gw = b->gw;
	struct gw_req *cur, *w;
	char m[32];

	log_at(GW_LOG_DIALOG(gw), "[bind %s] dialog %s aborted by the network",
	    b->conf->name, log_mask_msisdn(ev->msisdn, m, sizeof(m)));
	if ((cur = session_queue_lookup(gw->sq, ev->key)) != NULL) {
		cur->aborted = 1;
		while ((w = session_queue_dequeue(gw->sq, ev->key)) != NULL) {
			if (w->owed)
				b->owed--;
			gateway_dialog_req_free(w);
		}
	} else {
		store_session_del(gw->store, ev->key);
		gw->outcome[0][DIALOG_OUTCOME_ABORT]++;	/* USSD */
	}
}

/* Run r now when its session has nothing in flight, else queue it behind;
 * past the queue's bounds it is refused: the status of its _resp. */
static uint32_t
gw_route(struct gw_req *r)
{
	struct gw_bind *b = r->bind;
	enum session_queue_result res;
	char msisdn[21];

	res = session_queue_add(b->gw->sq, r->key, r);
	if (res == SESSION_QUEUE_RUN || res == SESSION_QUEUE_QUEUED) {
		r->owed = 1;
		b->owed++;
		if (res == SESSION_QUEUE_RUN)
			gateway_dialog_run(r);
		return SMPP_ESME_ROK;
	}
	memcpy(msisdn, r->msisdn, sizeof(msisdn));
	gateway_dialog_req_free(r);
	return gateway_refuse(b, res == SESSION_QUEUE_REFUSED_FULL ?
	    GW_REFUSE_SESSION : res == SESSION_QUEUE_REFUSED_BUSY ?
	    GW_REFUSE_BUSY : GW_REFUSE_NOMEM, msisdn);
}

/*
 * What the gateway cannot serve (an SMS until the SMS channel, an
 * operation the dialect does not name, no caller) is refused for good
 * (ESME_RX_P_APPN): the SMSC does not retry it and nothing is promised.
 */
static uint32_t
gw_not_served(struct gw_bind *b, const struct dialect_event *ev)
{
	b->not_served++;
	if (ev->kind == DIALECT_EV_SMS)
		log_debug("[bind %s] SMS MO not served", b->conf->name);
	else if (ev->op >= 0)
		log_info("[bind %s] MO ignored: %s (0x%02x)", b->conf->name,
		    ev->why, ev->op);
	else
		log_info("[bind %s] MO ignored: %s", b->conf->name, ev->why);
	return SMPP_ESME_RX_P_APPN;
}

static uint32_t
gw_on_deliver(struct smpp_client *c, const struct smpp_pdu *p, void *arg)
{
	struct gw_link *l = arg;
	struct gw_bind *b = l->bind;
	struct gateway *gw = b->gw;
	struct dialect_event *ev = &gw->ev;
	enum gw_refusal why;
	struct gw_req *r;

	/* A session a re-bind replaced, unbinding: not ours any more (the
	 * SMSC sends it again, on the new session). */
	if (c != l->c)
		return SMPP_ESME_RTHROTTLED;
	/*
	 * Saturated: refused before any decoding, so a flood costs the least
	 * and the input (where the responses to our screens wait behind the
	 * MOs) drains fast. Receipts still go through: they only settle.
	 */
	if ((p->esm_class & 0x3C) != 0x04 && !gw_admit(b, &why))
		return gateway_refuse(b, why, NULL);
	dialect_decode(b->dialect, p, b->conf->operator,
	    gw->cfg->ussd.service_code, b->conf->charset,
	    b->conf->dlr_id == CONFIG_DLR_HEX, ev);
	switch (ev->kind) {
	case DIALECT_EV_RECEIPT:
		gw_receipt(b, ev);
		return SMPP_ESME_ROK;
	case DIALECT_EV_ABORT:
		gw_abort(b, ev);
		return SMPP_ESME_ROK;
	case DIALECT_EV_SMS:
		/* Draining: an SMS MO is a new dialog. */
		if (b->admin != GW_ADMIN_RUN)
			return gateway_refuse(b, GW_REFUSE_STOPPING, ev->msisdn);
		b->mos++;
		return gateway_sms_mo(b, ev);
	case DIALECT_EV_IGNORE:
		return gw_not_served(b, ev);
	case DIALECT_EV_BEGIN:
	case DIALECT_EV_CONTINUE:
		break;
	}
	if (!gw_admit(b, &why))
		return gateway_refuse(b, why, ev->msisdn);
	/* Draining: the dialogs in flight go on, none begins. */
	if (b->admin != GW_ADMIN_RUN && ev->kind == DIALECT_EV_BEGIN)
		return gateway_refuse(b, GW_REFUSE_STOPPING, ev->msisdn);
	b->mos++;
	if ((r = gw_req_new(b, ev)) == NULL)
		return gateway_refuse(b, GW_REFUSE_NOMEM, ev->msisdn);
	return gw_route(r);
}

/* Binds that can send now (their transmitter or transceiver is bound):
 * what the outbox waits for. */
static int
gw_nbound(const struct gateway *gw)
{
	int n = 0;

	for (int i = 0; i < gw->nbinds; i++)
		n += gw_tx_bound(&gw->binds[i]);
	return n;
}

static const char *
gw_link_name(const struct gw_link *l)
{
	const struct gw_bind *b = l->bind;

	return !b->pair ? "" : l == &b->tx ? " (transmitter)" : " (receiver)";
}

static void
gw_on_bound(struct smpp_client *c, void *arg)
{
	struct gw_link *l = arg;
	struct gw_bind *b = l->bind;

	if (c != l->c)
		return;
	l->bound = 1;
	if (b->rx.bound && (!b->pair || b->tx.bound))
		b->up_since_s = (int64_t)time(NULL);
	log_info("[bind %s] bound%s%s", b->conf->name, gw_link_name(l),
	    b->pair && b->rx.bound && b->tx.bound ? ": operator up" : "");
	outbox_set_bound(b->gw->outbox, gw_nbound(b->gw));
}

static void
gw_on_unbound(struct smpp_client *c, const char *reason, void *arg)
{
	struct gw_link *l = arg;
	struct gw_bind *b = l->bind;

	if (c != l->c) {
		log_info("[bind %s] previous session unbound: %s",
		    b->conf->name, reason);
		return;
	}
	l->bound = 0;
	b->up_since_s = 0;
	log_info("[bind %s] unbound%s: %s", b->conf->name, gw_link_name(l),
	    reason);
	outbox_set_bound(b->gw->outbox, gw_nbound(b->gw));
}

static void gw_flush(struct gateway *gw);

/* --- reload: sessions a re-bind replaced ---------------------------- */

static void
gw_retire_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct gateway *gw = arg;
	int n = 0;

	(void)fd;
	(void)ev;
	for (int i = 0; i < gw->nretired; i++) {
		if (gw->retired[i].stopped) {
			smpp_client_free(gw->retired[i].c);
			continue;
		}
		gw->retired[n++] = gw->retired[i];
	}
	gw->nretired = n;
}

/* A replaced session is stopped: freed from the loop, not from inside
 * its own callback. */
static void
gw_retired_stopped(struct gateway *gw, struct smpp_client *c)
{
	struct timeval now = { 0, 0 };

	for (int i = 0; i < gw->nretired; i++)
		if (gw->retired[i].c == c)
			gw->retired[i].stopped = 1;
	if (gw->retire_ev != NULL)
		evtimer_add(gw->retire_ev, &now);
}

static void
gw_on_stopped(struct smpp_client *c, void *arg)
{
	struct gw_link *l = arg;
	struct gateway *gw = l->bind->gw;

	if (c != l->c) {
		gw_retired_stopped(gw, c);
		return;
	}
	if (l->stopped)
		return;
	l->stopped = 1;
	l->bound = 0;
	if (l->bind->admin != GW_ADMIN_RUN && !gw->stopping &&
	    (l->bind->rx.stopped && (!l->bind->pair || l->bind->tx.stopped)))
		log_notice("[bind %s] stopped (admin)", l->bind->conf->name);
	if (--gw->binds_running == 0 && gw->stop_done)
		gw_flush(gw);
}

/* Before decoding: refused at once when the operator is saturated. */
static uint32_t
gw_on_busy(struct smpp_client *c, void *arg)
{
	struct gw_link *l = arg;
	enum gw_refusal why;

	if (c != l->c)
		return SMPP_ESME_RTHROTTLED;
	if (gw_admit(l->bind, &why))
		return SMPP_ESME_ROK;
	return gateway_refuse(l->bind, why, NULL);
}

static const struct smpp_client_cb gw_client_cb = {
	.on_busy = gw_on_busy,
	.on_bound = gw_on_bound,
	.on_unbound = gw_on_unbound,
	.on_deliver = gw_on_deliver,
	.on_stopped = gw_on_stopped,
};

static int gw_start_binds(struct gateway *gw);
static long long gw_mono_ms(void);

static void
gw_store_up(void *arg)
{
	struct gateway *gw = arg;

	log_info("[redis] up");
	if (gw->redis_down) {
		evtimer_del(gw->redis_err_ev);
		if (gw->redis_err_logged)
			log_notice("[redis] back after %lld s",
			    (gw_mono_ms() - gw->redis_down_ms) / 1000);
		gw->redis_down = gw->redis_err_logged = 0;
	}
	/*
	 * The binds come up only once Redis answers: until then every dialog
	 * would end "unavailable", and an SMSC with another gateway bound
	 * is better off routing to it.
	 */
	if (!gw->binds_started && !gw->stopping && gw_start_binds(gw) != 0)
		log_warnx("gateway: cannot start the binds");
}

static void
gw_store_down(const char *reason, void *arg)
{
	struct gateway *gw = arg;
	struct timeval tv = { GW_REDIS_ERR_S, 0 };

	log_warnx("[redis] down: %s", reason);
	if (gw->redis_down)
		return;
	gw->redis_down = 1;
	gw->redis_down_ms = gw_mono_ms();
	snprintf(gw->redis_down_why, sizeof(gw->redis_down_why), "%s", reason);
	evtimer_add(gw->redis_err_ev, &tv);
}

/* Still down GW_REDIS_ERR_S after on_down: an outage, said once at err. */
static void
gw_redis_err_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct gateway *gw = arg;

	(void)fd;
	(void)ev;
	if (!gw->redis_down || gw->redis_err_logged)
		return;
	gw->redis_err_logged = 1;
	if (store_outage_logged(gw->store))
		return;		/* AUTH refused: said at err already */
	log_err("[redis] down for %d s (%s): every dialog answers \"service "
	    "unavailable\" until it is back", GW_REDIS_ERR_S,
	    gw->redis_down_why);
}

static const struct store_cb gw_store_cb = {
	.on_up = gw_store_up,
	.on_down = gw_store_down,
};

/* --- life cycle ----------------------------------------------------- */

/* The outbox's bind_fn: the bind named name when it can send, else a bound
 * bind of the same operator, else the named bind (the outbox waits for
 * it), else NULL. */
static struct smpp_client *
gw_bind_by_name(void *arg, const char *name, const char *operator)
{
	struct gateway *gw = arg;
	struct gw_bind *named = NULL;

	for (int i = 0; i < gw->nbinds; i++)
		if (strcmp(gw->binds[i].conf->name, name) == 0)
			named = &gw->binds[i];
	if (named != NULL && gw_tx_bound(named))
		return gw_tx(named);
	for (int i = 0; operator != NULL && operator[0] != '\0' &&
	    i < gw->nbinds; i++)
		if (strcmp(gw->binds[i].conf->operator, operator) == 0 &&
		    gw_tx_bound(&gw->binds[i]))
			return gw_tx(&gw->binds[i]);
	return named != NULL ? gw_tx(named) : NULL;
}

/*
 * issue 9, piece b: the outbox keys and their ids, the current one (which
 * seals) and, during a rotation, the old one (which still opens what it
 * sealed). An old key that does not load is said and left out: what it
 * sealed is then refused ("key") when handed out.
 */
static void
gw_load_box_keys(struct gateway *gw)
{
	const char *old = gw->cfg->security.outbox_key_old_file;
	char err[CONFIG_ERR_MAX];

	/* Its AEAD subkey derived here, once, not at every seal. */
	secret_keyed_set(&gw->box[0], gw->box_key);
	gw->nbox = 1;
	log_info("outbox key id %s", gw->box[0].id);
	if (old[0] == '\0')
		return;
	if (secret_load_key_id(old, &gw->box[1], err, sizeof(err)) != 0) {
		log_err("security.outbox_key_old_file: %s", err);
		return;
	}
	if (strcmp(gw->box[1].id, gw->box[0].id) == 0) {
		log_warnx("security.outbox_key_old_file is the current key");
		secret_wipe(&gw->box[1], sizeof(gw->box[1]));
		return;
	}
	gw->nbox = 2;
	log_info("old outbox key id %s (opens only)", gw->box[1].id);
}

/* Case B needs both key files; without them it answers "unavailable". */
static void
gw_load_keys(struct gateway *gw)
{
	const struct config *cfg = gw->cfg;
	char err[CONFIG_ERR_MAX];

	if (cfg->security.outbox_key_file[0] == '\0' ||
	    cfg->security.provisioning_pubkey_file[0] == '\0') {
		log_warnx("case B disabled: security.outbox_key_file and "
		    "security.provisioning_pubkey_file are not both set");
		return;
	}
	if (secret_load_key(cfg->security.outbox_key_file, gw->box_key, err,
	    sizeof(err)) != 0 ||
	    secret_load_pubkey(cfg->security.provisioning_pubkey_file,
	    gw->prov_pub, err, sizeof(err)) != 0) {
		log_warnx("case B disabled: %s", err);
		return;
	}
	/* The OTP hash key is derived from the outbox key, so the two uses
	 * (secretbox, keyed BLAKE2b) never share a key. */
	secret_derive_key(gw->box_key, "tnsgw otp-hash key v1", gw->otp_key);
	gw->b_ready = 1;
	gw_load_box_keys(gw);
}

/*
 * The keys that keep personal data out of Redis in clear: the dialog
 * state's sealing key and the document-number hash key, derived from the
 * outbox key; without one, random keys for this run only (saved dialogs
 * and failure counters then do not survive a restart).
 */
static void
gw_state_keys(struct gateway *gw)
{
	const char *path = gw->cfg->security.outbox_key_file;
	unsigned char raw[SECRET_KEY_LEN];
	char err[CONFIG_ERR_MAX];

	if (path[0] != '\0' && secret_load_key(path, raw, err,
	    sizeof(err)) == 0) {
		secret_state_key(raw, gw->state_key);
		secret_state_id_key(raw, gw->id_key);
		secret_wipe(raw, sizeof(raw));
		return;
	}
	secret_wipe(raw, sizeof(raw));
	secret_random_key(gw->state_key);
	secret_random_key(gw->id_key);
	log_notice("no outbox key: dialog states and failure counters are "
	    "sealed under a key of this run only, a restart forgets them");
}

/* --- failure limits (issue 9 a): the failure rate's alarm ------------ */

static long long
gw_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The alarm's changes, logged with figures only (no number, no caller). */
static void
gw_alarm_check(struct gateway *gw)
{
	uint32_t per_min = (uint32_t)gw->cfg->security.failure_alarm_per_min;
	long long now = gw_mono_ms();
	struct timeval tv = { 5, 0 };

	switch (failrate_check(&gw->failrate, now, per_min)) {
	case FAILRATE_RISE:
		log_err("gateway: failure alarm: %u lookup failures in the "
		    "last minute (threshold %u)",
		    failrate_last_min(&gw->failrate, now), per_min);
		break;
	case FAILRATE_FALL:
		log_notice("gateway: failure alarm cleared: %u lookup failures "
		    "in the last minute (threshold %u)",
		    failrate_last_min(&gw->failrate, now), per_min);
		break;
	case FAILRATE_SAME:
		break;
	}
	if (gw->failrate.alarm && gw->alarm_ev != NULL &&
	    !evtimer_pending(gw->alarm_ev, NULL))
		evtimer_add(gw->alarm_ev, &tv);
}

static void
gw_alarm_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	gw_alarm_check(arg);
}

void
gateway_failure(struct gateway *gw)
{
	failrate_add(&gw->failrate, gw_mono_ms());
	gw_alarm_check(gw);
}

struct gateway *
gateway_new(struct event_base *base, const struct config *cfg)
{
	struct gateway *gw;

	if ((gw = calloc(1, sizeof(*gw))) == NULL) {
		log_warn("gateway: calloc");
		return NULL;
	}
	gw->base = base;
	gw->cfg = cfg;
	config_dialog_conf(cfg, &gw->dconf);
	gw->dconf.today_days = gateway_dialog_today();
	failrate_init(&gw->failrate);
	/* From here gateway_free undoes whatever was set up. */
	if ((gw->alarm_ev = evtimer_new(base, gw_alarm_tick, gw)) == NULL ||
	    (gw->redis_err_ev = evtimer_new(base, gw_redis_err_tick,
	    gw)) == NULL) {
		log_warnx("gateway: out of memory");
		gateway_free(gw);
		return NULL;
	}
	gw->sq = session_queue_new(GW_HASH_SIZE, GW_MAX_IN_FLIGHT,
	    GW_MAX_WAITING);
	if (gw->sq == NULL) {
		log_warnx("gateway: out of memory");
		gateway_free(gw);
		return NULL;
	}
	if (secret_init() != 0) {
		log_warnx("gateway: libsodium does not initialise");
		gateway_free(gw);
		return NULL;
	}
	gw_load_keys(gw);
	gw_state_keys(gw);
	if ((gw->store = store_new(base, cfg, &gw_store_cb, gw)) == NULL) {
		gateway_free(gw);
		return NULL;
	}
	store_set_id_key(gw->store, gw->id_key);
	gw->outbox = outbox_new(base, cfg, gw->store,
	    gw->box, gw->b_ready ? gw->nbox : 0, gw_bind_by_name, gw);
	if (gw->outbox == NULL) {
		gateway_free(gw);
		return NULL;
	}
	gw->nbinds = cfg->nbinds;
	for (int i = 0; i < cfg->nbinds; i++) {
		struct gw_bind *b = &gw->binds[i];

		b->gw = gw;
		b->conf = &cfg->binds[i];
		b->dialect = &b->conf->profile;
		b->pair = b->conf->mode == CONFIG_MODE_TX_RX;
		b->rx.bind = b->tx.bind = b;
		b->rx.c = smpp_client_new(base, b->conf, &gw_client_cb, &b->rx);
		if (b->rx.c == NULL) {
			gateway_free(gw);
			return NULL;
		}
		if (!b->pair)
			continue;
		b->tx.c = smpp_client_new(base, b->conf, &gw_client_cb, &b->tx);
		if (b->tx.c == NULL) {
			gateway_free(gw);
			return NULL;
		}
		smpp_client_set_role(b->rx.c, SMPP_CLIENT_RX);
		smpp_client_set_role(b->tx.c, SMPP_CLIENT_TX);
	}
	return gw;
}

int
gateway_start(struct gateway *gw)
{
	/* The consumer name: daemon.instance, else the host name. */
	if (outbox_start(gw->outbox, NULL) != 0)
		return -1;
	if (store_is_up(gw->store))
		return gw_start_binds(gw);
	log_info("gateway: binds start once Redis answers");
	return 0;
}

static int
gw_start_binds(struct gateway *gw)
{
	gw->binds_started = 1;
	for (int i = 0; i < gw->nbinds; i++) {
		struct gw_bind *b = &gw->binds[i];

		if (smpp_client_start(b->rx.c) != 0)
			return -1;
		gw->binds_running++;
		if (!b->pair)
			continue;
		if (smpp_client_start(b->tx.c) != 0)
			return -1;
		gw->binds_running++;
	}
	return 0;
}

/* Retire the session of link l (a re-bind): stopped, freed once it is. */
static void gw_add_stats(struct smpp_client_stats *, const struct smpp_client *);

static void
gw_retire(struct gateway *gw, struct gw_link *l)
{
	if (l->c == NULL)
		return;
	/* Its counters carry over to the bind (they never go down). */
	gw_add_stats(&l->bind->old, l->c);
	if (gw->binds_started && !l->stopped) {
		gw->retired[gw->nretired].c = l->c;
		gw->retired[gw->nretired].stopped = 0;
		gw->nretired++;
		gw->binds_running--;
		smpp_client_stop(l->c);
	} else {
		/* Never started (or stopped already): no callback pending. */
		smpp_client_free(l->c);
	}
	l->c = NULL;
	l->bound = l->stopped = 0;
}

int
gateway_reload(struct gateway *gw, const struct config *cfg, char *err,
    size_t errsz)
{
	struct smpp_client *nc[CONFIG_MAX_BINDS][2];
	const struct config_bind *nconf[CONFIG_MAX_BINDS];
	const char *why[CONFIG_MAX_BINDS];
	int nsessions = 0, nadd = 0;

	if (gw->stopping) {
		snprintf(err, errsz, "stopping");
		return -1;
	}
	memset(nc, 0, sizeof(nc));
	/* First everything that can fail, then nothing that can. */
	for (int i = 0; i < gw->nbinds; i++) {
		struct gw_bind *b = &gw->binds[i];
		int pair;

		if ((nconf[i] = config_bind_find(cfg, b->conf->name)) == NULL) {
			snprintf(err, errsz, "bind %s is gone", b->conf->name);
			goto fail;
		}
		if ((why[i] = config_bind_diff(b->conf, nconf[i])) == NULL)
			continue;
		nsessions += 1 + b->pair;
		pair = nconf[i]->mode == CONFIG_MODE_TX_RX;
		nc[i][0] = smpp_client_new(gw->base, nconf[i], &gw_client_cb,
		    &b->rx);
		if (pair && nc[i][0] != NULL)
			nc[i][1] = smpp_client_new(gw->base, nconf[i],
			    &gw_client_cb, &b->tx);
		if (nc[i][0] == NULL || (pair && nc[i][1] == NULL)) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		if (pair) {
			smpp_client_set_role(nc[i][0], SMPP_CLIENT_RX);
			smpp_client_set_role(nc[i][1], SMPP_CLIENT_TX);
		}
	}
	/* Binds added: new slots after the others (a gw_req keeps its
	 * bind's address, so the slots never move). */
	for (int j = 0; j < cfg->nbinds; j++) {
		int i = gw->nbinds + nadd, pair;
		int found = 0;

		for (int k = 0; k < gw->nbinds; k++)
			found |= strcmp(gw->binds[k].conf->name,
			    cfg->binds[j].name) == 0;
		if (found)
			continue;
		if (i >= CONFIG_MAX_BINDS) {
			snprintf(err, errsz, "too many binds");
			goto fail;
		}
		nadd++;
		nconf[i] = &cfg->binds[j];
		why[i] = NULL;
		pair = nconf[i]->mode == CONFIG_MODE_TX_RX;
		nc[i][0] = smpp_client_new(gw->base, nconf[i], &gw_client_cb,
		    &gw->binds[i].rx);
		if (pair && nc[i][0] != NULL)
			nc[i][1] = smpp_client_new(gw->base, nconf[i],
			    &gw_client_cb, &gw->binds[i].tx);
		if (nc[i][0] == NULL || (pair && nc[i][1] == NULL)) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		if (pair) {
			smpp_client_set_role(nc[i][0], SMPP_CLIENT_RX);
			smpp_client_set_role(nc[i][1], SMPP_CLIENT_TX);
		}
	}
	if (gw->nretired + nsessions > GW_RETIRED_MAX ||
	    (nsessions > 0 && gw->retire_ev == NULL &&
	    (gw->retire_ev = evtimer_new(gw->base, gw_retire_tick,
	    gw)) == NULL)) {
		snprintf(err, errsz, "the sessions of earlier re-binds are "
		    "still unbinding, try again");
		goto fail;
	}

	gw->cfg = cfg;
	config_dialog_conf(cfg, &gw->dconf);
	gw->dconf.today_days = gateway_dialog_today();
	store_set_limits(gw->store, cfg);
	for (int i = gw->nbinds; i < gw->nbinds + nadd; i++) {
		struct gw_bind *b = &gw->binds[i];

		memset(b, 0, sizeof(*b));
		b->gw = gw;
		b->rx.bind = b->tx.bind = b;
		log_notice("[bind %s] added", nconf[i]->name);
	}
	gw->nbinds += nadd;
	for (int i = 0; i < gw->nbinds; i++) {
		struct gw_bind *b = &gw->binds[i];

		if (nc[i][0] == NULL) {
			/* Unchanged: same settings, now read from cfg. */
			b->conf = nconf[i];
			b->dialect = &b->conf->profile;
			continue;
		}
		if (why[i] != NULL) {
			log_notice("[bind %s] %s changed: re-binding",
			    b->conf->name, why[i]);
			gw_retire(gw, &b->rx);
			gw_retire(gw, &b->tx);
			gw->rebinds++;
		}
		b->conf = nconf[i];
		b->dialect = &b->conf->profile;
		b->pair = b->conf->mode == CONFIG_MODE_TX_RX;
		b->rx.c = nc[i][0];
		b->tx.c = nc[i][1];
		if (b->admin == GW_ADMIN_STOPPED) {
			/* Stopped by the operator: it stays so until start. */
			b->rx.stopped = b->tx.stopped = 1;
			continue;
		}
		if (!gw->binds_started)
			continue;
		if (smpp_client_start(b->rx.c) == 0)
			gw->binds_running++;
		else
			b->rx.stopped = 1;
		if (b->pair) {
			if (smpp_client_start(b->tx.c) == 0)
				gw->binds_running++;
			else
				b->tx.stopped = 1;
		}
	}
	outbox_set_bound(gw->outbox, gw_nbound(gw));
	gw->reloads++;
	return 0;
fail:
	for (int i = 0; i < CONFIG_MAX_BINDS; i++) {
		smpp_client_free(nc[i][0]);
		smpp_client_free(nc[i][1]);
	}
	return -1;
}

/*
 * Last step of a stop: the settles (XACK) and session writes still in the
 * Redis pipeline get their replies (bounded: GW_FLUSH_MS), so a graceful
 * stop does not make the next start re-send what was already sent.
 */
#define GW_FLUSH_MS    2000
#define GW_FLUSH_STEP  20

static void
gw_flush_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct gateway *gw = arg;
	struct timeval tv = { 0, GW_FLUSH_STEP * 1000 };

	(void)fd;
	(void)ev;
	gw->flush_left -= GW_FLUSH_STEP;
	if (store_pending(gw->store) > 0 && store_is_up(gw->store) &&
	    gw->flush_left > 0) {
		evtimer_add(gw->flush_ev, &tv);
		return;
	}
	if (store_pending(gw->store) > 0)
		log_warnx("gateway: %d Redis requests unanswered at exit",
		    store_pending(gw->store));
	if (gw->stop_done) {
		void (*done)(void *) = gw->stop_done;

		gw->stop_done = NULL;
		done(gw->stop_arg);
	}
}

static void
gw_flush(struct gateway *gw)
{
	struct timeval now = { 0, 0 };

	gw->flush_left = GW_FLUSH_MS + GW_FLUSH_STEP;
	if (gw->flush_ev == NULL &&
	    (gw->flush_ev = evtimer_new(gw->base, gw_flush_tick, gw)) == NULL) {
		void (*done)(void *) = gw->stop_done;

		gw->stop_done = NULL;
		done(gw->stop_arg);
		return;
	}
	evtimer_add(gw->flush_ev, &now);
}

static void
gw_unbind_all(struct gateway *gw)
{
	if (gw->drain_ev) {
		event_free(gw->drain_ev);
		gw->drain_ev = NULL;
	}
	if (gw->drain_poll) {
		event_free(gw->drain_poll);
		gw->drain_poll = NULL;
	}
	if (gw->binds_running == 0) {
		if (gw->stop_done)
			gw_flush(gw);
		return;
	}
	for (int i = 0; i < gw->nbinds; i++) {
		struct gw_bind *b = &gw->binds[i];

		if (!b->rx.stopped)
			smpp_client_stop(b->rx.c);
		if (b->pair && !b->tx.stopped)
			smpp_client_stop(b->tx.c);
	}
}

static void
gw_drain_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct gateway *gw = arg;

	(void)fd;
	(void)ev;
	if (session_queue_count(gw->sq))
		log_warnx("gateway: drain timeout, %zu MOs still in flight",
		    session_queue_count(gw->sq));
	gw_unbind_all(gw);
}

static void
gw_drain_poll(evutil_socket_t fd, short ev, void *arg)
{
	struct gateway *gw = arg;
	struct timeval p = { 0, 50000 };

	(void)fd;
	(void)ev;
	if (session_queue_count(gw->sq) == 0 && outbox_busy(gw->outbox) == 0) {
		gateway_drain_check(gw);
		return;
	}
	evtimer_add(gw->drain_poll, &p);
}

void
gateway_drain_check(struct gateway *gw)
{
	if (gw->freeing)
		return;
	/* Dialogs first (they may still promise SMS), then the SMS. */
	if (session_queue_count(gw->sq) == 0)
		outbox_stop(gw->outbox);
	if (session_queue_count(gw->sq) == 0 && outbox_busy(gw->outbox) == 0 &&
	    gw->drain_ev) {
		/* Unbind from the loop, not from inside a store callback. */
		struct timeval now = { 0, 0 };

		evtimer_add(gw->drain_ev, &now);
	}
}

void
gateway_stop(struct gateway *gw, int drain_ms, void (*done)(void *), void *arg)
{
	struct timeval tv;

	if (gw->stopping)
		return;
	gw->stopping = 1;
	gw->stop_done = done;
	gw->stop_arg = arg;
	log_info("gateway: stopping, %zu MOs in flight",
	    session_queue_count(gw->sq));
	gw->drain_ev = evtimer_new(gw->base, gw_drain_timeout, gw);
	if (gw->drain_ev == NULL) {
		gw_unbind_all(gw);
		return;
	}
	if (session_queue_count(gw->sq) == 0)
		outbox_stop(gw->outbox);
	if (session_queue_count(gw->sq) || outbox_busy(gw->outbox)) {
		tv.tv_sec = drain_ms / 1000;
		tv.tv_usec = (drain_ms % 1000) * 1000;
		evtimer_add(gw->drain_ev, &tv);
		/* The outbox settles by itself; poll it while draining. */
		gw->drain_poll = evtimer_new(gw->base, gw_drain_poll, gw);
		if (gw->drain_poll) {
			struct timeval p = { 0, 50000 };

			evtimer_add(gw->drain_poll, &p);
		}
	} else {
		tv.tv_sec = 0;
		tv.tv_usec = 0;
		evtimer_add(gw->drain_ev, &tv);
	}
}

void
gateway_free(struct gateway *gw)
{
	if (gw == NULL)
		return;
	gw->freeing = 1;
	if (gw->drain_ev)
		event_free(gw->drain_ev);
	if (gw->drain_poll)
		event_free(gw->drain_poll);
	gw->drain_ev = gw->drain_poll = NULL;
	if (gw->flush_ev)
		event_free(gw->flush_ev);
	gw->flush_ev = NULL;
	if (gw->alarm_ev)
		event_free(gw->alarm_ev);
	gw->alarm_ev = NULL;
	if (gw->redis_err_ev)
		event_free(gw->redis_err_ev);
	gw->redis_err_ev = NULL;
	/* The store first: its pending callbacks fire (with -1) and finish
	 * their requests while the clients still exist. The outbox settles
	 * nothing more (what it was sending stays pending in Redis). */
	if (gw->outbox)
		outbox_detach_store(gw->outbox);
	store_free(gw->store);
	gw->store = NULL;
	for (int i = 0; i < gw->nbinds; i++) {
		if (gw->binds[i].drain_ev)
			event_free(gw->binds[i].drain_ev);
		smpp_client_free(gw->binds[i].rx.c);
		smpp_client_free(gw->binds[i].tx.c);
	}
	for (int i = 0; i < gw->nretired; i++)
		smpp_client_free(gw->retired[i].c);
	gw->nretired = 0;
	if (gw->retire_ev)
		event_free(gw->retire_ev);
	gw->retire_ev = NULL;
	/* After the clients: their last callbacks reach the outbox's entries. */
	outbox_free(gw->outbox);
	secret_wipe(gw->box_key, sizeof(gw->box_key));
	secret_wipe(gw->box, sizeof(gw->box));
	secret_wipe(gw->otp_key, sizeof(gw->otp_key));
	secret_wipe(gw->state_key, sizeof(gw->state_key));
	secret_wipe(gw->id_key, sizeof(gw->id_key));
	session_queue_free(gw->sq, gateway_dialog_req_drop, NULL);
	while (gw->nreq_pool > 0)
		free(gw->req_pool[--gw->nreq_pool]);	/* wiped when pooled */
	free(gw);
}

void
gateway_status(const struct gateway *gw, struct gateway_status *st)
{
	memset(st, 0, sizeof(*st));
	st->redis_up = gw->store ? store_is_up(gw->store) : 0;
	st->binds = gw->nbinds;
	for (int i = 0; i < gw->nbinds; i++) {
		const struct gw_bind *b = &gw->binds[i];

		st->binds_bound += b->rx.bound && (!b->pair || b->tx.bound);
		st->rejected_busy += b->refused[GW_REFUSE_BUSY];
	}
	st->dialogs_started = gw->dialogs_started;
	st->reloads = gw->reloads;
	st->rebinds = gw->rebinds;
	st->dialogs_in_flight = session_queue_count(gw->sq);
	memcpy(st->outcome_by, gw->outcome, sizeof(st->outcome_by));
	for (int o = 0; o < 16; o++)
		st->outcome[o] = gw->outcome[0][o] + gw->outcome[1][o];
	if (gw->outbox) {
		const struct outbox_stats *o = outbox_stats(gw->outbox);

		st->sms_sent = o->sent;
		st->sms_dead = o->dead;
		st->sms_expired = o->expired;
		st->sms_retried = o->retried;
		st->sms_requeued = o->requeued;
		/* issue 9, piece b */
		st->seal_refused_seal = o->seal_refused_seal;
		st->seal_refused_key = o->seal_refused_key;
	}
	if (gw->store)
		store_outbox_depth(gw->store, &st->outbox_len, &st->outbox_pending);
	st->outbox_lost = store_outbox_lost(gw->store);
	store_outbox_owners(gw->store, &st->outbox_claimed_dead, &st->outbox_removed);
	/* Redis as a trust boundary (issue 9, piece c) */
	st->redis_persist_ok = store_persist_ok(gw->store);
	st->redis_persist_refused = store_persist_refused(gw->store);
	snprintf(st->redis_problem, sizeof(st->redis_problem), "%s",
	    store_trust_problem(gw->store));
	memcpy(st->sms_requests, gw->sms_requests, sizeof(st->sms_requests));
	st->sms_help_sent = gw->sms_help_sent;
	st->sms_help_held = gw->sms_help_held;
	st->sms_lost = gw->sms_lost;
	st->dlrs = gw->dlrs;
	/* Personal data at rest (issue 9, piece d). */
	st->state_refused = gw->state_refused;
	st->state_conflicts = gw->state_conflicts;
	/* failure limits (issue 9 a) */
	st->lookup_failures = gw->failrate.total;
	st->failure_alarm = gw->failrate.alarm;
	store_metrics(gw->store, &st->redis);
	/* Scale-out (issue 12). store_outbox_fenced reads the clock: a
	 * fence due is raised (and logged) here as at the outbox's next
	 * look, so the gauge is never late. */
	_Static_assert(GATEWAY_COPY_REASONS == GW_COPY_MAX - 1,
	    "gateway_copy_names and enum gw_copy differ");
	memcpy(st->mo_copies, gw->mo_copies, sizeof(st->mo_copies));
	st->outbox_fenced = store_outbox_fenced(gw->store);
	st->outbox_fences = store_outbox_fences(gw->store);
	if (gw->outbox)
		st->outbox_fenced_dropped = outbox_stats(gw->outbox)->fenced_dropped;
}

const char *const gateway_copy_names[GATEWAY_COPY_REASONS] = {
	"lost_write", "window", "done",
};

static void
gw_sum_stats(struct smpp_client_stats *t, const struct smpp_client_stats *s)
{
	t->pdus_in += s->pdus_in;
	t->pdus_out += s->pdus_out;
	t->submit_ok += s->submit_ok;
	t->submit_err += s->submit_err;
	t->timeouts += s->timeouts;
	t->reconnects += s->reconnects;
	t->nacks_sent += s->nacks_sent;
	t->bad_pdus += s->bad_pdus;
	t->throttled += s->throttled;
	t->resent += s->resent;
	t->nacks_recv += s->nacks_recv;
	t->deliver_refused += s->deliver_refused;
	metrics_status_add(&t->results, &s->results);
	metrics_hist_add(&t->resp_time, &s->resp_time);
	metrics_hist_add(&t->mo_screen, &s->mo_screen);
}

static void
gw_add_stats(struct smpp_client_stats *t, const struct smpp_client *c)
{
	if (c != NULL)
		gw_sum_stats(t, smpp_client_stats(c));
}

const char *const gateway_bind_state_names[GATEWAY_BIND_STATES] = {
	"bound", "connecting", "down", "draining", "stopped",
};

static enum gateway_bind_state
gw_bind_state(const struct gw_bind *b)
{
	if (b->admin == GW_ADMIN_STOPPED)
		return GATEWAY_BIND_STOPPED;
	if (b->admin == GW_ADMIN_DRAINING)
		return GATEWAY_BIND_DRAINING;
	if (b->rx.bound && (!b->pair || b->tx.bound))
		return GATEWAY_BIND_BOUND;
	if (!b->gw->binds_started || b->rx.stopped)
		return GATEWAY_BIND_DOWN;
	return GATEWAY_BIND_CONNECTING;
}

/* The later of the two sessions' last errors. */
static void
gw_last_error(const struct gw_bind *b, struct gateway_bind_info *bi)
{
	const struct smpp_client *cs[2] = { b->rx.c, b->tx.c };

	for (int k = 0; k < 2; k++) {
		int64_t when;
		const char *e;

		if (cs[k] == NULL)
			continue;
		e = smpp_client_last_error(cs[k], &when);
		if (e[0] != '\0' && when >= bi->last_error_s) {
			snprintf(bi->last_error, sizeof(bi->last_error), "%s%s",
			    b->pair ? (k == 0 ? "receiver: " : "transmitter: ") :
			    "", e);
			bi->last_error_s = when;
		}
	}
}

const char *const gateway_refusal_names[GATEWAY_REFUSALS] = {
	"stopping", "busy", "session_queue", "backlog", "no_transmitter",
	"no_memory",
};

void
gateway_bind_info(const struct gateway *gw, int i, struct gateway_bind_info *bi)
{
	const struct gw_bind *b = &gw->binds[i];

	_Static_assert(GATEWAY_REFUSALS == GW_REFUSE_MAX,
	    "gateway_refusal_names and enum gw_refusal differ");
	memset(bi, 0, sizeof(*bi));
	bi->name = b->conf->name;
	bi->operator = b->conf->operator;
	bi->dialect = b->dialect->name;
	bi->pair = b->pair;
	bi->up = b->rx.bound && (!b->pair || b->tx.bound);
	bi->rx_up = b->rx.bound;
	bi->tx_up = gw_tx_bound(b);
	bi->owed = b->owed;
	gw_sum_stats(&bi->stats, &b->old);
	gw_add_stats(&bi->stats, b->rx.c);
	gw_add_stats(&bi->stats, b->tx.c);
	bi->state = gw_bind_state(b);
	bi->since_s = bi->up ? b->up_since_s : 0;
	gw_last_error(b, bi);
	bi->window_size = b->conf->window;
	bi->window_used = smpp_client_window_used(b->rx.c) +
	    (b->tx.c ? smpp_client_window_used(b->tx.c) : 0);
	bi->queued = smpp_client_queued(b->rx.c) +
	    (b->tx.c ? smpp_client_queued(b->tx.c) : 0);
	bi->mos = b->mos;
	memcpy(bi->refused, b->refused, sizeof(bi->refused));
	bi->not_served = b->not_served;
	bi->screens_failed = b->screens_failed;
}

/* ---- the operator's actions on one bind (issue 10, /status) ---- */

#define GW_DRAIN_POLL_MS 100

/* Unbind what of the bind still runs; on_stopped follows per session. */
static void
gw_bind_unbind(struct gw_bind *b)
{
	if (b->drain_ev)
		evtimer_del(b->drain_ev);
	if (!b->rx.stopped)
		smpp_client_stop(b->rx.c);
	if (b->pair && !b->tx.stopped)
		smpp_client_stop(b->tx.c);
}

/* A draining bind: unbind once it owes no screen and has nothing queued
 * or in its window, or when daemon.drain_s has passed. */
static void
gw_bind_drain_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct gw_bind *b = arg;
	struct smpp_client *tx = gw_tx(b);
	struct timeval tv = { 0, GW_DRAIN_POLL_MS * 1000 };
	int busy;

	(void)fd;
	(void)ev;
	if (b->admin != GW_ADMIN_DRAINING || b->gw->stopping)
		return;
	busy = b->owed + (tx ? smpp_client_queued(tx) +
	    smpp_client_window_used(tx) : 0);
	b->drain_left_ms -= GW_DRAIN_POLL_MS;
	if (busy > 0 && b->drain_left_ms > 0) {
		evtimer_add(b->drain_ev, &tv);
		return;
	}
	if (busy > 0)
		log_warnx("[bind %s] drain time over, %d screens or requests "
		    "left: unbinding", b->conf->name, busy);
	else
		log_notice("[bind %s] drained: unbinding", b->conf->name);
	b->admin = GW_ADMIN_STOPPED;
	gw_bind_unbind(b);
}

/* A stopped bind binds again: its clients cannot restart (stopped for
 * good), so new ones replace them; their counters carry over. */
static int
gw_bind_restart(struct gw_bind *b, char *why, size_t whysz)
{
	struct gateway *gw = b->gw;
	struct gw_link *ls[2] = { &b->rx, &b->tx };

	for (int k = 0; k < 2; k++) {
		struct gw_link *l = ls[k];

		if (k == 1 && !b->pair)
			break;
		gw_add_stats(&b->old, l->c);
		smpp_client_free(l->c);
		l->c = smpp_client_new(gw->base, b->conf, &gw_client_cb, l);
		if (l->c == NULL) {
			snprintf(why, whysz, "out of memory");
			return -2;
		}
		if (b->pair)
			smpp_client_set_role(l->c, k == 0 ? SMPP_CLIENT_RX :
			    SMPP_CLIENT_TX);
	}
	b->admin = GW_ADMIN_RUN;
	for (int k = 0; k < 2; k++) {
		if (k == 1 && !b->pair)
			break;
		ls[k]->stopped = 0;
		ls[k]->bound = 0;
		if (smpp_client_start(ls[k]->c) != 0) {
			snprintf(why, whysz, "the client did not start");
			return -2;
		}
		gw->binds_running++;
	}
	return 0;
}

int
gateway_bind_action(struct gateway *gw, const char *name,
    enum gateway_bind_action act, char *why, size_t whysz)
{
	struct gw_bind *b = NULL;
	struct timeval tv = { 0, 0 };

	for (int i = 0; i < gw->nbinds; i++)
		if (strcmp(gw->binds[i].conf->name, name) == 0)
			b = &gw->binds[i];
	if (b == NULL)
		return -1;
	if (gw->stopping || gw->freeing) {
		snprintf(why, whysz, "the daemon is stopping");
		return -2;
	}
	if (!gw->binds_started) {
		snprintf(why, whysz, "the binds start once Redis answers");
		return -2;
	}
	switch (act) {
	case GATEWAY_BIND_DRAIN:
		if (b->admin != GW_ADMIN_RUN) {
			snprintf(why, whysz, "already %s",
			    gateway_bind_state_names[gw_bind_state(b)]);
			return -2;
		}
		if (b->drain_ev == NULL &&
		    (b->drain_ev = evtimer_new(gw->base, gw_bind_drain_tick,
		    b)) == NULL) {
			snprintf(why, whysz, "out of memory");
			return -2;
		}
		b->admin = GW_ADMIN_DRAINING;
		b->drain_left_ms = gw->cfg->daemon.drain_s * 1000;
		evtimer_add(b->drain_ev, &tv);
		log_notice("[bind %s] draining (admin): no new dialog, "
		    "unbinds once idle or in %d s", b->conf->name,
		    gw->cfg->daemon.drain_s);
		return 0;
	case GATEWAY_BIND_STOP:
		if (b->admin == GW_ADMIN_STOPPED) {
			snprintf(why, whysz, "already stopped");
			return -2;
		}
		b->admin = GW_ADMIN_STOPPED;
		log_notice("[bind %s] stopping (admin): unbinding now, "
		    "%d screens owed", b->conf->name, b->owed);
		gw_bind_unbind(b);
		return 0;
	case GATEWAY_BIND_START:
		if (b->admin == GW_ADMIN_DRAINING) {
			if (b->drain_ev)
				evtimer_del(b->drain_ev);
			b->admin = GW_ADMIN_RUN;
			log_notice("[bind %s] drain called off (admin)",
			    b->conf->name);
			return 0;
		}
		if (b->admin == GW_ADMIN_RUN) {
			snprintf(why, whysz, "already running");
			return -2;
		}
		if (!b->rx.stopped || (b->pair && !b->tx.stopped)) {
			snprintf(why, whysz, "still unbinding, try again");
			return -2;
		}
		log_notice("[bind %s] starting (admin)", b->conf->name);
		return gw_bind_restart(b, why, whysz);
	}
	return -1;
}
