/*
 * outbox: the sending side of the durable SMS outbox. Takes the entries the
 * store hands out (new ones, and pending ones claimed after a crash or a
 * lost response), opens sealed bodies, drops expired ones, splits the text
 * into segments and submits them on the entry's bind; settles each entry
 * only when the SMSC has answered every segment (DESIGN.md §3: a message
 * that cannot go ends in the dead letters, never resent for ever, never
 * dropped).
 *
 * One entry, once every segment sent has its answer (or its local error):
 *   - any segment refused for good (a status not listed below)
 *                                            -> dead (P"outbox:dead");
 *   - else any without an answer (timeout, connection lost, not bound,
 *     client queue full): the SMSC may have taken it, never re-sent
 *     blindly                               -> left pending;
 *   - else any transient refusal: ESME_RTHROTTLED (0x58), ESME_RMSGQFUL
 *     (0x14), ESME_RSYSERR (0x08), ESME_RX_T_APPN (0x64), a generic_nack:
 *     the segments not yet accepted (only those) are submitted again after
 *     a pause of outbox.retry_delay_ms x 2^n (n = retries already made in
 *     this hand-out: d, 2d, 4d, ...; at most 10 minutes), up to
 *     outbox.max_retries times (0: none); then left pending;
 *   - else                                   -> settled "sent", with the
 *     first segment's message_id for receipts.
 * "Left pending": not acked, dropped from here, handed out again by the
 * store's claim after outbox.claim_idle_s. An entry handed out
 * outbox.max_deliveries times (Redis's delivery count: claims after lost
 * responses, throttling that outlasted the retries, crashes) that is left
 * once more goes to the dead letters instead, with its reason.
 * Also dead at once: no destination or body, a body that does not split.
 * Before every submit (first, retry, or after waiting for the bind) an
 * entry whose expires_ms has passed is settled "expired"; the validity
 * period sent is what is left of it. An entry whose bind is known but not
 * bound waits for it (looked at every second); an unknown bind is left
 * pending (so dead after max_deliveries); a stop leaves pending without
 * counting. A sealed body (secret.h, SECRET_SEAL2_PREFIX) is opened with
 * the entry's own to, to_ton, to_npi, kind, op and bind and the key its
 * key id names (current or old): one that does not open, copied into
 * another entry or tampered with, goes to the dead letters at once with
 * reason "seal"; one whose key id no key has, or an "sb1:" body (not
 * bound to its entry: drain the outbox before upgrading), with reason
 * "key". Both counted (seal_refused_seal / _key), never sent.
 * Self-fencing (DESIGN.md §6): while store_outbox_fenced (no heartbeat
 * answered for 3.5 s: another instance may soon claim what we hold)
 * nothing held is submitted, each entry waits; when the fence lifts,
 * those no longer pending for us are dropped (fenced_dropped), the others
 * go. Submits already out when it fell still settle if all are taken.
 */
#ifndef TNSGW_OUTBOX_H
#define TNSGW_OUTBOX_H

#include <stdint.h>

#include "config.h"
#include "secret.h"

struct event_base;
struct smpp_client;
struct store;
struct outbox;

/*
 * The client to send an entry on: the bind named name, or, when it is not
 * bound or no longer configured, a bound one of the same operator
 * (operator "" = none); NULL when neither exists. Called synchronously,
 * whenever the outbox needs the bind (before each submit, for its charset,
 * for its dlr_id); the client it returns is used during the call only,
 * except for the submits made on it, whose callbacks reach the outbox.
 * The entry is then settled and its receipts matched under the name of
 * the bind it went out on (smpp_client_name).
 */
typedef struct smpp_client *outbox_bind_fn(void *arg, const char *name,
    const char *operator);

/*
 * An outbox, NULL when out of memory. cfg is kept, not copied (outbox.*
 * is read at each use): it must outlive the outbox. st is kept until
 * outbox_detach_store. keys[0..nkeys) (nkeys 0..2: the current outbox
 * key, then the old one) are copied and wiped at outbox_free; with none
 * (no outbox_key_file), sealed entries are refused ("key"). Nothing is
 * read before outbox_start.
 */
struct outbox *outbox_new(struct event_base *base, const struct config *cfg,
    struct store *st, const struct secret_keyed *keys, int nkeys,
    outbox_bind_fn *bind_fn, void *bind_arg);
/*
 * Start consuming as consumer (copied; NULL or "": daemon.instance, or
 * when that is "" the host name): unique among the live instances on one
 * Redis, the same across restarts of one instance. Claims after
 * outbox.claim_idle_s: store_outbox_start's 0 or -1 (once only).
 * Reading starts paused: nothing is taken before outbox_set_bound(> 0).
 */
int outbox_start(struct outbox *ob, const char *consumer);
/* Entries held now: being sent, in a retry pause, or waiting for their
 * bind (for the drain on shutdown). At most 1,000: more handed out are
 * left pending. */
int outbox_busy(const struct outbox *ob);
/*
 * Take no new entries (they stay pending in Redis for the next start).
 * Entries waiting for a response still settle when it comes; those in a
 * retry pause or waiting for their bind are left pending when their
 * timer fires. Idempotent, no callback.
 */
void outbox_stop(struct outbox *ob);
/* How many binds are bound now: with none, nothing is read from Redis
 * (store_outbox_pause); call it on every bind and unbind. */
void outbox_set_bound(struct outbox *ob, int nbound);
/*
 * The store is about to go (call it before store_free): no new entry is
 * taken and nothing more is settled through it. An entry answered
 * after this is only counted: it stays pending and is sent again by the
 * next process (a duplicate, never a loss).
 */
void outbox_detach_store(struct outbox *ob);
/* NULL ok. Entries still held are dropped: pending in Redis. The clients'
 * callbacks for entries waiting for a response must have fired: free the
 * clients first. */
void outbox_free(struct outbox *ob);

/*
 * Counters since outbox_new: entries settled sent / dead / expired,
 * re-submits after a transient refusal (retried), entries left pending
 * (requeued: no response, retries spent, unknown bind, stopping),
 * submit_sm accepted by a client (segments). The pointer is valid until
 * outbox_free.
 */
struct outbox_stats {
	uint64_t sent, dead, expired, retried, requeued, segments;
	/* issue 9, piece b: sealed bodies refused (dead letters, not sent):
	 * not opening with the entry's fields / no key with their id. */
	uint64_t seal_refused_seal, seal_refused_key;
	/* issue 12: entries held while fenced (store_outbox_fenced) and
	 * found claimed by another instance when it lifted: not sent. */
	uint64_t fenced_dropped;
};
const struct outbox_stats *outbox_stats(const struct outbox *ob);

#endif
