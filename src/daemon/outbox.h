/*
 * outbox: the sending side of the durable SMS outbox. Takes the entries the
 * store hands out (new ones, and pending ones claimed after a crash or a
 * lost response), opens sealed bodies, drops expired ones, splits the text
 * into segments and submits them on the entry's bind; settles each entry
 * (ack "sent"/"failed"/"expired") only when the SMSC has answered every
 * segment. ESME_RTHROTTLED / ESME_RMSGQFUL are retried after a pause
 * (bounded); a timeout or a lost connection leaves the entry pending, to be
 * claimed and re-sent byte for byte (same UDH reference) later.
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

/* The gateway's binds by name; NULL when unknown. */
typedef struct smpp_client *outbox_bind_fn(void *arg, const char *name);

/* box_key may be NULL (no outbox_key_file): sealed entries then fail. */
struct outbox *outbox_new(struct event_base *base, const struct config *cfg,
    struct store *st, const unsigned char *box_key, outbox_bind_fn *bind_fn,
    void *bind_arg);
/* Start consuming as consumer (unique per process). 0 or -1. */
int outbox_start(struct outbox *ob, const char *consumer);
/* Entries being sent right now (for the drain on shutdown). */
int outbox_busy(const struct outbox *ob);
/* Take no new entries (they stay pending in Redis for the next start). */
void outbox_stop(struct outbox *ob);
/* How many binds are bound now: with none, nothing is read from Redis. */
void outbox_set_bound(struct outbox *ob, int nbound);
/* The store is about to go: settle nothing more through it. */
void outbox_detach_store(struct outbox *ob);
/* NULL ok. Entries still waiting for a response stay pending in Redis; the
 * clients' callbacks for them must have fired (free the clients first). */
void outbox_free(struct outbox *ob);

struct outbox_stats {
	uint64_t sent, failed, expired, retried, requeued, segments;
};
const struct outbox_stats *outbox_stats(const struct outbox *ob);

#endif
