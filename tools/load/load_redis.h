/*
 * load_redis: tnsgw-load's Redis writer. Writes a plan (load_plan.h) as a
 * new generation with pipelined commands, switches the generation
 * pointers in one MULTI/EXEC, unlinks the generations replaced or
 * discarded; reads back the current reasons and single records. The
 * connection is toolredis's (synchronous hiredis): a batch tool, not the
 * daemon. Every failure is printed on stderr where it is found
 * ("redis: ..."), once; the functions then return -1.
 */
#ifndef TNSGW_LOAD_REDIS_H
#define TNSGW_LOAD_REDIS_H

#include <stdint.h>

#include "load_plan.h"
#include "registry.h"
#include "toolredis.h"

#define LOAD_REDIS_PIPE_DEPTH 512	/* commands appended before reading replies */
#define LOAD_REDIS_TIMEOUT_S  120	/* per reply: big pipelines, UNLINKs */

struct load_redis;

/* Connected to t with t->prefix for every key, or NULL with err set
 * (toolredis_connect's message). */
struct load_redis *load_redis_open(const struct toolredis_target *t,
    char *err, size_t errsz);
/* Closes the connection; NULL is a no-op. */
void load_redis_free(struct load_redis *lr);

/* The reason codes of the generation Redis serves now, into p's known
 * set (none when no reasons are loaded). 0, or -1. */
int load_redis_known(struct load_redis *lr, struct load_plan *p);

/* A new generation number (INCR P"gen:seq") in *gen. 0, or -1. */
int load_redis_gen(struct load_redis *lr, long *gen);

/* Write one planned dataset under generation gen, pipelined; nothing
 * points at it yet. 0, or -1 (the caller discards the generation). */
int load_redis_write_reasons(struct load_redis *lr, const struct load_plan *p,
    long gen);
int load_redis_write_categories(struct load_redis *lr,
    const struct load_plan *p, long gen);
int load_redis_write_points(struct load_redis *lr, const struct load_plan *p,
    long gen);
int load_redis_write_registry(struct load_redis *lr, const struct load_plan *p,
    long gen);

/* Redis's used_memory (INFO memory), or -1. */
long load_redis_used_memory(struct load_redis *lr);

/*
 * Point every dataset p planned at generation gen and keep the one each
 * pointed at as its previous (P"<ds>:prev"), in one MULTI/EXEC under
 * WATCH (retried when another writer moved a pointer meanwhile); then
 * unlink the generation that was previous before (one back is kept).
 * 0, or -1 when the switch failed (nothing unlinked; the caller discards
 * gen).
 */
int load_redis_switch(struct load_redis *lr, const struct load_plan *p,
    long gen);

/*
 * --rollback: the datasets of the last load (those whose pointer names
 * the newest generation) pointed back at their previous generation and
 * their prev cleared, in one MULTI/EXEC under WATCH; the generation left
 * is unlinked and a line per dataset printed on stdout. Refused (-1, the
 * reason on stderr, nothing changed) when nothing is loaded, when one of
 * them has no previous generation, or when its data is gone (a registry
 * with no records, a list or hash missing).
 */
int load_redis_rollback(struct load_redis *lr);

/* Records in the registry generation pointer value ptr names (the sum of
 * its buckets' HLEN, pipelined). 0, or -1. */
int load_redis_reg_count(struct load_redis *lr, const char *ptr,
    long *count);
/* The same for the live registry: *count -1 when none is loaded. */
int load_redis_live_count(struct load_redis *lr, long *count);

/* The registry written as HSETs only (--hset), never RESTORE. */
void load_redis_hset_only(struct load_redis *lr, int on);

/* Progress of the registry's writing on stderr (a terminal), or not. */
void load_redis_progress(struct load_redis *lr, int on);

/* Unlink what was written of generation gen for p's datasets and say so
 * on stderr; silent when the connection broke under a pipeline. */
void load_redis_discard(struct load_redis *lr, const struct load_plan *p,
    long gen);

/* The record of t/num in the current registry (layout 1 or 2, as its
 * pointer says): 0 with rec filled, 1 when absent, -1 on error ("no
 * registry loaded", an unknown layout, "TYPE NUM: malformed record" or a
 * Redis error, printed). */
int load_redis_record(struct load_redis *lr, enum parse_idtype t,
    const char *num, struct registry_rec *rec);

#endif
