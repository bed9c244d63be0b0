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

#endif
