/*
 * session_queue: the MOs of one USSD session serialised in process, so a
 * dialog never forks. Per key (the gateway's bind name + session key) one
 * item is in flight and at most max_waiting wait behind it, in arrival
 * order; at most max_items are held in all (in flight + waiting, every
 * key). Plain data: no libevent, no Redis, no clock, no logging.
 *
 * Ownership: items are the caller's pointers (never NULL); the queue never
 * reads, frees or calls into them. An item in flight is the caller's to
 * run, the queue only records it until session_queue_finish. A waiting
 * item is held until session_queue_finish returns it (in flight now),
 * session_queue_dequeue hands it back, or session_queue_free drops it. A
 * refused item was never taken. Keys are copied.
 */
#ifndef TNSGW_SESSION_QUEUE_H
#define TNSGW_SESSION_QUEUE_H

#include <stddef.h>

struct session_queue;

enum session_queue_result {
	SESSION_QUEUE_RUN = 0,		/* first of its key: in flight now, run it */
	SESSION_QUEUE_QUEUED,		/* waits behind its key's item in flight;
					 * session_queue_finish hands it back */
	SESSION_QUEUE_REFUSED_BUSY,	/* max_items held already: not taken */
	SESSION_QUEUE_REFUSED_FULL,	/* max_waiting behind its key: not taken */
	SESSION_QUEUE_REFUSED_NOMEM,	/* no memory for a new key: not taken */
};
/* "run", "queued", "busy", "full", "nomem" */
const char *session_queue_strresult(enum session_queue_result r);
/* Non-zero for the REFUSED_* results: the item was not taken. */
#define SESSION_QUEUE_REFUSED(r)  ((r) >= SESSION_QUEUE_REFUSED_BUSY)

/* A key's entry is released when its last item finishes; entries whose
 * key (with its NUL) fits SESSION_QUEUE_KEY_POOLED bytes are kept, up to
 * SESSION_QUEUE_POOL_MAX, for the next keys: no malloc per session once
 * warm. A longer key gets an entry of its own size. */
#define SESSION_QUEUE_KEY_POOLED  96
#define SESSION_QUEUE_POOL_MAX    256

/*
 * nbuckets: hash table size (>= 1; 1 puts every key in one chain).
 * max_items: items held in all; max_waiting: items behind one key's item in
 * flight (0: one MO per session at a time, any other refused). NULL on
 * failure (no memory, nbuckets 0).
 */
struct session_queue *session_queue_new(size_t nbuckets, size_t max_items,
    size_t max_waiting);
/* NULL ok. drop (may be NULL) is called once for every item still held,
 * in flight or waiting, in no particular order. */
void session_queue_free(struct session_queue *q,
    void (*drop)(void *item, void *arg), void *arg);

/*
 * Offer item under key. The bounds are checked in this order: max_items
 * (REFUSED_BUSY), then max_waiting for a key with an item in flight
 * (REFUSED_FULL). Otherwise RUN when the key had nothing in flight (item is
 * its item in flight now) or QUEUED behind the last waiting one.
 */
enum session_queue_result session_queue_add(struct session_queue *q,
    const char *key, void *item);

/* The item in flight for key, or NULL when the key holds nothing. */
void *session_queue_lookup(const struct session_queue *q, const char *key);

/*
 * Take the oldest item waiting under key off the queue and give it back to
 * the caller (the item in flight stays). NULL when none waits. For a
 * session that ends early: drop what waits behind it.
 */
void *session_queue_dequeue(struct session_queue *q, const char *key);

/*
 * The item in flight for key is done (the caller frees it): the oldest
 * waiting item, if any, becomes the key's item in flight and is returned
 * for the caller to run. NULL when none waited: the key's entry is
 * released (session_queue_lookup returns NULL, a later add runs at once).
 * NULL, and nothing changes, for a key with nothing in flight.
 */
void *session_queue_finish(struct session_queue *q, const char *key);

/* Items held (in flight + waiting), keys with an item in flight, items
 * waiting under key. */
size_t session_queue_count(const struct session_queue *q);
size_t session_queue_keys(const struct session_queue *q);
size_t session_queue_waiting(const struct session_queue *q, const char *key);
/* Released entries kept for reuse (0 under AddressSanitizer). */
size_t session_queue_pooled(const struct session_queue *q);
/* Non-zero when max_items are held: a session_queue_add would be refused
 * REFUSED_BUSY whatever its key. */
int session_queue_busy(const struct session_queue *q);

#endif
