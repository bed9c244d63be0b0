/*
 * gateway: routes each USSD MO from a bind to its dialog and runs the
 * dialog's needs through the store, then answers on the same bind. One
 * struct gw_req per MO in flight; MOs of one session are serialised (a
 * later one waits behind the one in flight) so a dialog never forks.
 */
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dialog.h"
#include "dialog_state.h"
#include "gsm.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "secret.h"
#include "smpp_client.h"
#include "sms.h"
#include "store.h"

#define GW_HASH_SIZE      4096
#define GW_MAX_IN_FLIGHT  10000	/* MOs being worked on, all binds */
#define GW_MAX_WAITING    4	/* MOs queued behind one session's MO */
#define GW_KEY_MAX        96

struct gw_bind {
	struct gateway		*gw;
	struct smpp_client	*client;
	const struct config_bind *conf;
	int			 bound;
	int			 stopped;
};

struct gw_req {
	struct gateway	*gw;
	struct gw_bind	*bind;
	struct gw_req	*hnext;		/* in-flight hash chain */
	struct gw_req	*waiting;	/* next MO of the same session */
	int		 nwaiting;
	unsigned	 hash;
	char		 key[GW_KEY_MAX];
	char		 msisdn[21];
	uint8_t		 msisdn_ton, msisdn_npi;
	char		 service_addr[21];
	uint8_t		 op;
	int		 aborted;	/* the network aborted while this was in flight */
	int		 necho;
	struct smpp_tlv	 echo[2];	/* its_session_info, user_message_reference */
	char		 input[DIALOG_TEXT_MAX];
	struct dialog	 d;
	struct dialog_out out;
};

struct gateway {
	struct event_base	*base;
	const struct config	*cfg;
	struct store		*store;
	struct outbox		*outbox;
	struct dialog_conf	 dconf;
	/* Case B keys (security.outbox_key_file, provisioning_pubkey_file). */
	int			 b_ready;
	unsigned char		 box_key[SECRET_KEY_LEN];
	unsigned char		 otp_key[SECRET_KEY_LEN];
	unsigned char		 prov_pub[SECRET_KEY_LEN];
	uint64_t		 dlrs;
	int			 nbinds;
	struct gw_bind		 binds[CONFIG_MAX_BINDS];
	struct gw_req		*inflight[GW_HASH_SIZE];
	uint64_t		 in_flight;
	uint64_t		 dialogs_started;
	uint64_t		 rejected_busy;
	uint64_t		 outcome[16];
	int			 stopping;
	int			 freeing;	/* gateway_free running: finish, start nothing */
	int			 binds_running;
	int			 binds_started;	/* once, at the first Redis "up" */
	struct event		*drain_ev;
	struct event		*drain_poll;
	struct event		*flush_ev;
	int			 flush_left;	/* ms */
	void			(*stop_done)(void *);
	void			*stop_arg;
};

static void gw_run(struct gw_req *r);
static void gw_process(struct gw_req *r);
static void gw_finish(struct gw_req *r);
static int gw_otp_issue(struct gw_req *r);
static int gw_otp_verify(struct gw_req *r);
static void gw_otp_error(struct gw_req *r);

static unsigned
gw_hash(const char *key)
{
	return parse_hash32(key) % GW_HASH_SIZE;
}

static long
gw_today_days(void)
{
	time_t now = time(NULL);
	struct tm tm;
	struct parse_date d;

	gmtime_r(&now, &tm);
	d.y = tm.tm_year + 1900;
	d.m = tm.tm_mon + 1;
	d.d = tm.tm_mday;
	return parse_date_days(&d);
}

/* --- store callbacks ------------------------------------------------- */

static void
gw_on_lookup(void *arg, const struct dialog_lookup *res)
{
	struct gw_req *r = arg;

	r->gw->dconf.today_days = gw_today_days();
	dialog_on_lookup(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res, &r->out);
	gw_process(r);
}

static void
gw_on_categories(void *arg, const struct dialog_categories *res)
{
	struct gw_req *r = arg;

	dialog_on_categories(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res,
	    &r->out);
	gw_process(r);
}

static void
gw_on_docs(void *arg, const struct dialog_docs *res)
{
	struct gw_req *r = arg;

	dialog_on_docs(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res, &r->out);
	gw_process(r);
}

/* Redis is not there: the dialog's "service unavailable" end screen, in
 * the session's language when known, else the first configured one. */
static void
gw_unavailable(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	struct dialog_lookup lk;
	char lang[CATALOG_LANG_MAX];

	snprintf(lang, sizeof(lang), "%s",
	    r->d.lang[0] ? r->d.lang : gw->dconf.languages[0]);
	memset(&lk, 0, sizeof(lk));
	lk.status = DIALOG_FETCH_ERROR;
	memset(&r->d, 0, sizeof(r->d));
	r->d.step = DIALOG_S_LOOKUP;
	snprintf(r->d.lang, sizeof(r->d.lang), "%s", lang);
	dialog_on_lookup(&r->d, &gw->dconf, gw->cfg->catalog, &lk, &r->out);
	gw_process(r);
}

static void
gw_on_session(void *arg, int status, const char *data, size_t len)
{
	struct gw_req *r = arg;
	struct gateway *gw = r->gw;
	struct parse_dial none;

	gw->dconf.today_days = gw_today_days();
	if (status != 0) {
		gw_unavailable(r);
		return;
	}
	if (data == NULL || dialog_state_decode(&r->d, data, len) != 0) {
		/* Expired or unreadable session: start again from the top. */
		memset(&none, 0, sizeof(none));
		snprintf(none.service, sizeof(none.service), "%s",
		    gw->cfg->ussd.service_code);
		log_debug("[dlg %s] no live session, restarting", r->bind->conf->name);
		dialog_begin(&r->d, &gw->dconf, gw->cfg->catalog, &none, &r->out);
	} else
		dialog_input(&r->d, &gw->dconf, gw->cfg->catalog, r->input,
		    &r->out);
	gw_process(r);
}

static void
gw_on_otp(void *arg, const struct dialog_otp *res)
{
	struct gw_req *r = arg;

	dialog_on_otp(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res, &r->out);
	gw_process(r);
}

/* --- case B: OTP and initial password ---------------------------------- */

static long long
gw_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/*
 * Where the OTP and the password go: the phone on record, or the caller.
 * The caller's number keeps the numbering plan the network gave it in the
 * MO; the registry's phones are international digits (TON 1, NPI 1).
 */
static const char *
gw_sms_to(const struct gw_req *r)
{
	if (r->gw->cfg->security.password_to == CONFIG_PW_CALLER ||
	    r->d.phone[0] == '\0')
		return r->msisdn;
	return r->d.phone;
}

static void
gw_sms_dest(const struct gw_req *r, struct store_outbox_msg *m)
{
	m->to = gw_sms_to(r);
	if (m->to == r->msisdn) {
		m->to_ton = r->msisdn_ton;
		m->to_npi = r->msisdn_npi;
	} else {
		m->to_ton = 1;
		m->to_npi = 1;
	}
}

static void
gw_tail(const char *msisdn, char *out, size_t outsz)
{
	size_t n = strlen(msisdn), k = n < 2 ? n : 2;

	if (outsz <= k)
		k = outsz - 1;
	memcpy(out, msisdn + n - k, k);
	out[k] = '\0';
}

static void
gw_otp_error(struct gw_req *r)
{
	struct dialog_otp res;

	memset(&res, 0, sizeof(res));
	res.status = DIALOG_OTP_ERROR;
	dialog_on_otp(&r->d, &r->gw->dconf, r->gw->cfg->catalog, &res, &r->out);
	gw_process(r);
}

static int
gw_otp_issue(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	const struct config *cfg = gw->cfg;
	struct store_otp_issue_req q;
	char otp[16], hash[SECRET_HMAC_HEX], minutes[16], tail[8];
	char body[640], sealed[1400];
	const char *kv[5];
	int rc = -1;

	if (!gw->b_ready) {
		log_warnx("[bind %s] case B needs security.outbox_key_file and "
		    "provisioning_pubkey_file", r->bind->conf->name);
		return -1;
	}
	snprintf(minutes, sizeof(minutes), "%d", (cfg->security.otp_ttl_s + 59) / 60);
	kv[0] = "otp"; kv[1] = otp; kv[2] = "minutes"; kv[3] = minutes; kv[4] = NULL;
	if (secret_otp(otp, sizeof(otp), cfg->security.otp_length) != 0 ||
	    dialog_render(cfg->catalog, r->d.lang, "sms_otp", kv, body,
	    sizeof(body)) != 0 ||
	    secret_box_b64(gw->box_key, body, sealed, sizeof(sealed)) != 0)
		goto out;
	secret_otp_hash(gw->otp_key, r->d.matricule, otp, hash);
	gw_tail(gw_sms_to(r), tail, sizeof(tail));

	memset(&q, 0, sizeof(q));
	q.person = r->d.matricule;
	q.otp_hash = hash;
	q.ttl_s = cfg->security.otp_ttl_s;
	q.max_failures = cfg->security.max_failures_per_id_day;
	q.phone_tail = tail;
	q.sms.bind = r->bind->conf->name;
	gw_sms_dest(r, &q.sms);
	q.sms.from = "";
	q.sms.kind = "otp";
	q.sms.lang = r->d.lang;
	q.sms.body = sealed;
	/* An OTP is never sent after its TTL. */
	q.sms.expires_ms = gw_now_ms() + (long long)cfg->security.otp_ttl_s * 1000;
	store_otp_issue(gw->store, &q, gw_on_otp, r);
	rc = 0;
out:
	secret_wipe(otp, sizeof(otp));
	secret_wipe(body, sizeof(body));
	return rc;
}

static int
gw_otp_verify(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	const struct config *cfg = gw->cfg;
	struct store_otp_verify_req q;
	char hash[SECRET_HMAC_HEX], pw[72], body[640];
	char sealed_pw[256], sealed_body[1400];
	const char *kv[5];
	int rc = -1;

	if (!gw->b_ready)
		goto out;
	secret_otp_hash(gw->otp_key, r->d.matricule, r->out.otp_input, hash);
	/*
	 * The password is made before the check so that the script can
	 * write it atomically with the code's consumption; when the code is
	 * wrong it is simply dropped (wiped below).
	 */
	kv[0] = "password"; kv[1] = pw; kv[2] = "matricule"; kv[3] = r->d.matricule;
	kv[4] = NULL;
	if (secret_password(pw, sizeof(pw), cfg->security.password_length) != 0 ||
	    secret_seal_b64(gw->prov_pub, pw, sealed_pw, sizeof(sealed_pw)) != 0 ||
	    dialog_render(cfg->catalog, r->d.lang, "sms_password", kv, body,
	    sizeof(body)) != 0 ||
	    secret_box_b64(gw->box_key, body, sealed_body, sizeof(sealed_body)) != 0)
		goto out;

	memset(&q, 0, sizeof(q));
	q.person = r->d.matricule;
	q.otp_hash = hash;
	q.max_attempts = cfg->security.otp_max_attempts;
	q.pw_pending_s = cfg->security.password_pending_s;
	q.phone_tail = r->d.phone_tail;
	q.prov_msisdn = r->msisdn;
	q.prov_password_sealed = sealed_pw;
	q.prov_channel = "ussd";
	q.prov_operator = r->bind->conf->name;
	q.sms.bind = r->bind->conf->name;
	gw_sms_dest(r, &q.sms);
	q.sms.from = "";
	q.sms.kind = "password";
	q.sms.lang = r->d.lang;
	q.sms.body = sealed_body;
	q.sms.expires_ms = 0;
	store_otp_verify(gw->store, &q, gw_on_otp, r);
	rc = 0;
out:
	secret_wipe(r->out.otp_input, sizeof(r->out.otp_input));
	secret_wipe(pw, sizeof(pw));
	secret_wipe(body, sizeof(body));
	return rc;
}

/* --- the loop of one MO ----------------------------------------------- */

static void
gw_send_screen(struct gw_req *r)
{
	const struct config_bind *bc = r->bind->conf;
	struct smpp_pdu p;
	size_t len = 0;
	uint8_t op = r->out.end ? SMPP_USSD_PSSR_RESP : SMPP_USSD_USSR_REQ;
	char m[32];

	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	snprintf(p.source_addr, sizeof(p.source_addr), "%s",
	    bc->source_addr[0] ? bc->source_addr : r->service_addr);
	p.dest_addr_ton = r->msisdn_ton;
	p.dest_addr_npi = r->msisdn_npi;
	snprintf(p.destination_addr, sizeof(p.destination_addr), "%s", r->msisdn);
	if (gsm_encode(r->out.text, bc->charset, p.sm, SMPP_SM_MAX, &len,
	    &p.data_coding) != 0) {
		log_warnx("[bind %s] screen for %s does not encode, not sent",
		    bc->name, log_mask_msisdn(r->msisdn, m, sizeof(m)));
		return;
	}
	p.sm_len = (uint16_t)len;
	smpp_pdu_tlv_add(&p, SMPP_TLV_USSD_SERVICE_OP, &op, 1);
	for (int i = 0; i < r->necho; i++) {
		struct smpp_tlv t = r->echo[i];

		/* its_session_info: bit 0 of the second octet ends the session. */
		if (t.tag == SMPP_TLV_ITS_SESSION_INFO && t.len == 2)
			t.val[1] = r->out.end ? (t.val[1] | 1) : (t.val[1] & ~1u);
		smpp_pdu_tlv_add(&p, t.tag, t.val, t.len);
	}
	if (r->bind->client == NULL ||
	    smpp_client_submit_prio(r->bind->client, &p, 1, NULL, NULL) != 0)
		log_warnx("[bind %s] not bound, screen for %s dropped", bc->name,
		    log_mask_msisdn(r->msisdn, m, sizeof(m)));
}

static void
gw_process(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	struct dialog_out *o = &r->out;
	char buf[DIALOG_STATE_MAX];
	int n;

	if (gw->freeing) {
		gw_finish(r);
		return;
	}
	switch (o->need) {
	case DIALOG_NEED_LOOKUP: {
		struct store_lookup_req q;

		q.msisdn = r->msisdn;
		q.idtype = r->d.idtype;
		q.idnum = r->d.idnum;
		q.lang = r->d.lang;
		store_lookup(gw->store, &q, gw_on_lookup, r);
		return;
	}
	case DIALOG_NEED_CATEGORIES:
		store_categories(gw->store, r->d.lang, gw_on_categories, r);
		return;
	case DIALOG_NEED_DOCS:
		store_docs(gw->store, r->d.cat_code, r->d.lang, gw_on_docs, r);
		return;
	case DIALOG_NEED_OTP_ISSUE:
		if (gw_otp_issue(r) == 0)
			return;
		gw_otp_error(r);
		return;
	case DIALOG_NEED_OTP_VERIFY:
		if (gw_otp_verify(r) == 0)
			return;
		gw_otp_error(r);
		return;
	case DIALOG_NEED_NONE:
		break;
	}

	if (o->record_failure)
		store_record_failure(gw->store, r->d.idtype, r->d.idnum);
	if (r->aborted) {
		/* The caller is gone: no screen, no session to keep. */
		store_session_del(gw->store, r->key);
		gw->outcome[DIALOG_OUTCOME_ABORT]++;
		gw_finish(r);
		return;
	}
	if (o->end) {
		char mm[32], mi[32];

		store_session_del(gw->store, r->key);
		gw->outcome[o->outcome & 15]++;
		store_audit(gw->store, dialog_outcome_str(o->outcome), "ussd",
		    r->bind->conf->name, log_mask_msisdn(r->msisdn, mm, sizeof(mm)),
		    r->d.idnum[0] ? log_mask_id(r->d.idnum, mi, sizeof(mi)) : "");
		log_info("[bind %s] dialog %s ended: %s", r->bind->conf->name,
		    log_mask_msisdn(r->msisdn, mm, sizeof(mm)),
		    dialog_outcome_str(o->outcome));
	} else {
		/*
		 * Saved before the screen goes out; the connection is one
		 * ordered pipeline, so the caller's answer (read after the
		 * screen) always finds this state.
		 */
		n = dialog_state_encode(&r->d, buf, sizeof(buf));
		if (n < 0) {
			log_warnx("[bind %s] dialog state does not encode",
			    r->bind->conf->name);
		} else
			store_session_put(gw->store, r->key, buf, (size_t)n,
			    gw->cfg->ussd.session_timeout_s, NULL, NULL);
	}
	gw_send_screen(r);
	gw_finish(r);
}

static void
gw_run(struct gw_req *r)
{
	struct gateway *gw = r->gw;

	memset(&r->out, 0, sizeof(r->out));
	gw->dconf.today_days = gw_today_days();
	if (r->op == SMPP_USSD_PSSR_IND) {
		struct parse_dial dial;

		gw->dialogs_started++;
		memset(&dial, 0, sizeof(dial));
		/* Some networks put only the service code in destination_addr. */
		if (parse_dial(r->input, &dial) != 0 ||
		    strcmp(dial.service, gw->cfg->ussd.service_code) != 0) {
			memset(&dial, 0, sizeof(dial));
			snprintf(dial.service, sizeof(dial.service), "%s",
			    gw->cfg->ussd.service_code);
		}
		memset(&r->d, 0, sizeof(r->d));
		/* Without Redis no answer could be kept: say so at once rather
		 * than show a menu whose answer would be lost. */
		if (!store_is_up(gw->store)) {
			gw_unavailable(r);
			return;
		}
		dialog_begin(&r->d, &gw->dconf, gw->cfg->catalog, &dial, &r->out);
		gw_process(r);
	} else
		store_session_get(gw->store, r->key, gw_on_session, r);
}

static void
gw_unlink(struct gw_req *r)
{
	struct gw_req **pp = &r->gw->inflight[r->hash];

	while (*pp && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = r->hnext;
}

static void gw_drain_check(struct gateway *gw);

/* A request's input and dialog may hold an ID number, a birth date or a
 * typed OTP: wiped before the memory goes back. */
static void
gw_req_free(struct gw_req *r)
{
	secret_wipe(r, sizeof(*r));
	free(r);
}

static void
gw_finish(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	struct gw_req *next = r->waiting;

	gw_unlink(r);
	if (next && gw->freeing) {
		struct gw_req *wn;

		for (; next; next = wn) {
			wn = next->waiting;
			gw_req_free(next);
			gw->in_flight--;
		}
	}
	if (next) {
		/* The next MO of this session takes the slot. */
		next->nwaiting = r->nwaiting - 1;
		next->hnext = gw->inflight[next->hash];
		gw->inflight[next->hash] = next;
		gw_req_free(r);
		gw->in_flight--;
		gw_run(next);
		return;
	}
	gw_req_free(r);
	gw->in_flight--;
	if (gw->stopping)
		gw_drain_check(gw);
}

/* --- SMPP side -------------------------------------------------------- */

static void
gw_build_key(struct gw_req *r, const struct smpp_pdu *p)
{
	const struct smpp_tlv *its, *umr;
	char ext[16] = "";

	its = smpp_pdu_tlv_get(p, SMPP_TLV_ITS_SESSION_INFO);
	umr = smpp_pdu_tlv_get(p, SMPP_TLV_USER_MESSAGE_REFERENCE);
	/* The session number is the first octet of its_session_info; the
	 * second carries the sequence and end bit, which change per PDU. */
	if (its && its->len >= 1)
		snprintf(ext, sizeof(ext), ":i%02x", its->val[0]);
	else if (umr && umr->len == 2)
		snprintf(ext, sizeof(ext), ":u%02x%02x", umr->val[0], umr->val[1]);
	snprintf(r->key, sizeof(r->key), "%s:%s%s", r->bind->conf->name,
	    r->msisdn, ext);
	r->necho = 0;
	if (its)
		r->echo[r->necho++] = *its;
	if (umr)
		r->echo[r->necho++] = *umr;
}

static void
gw_on_deliver(struct smpp_client *c, const struct smpp_pdu *p, void *arg)
{
	struct gw_bind *b = arg;
	struct gateway *gw = b->gw;
	const struct smpp_tlv *op;
	struct gw_req *r, *cur;
	char m[32];

	(void)c;
	{
		char mid[72], canon[72];
		enum sms_dlr_state state;
		int k = sms_parse_dlr(p, mid, sizeof(mid), &state);

		if (k != 0) {
			/*
			 * receipted_message_id repeats the submit_sm_resp id, so
			 * it is read in the bind's dlr_id base like that one; an
			 * id from the text is decimal (the common mismatch:
			 * hex in the response, decimal in the receipt).
			 */
			const struct smpp_tlv *rt =
			    smpp_pdu_tlv_get(p, SMPP_TLV_RECEIPTED_MESSAGE_ID);
			int hex = rt != NULL && rt->len > 0 && rt->val[0] != '\0' &&
			    b->conf->dlr_id == CONFIG_DLR_HEX;

			if (k == 1 && sms_msgid_canon(mid, hex, canon, sizeof(canon)) == 0) {
				gw->dlrs++;
				store_outbox_dlr(gw->store, b->conf->name, canon,
				    sms_dlr_state_str(state));
			} else
				log_info("[bind %s] delivery receipt without a usable id",
				    b->conf->name);
			return;
		}
	}
	op = smpp_pdu_tlv_get(p, SMPP_TLV_USSD_SERVICE_OP);
	if (op == NULL || op->len != 1) {
		/* The SMS channel is a later issue: counted, not answered. */
		log_debug("[bind %s] MO without ussd_service_op ignored",
		    b->conf->name);
		return;
	}
	if (gw->stopping) {
		log_info("[bind %s] stopping: MO ignored", b->conf->name);
		return;
	}
	if (op->val[0] != SMPP_USSD_PSSR_IND && op->val[0] != SMPP_USSD_USSR_CONF &&
	    op->val[0] != SMPP_USSD_ABORT) {
		log_info("[bind %s] ussd_service_op 0x%02x ignored", b->conf->name,
		    op->val[0]);
		return;
	}
	if (gw->in_flight >= GW_MAX_IN_FLIGHT) {
		gw->rejected_busy++;
		log_warnx("[bind %s] %d MOs in flight: MO dropped", b->conf->name,
		    GW_MAX_IN_FLIGHT);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("[bind %s] calloc", b->conf->name);
		return;
	}
	r->gw = gw;
	r->bind = b;
	r->op = op->val[0];
	snprintf(r->msisdn, sizeof(r->msisdn), "%s", p->source_addr);
	r->msisdn_ton = p->source_addr_ton;
	r->msisdn_npi = p->source_addr_npi;
	snprintf(r->service_addr, sizeof(r->service_addr), "%s",
	    p->destination_addr);
	gw_build_key(r, p);
	r->hash = gw_hash(r->key);
	if (gsm_decode(p->data_coding, b->conf->charset, p->sm, p->sm_len,
	    r->input, sizeof(r->input)) != 0)
		log_debug("[bind %s] MO text truncated", b->conf->name);
	if (r->msisdn[0] == '\0') {
		log_warnx("[bind %s] MO without source_addr ignored", b->conf->name);
		gw_req_free(r);
		return;
	}

	for (cur = gw->inflight[r->hash]; cur; cur = cur->hnext)
		if (strcmp(cur->key, r->key) == 0)
			break;
	if (r->op == SMPP_USSD_ABORT) {
		log_info("[bind %s] dialog %s aborted by the network",
		    b->conf->name, log_mask_msisdn(r->msisdn, m, sizeof(m)));
		if (cur) {
			/* Let the MO in flight finish without a screen, and
			 * drop what waits behind it. */
			struct gw_req *w, *wn;

			cur->aborted = 1;
			for (w = cur->waiting; w; w = wn) {
				wn = w->waiting;
				gw->in_flight--;
				gw_req_free(w);
			}
			cur->waiting = NULL;
			cur->nwaiting = 0;
		} else {
			store_session_del(gw->store, r->key);
			gw->outcome[DIALOG_OUTCOME_ABORT]++;
		}
		gw_req_free(r);
		return;
	}

	gw->in_flight++;
	if (cur) {
		struct gw_req **tail = &cur->waiting;

		if (cur->nwaiting >= GW_MAX_WAITING) {
			log_warnx("[bind %s] session %s: too many MOs queued, dropped",
			    b->conf->name, log_mask_msisdn(r->msisdn, m, sizeof(m)));
			gw->in_flight--;
			gw_req_free(r);
			return;
		}
		while (*tail)
			tail = &(*tail)->waiting;
		*tail = r;
		cur->nwaiting++;
		return;
	}
	r->hnext = gw->inflight[r->hash];
	gw->inflight[r->hash] = r;
	gw_run(r);
}

static int
gw_nbound(const struct gateway *gw)
{
	int n = 0;

	for (int i = 0; i < gw->nbinds; i++)
		n += gw->binds[i].bound;
	return n;
}

static void
gw_on_bound(struct smpp_client *c, void *arg)
{
	struct gw_bind *b = arg;

	(void)c;
	b->bound = 1;
	log_info("[bind %s] bound", b->conf->name);
	outbox_set_bound(b->gw->outbox, gw_nbound(b->gw));
}

static void
gw_on_unbound(struct smpp_client *c, const char *reason, void *arg)
{
	struct gw_bind *b = arg;

	(void)c;
	b->bound = 0;
	log_info("[bind %s] unbound: %s", b->conf->name, reason);
	outbox_set_bound(b->gw->outbox, gw_nbound(b->gw));
}

static void gw_flush(struct gateway *gw);

static void
gw_on_stopped(struct smpp_client *c, void *arg)
{
	struct gw_bind *b = arg;
	struct gateway *gw = b->gw;

	(void)c;
	if (b->stopped)
		return;
	b->stopped = 1;
	b->bound = 0;
	if (--gw->binds_running == 0 && gw->stop_done)
		gw_flush(gw);
}

static const struct smpp_client_cb gw_client_cb = {
	.on_bound = gw_on_bound,
	.on_unbound = gw_on_unbound,
	.on_deliver = gw_on_deliver,
	.on_stopped = gw_on_stopped,
};

static int gw_start_binds(struct gateway *gw);

static void
gw_store_up(void *arg)
{
	struct gateway *gw = arg;

	log_info("[redis] up");
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
	(void)arg;
	log_warnx("[redis] down: %s", reason);
}

static const struct store_cb gw_store_cb = {
	.on_up = gw_store_up,
	.on_down = gw_store_down,
};

/* --- life cycle ----------------------------------------------------- */

static struct smpp_client *
gw_bind_by_name(void *arg, const char *name)
{
	struct gateway *gw = arg;

	for (int i = 0; i < gw->nbinds; i++)
		if (strcmp(gw->binds[i].conf->name, name) == 0)
			return gw->binds[i].client;
	return NULL;
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
	    secret_load_key(cfg->security.provisioning_pubkey_file, gw->prov_pub,
	    err, sizeof(err)) != 0) {
		log_warnx("case B disabled: %s", err);
		return;
	}
	/* The OTP hash key is derived from the outbox key, so the two uses
	 * (secretbox, keyed BLAKE2b) never share a key. */
	secret_derive_key(gw->box_key, "tnsgw otp-hash key v1", gw->otp_key);
	gw->b_ready = 1;
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
	gw->dconf.check_expiry = cfg->security.check_expiry;
	gw->dconf.transliterate = cfg->ussd.transliterate;
	gw->dconf.nlanguages = cfg->ussd.nlanguages;
	for (int i = 0; i < cfg->ussd.nlanguages && i < 8; i++)
		snprintf(gw->dconf.languages[i], sizeof(gw->dconf.languages[i]),
		    "%s", cfg->ussd.languages[i]);
	gw->dconf.max_bad_inputs = 3;
	gw->dconf.today_days = gw_today_days();
	gw->dconf.otp_length = cfg->security.otp_length;
	gw->dconf.password_length = cfg->security.password_length;
	if (secret_init() != 0) {
		log_warnx("gateway: libsodium does not initialise");
		free(gw);
		return NULL;
	}
	gw_load_keys(gw);
	if ((gw->store = store_new(base, cfg, &gw_store_cb, gw)) == NULL) {
		free(gw);
		return NULL;
	}
	gw->outbox = outbox_new(base, cfg, gw->store,
	    gw->b_ready ? gw->box_key : NULL, gw_bind_by_name, gw);
	if (gw->outbox == NULL) {
		store_free(gw->store);
		free(gw);
		return NULL;
	}
	gw->nbinds = cfg->nbinds;
	for (int i = 0; i < cfg->nbinds; i++) {
		struct gw_bind *b = &gw->binds[i];

		b->gw = gw;
		b->conf = &cfg->binds[i];
		b->client = smpp_client_new(base, b->conf, &gw_client_cb, b);
		if (b->client == NULL) {
			gateway_free(gw);
			return NULL;
		}
	}
	return gw;
}

int
gateway_start(struct gateway *gw)
{
	char host[64], consumer[96];

	/* One consumer name per process: a restarted daemon is a new consumer
	 * that claims what the dead one left pending. */
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "tnsgw");
	host[sizeof(host) - 1] = '\0';
	snprintf(consumer, sizeof(consumer), "%s:%ld", host, (long)getpid());
	if (outbox_start(gw->outbox, consumer) != 0)
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
		if (smpp_client_start(gw->binds[i].client) != 0)
			return -1;
		gw->binds_running++;
	}
	return 0;
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
	for (int i = 0; i < gw->nbinds; i++)
		if (!gw->binds[i].stopped)
			smpp_client_stop(gw->binds[i].client);
}

static void
gw_drain_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct gateway *gw = arg;

	(void)fd;
	(void)ev;
	if (gw->in_flight)
		log_warnx("gateway: drain timeout, %llu MOs still in flight",
		    (unsigned long long)gw->in_flight);
	gw_unbind_all(gw);
}

static void
gw_drain_poll(evutil_socket_t fd, short ev, void *arg)
{
	struct gateway *gw = arg;
	struct timeval p = { 0, 50000 };

	(void)fd;
	(void)ev;
	if (gw->in_flight == 0 && outbox_busy(gw->outbox) == 0) {
		gw_drain_check(gw);
		return;
	}
	evtimer_add(gw->drain_poll, &p);
}

static void
gw_drain_check(struct gateway *gw)
{
	if (gw->freeing)
		return;
	/* Dialogs first (they may still promise SMS), then the SMS. */
	if (gw->in_flight == 0)
		outbox_stop(gw->outbox);
	if (gw->in_flight == 0 && outbox_busy(gw->outbox) == 0 && gw->drain_ev) {
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
	log_info("gateway: stopping, %llu MOs in flight",
	    (unsigned long long)gw->in_flight);
	gw->drain_ev = evtimer_new(gw->base, gw_drain_timeout, gw);
	if (gw->drain_ev == NULL) {
		gw_unbind_all(gw);
		return;
	}
	if (gw->in_flight == 0)
		outbox_stop(gw->outbox);
	if (gw->in_flight || outbox_busy(gw->outbox)) {
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
	/* The store first: its pending callbacks fire (with -1) and finish
	 * their requests while the clients still exist. The outbox settles
	 * nothing more (what it was sending stays pending in Redis). */
	if (gw->outbox)
		outbox_detach_store(gw->outbox);
	store_free(gw->store);
	gw->store = NULL;
	for (int i = 0; i < gw->nbinds; i++)
		smpp_client_free(gw->binds[i].client);
	/* After the clients: their last callbacks reach the outbox's entries. */
	outbox_free(gw->outbox);
	secret_wipe(gw->box_key, sizeof(gw->box_key));
	secret_wipe(gw->otp_key, sizeof(gw->otp_key));
	for (int h = 0; h < GW_HASH_SIZE; h++) {
		struct gw_req *r = gw->inflight[h], *n, *w, *wn;

		for (; r; r = n) {
			n = r->hnext;
			for (w = r->waiting; w; w = wn) {
				wn = w->waiting;
				gw_req_free(w);
			}
			gw_req_free(r);
		}
	}
	free(gw);
}

void
gateway_status(const struct gateway *gw, struct gateway_status *st)
{
	memset(st, 0, sizeof(*st));
	st->redis_up = gw->store ? store_is_up(gw->store) : 0;
	st->binds = gw->nbinds;
	for (int i = 0; i < gw->nbinds; i++)
		st->binds_bound += gw->binds[i].bound;
	st->dialogs_started = gw->dialogs_started;
	st->dialogs_in_flight = gw->in_flight;
	st->rejected_busy = gw->rejected_busy;
	memcpy(st->outcome, gw->outcome, sizeof(st->outcome));
	if (gw->outbox) {
		const struct outbox_stats *o = outbox_stats(gw->outbox);

		st->sms_sent = o->sent;
		st->sms_failed = o->failed;
		st->sms_expired = o->expired;
		st->sms_retried = o->retried;
		st->sms_requeued = o->requeued;
	}
	if (gw->store)
		store_outbox_depth(gw->store, &st->outbox_len, &st->outbox_pending);
	st->dlrs = gw->dlrs;
}

const struct smpp_client *
gateway_client(const struct gateway *gw, int i)
{
	return gw->binds[i].client;
}
