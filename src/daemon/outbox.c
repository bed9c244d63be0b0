/*
 * outbox: sends what the store's outbox consumer hands out and settles each
 * entry once the SMSC has answered all its segments. An entry lives here
 * only while it is being sent; Redis keeps it pending until it is acked, so
 * a crash or a lost response costs a re-send (byte-identical), never a loss.
 */
#include "outbox.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "parse.h"
#include "smpp_client.h"
#include "sms.h"
#include "store.h"

#define OB_MAX_BUSY  1000	/* entries being sent at once */
#define OB_BODY_MAX  2048	/* opened body, bytes: DIALOG_SMS_MAX, 8 segments of Tifinagh */

struct ob_entry {
	struct outbox		*ob;
	struct ob_entry		*prev, *next;
	struct event		*retry_ev;
	char			 id[32];
	char			 bind[32];	/* the bind it was written for */
	char			 op[32];	/* its operator */
	char			 via[32];	/* the bind it went out on */
	char			 to[21];
	char			 from[21];
	char			 kind[16];
	uint8_t			 to_ton, to_npi;
	long long		 expires_ms;
	long long		 deliveries;	/* times handed out, this one included */
	int			 tries;		/* retries done in this hand-out */
	int			 outstanding;	/* submits waiting for a response */
	int			 transient, lost, failed;
	int			 waiting_bind;	/* retry_ev armed for the bind or the
						 * fence, not a retry */
	int			 fenced;	/* parked: the store is fenced */
	int			 foreign;	/* claimed by another meanwhile */
	uint32_t		 fail_status;
	char			 message_id[72];	/* canonical: up to "s:" + 64 */
	int			 nseg;
	int			 seg_ok[SMS_MAX_SEGMENTS];
	struct sms_segment	 seg[SMS_MAX_SEGMENTS];
};

struct ob_seg_ref {			/* what a submit's done callback gets */
	struct ob_entry	*e;
	int		 i;
};

struct outbox {
	struct event_base	*base;
	const struct config	*cfg;
	struct store		*store;
	int			 nkeys;		/* current, then old */
	struct secret_keyed	 keys[2];
	outbox_bind_fn		*bind_fn;
	void			*bind_arg;
	struct ob_entry		*entries;
	int			 busy;
	int			 stopped;
	int			 nbound;	/* binds bound now (outbox_set_bound) */
	int			 paused;	/* store_outbox_pause state we asked for */
	struct outbox_stats	 stats;
};

#define OB_WAIT_BIND_MS  1000	/* entry waiting for its bind: look again */
#define OB_WAIT_FENCE_MS 500	/* entry parked by a fence: look again */
#define OB_LOW_WATER     (OB_MAX_BUSY - 64)	/* pause reading above this */

/* s cut to sz - 1 bytes, NUL-ended: what snprintf(out, sz, "%s", s)
 * wrote, without a format parsed (nine of them for each entry sent). */
static void
ob_copy(char *out, size_t sz, const char *s)
{
	size_t n = strnlen(s, sz - 1);

	memcpy(out, s, n);
	out[n] = '\0';
}

/*
 * Read no more than can be sent: pause the store's reader and claims while
 * stopping, full, or with no bind up, so the backlog waits in the stream
 * (where any consumer can read it) rather than in our pending list.
 */
static void
ob_flow(struct outbox *ob)
{
	int want = ob->stopped || ob->busy >= OB_LOW_WATER || ob->nbound == 0;

	if (ob->store && want != ob->paused) {
		ob->paused = want;
		store_outbox_pause(ob->store, want);
	}
}

static long long
ob_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Milliseconds left to send e in: -1 without a limit, 0 when expired. */
static long long
ob_left_ms(const struct ob_entry *e)
{
	long long left;

	if (e->expires_ms == 0)
		return -1;
	left = e->expires_ms - ob_now_ms();
	return left > 0 ? left : 0;
}

static void
ob_entry_free(struct ob_entry *e)
{
	struct outbox *ob = e->ob;

	if (e->prev)
		e->prev->next = e->next;
	else
		ob->entries = e->next;
	if (e->next)
		e->next->prev = e->prev;
	ob->busy--;
	if (e->retry_ev)
		event_free(e->retry_ev);
	/* The segments may hold a password or an OTP in clear: the ones
	 * used (the rest were never written since calloc). */
	secret_wipe(e->seg, (size_t)e->nseg * sizeof(e->seg[0]));
	secret_wipe(e, offsetof(struct ob_entry, seg));
	free(e);
	ob_flow(ob);
}

static void
ob_settle(struct ob_entry *e, const char *state)
{
	struct outbox *ob = e->ob;

	if (ob->store)
		store_outbox_ack(ob->store, e->id, state,
		    e->via[0] ? e->via : e->bind,
		    e->message_id[0] ? e->message_id : NULL);
	if (strcmp(state, "sent") == 0)
		ob->stats.sent++;
	else
		ob->stats.expired++;
	log_debug("[outbox %s] %s %s", e->id, e->kind, state);
	ob_entry_free(e);
}

/*
 * The entry cannot go: to the dead letters (P"outbox:dead") with why,
 * counted, said at err. Never re-sent from here; ops re-drive it.
 */
static void
ob_dead(struct ob_entry *e, const char *why)
{
	struct outbox *ob = e->ob;

	if (ob->store)
		store_outbox_dead(ob->store, e->id, e->kind, e->bind, why,
		    e->deliveries);
	ob->stats.dead++;
	log_err("[outbox %s] %s to the dead letters: %s", e->id, e->kind, why);
	ob_entry_free(e);
}

/*
 * A sealed body that does not open for this entry (copied into another,
 * tampered with: "seal") or whose key is not here ("key"): never sent,
 * dead at once (waiting would not change the fields or bring the key),
 * counted. No personal data in the line: the id, the kind, the bind.
 */
static void
ob_refuse(struct ob_entry *e, enum secret_open2 rc)
{
	struct outbox *ob = e->ob;

	if (rc == SECRET_OPEN2_KEY)
		ob->stats.seal_refused_key++;
	else
		ob->stats.seal_refused_seal++;
	log_err("[outbox %s] %s on bind '%s': sealed body refused (%s: %s)",
	    e->id, e->kind, e->bind, secret_open2_str(rc),
	    rc == SECRET_OPEN2_KEY ? "no outbox key has its key id" :
	    "does not open with this entry's fields");
	ob_dead(e, secret_open2_str(rc));
}

/*
 * Not sent in this hand-out, and not for good: left pending (claimed and
 * handed out again after outbox.claim_idle_s), or, once it has been
 * handed out outbox.max_deliveries times, dead.
 */
static void
ob_leave(struct ob_entry *e, const char *why)
{
	struct outbox *ob = e->ob;
	char reason[160];

	if (e->deliveries >= ob->cfg->outbox.max_deliveries) {
		snprintf(reason, sizeof(reason), "%s, %lld times", why,
		    e->deliveries);
		ob_dead(e, reason);
		return;
	}
	ob->stats.requeued++;
	log_info("[outbox %s] %s: %s, left pending (handed out %lld of %d "
	    "times)", e->id, e->kind, why, e->deliveries,
	    ob->cfg->outbox.max_deliveries);
	ob_entry_free(e);
}

static void ob_submit(struct ob_entry *e);

/*
 * Claimed by another instance while we were fenced (cut off from Redis
 * past our heartbeat's deadline): never sent from here again, not
 * settled, not counted as requeued; counted and said at notice.
 */
static void
ob_drop_foreign(struct ob_entry *e)
{
	e->ob->stats.fenced_dropped++;
	log_notice("[outbox %s] %s claimed by another instance while we were "
	    "cut off from Redis: dropped here, not sent", e->id, e->kind);
	ob_entry_free(e);
}

static void
ob_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ob_entry *e = arg;

	(void)fd;
	(void)ev;
	if (e->ob->stopped || e->ob->store == NULL) {
		/* Left pending in Redis: claimed again later (no count: the
		 * process is going, not the message failing). */
		e->ob->stats.requeued++;
		ob_entry_free(e);
		return;
	}
	/* ob_submit settles it "expired" if its time ran out meanwhile. */
	if (e->waiting_bind)
		e->waiting_bind = 0;
	else
		e->ob->stats.retried++;
	ob_submit(e);
}

/*
 * Every segment has answered: settle, retry, leave pending or dead.
 *   - a segment refused for good (any status but those below)  -> dead;
 *   - a segment without an answer (timeout, connection lost, not bound,
 *     client queue full): the SMSC may have taken it, so no blind
 *     re-send now                                                -> left;
 *   - a transient refusal (ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR,
 *     ESME_RX_T_APPN, a generic_nack): the segments not accepted yet
 *     are submitted again after outbox.retry_delay_ms x 2^n, up to
 *     outbox.max_retries times                                   -> then left;
 *   - else                                                       -> sent.
 * "Left" is pending, handed out again later: after max_deliveries
 * hand-outs, dead. Nothing is re-sent for ever, nothing dropped.
 */
static void
ob_answered(struct ob_entry *e)
{
	struct outbox *ob = e->ob;
	char why[96];

	if (e->foreign && (e->failed || e->lost || e->transient)) {
		/* Another instance owns it now: its settling, not ours. */
		ob_drop_foreign(e);
		return;
	}
	if (e->failed) {
		snprintf(why, sizeof(why), "refused: %s",
		    smpp_pdu_status_str(e->fail_status));
		ob_dead(e, why);
		return;
	}
	if (e->lost) {
		ob_leave(e, "no response");
		return;
	}
	if (e->transient) {
		struct timeval tv;
		long ms;

		if (e->tries >= ob->cfg->outbox.max_retries) {
			snprintf(why, sizeof(why), "%s after %d retries",
			    smpp_pdu_status_str(e->fail_status), e->tries);
			ob_leave(e, why);
			return;
		}
		ms = (long)ob->cfg->outbox.retry_delay_ms << (e->tries < 16 ? e->tries : 16);
		if (ms > 600000)
			ms = 600000;
		e->tries++;
		e->transient = 0;
		if (e->retry_ev == NULL &&
		    (e->retry_ev = evtimer_new(ob->base, ob_retry_cb, e)) == NULL) {
			ob_leave(e, "out of memory");
			return;
		}
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(e->retry_ev, &tv);
		return;
	}
	ob_settle(e, "sent");
}

static void
ob_done(void *arg, uint32_t status, const struct smpp_pdu *resp)
{
	struct ob_seg_ref *ref = arg;
	struct ob_entry *e = ref->e;
	int i = ref->i;

	free(ref);
	e->outstanding--;
	switch (status) {
	case SMPP_ESME_ROK:
		e->seg_ok[i] = 1;
		if (i == 0 && resp && resp->message_id[0]) {
			const struct config_bind *bc = NULL;
			struct smpp_client *c = e->ob->bind_fn(e->ob->bind_arg,
			    e->via, "");

			if (c)
				bc = smpp_client_conf(c);
			if (sms_msgid_canon(resp->message_id,
			    bc && bc->dlr_id == CONFIG_DLR_HEX, e->message_id,
			    sizeof(e->message_id)) != 0)
				e->message_id[0] = '\0';
			/* Known now: a receipt may beat the other segments. */
			else if (e->ob->store && e->nseg > 1)
				store_outbox_note_id(e->ob->store, e->id, e->via,
				    e->message_id);
		}
		break;
	case SMPP_ESME_RTHROTTLED:
	case SMPP_ESME_RMSGQFUL:
	case SMPP_ESME_RSYSERR:
	case SMPP_ESME_RX_T_APPN:
	case SMPP_CLIENT_E_NACK:
		e->transient = 1;
		e->fail_status = status;
		break;
	case SMPP_CLIENT_E_TIMEOUT:
	case SMPP_CLIENT_E_CLOSED:
	case SMPP_CLIENT_E_NOTBOUND:
	case SMPP_CLIENT_E_QUEUE:
		e->lost = 1;
		break;
	default:
		e->failed = 1;
		e->fail_status = status;
		break;
	}
	if (e->outstanding == 0)
		ob_answered(e);
}

static void
ob_submit(struct ob_entry *e)
{
	struct outbox *ob = e->ob;
	struct smpp_client *c = ob->bind_fn(ob->bind_arg, e->bind, e->op);
	const struct config_bind *bc;
	struct smpp_pdu p;
	size_t smlen = 0;		/* p.sm octets written */
	char validity[SMPP_TIME_SIZE] = "";
	long long left;

	/*
	 * Before every (re)submit, first or after throttling or a wait for
	 * the bind: an OTP is never sent after its TTL, and the SMSC is told
	 * (relative validity_period of what is left, rounded up to the
	 * second) not to deliver it later from its store either.
	 */
	if ((left = ob_left_ms(e)) == 0) {
		ob_settle(e, "expired");
		return;
	}
	if (left > 0 && smpp_pdu_time_relative((left + 999) / 1000, validity,
	    sizeof(validity)) != 0) {
		/* Cannot happen (buffer size); never send without it. */
		ob_dead(e, "no validity period");
		return;
	}
	/*
	 * Fenced (DESIGN.md §6): our heartbeat may have lapsed and another
	 * instance claimed this entry. Parked until the fence lifts, then
	 * sent only if still ours (ob_on_owned).
	 */
	if (ob->store != NULL && store_outbox_fenced(ob->store)) {
		struct timeval tv = { 0, OB_WAIT_FENCE_MS * 1000 };

		if (ob->stopped || (e->retry_ev == NULL &&
		    (e->retry_ev = evtimer_new(ob->base, ob_retry_cb, e)) == NULL)) {
			ob->stats.requeued++;
			ob_entry_free(e);
			return;
		}
		if (!e->fenced)
			log_info("[outbox %s] %s held: fenced", e->id, e->kind);
		e->fenced = 1;
		e->waiting_bind = 1;
		evtimer_add(e->retry_ev, &tv);
		return;
	}
	e->fenced = 0;
	if (c == NULL || smpp_client_state(c) != SMPP_CLIENT_BOUND) {
		struct timeval tv = { OB_WAIT_BIND_MS / 1000,
		    (OB_WAIT_BIND_MS % 1000) * 1000 };

		if (c == NULL) {
			/* The bind is gone from the config (and its operator). */
			ob_leave(e, "its bind is not configured");
			return;
		}
		if (ob->stopped || (e->retry_ev == NULL &&
		    (e->retry_ev = evtimer_new(ob->base, ob_retry_cb, e)) == NULL)) {
			ob->stats.requeued++;
			log_info("[outbox %s] bind '%s' not bound, left pending",
			    e->id, e->bind);
			ob_entry_free(e);
			return;
		}
		/* Waits here (bounded by OB_MAX_BUSY and its expiry). */
		e->waiting_bind = 1;
		evtimer_add(e->retry_ev, &tv);
		return;
	}
	bc = smpp_client_conf(c);
	if (strcmp(bc->name, e->bind) != 0 && strcmp(bc->name, e->via) != 0)
		log_info("[outbox %s] bind '%s' %s: sent on '%s' (operator %s)",
		    e->id, e->bind, config_bind_find(ob->cfg, e->bind) ?
		    "not bound" : "not configured", bc->name, e->op);
	ob_copy(e->via, sizeof(e->via), bc->name);
	/* The fields every segment shares, once; each segment sets its own
	 * below (the encoder reads sm_len octets of sm, nothing past). */
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	ob_copy(p.source_addr, sizeof(p.source_addr),
	    e->from[0] ? e->from : bc->source_addr);
	/* The plan the entry was written with (MO caller or registry). */
	p.dest_addr_ton = e->to_ton;
	p.dest_addr_npi = e->to_npi;
	ob_copy(p.destination_addr, sizeof(p.destination_addr), e->to);
	memcpy(p.validity_period, validity, sizeof(validity));
	for (int i = 0; i < e->nseg; i++) {
		struct ob_seg_ref *ref;

		if (e->seg_ok[i])
			continue;
		p.esm_class = e->seg[i].esm_class;
		p.data_coding = e->seg[i].data_coding;
		/* A receipt for the first segment only: its id is the one
		 * the entry is recorded under (ob_done); another segment's
		 * receipt would match nothing and only cost Redis a lookup
		 * and a key kept an hour. */
		p.registered_delivery = i == 0;
		p.sm_len = e->seg[i].len;
		memcpy(p.sm, e->seg[i].body, e->seg[i].len);
		if (e->seg[i].len > smlen)
			smlen = e->seg[i].len;
		if ((ref = malloc(sizeof(*ref))) == NULL) {
			e->lost = 1;
			break;
		}
		ref->e = e;
		ref->i = i;
		if (smpp_client_submit(c, &p, ob_done, ref) != 0) {
			free(ref);
			e->lost = 1;
			break;
		}
		e->outstanding++;
		ob->stats.segments++;
	}
	/* The body (a password, an OTP) is all p held of a secret. */
	secret_wipe(p.sm, smlen);
	if (e->outstanding == 0)
		ob_answered(e);
}

static void
ob_on_entry(void *arg, const struct store_outbox_entry *se)
{
	struct outbox *ob = arg;
	struct ob_entry *e;
	char body[OB_BODY_MAX];
	const char *text = se->body;
	struct smpp_client *c;
	enum gsm_charset cs = GSM_CHARSET_GSM7;
	int n;

	if (ob->stopped || ob->busy >= OB_MAX_BUSY)
		return;		/* stays pending; claimed later */
	/* Claimed while still being sent here (a long retry): not twice. A
	 * first delivery (XREADGROUP ">") is new to every consumer: no scan. */
	for (e = se->deliveries > 1 ? ob->entries : NULL; e; e = e->next)
		if (strcmp(e->id, se->id) == 0)
			return;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	e->ob = ob;
	e->next = ob->entries;
	if (ob->entries)
		ob->entries->prev = e;
	ob->entries = e;
	ob->busy++;
	ob_flow(ob);
	ob_copy(e->id, sizeof(e->id), se->id);
	ob_copy(e->bind, sizeof(e->bind), se->bind ? se->bind : "");
	ob_copy(e->op, sizeof(e->op), se->operator ? se->operator : "");
	ob_copy(e->to, sizeof(e->to), se->to ? se->to : "");
	ob_copy(e->from, sizeof(e->from), se->from ? se->from : "");
	ob_copy(e->kind, sizeof(e->kind), se->kind ? se->kind : "sms");
	e->expires_ms = se->expires_ms;
	e->deliveries = se->deliveries;
	e->to_ton = se->to_ton;
	e->to_npi = se->to_npi;
	if (se->deliveries > 1)
		log_info("[outbox %s] %s handed out again (%lld), re-sending",
		    e->id, e->kind, se->deliveries);

	if (e->to[0] == '\0' || se->body == NULL) {
		ob_dead(e, "entry without destination or body");
		return;
	}
	if (ob_left_ms(e) == 0) {
		ob_settle(e, "expired");	/* not even opened */
		return;
	}
	if (strncmp(se->body, SECRET_SEAL2_PREFIX,
	    strlen(SECRET_SEAL2_PREFIX)) == 0 ||
	    strncmp(se->body, SECRET_BOX_PREFIX, strlen(SECRET_BOX_PREFIX)) == 0) {
		struct secret_seal_ad ad = { e->to, e->kind, e->op, e->bind,
		    e->to_ton, e->to_npi };
		enum secret_open2 rc;

		/* Opened only for the very entry it was sealed for. */
		rc = secret_open2_b64(ob->keys, ob->nkeys, &ad, se->body, body,
		    sizeof(body));
		if (rc != SECRET_OPEN2_OK) {
			ob_refuse(e, rc);
			return;
		}
		text = body;
	}
	if ((c = ob->bind_fn(ob->bind_arg, e->bind, e->op)) != NULL)
		cs = smpp_client_conf(c)->charset;
	/* The UDH reference comes from the entry id: a re-send is identical. */
	n = sms_split(text, cs, (uint8_t)(parse_hash32(e->id) & 0xff), e->seg,
	    SMS_MAX_SEGMENTS);
	if (text == body)		/* what the opening wrote, NUL included */
		secret_wipe(body, strlen(body) + 1);
	if (n <= 0) {
		secret_wipe(e->seg, sizeof(e->seg));	/* whatever it wrote */
		ob_dead(e, "body does not split into SMS");
		return;
	}
	e->nseg = n;
	ob_submit(e);
}

/*
 * A fence lifted: ids are the entries still pending for us. Any other held
 * here was claimed by another instance meanwhile: dropped (or, with
 * submits still out, dropped unless the SMSC takes them all). Parked ones
 * still ours go now.
 */
static void
ob_on_owned(void *arg, const char *const *ids, size_t n)
{
	struct outbox *ob = arg;
	struct ob_entry *e, *next;
	size_t i;

	for (e = ob->entries; e != NULL; e = next) {
		next = e->next;
		for (i = 0; i < n; i++)
			if (strcmp(ids[i], e->id) == 0)
				break;
		if (i < n) {
			if (e->fenced && e->retry_ev != NULL) {
				evtimer_del(e->retry_ev);
				event_active(e->retry_ev, EV_TIMEOUT, 1);
			}
			continue;
		}
		if (e->outstanding > 0)
			e->foreign = 1;
		else
			ob_drop_foreign(e);
	}
}

struct outbox *
outbox_new(struct event_base *base, const struct config *cfg, struct store *st,
    const struct secret_keyed *keys, int nkeys, outbox_bind_fn *bind_fn,
    void *bind_arg)
{
	struct outbox *ob;

	if ((ob = calloc(1, sizeof(*ob))) == NULL)
		return NULL;
	ob->base = base;
	ob->cfg = cfg;
	ob->store = st;
	ob->bind_fn = bind_fn;
	ob->bind_arg = bind_arg;
	for (int i = 0; keys != NULL && i < nkeys && i < 2; i++)
		ob->keys[ob->nkeys++] = keys[i];
	return ob;
}

int
outbox_start(struct outbox *ob, const char *consumer)
{
	char host[64];

	/* The name stays across restarts (the default is the host name, not
	 * host:pid): a restarted instance takes its own pending entries back
	 * at once instead of waiting for its old heartbeat to die. */
	if (consumer == NULL || consumer[0] == '\0')
		consumer = ob->cfg->daemon.instance;
	if (consumer[0] == '\0') {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "tnsgw");
		host[sizeof(host) - 1] = '\0';
		consumer = host;
	}
	log_info("[outbox] consumer %s", consumer);
	/* Nothing is read before a bind is up (outbox_set_bound). */
	ob->paused = 1;
	store_outbox_pause(ob->store, 1);
	store_outbox_set_owned(ob->store, ob_on_owned, ob);
	return store_outbox_start(ob->store, consumer,
	    ob->cfg->outbox.claim_idle_s * 1000, ob_on_entry, ob);
}

int
outbox_busy(const struct outbox *ob)
{
	return ob->busy;
}

void
outbox_stop(struct outbox *ob)
{
	ob->stopped = 1;
	ob_flow(ob);
}

void
outbox_set_bound(struct outbox *ob, int nbound)
{
	ob->nbound = nbound;
	ob_flow(ob);
}

void
outbox_detach_store(struct outbox *ob)
{
	ob->stopped = 1;
	if (ob->store != NULL)
		store_outbox_set_owned(ob->store, NULL, NULL);
	ob->store = NULL;
}

const struct outbox_stats *
outbox_stats(const struct outbox *ob)
{
	return &ob->stats;
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	while (ob->entries) {
		/* Still waiting (a retry timer): pending in Redis, fine. */
		ob_entry_free(ob->entries);
	}
	secret_wipe(ob->keys, sizeof(ob->keys));
	free(ob);
}
