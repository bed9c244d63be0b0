/*
 * tnsgw-load: imports the registry, categories and reasons CSV files into
 * Redis as a new generation (validated first, written pipelined), switches
 * the generation pointers in one MULTI/EXEC, then unlinks the old one.
 * Synchronous hiredis (toolredis): this is a batch tool, not the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "dialog.h"
#include "load_csv.h"
#include "log.h"
#include "registry.h"
#include "toolredis.h"

#define LOAD_PIPE_DEPTH   512	/* commands appended before reading replies */
#define LOAD_MAX_REASONS  256
#define LOAD_FILE_MAX     ((size_t)2 << 30)
#define LOAD_TIMEOUT_S    120	/* per Redis reply: big pipelines, UNLINKs */

struct load_opts {
	struct toolredis_target redis;
	const char *registry, *categories, *reasons, *reject_file;
	int         skip_invalid;
	const char *get_type, *get_num;
};

/* One input file, in memory, and where its rejected rows go. */
struct load_file {
	const char *path;
	char       *data;
	size_t      len;
	size_t      hdr_start, hdr_end;
	char        rej_path[PATH_MAX];
	FILE       *rej;
	long        nrej;
	long        nrows;		/* accepted */
};

struct load_reason {
	char  code[REGISTRY_CODE_MAX + 1];
	char *fr, *ar;
};

struct load_cat {
	char  code[REGISTRY_CODE_MAX + 1];
	char *label_fr, *label_ar, *docs_fr, *docs_ar;
};

/* Registry rows between validation and writing, packed back to back. */
struct load_ent {
	uint32_t hash;
	uint32_t line;
	size_t   start, end;	/* raw row in the file, for rejects */
	uint8_t  flen, vlen;
	/* field bytes, then value bytes */
};

struct load_arena {
	char   *buf;
	size_t  len, cap;
	size_t *off;
	size_t  n, ncap;
};

static struct load_opts opt;
static redisContext *rc;
static int interrupted_pipe;

static double
load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
load_xalloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		fprintf(stderr, "tnsgw-load: out of memory\n");
		exit(1);
	}
	return p;
}

static char *
load_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(load_xalloc(NULL, n), s, n);
}

static int
load_read(struct load_file *f, const char *path)
{
	int fd;
	ssize_t r;
	size_t cap = 1 << 16;

	memset(f, 0, sizeof(*f));
	f->path = path;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	f->data = load_xalloc(NULL, cap);
	for (;;) {
		if (f->len == cap) {
			if (cap >= LOAD_FILE_MAX) {
				fprintf(stderr, "%s: file too large\n", path);
				close(fd);
				return -1;
			}
			cap *= 2;
			f->data = load_xalloc(f->data, cap);
		}
		r = read(fd, f->data + f->len, cap - f->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		f->len += (size_t)r;
	}
	close(fd);
	return 0;
}

static void
load_file_free(struct load_file *f)
{
	if (f->rej != NULL)
		fclose(f->rej);
	free(f->data);
	f->data = NULL;
	f->rej = NULL;
}

/* Raw span without its end of line. */
static void
load_raw(const struct load_file *f, size_t start, size_t end, FILE *out)
{
	while (end > start && (f->data[end - 1] == '\n' ||
	    f->data[end - 1] == '\r'))
		end--;
	fwrite(f->data + start, 1, end - start, out);
}

/*
 * A bad row: without --skip-invalid print FILE:LINE: reason and return -1
 * (the load stops); with it, copy the row to the reject file with the
 * reason in an extra last column and return 0.
 */
static int
load_reject(struct load_file *f, int line, size_t start, size_t end,
    const char *why)
{
	const char *p;

	if (!opt.skip_invalid) {
		fprintf(stderr, "%s:%d: %s\n", f->path, line, why);
		return -1;
	}
	if (f->rej == NULL) {
		if ((f->rej = fopen(f->rej_path, "w")) == NULL) {
			fprintf(stderr, "%s: %s\n", f->rej_path, strerror(errno));
			return -1;
		}
		load_raw(f, f->hdr_start, f->hdr_end, f->rej);
		fputs(",reject_reason\n", f->rej);
	}
	load_raw(f, start, end, f->rej);
	fprintf(f->rej, ",\"%s:%d: ", f->path, line);
	for (p = why; *p; p++) {
		if (*p == '"')
			fputc('"', f->rej);
		fputc(*p, f->rej);
	}
	fputs("\"\n", f->rej);
	f->nrej++;
	return 0;
}

/* Open the file, read and check its header. */
static int
load_open(struct load_file *f, const char *path, const char *rej,
    const char *const *cols, struct load_csv *csv,
    struct load_csv_row *row)
{
	char err[256];
	int r;

	if (load_read(f, path) != 0)
		return -1;
	if (rej != NULL)
		snprintf(f->rej_path, sizeof(f->rej_path), "%s", rej);
	else
		snprintf(f->rej_path, sizeof(f->rej_path), "%s.rejects", path);
	load_csv_init(csv, f->data, f->len);
	r = load_csv_next(csv, row, err, sizeof(err));
	if (r == 0)
		snprintf(err, sizeof(err), "empty file, expected a header");
	if (r == 1 && load_csv_check_header(row, cols, err, sizeof(err)) == 0) {
		f->hdr_start = row->start;
		f->hdr_end = row->end;
		return 0;
	}
	fprintf(stderr, "%s:%d: %s\n", path, r == 0 ? 1 : row->line, err);
	return -1;
}

/* --- Redis helpers -------------------------------------------------- */

static redisReply *
load_cmdv(int argc, const char **argv, const size_t *lens)
{
	redisReply *r = redisCommandArgv(rc, argc, argv, lens);

	if (r == NULL) {
		fprintf(stderr, "redis: %s\n", rc->errstr);
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
load_cmd(int argc, const char **argv)
{
	size_t lens[8];
	int i;

	for (i = 0; i < argc && i < 8; i++)
		lens[i] = strlen(argv[i]);
	return load_cmdv(argc, argv, lens);
}

/* GET key into out ("" when missing). 0, or -1 on a Redis error. */
static int
load_get(const char *key, char *out, size_t outsz)
{
	const char *argv[2] = { "GET", key };
	redisReply *r;

	out[0] = '\0';
	if ((r = load_cmd(2, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING)
		snprintf(out, outsz, "%s", r->str);
	freeReplyObject(r);
	return 0;
}

static int pipe_pending;

static int
pipe_flush(void)
{
	redisReply *r;
	int failed = 0;

	while (pipe_pending > 0) {
		if (redisGetReply(rc, (void **)&r) != REDIS_OK) {
			fprintf(stderr, "redis: %s\n", rc->errstr);
			pipe_pending = 0;
			interrupted_pipe = 1;
			return -1;
		}
		pipe_pending--;
		if (r->type == REDIS_REPLY_ERROR && !failed) {
			fprintf(stderr, "redis: %s\n", r->str);
			failed = 1;
		}
		freeReplyObject(r);
	}
	return failed ? -1 : 0;
}

static int
pipe_add(int argc, const char **argv, const size_t *lens)
{
	if (redisAppendCommandArgv(rc, argc, argv, lens) != REDIS_OK) {
		fprintf(stderr, "redis: %s\n", rc->errstr);
		return -1;
	}
	if (++pipe_pending >= LOAD_PIPE_DEPTH)
		return pipe_flush();
	return 0;
}

static int
pipe_add_str(int argc, const char **argv)
{
	size_t lens[16];
	int i;

	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return pipe_add(argc, argv, lens);
}

static long
load_used_memory(void)
{
	const char *argv[2] = { "INFO", "memory" };
	redisReply *r;
	const char *p;
	long v = -1;

	if ((r = load_cmd(2, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING &&
	    (p = strstr(r->str, "used_memory:")) != NULL)
		v = strtol(p + 12, NULL, 10);
	freeReplyObject(r);
	return v;
}

/* UNLINK the buckets of a registry generation, in batches. */
static void
load_unlink_buckets(long gen, uint32_t nb)
{
	char keys[64][REGISTRY_KEY_MAX];
	const char *argv[65];
	uint32_t i;
	int k = 0;

	argv[0] = "UNLINK";
	for (i = 0; i < nb; i++) {
		registry_key_bucket(keys[k], sizeof(keys[k]), opt.redis.prefix,
		    gen, i);
		argv[k + 1] = keys[k];
		k++;
		if (k == 64 || i + 1 == nb) {
			size_t lens[65];

			for (int j = 0; j <= k; j++)
				lens[j] = strlen(argv[j]);
			if (pipe_add(k + 1, argv, lens) != 0)
				return;
			k = 0;
		}
	}
	pipe_flush();
}

static void
load_unlink_cats(long gen)
{
	char key[REGISTRY_KEY_MAX], ck[REGISTRY_KEY_MAX];
	const char *argv[4];
	redisReply *r;
	size_t i;

	registry_key_cat_list(key, sizeof(key), opt.redis.prefix, gen);
	argv[0] = "LRANGE";
	argv[1] = key;
	argv[2] = "0";
	argv[3] = "-1";
	if ((r = load_cmd(4, argv)) == NULL)
		return;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		registry_key_cat(ck, sizeof(ck), opt.redis.prefix, gen,
		    r->element[i]->str);
		argv[0] = "UNLINK";
		argv[1] = ck;
		pipe_add_str(2, argv);
	}
	freeReplyObject(r);
	argv[0] = "UNLINK";
	argv[1] = key;
	pipe_add_str(2, argv);
	pipe_flush();
}

static void
load_unlink_rsn(long gen)
{
	char key[REGISTRY_KEY_MAX];
	const char *argv[2] = { "UNLINK", key };

	registry_key_rsn(key, sizeof(key), opt.redis.prefix, gen);
	pipe_add_str(2, argv);
	pipe_flush();
}

/* --- reasons -------------------------------------------------------- */

static struct load_reason reasons[LOAD_MAX_REASONS];
static int nreasons;
static char known_codes[LOAD_MAX_REASONS][REGISTRY_CODE_MAX + 1];
static int nknown;

static int
load_known(const char *code)
{
	for (int i = 0; i < nknown; i++)
		if (strcmp(known_codes[i], code) == 0)
			return 1;
	return 0;
}

static int
load_parse_reasons(struct load_file *f)
{
	static struct load_csv_row row;
	struct load_csv csv;
	struct load_csv_reason r;
	char err[256], why[300];
	int k, i, dup;

	if (load_open(f, opt.reasons, NULL, load_csv_cols_reasons, &csv,
	    &row) != 0)
		return -1;
	while ((k = load_csv_next(&csv, &row, err, sizeof(err))) != 0) {
		if (k < 0 || load_csv_parse_reason(&row, &r, err,
		    sizeof(err)) != 0) {
			if (load_reject(f, row.line, row.start, row.end, err) != 0)
				return -1;
			continue;
		}
		for (dup = -1, i = 0; i < nreasons; i++)
			if (strcmp(reasons[i].code, r.code) == 0)
				dup = i;
		if (dup >= 0 || nreasons == LOAD_MAX_REASONS) {
			snprintf(why, sizeof(why), dup >= 0 ?
			    "duplicate reason code" : "too many reasons");
			if (load_reject(f, row.line, row.start, row.end, why) != 0)
				return -1;
			continue;
		}
		snprintf(reasons[nreasons].code, sizeof(reasons[0].code), "%s",
		    r.code);
		reasons[nreasons].fr = load_strdup(r.text_fr);
		reasons[nreasons].ar = load_strdup(r.text_ar);
		nreasons++;
	}
	if (nreasons == 0) {
		fprintf(stderr, "%s: no valid rows\n", f->path);
		return -1;
	}
	for (i = 0; i < nreasons; i++)
		memcpy(known_codes[nknown++], reasons[i].code,
		    sizeof(known_codes[0]));
	f->nrows = nreasons;
	return 0;
}

/* Without a reasons file, INELIGIBLE rows must name a reason of the
 * generation Redis serves now. */
static int
load_known_from_redis(void)
{
	char key[REGISTRY_KEY_MAX], gen[32];
	const char *argv[2];
	redisReply *r;
	size_t i, n;

	registry_key_gen(key, sizeof(key), opt.redis.prefix, "rsn");
	if (load_get(key, gen, sizeof(gen)) != 0)
		return -1;
	if (gen[0] == '\0')
		return 0;
	snprintf(key, sizeof(key), "%srsn:%s", opt.redis.prefix, gen);
	argv[0] = "HKEYS";
	argv[1] = key;
	if ((r = load_cmd(2, argv)) == NULL)
		return -1;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements &&
	    nknown < LOAD_MAX_REASONS; i++) {
		const char *s = r->element[i]->str;

		n = r->element[i]->len;
		if (n > 3 && strcmp(s + n - 3, ":fr") == 0 &&
		    n - 3 <= REGISTRY_CODE_MAX) {
			memcpy(known_codes[nknown], s, n - 3);
			known_codes[nknown++][n - 3] = '\0';
		}
	}
	freeReplyObject(r);
	return 0;
}

static int
load_write_reasons(long gen)
{
	char key[REGISTRY_KEY_MAX], ffr[REGISTRY_CODE_MAX + 8];
	char far[REGISTRY_CODE_MAX + 8];
	const char *argv[6];
	int i;

	registry_key_rsn(key, sizeof(key), opt.redis.prefix, gen);
	for (i = 0; i < nreasons; i++) {
		snprintf(ffr, sizeof(ffr), "%.23s:fr", reasons[i].code);
		snprintf(far, sizeof(far), "%.23s:ar", reasons[i].code);
		argv[0] = "HSET";
		argv[1] = key;
		argv[2] = ffr;
		argv[3] = reasons[i].fr;
		argv[4] = far;
		argv[5] = reasons[i].ar;
		if (pipe_add_str(6, argv) != 0)
			return -1;
	}
	return pipe_flush();
}

/* --- categories ----------------------------------------------------- */

static struct load_cat cats[DIALOG_MAX_CATEGORIES];
static int ncats;

static int
load_parse_categories(struct load_file *f)
{
	static struct load_csv_row row;
	struct load_csv csv;
	struct load_csv_cat c;
	char err[256];
	int k, i, dup;

	if (load_open(f, opt.categories, NULL, load_csv_cols_categories, &csv,
	    &row) != 0)
		return -1;
	while ((k = load_csv_next(&csv, &row, err, sizeof(err))) != 0) {
		if (k < 0 || load_csv_parse_category(&row, &c, err,
		    sizeof(err)) != 0) {
			if (load_reject(f, row.line, row.start, row.end, err) != 0)
				return -1;
			continue;
		}
		for (dup = 0, i = 0; i < ncats; i++)
			if (strcmp(cats[i].code, c.code) == 0)
				dup = 1;
		if (dup || ncats == DIALOG_MAX_CATEGORIES) {
			snprintf(err, sizeof(err), dup ?
			    "duplicate category code" :
			    "too many categories (at most %d)",
			    DIALOG_MAX_CATEGORIES);
			if (load_reject(f, row.line, row.start, row.end, err) != 0)
				return -1;
			continue;
		}
		snprintf(cats[ncats].code, sizeof(cats[0].code), "%s", c.code);
		cats[ncats].label_fr = load_strdup(c.label_fr);
		cats[ncats].label_ar = load_strdup(c.label_ar);
		cats[ncats].docs_fr = load_strdup(c.docs_fr);
		cats[ncats].docs_ar = load_strdup(c.docs_ar);
		ncats++;
	}
	if (ncats == 0) {
		fprintf(stderr, "%s: no valid rows\n", f->path);
		return -1;
	}
	f->nrows = ncats;
	return 0;
}

static int
load_write_categories(long gen)
{
	char list[REGISTRY_KEY_MAX], key[REGISTRY_KEY_MAX];
	const char *argv[10];
	int i;

	registry_key_cat_list(list, sizeof(list), opt.redis.prefix, gen);
	for (i = 0; i < ncats; i++) {
		registry_key_cat(key, sizeof(key), opt.redis.prefix, gen,
		    cats[i].code);
		argv[0] = "HSET";
		argv[1] = key;
		argv[2] = "label_fr";
		argv[3] = cats[i].label_fr;
		argv[4] = "label_ar";
		argv[5] = cats[i].label_ar;
		argv[6] = "docs_fr";
		argv[7] = cats[i].docs_fr;
		argv[8] = "docs_ar";
		argv[9] = cats[i].docs_ar;
		if (pipe_add_str(10, argv) != 0)
			return -1;
		argv[0] = "RPUSH";
		argv[1] = list;
		argv[2] = cats[i].code;
		if (pipe_add_str(3, argv) != 0)
			return -1;
	}
	return pipe_flush();
}

/* --- registry ------------------------------------------------------- */

static struct load_arena ar;
static uint32_t sort_nb;

static struct load_ent *
load_ent_at(size_t i)
{
	return (struct load_ent *)(void *)(ar.buf + ar.off[i]);
}

static const char *
load_ent_field(const struct load_ent *e)
{
	return (const char *)(e + 1);
}

static void
load_arena_add(const struct load_csv_row *row, uint32_t hash,
    const char *field, const unsigned char *val, size_t vlen)
{
	struct load_ent e;
	size_t flen = strlen(field);
	size_t need = sizeof(e) + flen + vlen;

	/* Keep entries aligned for the struct at their head. */
	need = (need + _Alignof(struct load_ent) - 1) &
	    ~(_Alignof(struct load_ent) - 1);
	if (ar.len + need > ar.cap) {
		ar.cap = ar.cap ? ar.cap * 2 : 1 << 20;
		ar.buf = load_xalloc(ar.buf, ar.cap);
	}
	if (ar.n == ar.ncap) {
		ar.ncap = ar.ncap ? ar.ncap * 2 : 1 << 14;
		ar.off = load_xalloc(ar.off, ar.ncap * sizeof(*ar.off));
	}
	e.hash = hash;
	e.line = (uint32_t)row->line;
	e.start = row->start;
	e.end = row->end;
	e.flen = (uint8_t)flen;
	e.vlen = (uint8_t)vlen;
	memcpy(ar.buf + ar.len, &e, sizeof(e));
	memcpy(ar.buf + ar.len + sizeof(e), field, flen);
	memcpy(ar.buf + ar.len + sizeof(e) + flen, val, vlen);
	ar.off[ar.n++] = ar.len;
	ar.len += need;
}

/* Order: bucket, field, line — duplicates end up side by side, first
 * occurrence first. */
static int
load_cmp(const void *a, const void *b, void *ctx)
{
	const struct load_ent *x, *y;
	uint32_t bx, by;
	int c;

	(void)ctx;
	x = (const struct load_ent *)(const void *)(ar.buf + *(const size_t *)a);
	y = (const struct load_ent *)(const void *)(ar.buf + *(const size_t *)b);
	bx = x->hash % sort_nb;
	by = y->hash % sort_nb;
	if (bx != by)
		return bx < by ? -1 : 1;
	c = memcmp(load_ent_field(x), load_ent_field(y),
	    x->flen < y->flen ? x->flen : y->flen);
	if (c == 0 && x->flen != y->flen)
		c = x->flen < y->flen ? -1 : 1;
	if (c == 0 && x->line != y->line)
		c = x->line < y->line ? -1 : 1;
	return c;
}

static int
load_parse_registry(struct load_file *f)
{
	static struct load_csv_row row;
	struct load_csv csv;
	struct registry_rec r;
	char err[256], field[REGISTRY_FIELD_MAX + 1];
	unsigned char val[REGISTRY_PACKED_MAX];
	int k, n;

	if (load_open(f, opt.registry, opt.reject_file, load_csv_cols_registry,
	    &csv, &row) != 0)
		return -1;
	while ((k = load_csv_next(&csv, &row, err, sizeof(err))) != 0) {
		if (k > 0 && load_csv_parse_person(&row, &r, err,
		    sizeof(err)) == 0) {
			if (r.reason[0] != '\0' && !load_known(r.reason)) {
				snprintf(err, sizeof(err), "reason: %s is not "
				    "in the reasons set", r.reason);
				k = -1;
			} else if (registry_field(r.idtype, r.idnum, field,
			    sizeof(field)) != 0 ||
			    (n = registry_pack(&r, val, sizeof(val))) < 0) {
				snprintf(err, sizeof(err), "record too large");
				k = -1;
			}
		} else
			k = -1;
		if (k < 0) {
			if (load_reject(f, row.line, row.start, row.end, err) != 0)
				return -1;
			continue;
		}
		load_arena_add(&row, registry_hash(r.idtype, r.idnum), field,
		    val, (size_t)n);
	}
	return 0;
}

/* Bucket count: start from the target fill, grow until no bucket would
 * leave listpack encoding. Sorts the rows by bucket. */
static uint32_t
load_buckets(uint32_t *maxfill)
{
	uint32_t nb = registry_nbuckets(ar.n), *cnt, mx;
	size_t i;

	for (;;) {
		cnt = calloc(nb, sizeof(*cnt));
		if (cnt == NULL) {
			fprintf(stderr, "tnsgw-load: out of memory\n");
			exit(1);
		}
		for (mx = 0, i = 0; i < ar.n; i++) {
			uint32_t b = load_ent_at(i)->hash % nb;

			if (++cnt[b] > mx)
				mx = cnt[b];
		}
		free(cnt);
		if (mx <= REGISTRY_BUCKET_LIMIT)
			break;
		nb += nb / 4 + 1;
	}
	sort_nb = nb;
	if (ar.n > 0)
		qsort_r(ar.off, ar.n, sizeof(*ar.off), load_cmp, NULL);
	*maxfill = mx;
	return nb;
}

/* Duplicates (after sorting): the later rows are errors / rejects. */
static int
load_dups(struct load_file *f)
{
	size_t i, w = 0;
	char why[64];

	for (i = 0; i < ar.n; i++) {
		struct load_ent *e = load_ent_at(i), *p;

		if (w > 0) {
			p = (struct load_ent *)(void *)(ar.buf + ar.off[w - 1]);
			if (p->flen == e->flen && p->hash == e->hash &&
			    memcmp(load_ent_field(p), load_ent_field(e),
			    e->flen) == 0) {
				snprintf(why, sizeof(why),
				    "duplicate of line %u (same id_type and "
				    "id_number)", p->line);
				if (load_reject(f, (int)e->line, e->start,
				    e->end, why) != 0)
					return -1;
				continue;
			}
		}
		ar.off[w++] = ar.off[i];
	}
	ar.n = w;
	return 0;
}

static int
load_write_registry(long gen)
{
	const char *argv[2 + 2 * (REGISTRY_BUCKET_LIMIT + 8)];
	size_t lens[2 + 2 * (REGISTRY_BUCKET_LIMIT + 8)];
	char key[REGISTRY_KEY_MAX];
	size_t i = 0, j;
	int argc;

	while (i < ar.n) {
		uint32_t b = load_ent_at(i)->hash % sort_nb;

		registry_key_bucket(key, sizeof(key), opt.redis.prefix, gen, b);
		argv[0] = "HSET";
		argv[1] = key;
		argc = 2;
		for (j = i; j < ar.n && load_ent_at(j)->hash % sort_nb == b; j++) {
			struct load_ent *e = load_ent_at(j);

			argv[argc] = load_ent_field(e);
			lens[argc++] = e->flen;
			argv[argc] = load_ent_field(e) + e->flen;
			lens[argc++] = e->vlen;
		}
		lens[0] = 4;
		lens[1] = strlen(key);
		if (pipe_add(argc, argv, lens) != 0)
			return -1;
		i = j;
	}
	return pipe_flush();
}

/* --- the load ------------------------------------------------------- */

/* Switch every loaded dataset's pointer in one transaction; old
 * pointer values come back in old[]. */
static int
load_switch(const char *regptr, const char *gen, char old[3][64])
{
	static const char *const ds[3] = { "reg", "cat", "rsn" };
	const int on[3] = { opt.registry != NULL, opt.categories != NULL,
	    opt.reasons != NULL };
	char keys[3][REGISTRY_KEY_MAX];
	const char *argv[3];
	redisReply *r;
	int i, k = 0;
	size_t e;

	argv[0] = "MULTI";
	if ((r = load_cmd(1, argv)) == NULL)
		return -1;
	freeReplyObject(r);
	for (i = 0; i < 3; i++) {
		old[i][0] = '\0';
		if (!on[i])
			continue;
		registry_key_gen(keys[i], sizeof(keys[i]), opt.redis.prefix,
		    ds[i]);
		argv[0] = "GETSET";
		argv[1] = keys[i];
		argv[2] = i == 0 ? regptr : gen;
		if ((r = load_cmd(3, argv)) == NULL)
			return -1;
		freeReplyObject(r);
	}
	argv[0] = "EXEC";
	if ((r = load_cmd(1, argv)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "redis: EXEC failed\n");
		freeReplyObject(r);
		return -1;
	}
	for (i = 0, e = 0; i < 3; i++) {
		if (!on[i])
			continue;
		if (e < r->elements && r->element[e]->type == REDIS_REPLY_STRING)
			snprintf(old[i], sizeof(old[i]), "%s", r->element[e]->str);
		e++;
		k++;
	}
	freeReplyObject(r);
	return k > 0 ? 0 : -1;
}

static void
load_discard(long gen, uint32_t nb)
{
	if (interrupted_pipe)
		return;		/* connection gone: nothing more to say */
	if (opt.registry != NULL && nb > 0)
		load_unlink_buckets(gen, nb);
	if (opt.categories != NULL)
		load_unlink_cats(gen);
	if (opt.reasons != NULL)
		load_unlink_rsn(gen);
	fprintf(stderr, "tnsgw-load: generation %ld discarded, nothing "
	    "switched\n", gen);
}

static int
load_run(void)
{
	struct load_file freg, fcat, frsn;
	char seqkey[REGISTRY_KEY_MAX], gens[32], regptr[48], old[3][64];
	const char *argv[2];
	redisReply *r;
	double t0 = load_now(), tw0, tw1;
	long gen, mem0 = -1, mem1 = -1, ogen;
	uint32_t nb = 0, maxfill = 0, onb;
	int rcode = 1;

	memset(&freg, 0, sizeof(freg));
	memset(&fcat, 0, sizeof(fcat));
	memset(&frsn, 0, sizeof(frsn));

	/* 1. Read and validate everything before writing anything. */
	if (opt.reasons != NULL && load_parse_reasons(&frsn) != 0)
		goto out;
	if (opt.categories != NULL && load_parse_categories(&fcat) != 0)
		goto out;
	if (opt.registry != NULL) {
		if (opt.reasons == NULL && load_known_from_redis() != 0)
			goto out;
		if (load_parse_registry(&freg) != 0)
			goto out;
		nb = load_buckets(&maxfill);
		if (load_dups(&freg) != 0)
			goto out;
		if (ar.n == 0) {
			fprintf(stderr, "%s: no valid rows, nothing loaded\n",
			    freg.path);
			goto out;
		}
		freg.nrows = (long)ar.n;
	}

	/* 2. A new generation, written pipelined. */
	registry_key_seq(seqkey, sizeof(seqkey), opt.redis.prefix);
	argv[0] = "INCR";
	argv[1] = seqkey;
	if ((r = load_cmd(2, argv)) == NULL)
		goto out;
	gen = (long)r->integer;
	freeReplyObject(r);
	snprintf(gens, sizeof(gens), "%ld", gen);
	snprintf(regptr, sizeof(regptr), "%ld:%u", gen, (unsigned)nb);

	if (opt.reasons != NULL && load_write_reasons(gen) != 0)
		goto discard;
	if (opt.categories != NULL && load_write_categories(gen) != 0)
		goto discard;
	tw0 = tw1 = load_now();
	if (opt.registry != NULL) {
		mem0 = load_used_memory();
		if (load_write_registry(gen) != 0)
			goto discard;
		mem1 = load_used_memory();
		tw1 = load_now();
	}

	/* 3. Switch, then drop the old generation. */
	if (load_switch(regptr, gens, old) != 0)
		goto discard;
	if (old[0][0] && registry_parse_regptr(old[0], &ogen, &onb) == 0)
		load_unlink_buckets(ogen, onb);
	if (old[1][0])
		load_unlink_cats(strtol(old[1], NULL, 10));
	if (old[2][0])
		load_unlink_rsn(strtol(old[2], NULL, 10));

	if (opt.reasons != NULL)
		printf("reasons: %ld rows, %ld rejected, generation %ld\n",
		    frsn.nrows, frsn.nrej, gen);
	if (opt.categories != NULL)
		printf("categories: %ld rows, %ld rejected, generation %ld\n",
		    fcat.nrows, fcat.nrej, gen);
	if (opt.registry != NULL) {
		double secs = load_now() - t0;

		printf("registry: %ld rows, %ld rejected, generation %ld, "
		    "%u buckets (fullest %u), %.2f s, %.0f rows/s "
		    "(write %.2f s)\n", freg.nrows, freg.nrej, gen,
		    (unsigned)nb, (unsigned)maxfill, secs,
		    secs > 0 ? (double)freg.nrows / secs : 0.0, tw1 - tw0);
		if (mem0 >= 0 && mem1 >= 0)
			printf("registry: used_memory +%ld bytes, %.1f bytes "
			    "per record\n", mem1 - mem0,
			    (double)(mem1 - mem0) / (double)freg.nrows);
	}
	if (freg.nrej || fcat.nrej || frsn.nrej) {
		if (freg.nrej)
			printf("rejected rows in %s\n", freg.rej_path);
		if (fcat.nrej)
			printf("rejected rows in %s\n", fcat.rej_path);
		if (frsn.nrej)
			printf("rejected rows in %s\n", frsn.rej_path);
	}
	rcode = 0;
	goto out;
discard:
	load_discard(gen, nb);
out:
	load_file_free(&freg);
	load_file_free(&fcat);
	load_file_free(&frsn);
	return rcode;
}

/* --get TYPE NUMBER: print one decoded record (operator check). */
static int
load_show(void)
{
	struct registry_rec rec;
	enum parse_idtype t;
	char key[REGISTRY_KEY_MAX], ptr[64], num[PARSE_IDNUM_MAX + 1];
	char field[REGISTRY_FIELD_MAX + 1], b[16], e[16];
	const char *argv[3];
	redisReply *r;
	long gen;
	uint32_t nb;

	if (parse_idtype(opt.get_type, &t) != 0 ||
	    parse_id_number(opt.get_num, num, sizeof(num)) != 0) {
		fprintf(stderr, "--get: expected TYPE (CIN|SEJOUR|PASSPORT) "
		    "and a document number\n");
		return 2;
	}
	registry_key_gen(key, sizeof(key), opt.redis.prefix, "reg");
	if (load_get(key, ptr, sizeof(ptr)) != 0)
		return 1;
	if (registry_parse_regptr(ptr, &gen, &nb) != 0) {
		fprintf(stderr, "no registry loaded\n");
		return 1;
	}
	registry_key_bucket(key, sizeof(key), opt.redis.prefix, gen,
	    registry_hash(t, num) % nb);
	registry_field(t, num, field, sizeof(field));
	argv[0] = "HGET";
	argv[1] = key;
	argv[2] = field;
	if ((r = load_cmd(3, argv)) == NULL)
		return 1;
	if (r->type != REDIS_REPLY_STRING) {
		printf("%s %s: not in the registry\n", parse_idtype_str(t), num);
		freeReplyObject(r);
		return 3;
	}
	if (registry_unpack((const unsigned char *)r->str, r->len, &rec) != 0) {
		fprintf(stderr, "%s %s: malformed record\n",
		    parse_idtype_str(t), num);
		freeReplyObject(r);
		return 1;
	}
	freeReplyObject(r);
	parse_date_fmt_iso(&rec.birth, b, sizeof(b));
	e[0] = '\0';
	if (parse_date_is_set(&rec.expiry))
		parse_date_fmt_iso(&rec.expiry, e, sizeof(e));
	printf("%s %s: %s birth=%s expiry=%s matricule=%s has_account=%d "
	    "phone=%s reason=%s\n", parse_idtype_str(t), num,
	    rec.status == REGISTRY_ST_REGISTERED ? "REGISTERED" : "INELIGIBLE",
	    b, e, rec.matricule, rec.has_account, rec.phone, rec.reason);
	return 0;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: tnsgw-load [-c CONF] [-h HOST] [-p PORT] [-s SOCKET] [-n DB]\n"
	    "           [--prefix P] [--registry FILE] [--categories FILE]\n"
	    "           [--reasons FILE] [--skip-invalid] [--reject-file FILE]\n"
	    "       tnsgw-load [connection options] --get TYPE NUMBER\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	enum { O_REG = TOOLREDIS_OPT_PREFIX + 1, O_CAT, O_RSN, O_SKIP, O_REJ,
	    O_GET };
	static const struct option lopts[] = {
		TOOLREDIS_LONGOPTS,
		{ "registry", required_argument, NULL, O_REG },
		{ "categories", required_argument, NULL, O_CAT },
		{ "reasons", required_argument, NULL, O_RSN },
		{ "skip-invalid", no_argument, NULL, O_SKIP },
		{ "reject-file", required_argument, NULL, O_REJ },
		{ "get", required_argument, NULL, O_GET },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct toolredis_opts ro;
	char err[TOOLREDIS_ERR_MAX];
	int ch, code;

	log_init(LOG_LVL_WARNING);
	toolredis_opts_init(&ro);
	while ((ch = getopt_long(argc, argv, TOOLREDIS_OPTSTRING, lopts,
	    NULL)) != -1) {
		switch (ch) {
		case O_REG:
			opt.registry = optarg;
			break;
		case O_CAT:
			opt.categories = optarg;
			break;
		case O_RSN:
			opt.reasons = optarg;
			break;
		case O_SKIP:
			opt.skip_invalid = 1;
			break;
		case O_REJ:
			opt.reject_file = optarg;
			break;
		case O_GET:
			opt.get_type = optarg;
			break;
		default:
			if (toolredis_option(&ro, ch, optarg) != 0)
				usage();
		}
	}
	if (opt.get_type != NULL) {
		if (optind + 1 != argc || opt.registry || opt.categories ||
		    opt.reasons)
			usage();
		opt.get_num = argv[optind];
	} else if (optind != argc || (!opt.registry && !opt.categories &&
	    !opt.reasons))
		usage();

	if ((code = toolredis_resolve(&ro, &opt.redis, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s\n", err);
		return code == -2 ? 2 : 1;	/* -2: an unusable option */
	}
	rc = toolredis_connect(&opt.redis, LOAD_TIMEOUT_S, err, sizeof(err));
	if (rc == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	code = opt.get_type != NULL ? load_show() : load_run();
	redisFree(rc);
	return code;
}
