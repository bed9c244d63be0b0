/*
 * gateway: the glue (DESIGN.md §2). Owns the Redis store and one
 * smpp_client per configured bind; routes each decoded MO to its dialog,
 * runs what the dialog needs (lookups, session saves, audit) through the
 * store, and sends the screens back over the bind the request came in on.
 */
#ifndef TNSGW_GATEWAY_H
#define TNSGW_GATEWAY_H

#include <stdint.h>

#include "config.h"

struct event_base;
struct gateway;

/* cfg must outlive the gateway. NULL on failure (logged). */
struct gateway *gateway_new(struct event_base *base, const struct config *cfg);
/* Connect to Redis and start every bind. */
int gateway_start(struct gateway *gw);
/*
 * Graceful stop: take no new dialogs, unbind every session (bounded by
 * each bind's response timeout), let in-flight requests finish (bounded by
 * drain_ms), then call done(arg) from the loop.
 */
void gateway_stop(struct gateway *gw, int drain_ms, void (*done)(void *), void *arg);
void gateway_free(struct gateway *gw);	/* NULL ok */

struct gateway_status {
	int redis_up;
	int binds, binds_bound;
	uint64_t dialogs_started, dialogs_in_flight, rejected_busy;
	uint64_t outcome[16];			/* by enum dialog_outcome */
	uint64_t sms_sent, sms_failed, sms_expired, sms_retried, sms_requeued;
	uint64_t dlrs;
	long long outbox_len, outbox_pending;
};
void gateway_status(const struct gateway *gw, struct gateway_status *st);
/* The i-th bind's client (0 <= i < binds), for per-bind metrics. */
struct smpp_client;
const struct smpp_client *gateway_client(const struct gateway *gw, int i);

#endif
