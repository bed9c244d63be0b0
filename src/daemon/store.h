/*
 * store: everything Redis for the daemon, over one pipelined hiredis async
 * connection on the libevent loop (plus a second one that only blocks in
 * XREADGROUP for the outbox consumer). store*.c are the only daemon files
 * that include hiredis: store.c (connection, requests, dialog lookups),
 * store_scripts.c (the Lua scripts), store_outbox.c (the outbox).
 * Lookups are Lua scripts (SCRIPT LOAD on connect, EVALSHA, one EVAL retry
 * on NOSCRIPT) so a screen costs one round trip.
 *
 * The contract of every call below, unless its comment says otherwise:
 *
 * - st is a store from store_new not yet freed. Every argument (strings,
 *   request structs) is copied during the call: nothing is kept.
 * - Pipelined: every request goes out at once on the one main connection,
 *   never waiting for an earlier reply, and Redis runs them in call order
 *   (so when a request's callback reports success, everything called
 *   before it has run). Exceptions: a script request retried after
 *   NOSCRIPT runs after those sent meanwhile; the outbox's records
 *   (store_outbox_ack, _dead's settle, _note_id) go at the end of the
 *   loop turn, in one script, after the requests made later in that turn.
 * - A call with a callback: the callback fires exactly once, from the
 *   loop, never inside the call that made the request — except inside
 *   store_free, which fires every callback still owed. It fires with the
 *   result, or with failure (status -1, or the result's *_ERROR status)
 *   when: Redis is down or more than 20,000 requests are in flight (then
 *   from a zero-timeout event, at once), no reply came within
 *   redis.timeout_ms (an evtimer deadline: hiredis 0.14 has no command
 *   timeout; the late reply is swallowed; 5 in a row drop and reconnect
 *   the connection), the connection was lost, Redis answered an error,
 *   the reply was malformed. Nothing is retried. The data handed to the
 *   callback is valid only during the callback. The callback may make
 *   more requests, and may call store_free.
 * - A call without a callback (or with cb NULL where allowed) is fire and
 *   forget: pipelined the same way, no deadline, an error reply is
 *   logged, and when Redis is down (or 20,000 requests are in flight) it
 *   is dropped, as it is when the connection goes before the reply. It
 *   is never retried. It counts in store_pending until answered.
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
#include "metrics.h"
#include "secret.h"

struct event_base;
struct store;

/*
 * The main connection's state changes, from the loop. on_up: connected,
 * SELECTed and every script loaded; once per transition to up (after each
 * reconnect). on_down: once per transition to down, and once when the
 * first attempt fails (reason valid only during the call); the store then
 * reconnects by itself (100 ms doubling to 5 s). Either may be NULL, and
 * either may call store_free. They do not report the outbox's reader.
 */
struct store_cb {
	void (*on_up)(void *arg);
	void (*on_down)(const char *reason, void *arg);
};

/*
 * A store on base, NULL when out of memory. cfg is read during the call
 * (redis.*, the two security.max_* limits) and not kept; *cb is copied,
 * arg is kept for cb. Nothing happens inside the call: the first connect
 * runs from the loop (connect and set-up bounded by max(5 x
 * redis.timeout_ms, 2 s)). A request made with no connection (before that
 * first attempt, or while down) fails at once; one made while connecting
 * waits behind the set-up in the pipeline. Wait for on_up.
 */
struct store *store_new(struct event_base *base, const struct config *cfg,
    const struct store_cb *cb, void *arg);
/*
 * NULL ok. Fires, inside this call, every request callback still owed
 * (with failure), those of requests made by these callbacks too; then
 * nothing fires any more (no outbox entry either). Allowed from inside
 * any of the store's callbacks: the memory goes when the outermost one
 * returns, the hiredis contexts from the loop just after.
 */
void store_free(struct store *st);
/* 1 when the main connection is connected and set up (on_up came and it
 * has not gone since); 0 otherwise or for NULL. */
int store_is_up(const struct store *st);
/* Requests in the store now: sent and not answered (fire-and-forget ones
 * and the store's own included) or waiting to fail; 0 = all flushed.
 * 0 for NULL. For the drain on shutdown. */
int store_pending(const struct store *st);

/*
 * Dialog sessions: P"sess:"key, TTL ttl_s.
 * store_get_cb: status 0 with the stored bytes (data, len; binary-safe,
 * not NUL-terminated), status 0 with data NULL and len 0 when there is no
 * session, or status -1 with NULL, 0.
 * store_done_cb: status 0 when Redis took the write, else -1.
 */
typedef void store_get_cb(void *arg, int status, const char *data, size_t len);
typedef void store_done_cb(void *arg, int status);
void store_session_get(struct store *st, const char *key, store_get_cb *cb, void *arg);
/* SET ... EX max(ttl_s, 1). cb NULL: fire and forget. */
void store_session_put(struct store *st, const char *key, const char *data,
    size_t len, int ttl_s, store_done_cb *cb, void *arg);
/* DEL: fire and forget. */
/*
 * A gate that opens once per ttl_s for name (SET P"gate:<name>" NX EX):
 * cb(arg, 0) when it opened now, -1 when it was open already or Redis
 * failed (fail closed: what it guards is not done). Exactly once, from
 * the loop. The SMS channel's help text: once an hour per MSISDN.
 */
void store_gate(struct store *st, const char *name, int ttl_s,
    store_done_cb *cb, void *arg);
void store_session_del(struct store *st, const char *key);

/*
 * The versioned dialog state (DESIGN.md §6): P"sess:"key holds
 * "<version>:<bytes>" (a value without the prefix, written before 0.6,
 * reads as version 0). Two MOs of one session, on one instance or two,
 * never both apply to one state: a step writes (or ends) the state only
 * when it is still the version it read, checked in the script that writes
 * it (STORE_SC_STATE); the loser re-reads.
 *
 * store_state_get: the bytes without the prefix and the version, or
 * status 0, data NULL, len 0, ver 0 for no state; status -1 on failure.
 * store_session_get hands out the same bytes (without the version).
 *
 * store_state_put: write data (len bytes, TTL max(ttl_s, 1)) when the
 * stored version is ver (0: nothing stored), or whatever is stored when
 * ver is STORE_STATE_ANY (a new dialog replaces what was there); data
 * NULL ends the state (DEL) under the same check. The version written is
 * max(stored + 1, floor_ms): floor_ms (this host's clock, unix ms) keeps a
 * new dialog's versions apart from those of an ended one on the same key
 * (no ABA). cb: status 0 and the version written (0 after an end) when
 * applied, STORE_STATE_CONFLICT and the version found when not (nothing
 * written), -1 on failure (the store's contract above). cb NULL: fire and
 * forget.
 */
#define STORE_STATE_ANY      (-1LL)
#define STORE_STATE_CONFLICT 1
typedef void store_state_cb(void *arg, int status, const char *data,
    size_t len, long long ver);
void store_state_get(struct store *st, const char *key, store_state_cb *cb,
    void *arg);
void store_state_put(struct store *st, const char *key, long long ver,
    const char *data, size_t len, int ttl_s, long long floor_ms,
    store_state_cb *cb, void *arg);

/*
 * Registry lookup, the limits and the date check in one script (DESIGN.md
 * §5): INCR the MSISDN's hourly counter (over it: LOCKED, nothing read);
 * read the document's daily failure counter; designate the record the
 * caller's dates match (the rules of dialog_on_lookup: the number typed in
 * full, or the one candidate of a digits-only number whose dates match);
 * no record designated (not in the registry, dates wrong, ambiguous): one
 * failure counted against the number typed (TTL 1 day set with the
 * first), status DIALOG_FETCH_OK with n 0. At or over the failure limit
 * the document is LOCKED, nothing counted, unless a record is designated
 * and its phone on record is the caller (both in international digits,
 * parse_msisdn_intl): its owner is never locked out by others.
 * The limits are those of cfg at store_new (0 = none); every call counts
 * one request against the MSISDN, locked or not. The callback gets res
 * with status DIALOG_FETCH_OK (n 1: the record designated, REGISTERED or
 * INELIGIBLE, with the reason text in lang, falling back to fr; n 0: no
 * match, counted), DIALOG_FETCH_LOCKED, or DIALOG_FETCH_ERROR (the
 * failures above, or no registry loaded); lang NULL or "" is "fr".
 *
 * Generations (issue 12; also categories, documents, regions and points):
 * the store reads the registry's generation pointers (and the category
 * codes and region numbers of the current ones) when the connection comes
 * up and names every key of a request from them. A request that finds a
 * pointer changed is answered STALE by its script before anything is
 * written; the store reads the generations again and sends it once more.
 * STALE again (two switches in a row): DIALOG_FETCH_ERROR.
 */
/* Reload: the limits above from cfg (security.max_requests_per_msisdn_hour,
 * max_failures_per_id_day), for the lookups sent from now on. */
void store_set_limits(struct store *st, const struct config *cfg);

struct store_lookup_req {
	const char       *msisdn;
	int               msisdn_ton;	/* SMPP TON of msisdn; -1: never the owner */
	enum parse_idtype idtype;
	const char       *idnum;	/* normalised */
	const char       *lang;
	struct parse_date birth;	/* unset: matches no record with one */
	struct parse_date expiry;	/* with match_expiry: unset matches no
					 * record that has one */
	int               match_expiry;	/* compare the expiry when the record has one */
};
typedef void store_lookup_cb(void *arg, const struct dialog_lookup *res);
void store_lookup(struct store *st, const struct store_lookup_req *req,
    store_lookup_cb *cb, void *arg);

/*
 * The key under which document numbers are hashed in key names
 * (rl:f:<TYPE>:<secret_state_id_hash>, see secret.h): copied; until set,
 * an all-zero key. The gateway sets it right after store_new.
 */
void store_set_id_key(struct store *st, const unsigned char key[SECRET_KEY_LEN]);

/* Current category list (labels in lang, fallback fr), in file order, at
 * most DIALOG_MAX_CATEGORIES. res status DIALOG_FETCH_OK (n may be 0), or
 * DIALOG_FETCH_ERROR (the failures above, or no categories loaded). */
typedef void store_categories_cb(void *arg, const struct dialog_categories *res);
void store_categories(struct store *st, const char *lang,
    store_categories_cb *cb, void *arg);

/* Label and documents of one category in lang (fallback fr). res status
 * DIALOG_FETCH_OK with found 1, or found 0 for an unknown code; or
 * DIALOG_FETCH_ERROR. */
typedef void store_docs_cb(void *arg, const struct dialog_docs *res);
void store_docs(struct store *st, const char *code, const char *lang,
    store_docs_cb *cb, void *arg);

/*
 * The regions of the proximity points (tnsgw-load --points: P"pts:gen",
 * P"pts:<gen>:regions", P"pts:<gen>:<n>"), names in lang else French;
 * the points of region n (1.., the list's order), each
 * "name|address|hours|phone". One script each; cb exactly once, from the
 * loop, with DIALOG_FETCH_ERROR on failure or before a load; points:
 * found 0 for a region gone. res is valid during the call only.
 */
typedef void store_regions_cb(void *arg, const struct dialog_regions *res);
void store_regions(struct store *st, const char *lang, store_regions_cb *cb,
    void *arg);
typedef void store_points_cb(void *arg, const struct dialog_points *res);
void store_points(struct store *st, int region, const char *lang,
    store_points_cb *cb, void *arg);

/* Append one entry to P"audit" (fields already masked by the caller; NULL
 * is stored as ""; ts is this host's clock, unix seconds; the stream is
 * capped near 1,000,000 entries). Fire and forget. */
void store_audit(struct store *st, const char *outcome, const char *channel,
    const char *operator_name, const char *masked_msisdn, const char *masked_id);

/* --- Redis as a trust boundary (issue 9, piece c; store_health.c) ---- */

/*
 * Both connections send AUTH (redis.username / redis.password) first on
 * every (re)connect. The main connection's set-up also reads Redis's
 * persistence (CONFIG GET appendonly / appendfsync / maxmemory-policy; when
 * the ACL refuses CONFIG, INFO persistence's aof_enabled, then assumed
 * everysec) and compares it with redis.require_aof.
 *
 * store_persist_ok: 1 when case B may run (it promises SMS and writes the
 * "already sent" guard): redis.require_aof is "no", or the last set-up
 * found the required level; 0 otherwise (and for NULL). While it is 0,
 * store_otp_issue and store_otp_verify fail (DIALOG_OTP_ERROR: the
 * "unavailable" screen) without sending anything, and count it.
 */
int store_persist_ok(const struct store *st);
/* Why Redis is not trusted now, for /healthz ("redis persistence:
 * appendonly no, required everysec", "redis AUTH refused: ..."), or ""
 * (also for NULL). Valid until the next store call. */
const char *store_trust_problem(const struct store *st);
/* 1 when the store has said this outage of the main connection at err
 * itself (AUTH refused), so the gateway does not say it again; 0 also
 * for NULL. */
int store_outage_logged(const struct store *st);
/* Case B requests refused because of the persistence, since store_new. */
unsigned long long store_persist_refused(const struct store *st);

/* --- case B: OTP, password, outbox, provisioning (issue 3) ---------- */

/*
 * One outbound SMS as the outbox stream P"outbox" keeps it. body is what is
 * stored: plain UTF-8, or SECRET_SEAL2_PREFIX... (secret.h: sealed for this
 * entry's to, to_ton, to_npi, kind, operator and bind) when it carries a
 * secret; the store never sees a secret in clear.
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
	const char *operator;	/* the bind's operator: another of its binds
				 * may send it ("" or NULL: none) */
};

/*
 * Issue an OTP, atomically (one script):
 *   - a password already pending for the person (P"pw:<person>") -> ALREADY
 *     with the tail stored with it; nothing written;
 *   - the person's consecutive OTP failures (P"otpf:<person>") at/over
 *     max_failures -> LOCKED;
 *   - a code still live (P"otp:<person>"): not resend -> LIVE with the
 *     tail it went to (a re-dial asks for that code, no new SMS); resend
 *     and sent less than resend_gap_s ago -> WAIT (wait_s, its tail);
 *   - past max_per_hour codes sent to the person in the hour
 *     (P"otp:<person>:n") -> LIMIT;
 *   - else SET P"otp:<person>" {hash, attempts 0, sent at, tail} EX ttl_s
 *     (replacing a previous code; the failure counter is left as it is)
 *     and XADD the SMS to the outbox -> SENT.
 * person is the matricule. The callback gets phone_tail as given here
 * (or as stored with the pending password / the live code), and status
 * DIALOG_OTP_SENT, _ALREADY, _LIVE, _WAIT, _LIMIT, _LOCKED, or
 * DIALOG_OTP_ERROR (the failures above, or a key too long for the person:
 * then nothing is sent and it fails from the loop).
 */
struct store_otp_issue_req {
	const char *person;
	const char *otp_hash;		/* secret_otp_hash() hex */
	int         ttl_s;
	int         max_failures;	/* security.max_failures_per_id_day */
	int         resend;		/* the caller asked for a new code */
	int         resend_gap_s;	/* security.otp_resend_s */
	int         max_per_hour;	/* security.max_otp_per_person_hour */
	const char *phone_tail;
	struct store_outbox_msg sms;	/* the OTP SMS (body sealed) */
};
typedef void store_otp_cb(void *arg, const struct dialog_otp *res);
void store_otp_issue(struct store *st, const struct store_otp_issue_req *req,
    store_otp_cb *cb, void *arg);

/*
 * Verify an OTP and, when right, issue the password, atomically:
 *   - no live code -> ALREADY when P"pw:<person>" exists (the code was
 *     used: a copy of the MO that used it), else EXPIRED;
 *   - hash differs -> attempts+1 and person failures+1 (TTL 1 day);
 *     attempts >= max_attempts -> delete the code, VOID; else WRONG with
 *     attempts_left;
 *   - hash equal -> delete the code (single use), reset the person's
 *     failures; if P"pw:<person>" exists -> ALREADY (nothing written);
 *     else SET P"pw:<person>" = phone_tail EX pw_pending_s, XADD the
 *     provisioning entry to P"provisioning" and the password SMS to the
 *     outbox -> OK.
 * Or DIALOG_OTP_ERROR, as for store_otp_issue. phone_tail as there;
 * attempts_left with WRONG.
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

/* --- the outbox (store_outbox.c) ------------------------------------ */

/* Append a plain SMS (no secret) to the outbox, e.g. the documents list:
 * one XADD. cb: status 0 once the entry is in the stream; cb NULL: fire
 * and forget. */
void store_outbox_add(struct store *st, const struct store_outbox_msg *msg,
    store_done_cb *cb, void *arg);

/*
 * The outbox consumer. Entries reach cb one at a time (valid only during
 * the call) when read as new by this consumer (XREADGROUP on a second,
 * blocking connection, group "tnsgw", consumer name given), and when
 * pending entries are claimed (every claim_idle_ms / 2): this consumer's
 * own after claim_idle_ms idle (a lost response; at start all of them at
 * once: an instance restarted under the same name takes its entries
 * back), another consumer's only once its heartbeat is gone and they have
 * been idle claim_idle_ms. The heartbeat: P"outbox:alive" field consumer
 * = a deadline on Redis's clock, refreshed every second, 5 s ahead. A
 * consumer without heartbeat and with nothing pending is removed from the
 * group. Consumer names must be unique per live instance: two processes
 * under one name are one owner. The group is created on connect
 * (MKSTREAM, from the start of the stream: entries written before it are
 * read too). Every entry handed out must be settled by store_outbox_ack
 * (or it will be claimed again after claim_idle_ms).
 *
 * Returns 0, or -1 (st NULL, cb NULL, consumer NULL, empty or of 64
 * bytes or more, claim_idle_ms <= 0, or already started: once per store).
 * consumer is copied. cb fires from the loop, never inside this call,
 * any number of times, until store_free; never for a malformed entry (the
 * store settles it "failed" itself). An entry this consumer still holds
 * comes again when it stays unsettled for claim_idle_ms (deliveries > 1):
 * the consumer must know its own ids. cb may call any store function,
 * store_free included. The reader connection reconnects by itself (its
 * own backoff, not reported by on_up/on_down); claims need both
 * connections up.
 */
struct store_outbox_entry {
	char        id[32];		/* stream id */
	const char *bind, *to, *from, *kind, *lang, *body;
	long long   expires_ms;
	long long   deliveries;		/* times handed out (1 = first) */
	uint8_t     to_ton, to_npi;	/* 1/1 for entries written without them */
	const char *operator;		/* "" for entries written without it */
};
typedef void store_outbox_cb(void *arg, const struct store_outbox_entry *e);
int store_outbox_start(struct store *st, const char *consumer,
    int claim_idle_ms, store_outbox_cb *cb, void *arg);

/*
 * Pause (1) or resume (0) handing out entries: while paused no XREADGROUP
 * is sent and nothing is claimed, so the backlog waits in Redis, not in this
 * consumer's pending list (where only a claim could reach it again). The
 * sender pauses when it is full or no bind is up.
 * A read or claim already sent still hands out what it brings after the
 * pause (up to 64 entries each): cb must cope (an entry it leaves
 * unsettled is claimed later). Resuming sends the next read from the
 * loop, never inside this call; claims resume at the next tick.
 * Allowed before store_outbox_start (nothing is read until resumed).
 */
void store_outbox_pause(struct store *st, int paused);

/*
 * Settle an entry: one script XACKs it, XDELs it from the stream (with its
 * sealed body: nothing settled stays there) and records its state in
 * P"outbox:st:<id>" (hash: state, bind, message_id, ts; TTL 7 days):
 * state "sent" (with message_id: also P"outbox:mid:<bind>:<message_id>"
 * -> id, TTL 2 days, for receipts), "expired", "dead" (see
 * store_outbox_dead). Sent at the end of the loop turn, in the one
 * script of the turn's records (at most 16 a script). Fire and forget:
 * all of it or none (a duplicate, never a loss). With Redis down nothing
 * is written (logged): the entry is handed out again after claim_idle_ms.
 * message_id NULL or "" = none.
 */
void store_outbox_ack(struct store *st, const char *id, const char *state,
    const char *bind, const char *message_id);
/*
 * An entry that cannot go (refused for good, or still not sent after
 * outbox.max_deliveries hand-outs): XADD to P"outbox:dead" (id, kind,
 * bind, reason, deliveries, ts; MAXLEN ~ 100,000), then settled "dead" as
 * store_outbox_ack does. In that order: a crash in between hands the entry
 * out again (a second dead letter, never none). reason names no person:
 * no number, no text. Fire and forget.
 */
void store_outbox_dead(struct store *st, const char *id, const char *kind,
    const char *bind, const char *reason, long long deliveries);
/*
 * The first segment's id is known (its submit_sm_resp came): record it
 * (state "submitted") at the end of this loop turn, so a receipt that
 * arrives before the entry is settled finds it. When the entry is settled
 * in the same turn with that id (the other segments' responses came in
 * the same read), the settle's record alone is written: it maps the id
 * too. The settle state never overwrites a receipt's. Fire and forget.
 */
void store_outbox_note_id(struct store *st, const char *id, const char *bind,
    const char *message_id);
/* A delivery receipt: find the entry by (bind, canonical message_id) and
 * set its state ("delivered", "undeliverable", ...). A receipt for an id
 * not recorded yet is kept an hour and applied when it is; one whose id a
 * record held for the end of the turn maps is sent just after it. One
 * round trip when a record of this process mapped the id (the script,
 * which checks the mapping), else two (GET of the mapping, then the script naming the
 * entry's key; again when the mapping moved in between). Fire and forget
 * (nothing sent for a message_id too long for a key: logged). */
void store_outbox_dlr(struct store *st, const char *bind,
    const char *message_id, const char *state);

/*
 * Self-fencing (DESIGN.md §6). Another instance claims our pending entries
 * only once our heartbeat's deadline (5 s after Redis wrote it) has
 * passed. 1 from the moment the last heartbeat Redis answered was sent
 * more than 3.5 s ago (Redis down, stalled, or cut off from us) until a
 * heartbeat that also lists our pending entries is answered: meanwhile
 * submit nothing held, and the store reads and claims nothing. 0 for NULL
 * or before the consumer's first heartbeat.
 */
int store_outbox_fenced(struct store *st);
/*
 * cb gets, when a fence lifts, the ids still pending for this consumer
 * (at most 4096; valid during the call), before anything more is read or
 * claimed: an entry held and not among them was claimed by another
 * instance meanwhile (or settled), and must not be sent from here.
 * Fences since the start: store_outbox_fences.
 */
typedef void store_outbox_owned_cb(void *arg, const char *const *ids,
    size_t n);
void store_outbox_set_owned(struct store *st, store_outbox_owned_cb *cb,
    void *arg);
long long store_outbox_fences(const struct store *st);

/* Pending outbox entries found deleted from the stream (the claim script),
 * each logged at err: promises lost under us. */
long long store_outbox_lost(const struct store *st);
/* Entries claimed from consumers whose heartbeat was gone, and dead
 * consumers removed from the group, since start. Zeros for NULL st. */
void store_outbox_owners(const struct store *st, long long *claimed_dead,
    long long *removed);

/*
 * The stream is never trimmed past a promise: XADD has no MAXLEN; every
 * keep_s / 8 (at most a minute, at least 2 s) the entries older than
 * outbox.keep_s and below both the oldest pending entry and the group's
 * read position are trimmed (XTRIM MINID).
 */

/* Outbox depth for /metrics (XLEN and the group's pending count, all
 * consumers), refreshed every 2 s while the main connection is up, with or
 * without a consumer; the last known values: 0, 0 before the first
 * refresh, for NULL st, and pending 0 before the group exists. Never
 * blocks, never fails. */
void store_outbox_depth(const struct store *st, long long *len, long long *pending);

/* For /metrics: the main connection's request round trips (sent to
 * reply; set-up commands and the outbox's blocking reads excluded),
 * requests past redis.timeout_ms, the dead letters this process wrote,
 * and the dead-letter stream's length (every instance's), refreshed with
 * the outbox depth. Zeros for NULL st. */
struct store_metrics {
	struct metrics_hist	rtt;
	uint64_t		timeouts;
	uint64_t		dead_letters;
	long long		dead_len;
	/* Sentinel (issue 12): master changes seen, and the master in use
	 * as "host:port" ("" without redis.sentinels or before one is
	 * found; digits, dots, colons and the host's name only). */
	uint64_t		failovers;
	char			master[280];
	/* Generations (issue 12): requests answered STALE (a registry,
	 * category, reason or point generation switched since the daemon
	 * read it) and sent again; those STALE twice failed. */
	uint64_t		stale_retries;
	uint64_t		stale_failed;
};
void store_metrics(const struct store *st, struct store_metrics *m);

/*
 * The text of Lua script number script (0.., until NULL) and its name
 * in *name (NULL ok): for tests/adapter/test_store_keys.c, which checks
 * that every key a script touches comes in KEYS.
 */
const char *store_script_text(int script, const char **name);

#endif
