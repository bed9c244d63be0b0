/*
 * store: everything Redis for the daemon, over one pipelined hiredis async
 * connection on the libevent loop (the only daemon file that includes
 * hiredis). Lookups are Lua scripts (SCRIPT LOAD once, EVALSHA, reload on
 * NOSCRIPT) so a screen costs one round trip. Every request carries an
 * evtimer deadline (redis.timeout_ms): hiredis 0.14 has no command timeout.
 * Reconnects by itself with backoff.
 *
 * Contract for every request below: the callback fires exactly once, from
 * the loop, never inside the call that made the request; with status 0 and
 * the data, or -1 (Redis down, timeout, error reply, malformed data). The
 * data passed to the callback is valid only during the callback.
 *
 * Redis layout (prefix P = redis.prefix) is written down in README.md
 * ("Redis layout") and shared with tnsgw-load.
 */
#ifndef TNSGW_STORE_H
#define TNSGW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dialog.h"

struct event_base;
struct store;

struct store_cb {
	void (*on_up)(void *arg);			/* connected, scripts loaded */
	void (*on_down)(const char *reason, void *arg);
};

struct store *store_new(struct event_base *base, const struct config *cfg,
    const struct store_cb *cb, void *arg);
void store_free(struct store *st);	/* NULL ok; pending callbacks fire with -1 first */
int store_is_up(const struct store *st);
/* Requests sent or queued and not answered yet (0 = all flushed). */
int store_pending(const struct store *st);

/* Dialog sessions: P"sess:"key, TTL ttl_s. */
typedef void store_get_cb(void *arg, int status, const char *data, size_t len);	/* data NULL, len 0: no session */
typedef void store_done_cb(void *arg, int status);
void store_session_get(struct store *st, const char *key, store_get_cb *cb, void *arg);
void store_session_put(struct store *st, const char *key, const char *data,
    size_t len, int ttl_s, store_done_cb *cb, void *arg);	/* cb may be NULL */
void store_session_del(struct store *st, const char *key);

/*
 * Registry lookup with the rate limits counted first, in one script:
 * INCR the MSISDN's hourly counter and read the document's daily failure
 * counter; over either limit -> status DIALOG_FETCH_LOCKED without reading
 * the registry. Otherwise the record (and, when INELIGIBLE, the reason text
 * in lang, falling back to fr).
 */
struct store_lookup_req {
	const char       *msisdn;
	enum parse_idtype idtype;
	const char       *idnum;	/* normalised */
	const char       *lang;
};
typedef void store_lookup_cb(void *arg, const struct dialog_lookup *res);
void store_lookup(struct store *st, const struct store_lookup_req *req,
    store_lookup_cb *cb, void *arg);

/* Count one failed attempt against the document (daily key, TTL 1 day). */
void store_record_failure(struct store *st, enum parse_idtype idtype,
    const char *idnum);

/* Current category list (labels in lang, fallback fr), in file order. */
typedef void store_categories_cb(void *arg, const struct dialog_categories *res);
void store_categories(struct store *st, const char *lang,
    store_categories_cb *cb, void *arg);

/* Label and documents of one category in lang (fallback fr). */
typedef void store_docs_cb(void *arg, const struct dialog_docs *res);
void store_docs(struct store *st, const char *code, const char *lang,
    store_docs_cb *cb, void *arg);

/* Append one entry to P"audit" (fields already masked by the caller). */
void store_audit(struct store *st, const char *outcome, const char *channel,
    const char *operator_name, const char *masked_msisdn, const char *masked_id);

/* --- case B: OTP, password, outbox, provisioning (issue 3) ---------- */

/*
 * One outbound SMS as the outbox stream P"outbox" keeps it. body is what is
 * stored: plain UTF-8, or SECRET_BOX_PREFIX... (secret.h) when it carries
 * a secret; the store never sees a secret in clear.
 */
struct store_outbox_msg {
	const char *bind;	/* bind name to send on */
	const char *to;		/* destination MSISDN */
	const char *from;	/* source_addr ("" = the bind's) */
	const char *kind;	/* "otp", "password", "docs", ... */
	const char *lang;
	const char *body;
	long long   expires_ms;	/* unix ms after which it must not be sent; 0 = never */
	uint8_t     to_ton, to_npi;	/* SMPP TON/NPI of to: always set them
					 * (0/0 is "unknown", not a default) */
};

/*
 * Issue an OTP, atomically (one script):
 *   - a password already pending for the person (P"pw:<person>") -> ALREADY
 *     with the tail stored with it; nothing written;
 *   - the person's consecutive OTP failures (P"otpf:<person>") at/over
 *     max_failures -> LOCKED;
 *   - else SET P"otp:<person>" {hash, attempts 0} EX ttl_s (replacing a
 *     previous code; the failure counter is left as it is) and XADD the SMS
 *     to the outbox -> SENT.
 * person is the matricule. The callback gets phone_tail as given here
 * (or as stored with the pending password).
 */
struct store_otp_issue_req {
	const char *person;
	const char *otp_hash;		/* secret_otp_hash() hex */
	int         ttl_s;
	int         max_failures;	/* security.max_failures_per_id_day */
	const char *phone_tail;
	struct store_outbox_msg sms;	/* the OTP SMS (body sealed) */
};
typedef void store_otp_cb(void *arg, const struct dialog_otp *res);
void store_otp_issue(struct store *st, const struct store_otp_issue_req *req,
    store_otp_cb *cb, void *arg);

/*
 * Verify an OTP and, when right, issue the password, atomically:
 *   - no live code -> EXPIRED;
 *   - hash differs -> attempts+1 and person failures+1 (TTL 1 day);
 *     attempts >= max_attempts -> delete the code, VOID; else WRONG with
 *     attempts_left;
 *   - hash equal -> delete the code (single use), reset the person's
 *     failures; if P"pw:<person>" exists -> ALREADY (nothing written);
 *     else SET P"pw:<person>" = phone_tail EX pw_pending_s, XADD the
 *     provisioning entry to P"provisioning" and the password SMS to the
 *     outbox -> OK.
 */
struct store_otp_verify_req {
	const char *person;
	const char *otp_hash;
	int         max_attempts;	/* security.otp_max_attempts */
	int         pw_pending_s;	/* how long "already sent" holds */
	const char *phone_tail;
	/* provisioning entry (DESIGN.md §4); ts is Redis's TIME */
	const char *prov_msisdn;
	const char *prov_password_sealed;	/* secret_seal_b64() */
	const char *prov_channel;		/* "ussd" | "sms" */
	const char *prov_operator;		/* bind name */
	struct store_outbox_msg sms;		/* the password SMS (body sealed) */
};
void store_otp_verify(struct store *st, const struct store_otp_verify_req *req,
    store_otp_cb *cb, void *arg);

/* Append a plain SMS (no secret) to the outbox, e.g. the documents list. */
void store_outbox_add(struct store *st, const struct store_outbox_msg *msg,
    store_done_cb *cb, void *arg);

/*
 * The outbox consumer. Entries reach cb one at a time (valid only during
 * the call) when read as new by this consumer (XREADGROUP on a second,
 * blocking connection, group "tnsgw", consumer name given), and when
 * pending entries of any consumer (a crashed one, or this one after a
 * lost response) have been idle claim_idle_ms and are claimed
 * (XAUTOCLAIM, every claim_idle_ms / 2). The group is created on connect
 * (MKSTREAM). Every entry handed out must be settled by store_outbox_ack
 * (or it will be claimed again after claim_idle_ms).
 */
struct store_outbox_entry {
	char        id[32];		/* stream id */
	const char *bind, *to, *from, *kind, *lang, *body;
	long long   expires_ms;
	long long   deliveries;		/* times handed out (1 = first) */
	uint8_t     to_ton, to_npi;	/* 1/1 for entries written without them */
};
typedef void store_outbox_cb(void *arg, const struct store_outbox_entry *e);
int store_outbox_start(struct store *st, const char *consumer,
    int claim_idle_ms, store_outbox_cb *cb, void *arg);

/*
 * Pause (1) or resume (0) handing out entries: while paused no XREADGROUP
 * is sent and nothing is claimed, so the backlog waits in Redis, not in this
 * consumer's pending list (where only a claim could reach it again). The
 * sender pauses when it is full or no bind is up.
 */
void store_outbox_pause(struct store *st, int paused);

/*
 * Settle an entry: XACK it and record its state in P"outbox:st:<id>"
 * (hash: state, bind, message_id, ts; TTL 7 days): state "sent" (with
 * message_id: also P"outbox:mid:<bind>:<message_id>" -> id, TTL 2 days,
 * for receipts), "failed", "expired".
 */
void store_outbox_ack(struct store *st, const char *id, const char *state,
    const char *bind, const char *message_id);
/*
 * The first segment's id is known (its submit_sm_resp came): record it at
 * once (state "submitted"), so a receipt that arrives before the entry is
 * settled finds it. The settle state never overwrites a receipt's.
 */
void store_outbox_note_id(struct store *st, const char *id, const char *bind,
    const char *message_id);
/* A delivery receipt: find the entry by (bind, canonical message_id) and
 * set its state ("delivered", "undeliverable", ...). A receipt for an id
 * not recorded yet is kept an hour and applied when it is. */
void store_outbox_dlr(struct store *st, const char *bind,
    const char *message_id, const char *state);

/* Outbox depth for /metrics (XLEN and the group's pending count), refreshed
 * in the background; the last known values. */
void store_outbox_depth(const struct store *st, long long *len, long long *pending);

#endif
