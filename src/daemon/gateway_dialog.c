/*
 * gateway_dialog: one MO's dialog — the session read or the dialog begun,
 * each need run through the store, the answer fed back, then the state
 * saved, the dialog's SMS queued and the screen sent on the operator's
 * transmitting session.
 */
#include "gateway.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dialog_state.h"
#include "gateway_priv.h"
#include "gsm.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "secret.h"
#include "session_queue.h"
#include "smpp_client.h"
#include "store.h"
#include "tbuf.h"

/* Re-reads of the state after a lost write, then the "unavailable" end. */
#define GW_STATE_TRIES 3
/* An ended USSD dialog leaves its state this long, marked done, so that a
 * late copy of one of its MOs gets its last screen (or a polite end)
 * rather than a new dialog. */
#define GW_DONE_S      30
/*
 * A USSD state's bytes, sealed, start with the record of the step that
 * wrote them: "R1|from|hash|t_ms|begin_ms|begin_hash|flags|nscreen|",
 * the screen it answered (nscreen bytes), then dialog_state_encode's
 * text. from: the version that step read (0: none); hash: of its input
 * (FNV-1a 64, hex: only ever compared, inside the seal); t_ms: when, on
 * the writer's clock; begin_*: the same of the dial that began the
 * dialog; flags: 1 the screen ended the session, 2 the dialog is over.
 * States without it (the SMS channel's, those written before it) still
 * open. The screen may show a matricule: rec copies are wiped after use.
 */
#define GW_REC_TAG     "R1|"
#define GW_REC_HEAD    128
#define GW_REC_MAX     (GW_REC_HEAD + DIALOG_TEXT_MAX + DIALOG_STATE_MAX)
#define GW_REC_END     1
#define GW_REC_DONE    2

struct gw_rec {
	int       has;		/* a record was there */
	long long from;
	uint64_t  hash;
	long long t_ms;
	long long begin_ms;
	uint64_t  begin_hash;
	int       flags;
	char      screen[DIALOG_TEXT_MAX];
};

static int gw_otp_issue(struct gw_req *r, int resend);
static int gw_otp_verify(struct gw_req *r);
static void gw_otp_error(struct gw_req *r);
static void gw_on_begin_state(void *arg, int status, const char *data,
    size_t len);

static long long
gw_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

long
gateway_dialog_today(void)
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

	r->gw->dconf.today_days = gateway_dialog_today();
	dialog_on_lookup(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res, &r->out);
	gateway_dialog_process(r);
}

static void
gw_on_categories(void *arg, const struct dialog_categories *res)
{
	struct gw_req *r = arg;

	dialog_on_categories(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res,
	    &r->out);
	gateway_dialog_process(r);
}

static void
gw_on_docs(void *arg, const struct dialog_docs *res)
{
	struct gw_req *r = arg;

	dialog_on_docs(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res, &r->out);
	gateway_dialog_process(r);
}

/* Redis is not there: the dialog's "service unavailable" end screen, in
 * the session's language when known, else the first configured one. */
void
gateway_dialog_unavailable(struct gw_req *r)
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
	r->d.channel = r->sms ? DIALOG_CH_SMS : DIALOG_CH_USSD;
	snprintf(r->d.lang, sizeof(r->d.lang), "%s", lang);
	dialog_on_lookup(&r->d, &gw->dconf, gw->cfg->catalog, &lk, &r->out);
	gateway_dialog_process(r);
}

static uint64_t
gw_input_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The record at the head of buf (n bytes, NUL-terminated) into rec, and
 * where the dialog's text starts (*state). 0, or -1 when malformed. No
 * record: 0 with rec->has 0 and *state = buf. */
static int
gw_rec_parse(const char *buf, size_t n, struct gw_rec *rec,
    const char **state)
{
	const char *p = buf + sizeof(GW_REC_TAG) - 1, *end = buf + n, *q;
	unsigned long long v[7];

	memset(rec, 0, sizeof(*rec));
	*state = buf;
	if (n < sizeof(GW_REC_TAG) - 1 ||
	    memcmp(buf, GW_REC_TAG, sizeof(GW_REC_TAG) - 1) != 0)
		return 0;
	/* Seven numbers, each followed by '|': decimal, the two hashes
	 * lowercase hex, as gw_rec_encode writes them (no sign, no space,
	 * no 0x, no overflow). */
	for (int i = 0; i < 7; i++) {
		unsigned base = i == 1 || i == 4 ? 16 : 10, d;

		v[i] = 0;
		for (q = p; q < end; q++) {
			if (*q >= '0' && *q <= '9')
				d = (unsigned)(*q - '0');
			else if (base == 16 && *q >= 'a' && *q <= 'f')
				d = (unsigned)(*q - 'a' + 10);
			else
				break;
			if (v[i] > (ULLONG_MAX - d) / base)
				return -1;
			v[i] = v[i] * base + d;
		}
		if (q == p || q >= end || *q != '|')
			return -1;
		p = q + 1;
	}
	if (v[6] >= sizeof(rec->screen) || v[6] > (size_t)(end - p))
		return -1;
	rec->has = 1;
	rec->from = (long long)v[0];
	rec->hash = v[1];
	rec->t_ms = (long long)v[2];
	rec->begin_ms = (long long)v[3];
	rec->begin_hash = v[4];
	rec->flags = (int)(v[5] & 3);
	memcpy(rec->screen, p, v[6]);
	rec->screen[v[6]] = '\0';
	*state = p + v[6];
	return 0;
}

/*
 * Open a saved state into r->d (and its record into rec when not NULL).
 * 0: a live dialog; 1: a USSD dialog over (its done mark: r->d zeroed);
 * -1: none, refused or unreadable (r->d zeroed).
 */
static int
gw_state_open(struct gw_req *r, const char *data, size_t len,
    struct gw_rec *rec)
{
	struct gateway *gw = r->gw;
	char buf[GW_REC_MAX + 1], mm[32];
	const char *st;
	struct gw_rec tmp;
	int n, rv;

	if (rec == NULL)
		rec = &tmp;
	memset(rec, 0, sizeof(*rec));
	if (data == NULL)
		return -1;		/* no session: nothing to refuse */
	n = secret_state_open(gw->state_key, r->key, data, len, buf,
	    sizeof(buf));
	if (n < 0 || gw_rec_parse(buf, (size_t)n, rec, &st) != 0) {
		secret_wipe(buf, sizeof(buf));
		memset(rec, 0, sizeof(*rec));
		gw->state_refused++;
		log_warnx("[bind %s] saved dialog of %s does not open (tampered "
		    "with, or sealed under another key): refused, restarting",
		    r->bind->conf->name,
		    log_mask_msisdn(r->msisdn, mm, sizeof(mm)));
		memset(&r->d, 0, sizeof(r->d));
		return -1;
	}
	rv = dialog_state_decode(&r->d, st, (size_t)n - (size_t)(st - buf));
	secret_wipe(buf, (size_t)n + 1);
	if (rec->flags & GW_REC_DONE)
		return 1;
	return rv;
}

int
gateway_dialog_state_open(struct gw_req *r, const char *data, size_t len)
{
	return gw_state_open(r, data, len, NULL) == 0 ? 0 : -1;
}

/*
 * Is r a copy of the step rec records (the same input)? When that step
 * ended the dialog, when this step lost its write to it (it read the
 * version that step read), or, with ussd.duplicate_window_ms, when that
 * step is that recent (a copy that came after it was done). For a dial:
 * the dial that began the dialog, on the same conditions but the end.
 * GW_COPY_NONE, or why it is one (the first that holds, in that order).
 */
static enum gw_copy
gw_is_copy(const struct gw_req *r, const struct gw_rec *rec)
{
	long long win = r->gw->cfg->ussd.duplicate_window_ms, age;
	uint64_t h;

	if (!rec->has)
		return GW_COPY_NONE;
	h = gw_input_hash(r->input);
	if (h != (r->begin ? rec->begin_hash : rec->hash))
		return GW_COPY_NONE;
	/* Nothing follows a session's end but copies of its last MO. */
	if (!r->begin && (rec->flags & GW_REC_DONE))
		return GW_COPY_DONE;
	if (r->state_tries > 0 && rec->from == r->first_ver)
		return GW_COPY_LOST_WRITE;
	age = gw_now_ms() - (r->begin ? rec->begin_ms : rec->t_ms);
	return win > 0 && age < win && age > -win ? GW_COPY_WINDOW :
	    GW_COPY_NONE;
}

/* r is a copy of an MO already answered (why): the screen that MO got,
 * and nothing else (no state written, no SMS, no outcome counted). */
static void
gw_answer_copy(struct gw_req *r, const struct gw_rec *rec, enum gw_copy why)
{
	char mm[32];

	r->gw->mo_copies[why - 1]++;
	log_debug("[bind %s] dialog %s: a copy of an MO answered already, "
	    "its screen again", r->bind->conf->name,
	    log_mask_msisdn(r->msisdn, mm, sizeof(mm)));
	memset(&r->out, 0, sizeof(r->out));
	memcpy(r->out.text, rec->screen, strlen(rec->screen) + 1);
	r->out.end = (rec->flags & GW_REC_END) != 0;
	r->dup = 1;
	r->state_skip = 1;
	gateway_dialog_process(r);
}

static void
gw_on_session(void *arg, int status, const char *data, size_t len)
{
	struct gw_req *r = arg;
	struct gateway *gw = r->gw;
	struct parse_dial none;
	struct gw_rec rec;
	enum gw_copy copy;
	int rc;

	gw->dconf.today_days = gateway_dialog_today();
	if (status != 0) {
		gateway_dialog_unavailable(r);
		return;
	}
	rc = gw_state_open(r, data, len, &rec);
	if ((copy = gw_is_copy(r, &rec)) != GW_COPY_NONE) {
		gw_answer_copy(r, &rec, copy);
		secret_wipe(&rec, sizeof(rec));
		return;
	}
	secret_wipe(rec.screen, sizeof(rec.screen));
	if (rc == 1) {
		char mm[32];

		/* The dialog is over and this is not a copy of its last MO:
		 * a late one; a polite end, not a new dialog. */
		log_debug("[bind %s] dialog %s: an MO after the end, answered "
		    "\"unavailable\"", r->bind->conf->name,
		    log_mask_msisdn(r->msisdn, mm, sizeof(mm)));
		r->dup = 1;
		r->state_skip = 1;
		gateway_dialog_unavailable(r);
		return;
	}
	r->begin_ms = rec.begin_ms;
	r->begin_hash = rec.begin_hash;
	if (rc != 0) {
		/* Expired, unreadable or refused session: start again
		 * from the top. */
		memset(&none, 0, sizeof(none));
		snprintf(none.service, sizeof(none.service), "%s",
		    gw->cfg->ussd.service_code);
		log_debug("[dlg %s] no live session, restarting", r->bind->conf->name);
		dialog_begin(&r->d, &gw->dconf, gw->cfg->catalog, &none, &r->out);
	} else
		dialog_input(&r->d, &gw->dconf, gw->cfg->catalog, r->input,
		    &r->out);
	gateway_dialog_process(r);
}

static void
gw_on_state(void *arg, int status, const char *data, size_t len, long long ver)
{
	struct gw_req *r = arg;

	r->state_read = status == 0;
	r->state_ver = ver;
	if (r->state_tries == 0)
		r->first_ver = ver;
	r->state_cb(r, status, data, len);
}

void
gateway_dialog_state_get(struct gw_req *r,
    void (*cb)(void *, int, const char *, size_t))
{
	r->state_cb = cb;
	store_state_get(r->gw->store, r->key, gw_on_state, r);
}

static void
gw_on_regions(void *arg, const struct dialog_regions *res)
{
	struct gw_req *r = arg;

	dialog_on_regions(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res,
	    &r->out);
	gateway_dialog_process(r);
}

static void
gw_on_points(void *arg, const struct dialog_points *res)
{
	struct gw_req *r = arg;

	dialog_on_points(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res,
	    &r->out);
	gateway_dialog_process(r);
}

static void
gw_on_otp(void *arg, const struct dialog_otp *res)
{
	struct gw_req *r = arg;

	dialog_on_otp(&r->d, &r->gw->dconf, r->gw->cfg->catalog, res, &r->out);
	gateway_dialog_process(r);
}

/* --- case B: OTP and initial password ---------------------------------- */

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

/*
 * Seal text for the outbox entry m (issue 9, piece b): bound to its to,
 * to_ton, to_npi, kind, op and bind, under the current outbox key, so a
 * Redis writer cannot have it sent anywhere else. Set m's fields first.
 */
static int
gw_seal(const struct gateway *gw, const struct store_outbox_msg *m,
    const char *text, char *out, size_t outsz)
{
	struct secret_seal_ad ad = { m->to, m->kind, m->operator, m->bind,
	    m->to_ton, m->to_npi };

	return secret_seal2_b64(&gw->box[0], &ad, text, out, outsz);
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
	gateway_dialog_process(r);
}

static int
gw_otp_issue(struct gw_req *r, int resend)
{
	struct gateway *gw = r->gw;
	const struct config *cfg = gw->cfg;
	struct store_otp_issue_req q;
	char otp[16], hash[SECRET_HMAC_HEX], minutes[16], tail[8];
	char body[640], sealed[1400];
	const char *kv[5];
	struct tbuf tb;
	int rc = -1;

	if (!gw->b_ready) {
		log_warnx("[bind %s] case B needs security.outbox_key_file and "
		    "provisioning_pubkey_file", r->bind->conf->name);
		return -1;
	}
	/* security.otp_ttl_s is 30..3600 (config): 1..60 minutes. */
	tbuf_init(&tb, minutes, sizeof(minutes));
	tbuf_addu(&tb, (unsigned)(cfg->security.otp_ttl_s + 59) / 60);
	kv[0] = "otp"; kv[1] = otp; kv[2] = "minutes"; kv[3] = minutes; kv[4] = NULL;
	if (secret_otp(otp, sizeof(otp), cfg->security.otp_length) != 0 ||
	    dialog_render(cfg->catalog, r->d.lang, "sms_otp", kv, body,
	    sizeof(body)) != 0)
		goto out;
	secret_otp_hash(gw->otp_key, r->d.matricule, otp, hash);
	gw_tail(gw_sms_to(r), tail, sizeof(tail));

	memset(&q, 0, sizeof(q));
	q.person = r->d.matricule;
	q.otp_hash = hash;
	q.ttl_s = cfg->security.otp_ttl_s;
	q.max_failures = cfg->security.max_failures_per_id_day;
	q.resend = resend;
	q.resend_gap_s = cfg->security.otp_resend_s;
	q.max_per_hour = cfg->security.max_otp_per_person_hour;
	q.phone_tail = tail;
	q.sms.bind = r->bind->conf->name;
	q.sms.operator = r->bind->conf->operator;
	gw_sms_dest(r, &q.sms);
	q.sms.from = "";
	q.sms.kind = "otp";
	q.sms.lang = r->d.lang;
	if (gw_seal(gw, &q.sms, body, sealed, sizeof(sealed)) != 0)
		goto out;
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
	    sizeof(body)) != 0)
		goto out;

	memset(&q, 0, sizeof(q));
	q.person = r->d.matricule;
	q.otp_hash = hash;
	q.max_attempts = cfg->security.otp_max_attempts;
	q.pw_pending_s = cfg->security.password_pending_s;
	q.phone_tail = r->d.phone_tail;
	q.prov_msisdn = r->msisdn;
	q.prov_password_sealed = sealed_pw;
	q.prov_channel = r->sms ? "sms" : "ussd";
	q.prov_operator = r->bind->conf->name;
	q.sms.bind = r->bind->conf->name;
	q.sms.operator = r->bind->conf->operator;
	gw_sms_dest(r, &q.sms);
	q.sms.from = "";
	q.sms.kind = "password";
	q.sms.lang = r->d.lang;
	if (gw_seal(gw, &q.sms, body, sealed_body, sizeof(sealed_body)) != 0)
		goto out;
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


/* A screen the SMSC did not take in the end (its throttle retries spent,
 * no response, the session lost): the caller saw nothing; counted and
 * said at err, the promise of the ESME_ROK could not be kept. */
static void
gw_screen_done(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	struct gw_bind *b = arg;

	(void)resp;
	if (status == SMPP_ESME_ROK)
		return;
	b->screens_failed++;
	log_err("[bind %s] a screen was not delivered: %s", b->conf->name,
	    smpp_pdu_status_str(status));
}

static void
gw_send_screen(struct gw_req *r)
{
	const struct gw_bind *b = r->bind;
	const struct config_bind *bc = b->conf;
	struct dialect_screen sc;
	struct smpp_pdu p;
	char m[32], err[96];

	memset(&sc, 0, sizeof(sc));
	sc.from = bc->source_addr[0] ? bc->source_addr : r->service_addr;
	sc.to = r->msisdn;
	sc.to_ton = r->msisdn_ton;
	sc.to_npi = r->msisdn_npi;
	sc.echo = r->echo;
	sc.necho = r->necho;
	sc.text = r->out.text;
	sc.end = r->out.end;
	if (dialect_screen(b->dialect, &sc, bc->charset, &p, err,
	    sizeof(err)) != 0) {
		r->bind->screens_failed++;
		log_err("[bind %s] screen for %s not sent: %s", bc->name,
		    log_mask_msisdn(r->msisdn, m, sizeof(m)), err);
		return;
	}
	if (gw_tx(b) == NULL ||
	    smpp_client_submit_mo(gw_tx(b), &p, 1, r->mo_us, gw_screen_done,
	    r->bind) != 0) {
		r->bind->screens_failed++;
		log_err("[bind %s] not bound, screen for %s lost", bc->name,
		    log_mask_msisdn(r->msisdn, m, sizeof(m)));
	}
}

static void
gw_on_sms_queued(void *arg, int status)
{
	struct gw_req *r = arg;
	char m[32];

	if (status != 0) {
		r->gw->sms_lost++;
		log_err("[bind %s] %s SMS for %s not queued (Redis)",
		    r->bind->conf->name, r->sms_kind,
		    log_mask_msisdn(r->msisdn, m, sizeof(m)));
	}
	r->sms_done(r, status);
}

/*
 * An SMS to the caller of r (an outcome again, the proximity points, the
 * SMS channel's answer) into the outbox, sealed at rest when the outbox
 * key is there (a matricule, a reason are personal); from the number the
 * caller texted on the SMS channel, the bind's source_addr otherwise.
 */
void
gateway_dialog_queue_sms(struct gw_req *r, const char *text, const char *kind,
    void (*done)(struct gw_req *, int))
{
	struct gateway *gw = r->gw;
	struct store_outbox_msg m;
	char sealed[DIALOG_SMS_MAX * 2];

	sealed[0] = '\0';	/* the seal leaves a string, "" on failure */
	memset(&m, 0, sizeof(m));
	m.bind = r->bind->conf->name;
	m.operator = r->bind->conf->operator;
	m.to = r->msisdn;
	m.to_ton = r->msisdn_ton;
	m.to_npi = r->msisdn_npi;
	m.from = r->sms ? r->service_addr : "";
	m.kind = kind;
	m.lang = r->d.lang[0] ? r->d.lang : gw->dconf.languages[0];
	m.body = text;
	if (gw->b_ready && gw_seal(gw, &m, text, sealed, sizeof(sealed)) == 0)
		m.body = sealed;
	r->sms_kind = kind;
	r->sms_done = done;
	store_outbox_add(gw->store, &m, gw_on_sms_queued, r);
	/* The bytes written (not the whole 4 KB). */
	secret_wipe(sealed, strnlen(sealed, sizeof(sealed) - 1) + 1);
}

/* The dialog's SMS is in the outbox (or could not be): its screen. */
static void
gw_after_sms(struct gw_req *r, int status)
{
	(void)status;
	if (!r->gw->freeing && !r->sms)
		gw_send_screen(r);
	gateway_dialog_finish(r);
}

/* The first body of a list over two is in the outbox (or could not be):
 * the second goes after it (each reads alone; queued in order), then the
 * screen. A second that is not taken is counted and logged the same. */
static void
gw_after_sms1(struct gw_req *r, int status)
{
	if (r->gw->freeing || r->out.sms2[0] == '\0') {
		gw_after_sms(r, status);
		return;
	}
	gateway_dialog_queue_sms(r, r->out.sms2, r->sms_kind, gw_after_sms);
}

/* The step's state is written (or needs no write): its outcome counted
 * and audited, its SMS queued, its screen sent. */
static void
gw_after_state(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	struct dialog_out *o = &r->out;

	if (o->end && !r->dup) {
		char mm[32], mi[32];

		gw->outcome[r->sms != 0][o->outcome & 15]++;
		store_audit(gw->store, dialog_outcome_str(o->outcome),
		    r->sms ? "sms" : "ussd",
		    r->bind->conf->name, log_mask_msisdn(r->msisdn, mm, sizeof(mm)),
		    r->d.idnum[0] ? log_mask_id(r->d.idnum, mi, sizeof(mi)) : "");
		log_at(GW_LOG_DIALOG(gw), "[bind %s] dialog %s ended: %s",
		    r->bind->conf->name, log_mask_msisdn(r->msisdn, mm, sizeof(mm)),
		    dialog_outcome_str(o->outcome));
	}
	/* An SMS the screen may promise goes to the outbox first (a list
	 * in two bodies: both, in order); on the SMS channel it is the
	 * answer, and there is no screen. */
	if (o->sms[0] != '\0') {
		gateway_dialog_queue_sms(r, o->sms, o->sms_kind ? o->sms_kind :
		    "reply", o->sms2[0] != '\0' ? gw_after_sms1 : gw_after_sms);
		return;
	}
	if (!r->sms)
		gw_send_screen(r);
	gateway_dialog_finish(r);
}

/*
 * The verdict on a step's write over the version it read. Lost (another
 * MO of the session, here or on another instance, wrote first): nothing of
 * this step is shown; the state is read again and the input applied to
 * it, GW_STATE_TRIES times, then the "unavailable" end, which leaves the
 * state alone. Redis failing: the "unavailable" end too.
 */
static void
gw_on_state_put(void *arg, int status, const char *data, size_t len,
    long long ver)
{
	struct gw_req *r = arg;
	struct gateway *gw = r->gw;
	char mm[32];

	(void)data;
	(void)len;
	(void)ver;
	if (status == 0 || gw->freeing) {
		gw_after_state(r);
		return;
	}
	if (status == STORE_STATE_CONFLICT) {
		gw->state_conflicts++;
		log_info("[bind %s] dialog %s: the state changed under this "
		    "step (another MO of the session), %s",
		    r->bind->conf->name, log_mask_msisdn(r->msisdn, mm,
		    sizeof(mm)), r->state_tries < GW_STATE_TRIES ?
		    "reading it again" : "giving up");
		if (r->state_tries++ < GW_STATE_TRIES) {
			r->state_read = 0;
			gateway_dialog_run(r);
			return;
		}
	}
	r->state_skip = 1;
	gateway_dialog_unavailable(r);
}

/* v in base 10 or 16 (lower case) and a '|' at out (at most 22 bytes):
 * the bytes written. No printf on the hot path. */
static int
gw_rec_num(char *out, unsigned long long v, int base)
{
	char t[24];
	int n = 0, k = 0;

	do {
		t[n++] = "0123456789abcdef"[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v != 0);
	while (n > 0)
		out[k++] = t[--n];
	out[k++] = '|';
	return k;
}

/*
 * A USSD state's text: the record of this step (the version it read, its
 * input, now, the dialog's dial, the screen it answers), then the
 * dialog's state (GW_REC_TAG). Its length, or -1.
 */
static int
gw_rec_encode(struct gw_req *r, char *buf, size_t bufsz)
{
	const struct dialog_out *o = &r->out;
	size_t ns = strlen(o->text);
	long long now = gw_now_ms();
	int n, m;

	if (r->begin) {
		r->begin_ms = now;
		r->begin_hash = gw_input_hash(r->input);
	}
	if (bufsz < GW_REC_HEAD + ns + 1)
		return -1;
	memcpy(buf, GW_REC_TAG, sizeof(GW_REC_TAG) - 1);
	n = (int)sizeof(GW_REC_TAG) - 1;
	n += gw_rec_num(buf + n, (unsigned long long)(r->state_read &&
	    r->state_ver > 0 ? r->state_ver : 0), 10);
	n += gw_rec_num(buf + n, gw_input_hash(r->input), 16);
	n += gw_rec_num(buf + n, (unsigned long long)now, 10);
	n += gw_rec_num(buf + n, (unsigned long long)(r->begin_ms > 0 ?
	    r->begin_ms : 0), 10);
	n += gw_rec_num(buf + n, r->begin_hash, 16);
	n += gw_rec_num(buf + n, o->end ? GW_REC_END | GW_REC_DONE : 0, 10);
	n += gw_rec_num(buf + n, ns, 10);
	memcpy(buf + n, o->text, ns);
	n += (int)ns;
	buf[n] = '\0';
	if (o->end)
		return n;	/* a done mark keeps no dialog */
	m = dialog_state_encode(&r->d, buf + n, bufsz - (size_t)n);
	return m < 0 ? -1 : n + m;
}

void
gateway_dialog_process(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	struct dialog_out *o = &r->out;
	char buf[GW_REC_MAX];
	char sealed[SECRET_STATE_SEALED_MAX(GW_REC_MAX)];
	int n;

	if (gw->freeing) {
		gateway_dialog_finish(r);
		return;
	}
	switch (o->need) {
	case DIALOG_NEED_LOOKUP: {
		struct store_lookup_req q;

		memset(&q, 0, sizeof(q));
		q.msisdn = r->msisdn;
		q.msisdn_ton = r->msisdn_ton;
		q.idtype = r->d.idtype;
		q.idnum = r->d.idnum;
		q.lang = r->d.lang;
		/* The script compares the dates (dialog_on_lookup's rules: on
		 * USSD the expiry is always asked when it is checked). */
		q.birth = r->d.birth;
		q.expiry = r->d.expiry;
		q.match_expiry = gw->dconf.check_expiry &&
		    (parse_date_is_set(&r->d.expiry) ||
		    r->d.channel == DIALOG_CH_USSD);
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
	case DIALOG_NEED_OTP_RESEND:
		if (gw_otp_issue(r, o->need == DIALOG_NEED_OTP_RESEND) == 0)
			return;
		gw_otp_error(r);
		return;
	case DIALOG_NEED_REGIONS:
		store_regions(gw->store, r->d.lang, gw_on_regions, r);
		return;
	case DIALOG_NEED_POINTS:
		store_points(gw->store, r->d.region, r->d.lang, gw_on_points, r);
		return;
	case DIALOG_NEED_OTP_VERIFY:
		if (gw_otp_verify(r) == 0)
			return;
		gw_otp_error(r);
		return;
	case DIALOG_NEED_NONE:
		break;
	}

	if (o->record_failure) {
		char mm[32], mi[32];

		/* A no-match (DESIGN.md §1): counted against the number by
		 * the lookup script itself; audited when it happens, whatever
		 * the caller does next, and in the failure rate. */
		gw->outcome[r->sms != 0][DIALOG_OUTCOME_MISMATCH]++;
		gateway_failure(gw);
		store_audit(gw->store, "mismatch", r->sms ? "sms" : "ussd",
		    r->bind->conf->name, log_mask_msisdn(r->msisdn, mm,
		    sizeof(mm)), r->d.idnum[0] ? log_mask_id(r->d.idnum, mi,
		    sizeof(mi)) : "");
	}
	if (r->aborted) {
		/* The caller is gone: no screen, no session to keep. */
		store_session_del(gw->store, r->key);
		gw->outcome[r->sms != 0][DIALOG_OUTCOME_ABORT]++;
		gateway_dialog_finish(r);
		return;
	}
	if (r->state_skip) {
		gw_after_state(r);
		return;
	}
	/*
	 * The state saved (or ended) before the screen goes out; the
	 * connection is one ordered pipeline, so the caller's answer (read
	 * after the screen) always finds it. A step that read the state
	 * writes only over the version it read (DESIGN.md §6) and waits for
	 * the verdict: the loser shows nothing and re-reads. A new dialog
	 * replaces whatever was there, without waiting.
	 */
	n = 0;
	if (!o->end || !r->sms) {
		int len;

		len = r->sms ? dialog_state_encode(&r->d, buf, sizeof(buf)) :
		    gw_rec_encode(r, buf, sizeof(buf));
		n = len < 0 ? -1 : secret_state_seal(gw->state_key, r->key,
		    buf, (size_t)len, sealed, sizeof(sealed));
		/* What was written: all of buf when the encoder failed. */
		secret_wipe(buf, len < 0 ? sizeof(buf) : (size_t)len + 1);
		if (n < 0) {
			log_warnx("[bind %s] dialog state does not encode",
			    r->bind->conf->name);
			gw_after_state(r);
			return;
		}
	}
	/* A USSD end leaves its done mark (GW_DONE_S); the SMS channel's
	 * end deletes the state. */
	store_state_put(gw->store, r->key, r->state_read ? r->state_ver :
	    STORE_STATE_ANY, o->end && r->sms ? NULL : sealed, (size_t)n,
	    r->sms ? gw->cfg->sms.state_ttl_s : o->end ? GW_DONE_S :
	    gw->cfg->ussd.session_timeout_s,
	    gw_now_ms(), r->state_read ? gw_on_state_put : NULL, r);
	if (!r->state_read)
		gw_after_state(r);
}

/* The state a dial found (ussd.duplicate_window_ms): a copy of the dial
 * that began it gets its screen; otherwise the new dialog, whose write
 * waits for its verdict (gateway_dialog_process). */
static void
gw_on_begin_state(void *arg, int status, const char *data, size_t len)
{
	struct gw_req *r = arg;
	struct gw_rec rec;
	enum gw_copy copy;

	if (status != 0) {
		memset(&r->d, 0, sizeof(r->d));
		gateway_dialog_unavailable(r);
		return;
	}
	(void)gw_state_open(r, data, len, &rec);
	if ((copy = gw_is_copy(r, &rec)) != GW_COPY_NONE) {
		gw_answer_copy(r, &rec, copy);
		secret_wipe(&rec, sizeof(rec));
		return;
	}
	secret_wipe(&rec, sizeof(rec));
	gateway_dialog_run(r);
}

void
gateway_dialog_run(struct gw_req *r)
{
	struct gateway *gw = r->gw;

	dialog_out_reset(&r->out);
	gw->dconf.today_days = gateway_dialog_today();
	if (r->sms) {
		gateway_sms_run(r);
		return;
	}
	if (r->begin && gw->cfg->ussd.duplicate_window_ms > 0 &&
	    !r->state_read) {
		/* A copy of the dial may come: the state first (a copy
		 * answers the screen the dialog is at), and the new dialog
		 * written over the version read. */
		if (!store_is_up(gw->store)) {
			memset(&r->d, 0, sizeof(r->d));
			gateway_dialog_unavailable(r);
			return;
		}
		gateway_dialog_state_get(r, gw_on_begin_state);
		return;
	}
	if (r->begin) {
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
			gateway_dialog_unavailable(r);
			return;
		}
		dialog_begin(&r->d, &gw->dconf, gw->cfg->catalog, &dial, &r->out);
		gateway_dialog_process(r);
	} else
		gateway_dialog_state_get(r, gw_on_session);
}


/* A request's input and dialog may hold an ID number, a birth date or a
 * typed OTP: wiped before the memory goes back. */
void
gateway_dialog_req_free(struct gw_req *r)
{
	gateway_req_release(r);
}

/* session_queue_free's drop: an MO still held at gateway_free. */
void
gateway_dialog_req_drop(void *item, void *arg)
{
	(void)arg;
	gateway_dialog_req_free(item);
}

/* r, in flight, is done: the next MO of its session takes the slot. */
void
gateway_dialog_finish(struct gw_req *r)
{
	struct gateway *gw = r->gw;
	struct gw_req *next;

	/* gateway_free: what waits behind is dropped, not run. */
	if (gw->freeing)
		while ((next = session_queue_dequeue(gw->sq, r->key)) != NULL)
			gateway_dialog_req_free(next);
	next = session_queue_finish(gw->sq, r->key);
	if (r->owed)
		r->bind->owed--;
	gateway_dialog_req_free(r);
	if (next) {
		gateway_dialog_run(next);
		return;
	}
	if (gw->stopping)
		gateway_drain_check(gw);
}
