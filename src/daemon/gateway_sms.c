/*
 * gateway_sms: the SMS channel (DESIGN.md §1). An SMS MO is read once
 * (sms_request_parse) and becomes a dialog on the SMS channel: an identity
 * begins one, "TNS CAT <n>" and "TNS OTP <code>" continue the one saved
 * for that caller; anything else gets the help text, at most once an hour
 * per MSISDN (an auto-responder cannot loop with us). Every answer is an
 * SMS through the outbox, from the number the caller texted.
 */
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog_state.h"
#include "gateway_priv.h"
#include "log.h"
#include "secret.h"
#include "session_queue.h"
#include "store.h"
#include "tbuf.h"

#define GW_SMS_HELP_S	3600	/* one help text per MSISDN this long */

/* The request's language if the catalogue speaks it, else the first. */
static void
gw_sms_lang(const struct gw_req *r, char out[CATALOG_LANG_MAX])
{
	const struct dialog_conf *dc = &r->gw->dconf;

	for (int i = 0; i < dc->nlanguages && i < 8; i++)
		if (strcmp(dc->languages[i], r->req.lang) == 0) {
			snprintf(out, CATALOG_LANG_MAX, "%s", r->req.lang);
			return;
		}
	snprintf(out, CATALOG_LANG_MAX, "%s", dc->languages[0]);
}

static void
gw_sms_done(struct gw_req *r, int status)
{
	(void)status;
	gateway_dialog_finish(r);
}

/* The help gate opened (0) or not: the help text, or nothing. */
static void
gw_sms_on_gate(void *arg, int status)
{
	struct gw_req *r = arg;
	struct gateway *gw = r->gw;
	char lang[CATALOG_LANG_MAX], body[DIALOG_SMS_MAX], kw[24];
	const char *kv[3] = { "keyword", kw, NULL };

	if (status != 0 || gw->freeing) {
		/* Sent within the hour (or Redis said nothing): held back,
		 * counted; an ESME_ROK'd MO without an answer, on purpose. */
		gw->sms_help_held++;
		log_debug("[bind %s] SMS help held back (one an hour)",
		    r->bind->conf->name);
		gateway_dialog_finish(r);
		return;
	}
	gw_sms_lang(r, lang);
	snprintf(r->d.lang, sizeof(r->d.lang), "%s", lang);
	snprintf(kw, sizeof(kw), "%s", gw->cfg->sms.nkeywords > 0 ?
	    gw->cfg->sms.keywords[0] : "TNS");
	if (dialog_render(gw->cfg->catalog, lang, "sms_help", kv, body,
	    sizeof(body)) != 0) {
		log_err("[bind %s] the catalogue has no sms_help text",
		    r->bind->conf->name);
		gateway_dialog_finish(r);
		return;
	}
	gw->sms_help_sent++;
	gateway_dialog_queue_sms(r, body, "help", gw_sms_done);
}

static void
gw_sms_help(struct gw_req *r)
{
	char name[64];

	snprintf(name, sizeof(name), "help:%s", r->msisdn);
	store_gate(r->gw->store, name, GW_SMS_HELP_S, gw_sms_on_gate, r);
}

/* A follow-up (CAT, OTP) finds the saved conversation, or gets help. */
static void
gw_sms_on_session(void *arg, int status, const char *data, size_t len)
{
	struct gw_req *r = arg;
	struct gateway *gw = r->gw;
	char in[SMS_REQUEST_OTP_MAX + 1];

	if (status != 0) {
		gateway_dialog_unavailable(r);
		return;
	}
	if (gateway_dialog_state_open(r, data, len) != 0 ||
	    r->d.channel != DIALOG_CH_SMS) {
		/* Nothing waits for this answer: say what to send. */
		memset(&r->d, 0, sizeof(r->d));
		gw_sms_help(r);
		return;
	}
	if (r->req.kind == SMS_REQUEST_OTP)
		snprintf(in, sizeof(in), "%s", r->req.otp);
	else if (r->req.kind == SMS_REQUEST_CATEGORY)
		snprintf(in, sizeof(in), "%d", r->req.category);
	else
		in[0] = '\0';		/* "TNS CAT" alone: the list */
	dialog_input(&r->d, &gw->dconf, gw->cfg->catalog, in, &r->out);
	secret_wipe(in, sizeof(in));
	gateway_dialog_process(r);
}

void
gateway_sms_run(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	char lang[CATALOG_LANG_MAX];

	switch (r->req.kind) {
	case SMS_REQUEST_IDENTITY:
		if (!store_is_up(gw->store)) {
			gw_sms_lang(r, r->d.lang);
			gateway_dialog_unavailable(r);
			return;
		}
		gw->dialogs_started++;
		gw_sms_lang(r, lang);
		memset(&r->d, 0, sizeof(r->d));
		dialog_begin_fields(&r->d, &gw->dconf, gw->cfg->catalog, lang,
		    DIALOG_CH_SMS, r->req.idtype, r->req.idnum, &r->req.expiry,
		    &r->req.birth, &r->out);
		gateway_dialog_process(r);
		return;
	case SMS_REQUEST_CATEGORY:
	case SMS_REQUEST_OTP:
		gateway_dialog_state_get(r, gw_sms_on_session);
		return;
	case SMS_REQUEST_HELP:
		/* "TNS CAT" without a number (what the no-match SMS says to
		 * send): the category list of the saved conversation. */
		if (r->req.form == SMS_REQUEST_CATEGORY &&
		    r->req.problems == SMS_REQUEST_BAD_CAT) {
			gateway_dialog_state_get(r, gw_sms_on_session);
			return;
		}
		gw_sms_help(r);
		return;
	case SMS_REQUEST_NOT_FOR_US:
		gw_sms_help(r);
		return;
	}
	gateway_dialog_finish(r);
}

uint32_t
gateway_sms_mo(struct gw_bind *b, const struct dialect_event *ev)
{
	struct gateway *gw = b->gw;
	const char *kw[CONFIG_MAX_KEYWORDS];
	enum session_queue_result res;
	struct gw_req *r;
	struct tbuf t;

	if (gw->stopping)
		return gateway_refuse(b, GW_REFUSE_STOPPING, ev->msisdn);
	if (session_queue_busy(gw->sq))
		return gateway_refuse(b, GW_REFUSE_BUSY, ev->msisdn);
	if ((r = gateway_req_alloc(gw)) == NULL)
		return gateway_refuse(b, GW_REFUSE_NOMEM, ev->msisdn);
	r->gw = gw;
	r->bind = b;
	r->sms = 1;
	tbuf_init(&t, r->msisdn, sizeof(r->msisdn));
	tbuf_adds(&t, ev->msisdn);
	r->msisdn_ton = ev->ton;
	r->msisdn_npi = ev->npi;
	tbuf_init(&t, r->service_addr, sizeof(r->service_addr));
	tbuf_adds(&t, ev->service_addr);
	/* One conversation per caller and operator, whatever the number
	 * texted: its MOs one at a time, like a USSD session's. */
	tbuf_init(&t, r->key, sizeof(r->key));
	tbuf_adds(&t, "sms:");
	tbuf_adds(&t, b->conf->operator);
	tbuf_addc(&t, ':');
	tbuf_adds(&t, ev->msisdn);
	if (tbuf_end(&t) != 0) {
		gateway_dialog_req_free(r);
		return gateway_refuse(b, GW_REFUSE_NOMEM, ev->msisdn);
	}
	for (int i = 0; i < gw->cfg->sms.nkeywords; i++)
		kw[i] = gw->cfg->sms.keywords[i];
	sms_request_parse(ev->text, sizeof(ev->text), kw,
	    (size_t)gw->cfg->sms.nkeywords, &r->req);
	gw->sms_requests[r->req.kind < 5 ? r->req.kind : 0]++;
	log_debug("[bind %s] SMS request: %s", b->conf->name,
	    sms_request_strkind(r->req.kind));
	res = session_queue_add(gw->sq, r->key, r);
	if (res == SESSION_QUEUE_RUN) {
		gateway_dialog_run(r);
		return SMPP_ESME_ROK;
	}
	if (res == SESSION_QUEUE_QUEUED)
		return SMPP_ESME_ROK;
	{
		char m[21];

		memcpy(m, r->msisdn, sizeof(m));
		gateway_dialog_req_free(r);
		return gateway_refuse(b, res == SESSION_QUEUE_REFUSED_FULL ?
		    GW_REFUSE_SESSION : res == SESSION_QUEUE_REFUSED_BUSY ?
		    GW_REFUSE_BUSY : GW_REFUSE_NOMEM, m);
	}
}
