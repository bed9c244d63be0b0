/*
 * session_queue: per-session FIFO of MOs behind the one in flight, in a
 * chained hash table keyed by the session key. One entry per key with
 * something in flight, allocated at its first item and released when its
 * last item finishes; the waiting items sit in the entry's fixed array.
 */
#include "session_queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Entries whose key fits SESSION_QUEUE_KEY_POOLED are all one size: a
 * released one is kept (up to SESSION_QUEUE_POOL_MAX) for the next key,
 * no malloc per session. Under AddressSanitizer nothing is pooled, so a
 * use after release is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define SESSION_QUEUE_POOL_USE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SESSION_QUEUE_POOL_USE 0
#endif
#endif
#ifndef SESSION_QUEUE_POOL_USE
#define SESSION_QUEUE_POOL_USE SESSION_QUEUE_POOL_MAX
#endif
static const size_t session_queue_pool_use = SESSION_QUEUE_POOL_USE;

struct session_queue_entry {
	struct session_queue_entry *next;	/* hash chain */
	uint32_t	 hash;
	void		*running;		/* the item in flight */
	size_t		 nwaiting;
	char		*key;			/* after waiting[] */
	void		*waiting[];		/* max_waiting slots, oldest first */
};

struct session_queue {
	size_t		 nbuckets, max_items, max_waiting;
	size_t		 count;			/* items held: in flight + waiting */
	size_t		 nkeys;
	struct session_queue_entry **buckets;
	struct session_queue_entry *pool;	/* free entries, through next */
	size_t		 npool;
};

/* Bytes of an entry: its waiting slots, then the key (a pooled one has
 * room for SESSION_QUEUE_KEY_POOLED). */
static size_t
session_queue_entry_size(const struct session_queue *q, size_t klen)
{
	return sizeof(struct session_queue_entry) +
	    q->max_waiting * sizeof(void *) + klen;
}

static struct session_queue_entry *
session_queue_entry_new(struct session_queue *q, size_t klen)
{
	struct session_queue_entry *e;

	if (klen > SESSION_QUEUE_KEY_POOLED)
		return malloc(session_queue_entry_size(q, klen));
	if ((e = q->pool) != NULL) {
		q->pool = e->next;
		q->npool--;
		return e;
	}
	return malloc(session_queue_entry_size(q, SESSION_QUEUE_KEY_POOLED));
}

/* e (whose key is still in it) back to the pool, or freed. */
static void
session_queue_entry_release(struct session_queue *q,
    struct session_queue_entry *e)
{
	if (strlen(e->key) + 1 <= SESSION_QUEUE_KEY_POOLED &&
	    q->npool < session_queue_pool_use) {
		e->next = q->pool;
		q->pool = e;
		q->npool++;
	} else
		free(e);
}

const char *
session_queue_strresult(enum session_queue_result r)
{
	switch (r) {
	case SESSION_QUEUE_RUN:			return "run";
	case SESSION_QUEUE_QUEUED:		return "queued";
	case SESSION_QUEUE_REFUSED_BUSY:	return "busy";
	case SESSION_QUEUE_REFUSED_FULL:	return "full";
	case SESSION_QUEUE_REFUSED_NOMEM:	return "nomem";
	}
	return "?";
}

struct session_queue *
session_queue_new(size_t nbuckets, size_t max_items, size_t max_waiting)
{
	struct session_queue *q;

	if (nbuckets == 0 || (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	if ((q->buckets = calloc(nbuckets, sizeof(*q->buckets))) == NULL) {
		free(q);
		return NULL;
	}
	q->nbuckets = nbuckets;
	q->max_items = max_items;
	q->max_waiting = max_waiting;
	return q;
}

void
session_queue_free(struct session_queue *q, void (*drop)(void *, void *),
    void *arg)
{
	struct session_queue_entry *e, *n;

	if (q == NULL)
		return;
	for (size_t b = 0; b < q->nbuckets; b++)
		for (e = q->buckets[b]; e != NULL; e = n) {
			n = e->next;
			if (drop != NULL) {
				for (size_t i = 0; i < e->nwaiting; i++)
					drop(e->waiting[i], arg);
				drop(e->running, arg);
			}
			free(e);
		}
	while ((e = q->pool) != NULL) {
		q->pool = e->next;
		free(e);
	}
	free(q->buckets);
	free(q);
}

/* The entry of key and the link that points to it (for unlinking). */
static struct session_queue_entry **
session_queue_slot(const struct session_queue *q, const char *key,
    uint32_t hash)
{
	struct session_queue_entry **pp = &q->buckets[hash % q->nbuckets];

	while (*pp != NULL &&
	    ((*pp)->hash != hash || strcmp((*pp)->key, key) != 0))
		pp = &(*pp)->next;
	return pp;
}

static struct session_queue_entry *
session_queue_find(const struct session_queue *q, const char *key)
{
	return *session_queue_slot(q, key, parse_hash32(key));
}

enum session_queue_result
session_queue_add(struct session_queue *q, const char *key, void *item)
{
	uint32_t hash = parse_hash32(key);
	struct session_queue_entry **pp, *e;
	size_t klen;

	if (q->count >= q->max_items)
		return SESSION_QUEUE_REFUSED_BUSY;
	pp = session_queue_slot(q, key, hash);
	if ((e = *pp) != NULL) {
		if (e->nwaiting >= q->max_waiting)
			return SESSION_QUEUE_REFUSED_FULL;
		e->waiting[e->nwaiting++] = item;
		q->count++;
		return SESSION_QUEUE_QUEUED;
	}
	klen = strlen(key) + 1;
	if ((e = session_queue_entry_new(q, klen)) == NULL)
		return SESSION_QUEUE_REFUSED_NOMEM;
	e->next = NULL;
	e->hash = hash;
	e->running = item;
	e->nwaiting = 0;
	e->key = (char *)&e->waiting[q->max_waiting];
	memcpy(e->key, key, klen);
	*pp = e;		/* at the chain's tail: pp is its last link */
	q->count++;
	q->nkeys++;
	return SESSION_QUEUE_RUN;
}

void *
session_queue_lookup(const struct session_queue *q, const char *key)
{
	struct session_queue_entry *e = session_queue_find(q, key);

	return e != NULL ? e->running : NULL;
}

/* Take the oldest waiting item off e (there is one). Waiting lists are
 * short (max_waiting): a shift is cheaper to read than a ring. */
static void *
session_queue_shift(struct session_queue_entry *e)
{
	void *item = e->waiting[0];

	e->nwaiting--;
	memmove(&e->waiting[0], &e->waiting[1],
	    e->nwaiting * sizeof(e->waiting[0]));
	return item;
}

void *
session_queue_dequeue(struct session_queue *q, const char *key)
{
	struct session_queue_entry *e = session_queue_find(q, key);

	if (e == NULL || e->nwaiting == 0)
		return NULL;
	q->count--;
	return session_queue_shift(e);
}

void *
session_queue_finish(struct session_queue *q, const char *key)
{
	struct session_queue_entry **pp, *e;

	pp = session_queue_slot(q, key, parse_hash32(key));
	if ((e = *pp) == NULL)
		return NULL;
	q->count--;			/* the item in flight is done */
	if (e->nwaiting > 0) {
		/* The oldest waiting item takes the slot; still held. */
		e->running = session_queue_shift(e);
		return e->running;
	}
	*pp = e->next;
	session_queue_entry_release(q, e);
	q->nkeys--;
	return NULL;
}

size_t
session_queue_count(const struct session_queue *q)
{
	return q->count;
}

size_t
session_queue_keys(const struct session_queue *q)
{
	return q->nkeys;
}

size_t
session_queue_waiting(const struct session_queue *q, const char *key)
{
	struct session_queue_entry *e = session_queue_find(q, key);

	return e != NULL ? e->nwaiting : 0;
}

size_t
session_queue_pooled(const struct session_queue *q)
{
	return q->npool;
}

int
session_queue_busy(const struct session_queue *q)
{
	return q->count >= q->max_items;
}
