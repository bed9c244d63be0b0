/*
 * load_redis: a load_plan written to Redis as a new generation (pipelined
 * HSET/RPUSH: reasons, categories, points, registry), the pointers
 * switched in one MULTI/EXEC under WATCH with the live generation kept
 * as the previous one (--rollback switches back the same way), older or
 * discarded generations unlinked; the current reasons, the live
 * registry's record count and one record (either layout) read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "load_lp.h"
#include "load_redis.h"

struct load_redis {
	redisContext *c;
	char          prefix[sizeof(((struct toolredis_target *)0)->prefix)];
	int           pending;		/* replies owed by the pipeline */
	int           broken;		/* the connection failed under a pipeline */
	int           progress;		/* registry writes shown on stderr */
	int           no_restore;	/* --hset: the registry as HSETs only */
};

struct load_redis *
load_redis_open(const struct toolredis_target *t, char *err, size_t errsz)
{
	struct load_redis *lr;

	if ((lr = calloc(1, sizeof(*lr))) == NULL) {
		snprintf(err, errsz, "tnsgw-load: out of memory");
		return NULL;
	}
	snprintf(lr->prefix, sizeof(lr->prefix), "%s", t->prefix);
	lr->c = toolredis_connect(t, LOAD_REDIS_TIMEOUT_S, err, errsz);
	if (lr->c == NULL) {
		free(lr);
		return NULL;
	}
	return lr;
}

void
load_redis_free(struct load_redis *lr)
{
	if (lr == NULL)
		return;
	redisFree(lr->c);
	free(lr);
}

/* --- one command, one reply ----------------------------------------- */

static redisReply *
load_redis_cmdv(struct load_redis *lr, int argc, const char **argv,
    const size_t *lens)
{
	redisReply *r = redisCommandArgv(lr->c, argc, argv, lens);

	if (r == NULL) {
		fprintf(stderr, "redis: %s\n", lr->c->errstr);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "redis: %s: %s\n", argv[0], r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static redisReply *
load_redis_cmd(struct load_redis *lr, int argc, const char **argv)
{
	size_t lens[8];
	int i;

	for (i = 0; i < argc && i < 8; i++)
		lens[i] = strlen(argv[i]);
	return load_redis_cmdv(lr, argc, argv, lens);
}

/* GET key into out ("" when missing). 0, or -1 on a Redis error. */
static int
load_redis_getstr(struct load_redis *lr, const char *key, char *out,
    size_t outsz)
{
	const char *argv[2] = { "GET", key };
	redisReply *r;

	out[0] = '\0';
	if ((r = load_redis_cmd(lr, 2, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING)
		snprintf(out, outsz, "%s", r->str);
	freeReplyObject(r);
	return 0;
}

/* --- the pipeline --------------------------------------------------- */

/* Read every reply owed. 0, or -1 when one was an error (the first one
 * printed) or the connection failed. */
static int
load_redis_flush(struct load_redis *lr)
{
	redisReply *r;
	int failed = 0;

	while (lr->pending > 0) {
		if (redisGetReply(lr->c, (void **)&r) != REDIS_OK) {
			fprintf(stderr, "redis: %s\n", lr->c->errstr);
			lr->pending = 0;
			lr->broken = 1;
			return -1;
		}
		lr->pending--;
		if (r->type == REDIS_REPLY_ERROR && !failed) {
			fprintf(stderr, "redis: %s\n", r->str);
			failed = 1;
		}
		freeReplyObject(r);
	}
	return failed ? -1 : 0;
}

static int
load_redis_add(struct load_redis *lr, int argc, const char **argv,
    const size_t *lens)
{
	if (redisAppendCommandArgv(lr->c, argc, argv, lens) != REDIS_OK) {
		fprintf(stderr, "redis: %s\n", lr->c->errstr);
		return -1;
	}
	if (++lr->pending >= LOAD_REDIS_PIPE_DEPTH)
		return load_redis_flush(lr);
	return 0;
}

static int
load_redis_add_str(struct load_redis *lr, int argc, const char **argv)
{
	size_t lens[16];
	int i;

	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return load_redis_add(lr, argc, argv, lens);
}

/* --- unlinking a generation ----------------------------------------- */

/* UNLINK the buckets of a registry generation, in batches. */
static void
load_redis_unlink_buckets(struct load_redis *lr, long gen, uint32_t nb)
{
	char keys[64][REGISTRY_KEY_MAX];
	const char *argv[65];
	size_t lens[65];
	uint32_t i;
	int k = 0, j;

	argv[0] = "UNLINK";
	for (i = 0; i < nb; i++) {
		registry_key_bucket(keys[k], sizeof(keys[k]), lr->prefix, gen,
		    i);
		argv[k + 1] = keys[k];
		k++;
		if (k == 64 || i + 1 == nb) {
			for (j = 0; j <= k; j++)
				lens[j] = strlen(argv[j]);
			if (load_redis_add(lr, k + 1, argv, lens) != 0)
				return;
			k = 0;
		}
	}
	load_redis_flush(lr);
}

static void
load_redis_unlink_cats(struct load_redis *lr, long gen)
{
	char key[REGISTRY_KEY_MAX], ck[REGISTRY_KEY_MAX];
	const char *argv[4];
	redisReply *r;
	size_t i;

	registry_key_cat_list(key, sizeof(key), lr->prefix, gen);
	argv[0] = "LRANGE";
	argv[1] = key;
	argv[2] = "0";
	argv[3] = "-1";
	if ((r = load_redis_cmd(lr, 4, argv)) == NULL)
		return;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		registry_key_cat(ck, sizeof(ck), lr->prefix, gen,
		    r->element[i]->str);
		argv[0] = "UNLINK";
		argv[1] = ck;
		load_redis_add_str(lr, 2, argv);
	}
	freeReplyObject(r);
	argv[0] = "UNLINK";
	argv[1] = key;
	load_redis_add_str(lr, 2, argv);
	load_redis_flush(lr);
}

/* The points' regions listed in P"pts:<gen>:regions", then the list. */
static void
load_redis_unlink_pts(struct load_redis *lr, long gen)
{
	char key[REGISTRY_KEY_MAX], rk[REGISTRY_KEY_MAX];
	const char *argv[4];
	redisReply *r;
	size_t i;

	registry_key_pts_regions(key, sizeof(key), lr->prefix, gen);
	argv[0] = "LRANGE";
	argv[1] = key;
	argv[2] = "0";
	argv[3] = "-1";
	if ((r = load_redis_cmd(lr, 4, argv)) == NULL)
		return;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		registry_key_pts_region(rk, sizeof(rk), lr->prefix, gen,
		    atoi(r->element[i]->str));
		argv[0] = "UNLINK";
		argv[1] = rk;
		load_redis_add_str(lr, 2, argv);
	}
	freeReplyObject(r);
	argv[0] = "UNLINK";
	argv[1] = key;
	load_redis_add_str(lr, 2, argv);
	load_redis_flush(lr);
}

static void
load_redis_unlink_rsn(struct load_redis *lr, long gen)
{
	char key[REGISTRY_KEY_MAX];
	const char *argv[2] = { "UNLINK", key };

	registry_key_rsn(key, sizeof(key), lr->prefix, gen);
	load_redis_add_str(lr, 2, argv);
	load_redis_flush(lr);
}

/* --- reading -------------------------------------------------------- */

int
load_redis_known(struct load_redis *lr, struct load_plan *p)
{
	char key[REGISTRY_KEY_MAX], gen[32];
	const char *argv[2];
	redisReply *r;
	size_t i, n;

	registry_key_gen(key, sizeof(key), lr->prefix, "rsn");
	if (load_redis_getstr(lr, key, gen, sizeof(gen)) != 0)
		return -1;
	if (gen[0] == '\0')
		return 0;
	snprintf(key, sizeof(key), "%srsn:%s", lr->prefix, gen);
	argv[0] = "HKEYS";
	argv[1] = key;
	if ((r = load_redis_cmd(lr, 2, argv)) == NULL)
		return -1;
	/* Fields are <CODE>:<lang>; every code has a :fr one. */
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements &&
	    p->nknown < LOAD_PLAN_MAX_REASONS; i++) {
		const char *s = r->element[i]->str;

		n = r->element[i]->len;
		if (n > 3 && strcmp(s + n - 3, ":fr") == 0)
			load_plan_known_add(p, s, n - 3);
	}
	freeReplyObject(r);
	return 0;
}

long
load_redis_used_memory(struct load_redis *lr)
{
	const char *argv[2] = { "INFO", "memory" };
	redisReply *r;
	const char *p;
	long v = -1;

	if ((r = load_redis_cmd(lr, 2, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING &&
	    (p = strstr(r->str, "used_memory:")) != NULL)
		v = strtol(p + 12, NULL, 10);
	freeReplyObject(r);
	return v;
}

int
load_redis_record(struct load_redis *lr, enum parse_idtype t,
    const char *num, struct registry_rec *rec)
{
	char key[REGISTRY_KEY_MAX], ptr[64], field[REGISTRY_FIELD_MAX + 1];
	const char *argv[3];
	redisReply *r;
	long gen;
	uint32_t nb;
	int ret = 0, layout;

	registry_key_gen(key, sizeof(key), lr->prefix, "reg");
	if (load_redis_getstr(lr, key, ptr, sizeof(ptr)) != 0)
		return -1;
	if (ptr[0] == '\0') {
		fprintf(stderr, "no registry loaded\n");
		return -1;
	}
	if (registry_parse_regptr(ptr, &gen, &nb, &layout) != 0) {
		fprintf(stderr, "registry pointer \"%.40s\": not a layout "
		    "this tnsgw-load reads\n", ptr);
		return -1;
	}
	registry_key_bucket(key, sizeof(key), lr->prefix, gen,
	    registry_hash_layout(layout, t, num) % nb);
	registry_field(t, num, field, sizeof(field));
	argv[0] = "HGET";
	argv[1] = key;
	argv[2] = field;
	if ((r = load_redis_cmd(lr, 3, argv)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_STRING)
		ret = 1;
	else if (registry_unpack((const unsigned char *)r->str, r->len,
	    rec) != 0) {
		fprintf(stderr, "%s %s: malformed record\n",
		    parse_idtype_str(t), num);
		ret = -1;
	}
	freeReplyObject(r);
	return ret;
}

/* --- writing -------------------------------------------------------- */

int
load_redis_gen(struct load_redis *lr, long *gen)
{
	char key[REGISTRY_KEY_MAX];
	const char *argv[2] = { "INCR", key };
	redisReply *r;

	registry_key_seq(key, sizeof(key), lr->prefix);
	if ((r = load_redis_cmd(lr, 2, argv)) == NULL)
		return -1;
	*gen = (long)r->integer;
	freeReplyObject(r);
	return 0;
}

/* Append field/value to argv at *argc when value is not NULL (a
 * language not given is no field: readers fall back to fr). */
static void
load_redis_opt(const char **argv, int *argc, const char *field,
    const char *value)
{
	if (value == NULL)
		return;
	argv[(*argc)++] = field;
	argv[(*argc)++] = value;
}

int
load_redis_write_reasons(struct load_redis *lr, const struct load_plan *p,
    long gen)
{
	char key[REGISTRY_KEY_MAX], ffr[REGISTRY_CODE_MAX + 8];
	char far[REGISTRY_CODE_MAX + 8], ftzm[REGISTRY_CODE_MAX + 8];
	const char *argv[8];
	int i, argc;

	registry_key_rsn(key, sizeof(key), lr->prefix, gen);
	for (i = 0; i < p->nreasons; i++) {
		snprintf(ffr, sizeof(ffr), "%.23s:fr", p->reasons[i].code);
		snprintf(far, sizeof(far), "%.23s:ar", p->reasons[i].code);
		snprintf(ftzm, sizeof(ftzm), "%.23s:tzm", p->reasons[i].code);
		argv[0] = "HSET";
		argv[1] = key;
		argv[2] = ffr;
		argv[3] = p->reasons[i].fr;
		argv[4] = far;
		argv[5] = p->reasons[i].ar;
		argc = 6;
		load_redis_opt(argv, &argc, ftzm, p->reasons[i].tzm);
		if (load_redis_add_str(lr, argc, argv) != 0)
			return -1;
	}
	return load_redis_flush(lr);
}

int
load_redis_write_categories(struct load_redis *lr, const struct load_plan *p,
    long gen)
{
	char list[REGISTRY_KEY_MAX], key[REGISTRY_KEY_MAX];
	const char *argv[14];
	int i, argc;

	registry_key_cat_list(list, sizeof(list), lr->prefix, gen);
	for (i = 0; i < p->ncats; i++) {
		registry_key_cat(key, sizeof(key), lr->prefix, gen,
		    p->cats[i].code);
		argv[0] = "HSET";
		argv[1] = key;
		argv[2] = "label_fr";
		argv[3] = p->cats[i].label_fr;
		argv[4] = "label_ar";
		argv[5] = p->cats[i].label_ar;
		argv[6] = "docs_fr";
		argv[7] = p->cats[i].docs_fr;
		argv[8] = "docs_ar";
		argv[9] = p->cats[i].docs_ar;
		argc = 10;
		load_redis_opt(argv, &argc, "label_tzm", p->cats[i].label_tzm);
		load_redis_opt(argv, &argc, "docs_tzm", p->cats[i].docs_tzm);
		if (load_redis_add_str(lr, argc, argv) != 0)
			return -1;
		argv[0] = "RPUSH";
		argv[1] = list;
		argv[2] = p->cats[i].code;
		if (load_redis_add_str(lr, 3, argv) != 0)
			return -1;
	}
	return load_redis_flush(lr);
}

/* One HSET per region: its names, count and p1..p<count>; its number
 * appended to the regions list. */
int
load_redis_write_points(struct load_redis *lr, const struct load_plan *p,
    long gen)
{
	const char *argv[10 + 2 * REGISTRY_PTS_POINTS];
	char list[REGISTRY_KEY_MAX], key[REGISTRY_KEY_MAX], num[16], cnt[16];
	char pf[REGISTRY_PTS_POINTS][16];
	const struct load_plan_region *r;
	int i, k, argc;

	registry_key_pts_regions(list, sizeof(list), lr->prefix, gen);
	for (i = 0; i < p->nregions; i++) {
		r = &p->regions[i];
		registry_key_pts_region(key, sizeof(key), lr->prefix, gen,
		    i + 1);
		snprintf(cnt, sizeof(cnt), "%d", r->npoints);
		argv[0] = "HSET";
		argv[1] = key;
		argv[2] = "region_fr";
		argv[3] = r->fr;
		argv[4] = "count";
		argv[5] = cnt;
		argc = 6;
		load_redis_opt(argv, &argc, "region_ar", r->ar);
		load_redis_opt(argv, &argc, "region_tzm", r->tzm);
		for (k = 0; k < r->npoints; k++) {
			snprintf(pf[k], sizeof(pf[k]), "p%d", k + 1);
			argv[argc++] = pf[k];
			argv[argc++] = r->point[k];
		}
		if (load_redis_add_str(lr, argc, argv) != 0)
			return -1;
		snprintf(num, sizeof(num), "%d", i + 1);
		argv[0] = "RPUSH";
		argv[1] = list;
		argv[2] = num;
		if (load_redis_add_str(lr, 3, argv) != 0)
			return -1;
	}
	return load_redis_flush(lr);
}

/* The registry's commands are RESP written by hand into one buffer
 * (no format parsing, no allocation per row) and handed to hiredis in
 * batches of about this many bytes. */
#define LOAD_REDIS_BATCH_BYTES ((size_t)1 << 20)
/* A bucket goes as one RESTORE up to this many pairs, fields and values
 * up to LOAD_REDIS_LP_VAL bytes (longer ones as an HSET): room in the
 * batch buffer for the largest such command (under 256 bytes a pair). */
#define LOAD_REDIS_LP_PAIRS    512
#define LOAD_REDIS_LP_VAL      100
#define LOAD_REDIS_LP_ROOM     ((size_t)LOAD_REDIS_LP_PAIRS * 256 + 1024)

/* "$<n>\r\n" or "*<n>\r\n" at out; its length. */
static size_t
load_redis_resp_len(char *out, char type, size_t n)
{
	char tmp[24];
	size_t k = 0, i = 0;

	do {
		tmp[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	out[i++] = type;
	while (k > 0)
		out[i++] = tmp[--k];
	out[i++] = '\r';
	out[i++] = '\n';
	return i;
}

/* One bulk string at out; its length. */
static size_t
load_redis_resp_bulk(char *out, const void *s, size_t n)
{
	size_t i = load_redis_resp_len(out, '$', n);

	memcpy(out + i, s, n);
	i += n;
	out[i++] = '\r';
	out[i++] = '\n';
	return i;
}

/* Hand the batch to hiredis: ncmd more replies owed. While more than
 * twice LOAD_REDIS_PIPE_DEPTH are owed, read the oldest ones, so that
 * Redis always has a batch queued while the next one is built. */
static int
load_redis_batch(struct load_redis *lr, const char *buf, size_t len,
    int ncmd)
{
	redisReply *r;

	if (len == 0)
		return 0;
	if (redisAppendFormattedCommand(lr->c, buf, len) != REDIS_OK) {
		fprintf(stderr, "redis: %s\n", lr->c->errstr);
		return -1;
	}
	lr->pending += ncmd;
	while (lr->pending > 2 * LOAD_REDIS_PIPE_DEPTH) {
		if (redisGetReply(lr->c, (void **)&r) != REDIS_OK) {
			fprintf(stderr, "redis: %s\n", lr->c->errstr);
			lr->pending = 0;
			lr->broken = 1;
			return -1;
		}
		lr->pending--;
		if (r->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "redis: %s\n", r->str);
			freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	return 0;
}

/* CONFIG GET name as a number, or -1 (refused, unknown, not a number). */
static long
load_redis_config_num(struct load_redis *lr, const char *name)
{
	const char *argv[3] = { "CONFIG", "GET", name };
	size_t lens[3] = { 6, 3, strlen(name) };
	redisReply *r = redisCommandArgv(lr->c, 3, argv, lens);
	long v = -1;

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING)
		v = strtol(r->element[1]->str, NULL, 10);
	freeReplyObject(r);
	return v;
}

/*
 * The most pairs a bucket may have to go as one RESTORE: what Redis keeps
 * as a listpack (hash-max-listpack-entries; values no longer than
 * hash-max-listpack-value, checked per bucket), so that the key is
 * exactly the one HSET would have built. 0: HSET only (--hset, a Redis
 * before 7.0 or one that does not say).
 */
static size_t
load_redis_lp_limits(struct load_redis *lr, size_t *maxval)
{
	long e, v;

	if (lr->no_restore)
		return 0;
	e = load_redis_config_num(lr, "hash-max-listpack-entries");
	v = load_redis_config_num(lr, "hash-max-listpack-value");
	if (e <= 0 || v <= 0)
		return 0;
	*maxval = (size_t)(v < LOAD_REDIS_LP_VAL ? v : LOAD_REDIS_LP_VAL);
	return (size_t)(e < LOAD_REDIS_LP_PAIRS ? e : LOAD_REDIS_LP_PAIRS);
}

/* Entries i..j of one bucket as a RESTORE command at out (room for
 * LOAD_REDIS_LP_ROOM bytes); its length, or 0 when the bucket is not one
 * Redis would keep as a listpack (then it goes as an HSET). */
static size_t
load_redis_restore_cmd(char *out, const struct load_plan *p, size_t i,
    size_t j, const char *key, size_t klen, size_t maxval)
{
	const struct load_plan_ent *e;
	unsigned char *lp;
	size_t k, ent = 0, off, plen, o = 0;

	for (k = i; k < j; k++) {
		e = load_plan_ent(p, k);
		if (e->flen > maxval || e->vlen > maxval)
			return 0;
		ent += load_lp_entry_len(load_plan_ent_field(e), e->flen) +
		    load_lp_entry_len(load_plan_ent_value(e), e->vlen);
	}
	plen = load_lp_payload_len(ent, &off);
	o += load_redis_resp_len(out + o, '*', 4);
	o += load_redis_resp_bulk(out + o, "RESTORE", 7);
	o += load_redis_resp_bulk(out + o, key, klen);
	o += load_redis_resp_bulk(out + o, "0", 1);
	o += load_redis_resp_len(out + o, '$', plen);
	lp = (unsigned char *)out + o;
	for (k = i; k < j; k++) {
		e = load_plan_ent(p, k);
		off += load_lp_entry_put(lp + off, load_plan_ent_field(e),
		    e->flen);
		off += load_lp_entry_put(lp + off, load_plan_ent_value(e),
		    e->vlen);
	}
	load_lp_payload_seal(lp, plen, ent, j - i);
	o += plen;
	out[o++] = '\r';
	out[o++] = '\n';
	return o;
}

/* Entries i..j of one bucket as an HSET, batched; *len and *ncmd the
 * batch's bytes and commands. 0, or -1. */
static int
load_redis_hset_cmd(struct load_redis *lr, char *buf, size_t cap,
    size_t *len, int *ncmd, const struct load_plan *p, size_t i, size_t j,
    const char *key, size_t klen)
{
	const struct load_plan_ent *e;

	*len += load_redis_resp_len(buf + *len, '*', 2 + 2 * (j - i));
	*len += load_redis_resp_bulk(buf + *len, "HSET", 4);
	*len += load_redis_resp_bulk(buf + *len, key, klen);
	for (; i < j; i++) {
		e = load_plan_ent(p, i);
		if (*len + 52 + (size_t)e->flen + e->vlen > cap) {
			/* A command may span batches: hiredis just sends the
			 * bytes in order. */
			if (load_redis_batch(lr, buf, *len, *ncmd) != 0)
				return -1;
			*len = 0;
			*ncmd = 0;
		}
		*len += load_redis_resp_bulk(buf + *len, load_plan_ent_field(e),
		    e->flen);
		*len += load_redis_resp_bulk(buf + *len, load_plan_ent_value(e),
		    e->vlen);
	}
	(*ncmd)++;
	return 0;
}

/*
 * The first RESTORE alone, its reply read at once: 1 it worked (the
 * others follow pipelined), 0 Redis refused it (an ACL without RESTORE,
 * an older RDB format: said on stderr; the caller writes HSETs), -1 the
 * connection failed.
 */
static int
load_redis_restore_probe(struct load_redis *lr, const char *cmd, size_t len)
{
	redisReply *r;
	int ok;

	if (redisAppendFormattedCommand(lr->c, cmd, len) != REDIS_OK ||
	    redisGetReply(lr->c, (void **)&r) != REDIS_OK) {
		fprintf(stderr, "redis: %s\n", lr->c->errstr);
		lr->broken = 1;
		return -1;
	}
	ok = r->type != REDIS_REPLY_ERROR;
	if (!ok)
		fprintf(stderr, "tnsgw-load: RESTORE refused (%.200s): the "
		    "registry goes as HSETs, slower\n", r->str);
	freeReplyObject(r);
	return ok;
}

/*
 * The registry, bucket after bucket in the plan's order: each bucket one
 * RESTORE of the listpack HSET would build (load_lp.h), or one HSET with
 * all its records when Redis would not keep it as a listpack or does not
 * take RESTORE. The same keys, fields, order and bytes either way.
 */
int
load_redis_write_registry(struct load_redis *lr, const struct load_plan *p,
    long gen)
{
	char key[REGISTRY_KEY_MAX], *buf;
	size_t i = 0, j, k, len = 0, cap, klen, maxpairs, maxval = 0, n;
	uint32_t b;
	int pct = -1, ncmd = 0, probe = 1;

	maxpairs = load_redis_lp_limits(lr, &maxval);
	cap = LOAD_REDIS_BATCH_BYTES + LOAD_REDIS_LP_ROOM;
	if ((buf = malloc(cap)) == NULL) {
		fprintf(stderr, "tnsgw-load: out of memory\n");
		return -1;
	}
	for (b = 0; b < p->nbuckets; b++, i = j) {
		if (lr->progress && (int)(i * 100 / p->n) != pct) {
			pct = (int)(i * 100 / p->n);
			fprintf(stderr, "\rtnsgw-load: writing the registry %3d %%",
			    pct);
		}
		if ((j = p->bend[b]) == i)
			continue;	/* an empty bucket: no key */
		/* The next bucket's entries are anywhere in memory. */
		if (b + 1 < p->nbuckets)
			for (k = j; k < p->bend[b + 1]; k++)
				__builtin_prefetch(load_plan_ent(p, k));
		registry_key_bucket(key, sizeof(key), lr->prefix, gen, b);
		klen = strlen(key);
		if (len + LOAD_REDIS_LP_ROOM > cap) {
			if (load_redis_batch(lr, buf, len, ncmd) != 0)
				goto fail;
			len = 0;
			ncmd = 0;
		}
		n = j - i <= maxpairs ? load_redis_restore_cmd(buf + len, p, i,
		    j, key, klen, maxval) : 0;
		if (n > 0 && probe) {
			probe = 0;
			if (load_redis_batch(lr, buf, len, ncmd) != 0)
				goto fail;
			len = 0;
			ncmd = 0;
			if (load_redis_flush(lr) != 0)
				goto fail;
			/* buf + len is buf + 0 now: move the command there. */
			n = load_redis_restore_cmd(buf, p, i, j, key, klen,
			    maxval);
			switch (load_redis_restore_probe(lr, buf, n)) {
			case 1:
				continue;
			case 0:
				maxpairs = 0;
				n = 0;
				break;
			default:
				goto fail;
			}
		}
		if (n > 0) {
			len += n;
			ncmd++;
		} else if (load_redis_hset_cmd(lr, buf, cap, &len, &ncmd, p, i,
		    j, key, klen) != 0)
			goto fail;
		if (len >= LOAD_REDIS_BATCH_BYTES) {
			if (load_redis_batch(lr, buf, len, ncmd) != 0)
				goto fail;
			len = 0;
			ncmd = 0;
		}
	}
	if (load_redis_batch(lr, buf, len, ncmd) != 0)
		goto fail;
	free(buf);
	if (lr->progress)
		fprintf(stderr, "\rtnsgw-load: writing the registry 100 %%\n");
	return load_redis_flush(lr);
fail:
	free(buf);
	return -1;
}

void
load_redis_hset_only(struct load_redis *lr, int on)
{
	lr->no_restore = on;
}

void
load_redis_progress(struct load_redis *lr, int on)
{
	lr->progress = on;
}

/* --- the switch ----------------------------------------------------- */

#define LOAD_REDIS_NDS 4
static const char *const load_redis_ds[LOAD_REDIS_NDS] = { "reg", "cat",
    "rsn", "pts" };

/* P"<ds>:prev": the pointer a switch replaced, kept one back. */
static void
load_redis_key_prev(char *out, size_t outsz, const char *prefix,
    const char *ds)
{
	snprintf(out, outsz, "%s%s:prev", prefix, ds);
}

/* The generation a pointer value names (a registry's "<gen>:..." or a
 * "<gen>"), or -1. */
static long
load_redis_ptr_gen(int ds, const char *v)
{
	long gen;
	uint32_t nb;
	int layout;

	if (v[0] == '\0')
		return -1;
	if (ds == 0)
		return registry_parse_regptr(v, &gen, &nb, &layout) == 0 ?
		    gen : -1;
	return strtol(v, NULL, 10);
}

/* Unlink generation v (a pointer value) of dataset ds. */
static void
load_redis_unlink_ptr(struct load_redis *lr, int ds, const char *v)
{
	long gen;
	uint32_t nb;
	int layout;

	if (v[0] == '\0')
		return;
	if (ds == 0) {
		if (registry_parse_regptr(v, &gen, &nb, &layout) == 0)
			load_redis_unlink_buckets(lr, gen, nb);
	} else if (ds == 1)
		load_redis_unlink_cats(lr, strtol(v, NULL, 10));
	else if (ds == 2)
		load_redis_unlink_rsn(lr, strtol(v, NULL, 10));
	else
		load_redis_unlink_pts(lr, strtol(v, NULL, 10));
}

/*
 * WATCH every pointer and its prev, then read them into cur[] and prev[]
 * ("" when missing). 0, or -1.
 */
static int
load_redis_watch(struct load_redis *lr, char cur[LOAD_REDIS_NDS][64],
    char prev[LOAD_REDIS_NDS][64])
{
	char keys[2 * LOAD_REDIS_NDS][REGISTRY_KEY_MAX];
	const char *argv[1 + 2 * LOAD_REDIS_NDS];
	size_t lens[1 + 2 * LOAD_REDIS_NDS];
	redisReply *r;
	int i;

	for (i = 0; i < LOAD_REDIS_NDS; i++) {
		registry_key_gen(keys[i], sizeof(keys[i]), lr->prefix,
		    load_redis_ds[i]);
		load_redis_key_prev(keys[LOAD_REDIS_NDS + i],
		    sizeof(keys[0]), lr->prefix, load_redis_ds[i]);
	}
	argv[0] = "WATCH";
	lens[0] = 5;
	for (i = 0; i < 2 * LOAD_REDIS_NDS; i++) {
		argv[i + 1] = keys[i];
		lens[i + 1] = strlen(keys[i]);
	}
	if ((r = load_redis_cmdv(lr, 1 + 2 * LOAD_REDIS_NDS, argv, lens)) ==
	    NULL)
		return -1;
	freeReplyObject(r);
	for (i = 0; i < LOAD_REDIS_NDS; i++)
		if (load_redis_getstr(lr, keys[i], cur[i], 64) != 0 ||
		    load_redis_getstr(lr, keys[LOAD_REDIS_NDS + i], prev[i],
		    64) != 0)
			return -1;
	return 0;
}

/*
 * One MULTI/EXEC setting each dataset i with ptr[i] != NULL: its pointer
 * to ptr[i], its prev to prev[i] (deleted when ""). 1 done, 0 when a
 * WATCHed key changed under us (nothing done: read again), -1 error.
 */
static int
load_redis_commit(struct load_redis *lr, const char *const ptr[LOAD_REDIS_NDS],
    const char *const prev[LOAD_REDIS_NDS])
{
	char key[REGISTRY_KEY_MAX], pkey[REGISTRY_KEY_MAX];
	const char *argv[3];
	redisReply *r;
	int i, ret;

	argv[0] = "MULTI";
	if ((r = load_redis_cmd(lr, 1, argv)) == NULL)
		return -1;
	freeReplyObject(r);
	for (i = 0; i < LOAD_REDIS_NDS; i++) {
		if (ptr[i] == NULL)
			continue;
		registry_key_gen(key, sizeof(key), lr->prefix,
		    load_redis_ds[i]);
		load_redis_key_prev(pkey, sizeof(pkey), lr->prefix,
		    load_redis_ds[i]);
		argv[0] = "SET";
		argv[1] = key;
		argv[2] = ptr[i];
		if ((r = load_redis_cmd(lr, 3, argv)) == NULL)
			goto discard;
		freeReplyObject(r);
		argv[0] = prev[i][0] ? "SET" : "DEL";
		argv[1] = pkey;
		argv[2] = prev[i];
		if ((r = load_redis_cmd(lr, prev[i][0] ? 3 : 2, argv)) == NULL)
			goto discard;
		freeReplyObject(r);
	}
	argv[0] = "EXEC";
	if ((r = load_redis_cmd(lr, 1, argv)) == NULL)
		return -1;
	ret = r->type == REDIS_REPLY_ARRAY ? 1 : 0;	/* nil: a WATCH fired */
	freeReplyObject(r);
	return ret;
discard:
	argv[0] = "DISCARD";
	if ((r = load_redis_cmd(lr, 1, argv)) != NULL)
		freeReplyObject(r);
	return -1;
}

#define LOAD_REDIS_TRIES 16	/* WATCH rounds lost to other writers */

int
load_redis_switch(struct load_redis *lr, const struct load_plan *p, long gen)
{
	const int on[LOAD_REDIS_NDS] = { p->has_registry, p->has_categories,
	    p->has_reasons, p->has_points };
	char regptr[48], gens[32], cur[LOAD_REDIS_NDS][64];
	char prev[LOAD_REDIS_NDS][64];
	const char *ptr[LOAD_REDIS_NDS], *nprev[LOAD_REDIS_NDS];
	int i, tries, r = 0;

	if (p->has_registry && load_plan_regptr(p, gen, regptr,
	    sizeof(regptr)) != 0) {
		fprintf(stderr, "tnsgw-load: no registry pointer for layout "
		    "%d\n", p->layout);
		return -1;
	}
	snprintf(gens, sizeof(gens), "%ld", gen);
	for (tries = 0; tries < LOAD_REDIS_TRIES && r == 0; tries++) {
		if (load_redis_watch(lr, cur, prev) != 0)
			return -1;
		for (i = 0; i < LOAD_REDIS_NDS; i++) {
			ptr[i] = on[i] ? (i == 0 ? regptr : gens) : NULL;
			nprev[i] = cur[i];	/* the live one becomes prev */
		}
		if ((r = load_redis_commit(lr, ptr, nprev)) < 0)
			return -1;
	}
	if (r == 0) {
		fprintf(stderr, "tnsgw-load: the pointers kept changing under "
		    "this load (another load running?)\n");
		return -1;
	}
	/* The generation two back goes: one previous is kept. */
	for (i = 0; i < LOAD_REDIS_NDS; i++)
		if (on[i] && prev[i][0] && strcmp(prev[i], cur[i]) != 0)
			load_redis_unlink_ptr(lr, i, prev[i]);
	return 0;
}

int
load_redis_reg_count(struct load_redis *lr, const char *ptr, long *count)
{
	char key[REGISTRY_KEY_MAX];
	const char *argv[2] = { "HLEN", key };
	redisReply *r;
	long gen;
	uint32_t nb, b;
	int layout, failed = 0;

	*count = 0;
	if (registry_parse_regptr(ptr, &gen, &nb, &layout) != 0) {
		fprintf(stderr, "registry pointer \"%.40s\": not a layout "
		    "this tnsgw-load reads\n", ptr);
		return -1;
	}
	for (b = 0; b < nb; b++) {
		registry_key_bucket(key, sizeof(key), lr->prefix, gen, b);
		if (load_redis_add_str(lr, 2, argv) != 0)
			return -1;
		/* Sum as the pipeline drains: read what is owed now. */
		if (lr->pending >= LOAD_REDIS_PIPE_DEPTH - 1 || b + 1 == nb) {
			while (lr->pending > 0) {
				if (redisGetReply(lr->c, (void **)&r) !=
				    REDIS_OK) {
					fprintf(stderr, "redis: %s\n",
					    lr->c->errstr);
					lr->pending = 0;
					lr->broken = 1;
					return -1;
				}
				lr->pending--;
				if (r->type == REDIS_REPLY_INTEGER)
					*count += (long)r->integer;
				else
					failed = 1;
				freeReplyObject(r);
			}
		}
	}
	if (failed) {
		fprintf(stderr, "redis: HLEN failed\n");
		return -1;
	}
	return 0;
}

int
load_redis_live_count(struct load_redis *lr, long *count)
{
	char key[REGISTRY_KEY_MAX], ptr[64];

	*count = -1;
	registry_key_gen(key, sizeof(key), lr->prefix, "reg");
	if (load_redis_getstr(lr, key, ptr, sizeof(ptr)) != 0)
		return -1;
	if (ptr[0] == '\0')
		return 0;
	return load_redis_reg_count(lr, ptr, count);
}

/* Whether generation v of dataset ds still has its data: 1, 0, -1. */
static int
load_redis_gen_alive(struct load_redis *lr, int ds, const char *v,
    long *count)
{
	char key[REGISTRY_KEY_MAX];
	const char *argv[2] = { "EXISTS", key };
	redisReply *r;
	long gen = load_redis_ptr_gen(ds, v);
	int alive;

	*count = 0;
	if (gen < 0)
		return 0;
	if (ds == 0) {
		if (load_redis_reg_count(lr, v, count) != 0)
			return -1;
		return *count > 0;
	}
	if (ds == 1)
		registry_key_cat_list(key, sizeof(key), lr->prefix, gen);
	else if (ds == 2)
		registry_key_rsn(key, sizeof(key), lr->prefix, gen);
	else
		registry_key_pts_regions(key, sizeof(key), lr->prefix, gen);
	if ((r = load_redis_cmd(lr, 2, argv)) == NULL)
		return -1;
	alive = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
	freeReplyObject(r);
	return alive;
}

static const char *const load_redis_ds_name[LOAD_REDIS_NDS] = {
    "registry", "categories", "reasons", "points" };

int
load_redis_rollback(struct load_redis *lr)
{
	char cur[LOAD_REDIS_NDS][64], prev[LOAD_REDIS_NDS][64];
	const char *ptr[LOAD_REDIS_NDS], *nprev[LOAD_REDIS_NDS];
	long top, g, count[LOAD_REDIS_NDS] = { 0 };
	int i, tries, r = 0, a;

	for (tries = 0; tries < LOAD_REDIS_TRIES && r == 0; tries++) {
		if (load_redis_watch(lr, cur, prev) != 0)
			return -1;
		/* The last load: the datasets at the newest generation. */
		top = -1;
		for (i = 0; i < LOAD_REDIS_NDS; i++)
			if ((g = load_redis_ptr_gen(i, cur[i])) > top)
				top = g;
		if (top < 0) {
			fprintf(stderr, "tnsgw-load: --rollback: nothing "
			    "loaded\n");
			goto refuse;
		}
		for (i = 0; i < LOAD_REDIS_NDS; i++) {
			ptr[i] = NULL;
			nprev[i] = "";
			if (load_redis_ptr_gen(i, cur[i]) != top)
				continue;
			if (prev[i][0] == '\0') {
				fprintf(stderr, "tnsgw-load: --rollback: no "
				    "previous %s generation to go back to "
				    "(generation %ld is the only one kept)\n",
				    load_redis_ds_name[i], top);
				goto refuse;
			}
			if ((a = load_redis_gen_alive(lr, i, prev[i],
			    &count[i])) < 0)
				goto refuse;
			if (a == 0) {
				fprintf(stderr, "tnsgw-load: --rollback: the "
				    "previous %s generation %ld has no data "
				    "in Redis any more\n",
				    load_redis_ds_name[i],
				    load_redis_ptr_gen(i, prev[i]));
				goto refuse;
			}
			ptr[i] = prev[i];
		}
		if ((r = load_redis_commit(lr, ptr, nprev)) < 0)
			return -1;
	}
	if (r == 0) {
		fprintf(stderr, "tnsgw-load: the pointers kept changing under "
		    "this rollback (a load running?)\n");
		return -1;
	}
	for (i = 0; i < LOAD_REDIS_NDS; i++) {
		if (ptr[i] == NULL)
			continue;
		if (i == 0)
			printf("registry: back to generation %ld (%ld "
			    "records), generation %ld dropped\n",
			    load_redis_ptr_gen(i, prev[i]), count[i], top);
		else
			printf("%s: back to generation %ld, generation %ld "
			    "dropped\n", load_redis_ds_name[i],
			    load_redis_ptr_gen(i, prev[i]), top);
		load_redis_unlink_ptr(lr, i, cur[i]);
	}
	return 0;
refuse:
	{
		const char *argv[1] = { "UNWATCH" };
		redisReply *u = load_redis_cmd(lr, 1, argv);

		if (u != NULL)
			freeReplyObject(u);
	}
	return -1;
}

void
load_redis_discard(struct load_redis *lr, const struct load_plan *p,
    long gen)
{
	if (lr->broken)
		return;		/* connection gone: nothing more to say */
	if (p->has_registry && p->nbuckets > 0)
		load_redis_unlink_buckets(lr, gen, p->nbuckets);
	if (p->has_categories)
		load_redis_unlink_cats(lr, gen);
	if (p->has_reasons)
		load_redis_unlink_rsn(lr, gen);
	if (p->has_points)
		load_redis_unlink_pts(lr, gen);
	fprintf(stderr, "tnsgw-load: generation %ld discarded, nothing "
	    "switched\n", gen);
}
