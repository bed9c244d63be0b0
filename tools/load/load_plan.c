/*
 * load_plan: an import file's bytes to validated rows and what to write
 * (reasons, categories in list order, points by region, the registry's
 * records by bucket); bad rows to FILE:LINE or the caller's reject sink.
 * Pure: no Redis, no I/O.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_csv.h"
#include "load_plan.h"

#define LOAD_PLAN_OOM "tnsgw-load: out of memory"

struct load_plan *
load_plan_new(void)
{
	struct load_plan *p = calloc(1, sizeof(struct load_plan));

	if (p != NULL) {
		p->layout = REGISTRY_LAYOUT;
		p->split_min = LOAD_PLAN_SPLIT_MIN;
	}
	return p;
}

void
load_plan_free(struct load_plan *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nreasons; i++) {
		free(p->reasons[i].fr);
		free(p->reasons[i].ar);
		free(p->reasons[i].tzm);
	}
	for (i = 0; i < p->ncats; i++) {
		free(p->cats[i].label_fr);
		free(p->cats[i].label_ar);
		free(p->cats[i].docs_fr);
		free(p->cats[i].docs_ar);
		free(p->cats[i].label_tzm);
		free(p->cats[i].docs_tzm);
	}
	for (i = 0; i < p->nregions; i++) {
		free(p->regions[i].fr);
		free(p->regions[i].ar);
		free(p->regions[i].tzm);
		for (int k = 0; k < p->regions[i].npoints; k++)
			free(p->regions[i].point[k]);
	}
	free(p->buf);
	free(p->off);
	free(p);
}

int
load_plan_known_add(struct load_plan *p, const char *code, size_t len)
{
	if (p->nknown == LOAD_PLAN_MAX_REASONS || len > REGISTRY_CODE_MAX)
		return -1;
	memcpy(p->known[p->nknown], code, len);
	p->known[p->nknown++][len] = '\0';
	return 0;
}

static int
load_plan_known(const struct load_plan *p, const char *code)
{
	for (int i = 0; i < p->nknown; i++)
		if (strcmp(p->known[i], code) == 0)
			return 1;
	return 0;
}

/*
 * A bad row: without a sink, "PATH:LINE: why" in err and -1 (the load
 * stops); with one, the sink's answer.
 */
static int
load_plan_reject(struct load_plan_src *src, const struct load_plan_sink *rej,
    int line, size_t start, size_t end, const char *why, char *err,
    size_t errsz)
{
	if (rej == NULL) {
		snprintf(err, errsz, "%s:%d: %s", src->path, line, why);
		return -1;
	}
	if (rej->fn(rej->arg, src, line, start, end, why, err, errsz) != 0)
		return -1;
	src->nrej++;
	return 0;
}

/* Read and check the header row into h; the reader is then at the first
 * row. */
static int
load_plan_header(struct load_plan_src *src, const struct load_csv_schema *s,
    struct load_csv_hdr *h, struct load_csv *csv, struct load_csv_row *row,
    char *err, size_t errsz)
{
	char why[256];
	int r;

	src->nrows = src->nrej = 0;
	load_csv_init(csv, src->data, src->len);
	r = load_csv_next(csv, row, why, sizeof(why));
	if (r == 0)
		snprintf(why, sizeof(why), "empty file, expected a header");
	if (r == 1 && load_csv_header(row, s, h, why, sizeof(why)) == 0) {
		src->hdr_start = row->start;
		src->hdr_end = row->end;
		return 0;
	}
	snprintf(err, errsz, "%s:%d: %s", src->path, r == 0 ? 1 : row->line,
	    why);
	return -1;
}

/* A copy of s (NULL for NULL); *oom set when out of memory. */
static char *
load_plan_strdup(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = 1;
	return d;
}

/* --- reasons -------------------------------------------------------- */

/* Keep row's reason; 1 when it was kept, 0 when it must be rejected
 * (why says so), -1 when out of memory. */
static int
load_plan_reason_add(struct load_plan *p, const struct load_csv_reason *r,
    char *why, size_t whysz)
{
	struct load_plan_reason *d;
	int i, oom = 0;

	for (i = 0; i < p->nreasons; i++)
		if (strcmp(p->reasons[i].code, r->code) == 0) {
			snprintf(why, whysz, "duplicate reason code");
			return 0;
		}
	if (p->nreasons == LOAD_PLAN_MAX_REASONS) {
		snprintf(why, whysz, "too many reasons");
		return 0;
	}
	d = &p->reasons[p->nreasons];
	snprintf(d->code, sizeof(d->code), "%s", r->code);
	d->fr = load_plan_strdup(r->text_fr, &oom);
	d->ar = load_plan_strdup(r->text_ar, &oom);
	d->tzm = load_plan_strdup(r->text_tzm, &oom);
	p->nreasons++;		/* load_plan_free frees what was copied */
	return oom ? -1 : 1;
}

int
load_plan_reasons(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz)
{
	struct load_csv_row row;
	struct load_csv csv;
	struct load_csv_hdr h;
	struct load_csv_reason r;
	char why[256];
	int k, i;

	if (load_plan_header(src, &load_csv_reasons, &h, &csv, &row, err,
	    errsz) != 0)
		return -1;
	while ((k = load_csv_next(&csv, &row, why, sizeof(why))) != 0) {
		if (k > 0 && load_csv_parse_reason(&row, &h, &r, why,
		    sizeof(why)) == 0 &&
		    (k = load_plan_reason_add(p, &r, why, sizeof(why))) != 0) {
			if (k < 0) {
				snprintf(err, errsz, LOAD_PLAN_OOM);
				return -1;
			}
			continue;
		}
		if (load_plan_reject(src, rej, row.line, row.start, row.end,
		    why, err, errsz) != 0)
			return -1;
	}
	if (p->nreasons == 0) {
		snprintf(err, errsz, "%s: no valid rows", src->path);
		return -1;
	}
	for (i = 0; i < p->nreasons; i++)
		load_plan_known_add(p, p->reasons[i].code,
		    strlen(p->reasons[i].code));
	src->nrows = p->nreasons;
	p->has_reasons = 1;
	return 0;
}

/* --- categories ----------------------------------------------------- */

/* Keep row's category; 1, 0 (reject, why says so) or -1 (no memory). */
static int
load_plan_cat_add(struct load_plan *p, const struct load_csv_cat *c,
    char *why, size_t whysz)
{
	struct load_plan_cat *d;
	int i, oom = 0;

	for (i = 0; i < p->ncats; i++)
		if (strcmp(p->cats[i].code, c->code) == 0) {
			snprintf(why, whysz, "duplicate category code");
			return 0;
		}
	if (p->ncats == DIALOG_MAX_CATEGORIES) {
		snprintf(why, whysz, "too many categories (at most %d)",
		    DIALOG_MAX_CATEGORIES);
		return 0;
	}
	d = &p->cats[p->ncats];
	snprintf(d->code, sizeof(d->code), "%s", c->code);
	d->label_fr = load_plan_strdup(c->label_fr, &oom);
	d->label_ar = load_plan_strdup(c->label_ar, &oom);
	d->docs_fr = load_plan_strdup(c->docs_fr, &oom);
	d->docs_ar = load_plan_strdup(c->docs_ar, &oom);
	d->label_tzm = load_plan_strdup(c->label_tzm, &oom);
	d->docs_tzm = load_plan_strdup(c->docs_tzm, &oom);
	d->has_rank = c->has_rank;
	d->rank = c->rank;
	p->ncats++;
	return oom ? -1 : 1;
}

/* The list's order: ranked categories by rank, then unranked ones, file
 * order within each (a stable insertion sort: at most 64); then OTHER
 * moved last. */
static int
load_plan_cat_before(const struct load_plan_cat *a,
    const struct load_plan_cat *b)
{
	if (a->has_rank != b->has_rank)
		return a->has_rank;
	return a->has_rank && a->rank < b->rank;
}

static void
load_plan_cat_order(struct load_plan *p)
{
	struct load_plan_cat t;
	int i, j;

	for (i = 1; i < p->ncats; i++) {
		t = p->cats[i];
		for (j = i; j > 0 && load_plan_cat_before(&t, &p->cats[j - 1]);
		    j--)
			p->cats[j] = p->cats[j - 1];
		p->cats[j] = t;
	}
	for (i = 0; i < p->ncats - 1; i++)
		if (strcmp(p->cats[i].code, REGISTRY_CAT_OTHER) == 0) {
			t = p->cats[i];
			memmove(&p->cats[i], &p->cats[i + 1],
			    (size_t)(p->ncats - 1 - i) * sizeof(t));
			p->cats[p->ncats - 1] = t;
			break;
		}
}

int
load_plan_categories(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz)
{
	struct load_csv_row row;
	struct load_csv csv;
	struct load_csv_hdr h;
	struct load_csv_cat c;
	char why[256];
	int k;

	if (load_plan_header(src, &load_csv_categories, &h, &csv, &row, err,
	    errsz) != 0)
		return -1;
	while ((k = load_csv_next(&csv, &row, why, sizeof(why))) != 0) {
		if (k > 0 && load_csv_parse_category(&row, &h, &c, why,
		    sizeof(why)) == 0 &&
		    (k = load_plan_cat_add(p, &c, why, sizeof(why))) != 0) {
			if (k < 0) {
				snprintf(err, errsz, LOAD_PLAN_OOM);
				return -1;
			}
			continue;
		}
		if (load_plan_reject(src, rej, row.line, row.start, row.end,
		    why, err, errsz) != 0)
			return -1;
	}
	if (p->ncats == 0) {
		snprintf(err, errsz, "%s: no valid rows", src->path);
		return -1;
	}
	load_plan_cat_order(p);
	src->nrows = p->ncats;
	p->has_categories = 1;
	return 0;
}

/* --- proximity points ----------------------------------------------- */

/* A region's name in one more language: kept when the region had none,
 * else it must be the same. 0, or 1 (reject, why says so). */
static int
load_plan_region_lang(char **have, const char *v, const char *col,
    int line, int *oom, char *why, size_t whysz)
{
	if (v == NULL)
		return 0;
	if (*have == NULL) {
		*have = load_plan_strdup(v, oom);
		return 0;
	}
	if (strcmp(*have, v) != 0) {
		snprintf(why, whysz, "%s: not the one line %d gave this region",
		    col, line);
		return 1;
	}
	return 0;
}

/* Keep row's point; 1 kept, 0 rejected (why says so), -1 no memory. */
static int
load_plan_point_add(struct load_plan *p, const struct load_csv_point *pt,
    int line, char *why, size_t whysz)
{
	struct load_plan_region *r = NULL;
	char v[REGISTRY_POINT_MAX + 1];
	size_t nl;
	int i, oom = 0;

	for (i = 0; i < p->nregions; i++)
		if (strcmp(p->regions[i].fr, pt->region) == 0) {
			r = &p->regions[i];
			break;
		}
	if (r == NULL) {
		if (p->nregions == REGISTRY_PTS_REGIONS) {
			snprintf(why, whysz, "too many regions (at most %d)",
			    REGISTRY_PTS_REGIONS);
			return 0;
		}
		r = &p->regions[p->nregions++];	/* load_plan_free frees it */
		r->line = line;
		if ((r->fr = load_plan_strdup(pt->region, &oom)) == NULL)
			return -1;
	}
	if (r->npoints == REGISTRY_PTS_POINTS) {
		snprintf(why, whysz, "too many points in this region (at most "
		    "%d)", REGISTRY_PTS_POINTS);
		return 0;
	}
	nl = strlen(pt->name);
	for (i = 0; i < r->npoints; i++)
		if (strncmp(r->point[i], pt->name, nl) == 0 &&
		    r->point[i][nl] == '|') {
			snprintf(why, whysz, "duplicate point name in this "
			    "region");
			return 0;
		}
	if (load_plan_region_lang(&r->ar, pt->region_ar, "region_ar",
	    r->line, &oom, why, whysz) != 0 ||
	    load_plan_region_lang(&r->tzm, pt->region_tzm, "region_tzm",
	    r->line, &oom, why, whysz) != 0)
		return oom ? -1 : 0;
	snprintf(v, sizeof(v), "%s|%s|%s|%s", pt->name, pt->address,
	    pt->hours, pt->phone);
	if ((r->point[r->npoints] = load_plan_strdup(v, &oom)) != NULL)
		r->npoints++;
	return oom ? -1 : 1;
}

int
load_plan_points(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz)
{
	struct load_csv_row row;
	struct load_csv csv;
	struct load_csv_hdr h;
	struct load_csv_point pt;
	char why[256];
	long n = 0;
	int k;

	if (load_plan_header(src, &load_csv_points, &h, &csv, &row, err,
	    errsz) != 0)
		return -1;
	while ((k = load_csv_next(&csv, &row, why, sizeof(why))) != 0) {
		if (k > 0 && load_csv_parse_point(&row, &h, &pt, why,
		    sizeof(why)) == 0 &&
		    (k = load_plan_point_add(p, &pt, row.line, why,
		    sizeof(why))) != 0) {
			if (k < 0) {
				snprintf(err, errsz, LOAD_PLAN_OOM);
				return -1;
			}
			n++;
			continue;
		}
		if (load_plan_reject(src, rej, row.line, row.start, row.end,
		    why, err, errsz) != 0)
			return -1;
	}
	if (n == 0) {
		snprintf(err, errsz, "%s: no valid rows", src->path);
		return -1;
	}
	src->nrows = n;
	p->has_points = 1;
	return 0;
}

/* --- registry ------------------------------------------------------- */

const struct load_plan_ent *
load_plan_ent(const struct load_plan *p, size_t i)
{
	return (const struct load_plan_ent *)(const void *)(p->buf + p->off[i]);
}

const char *
load_plan_ent_field(const struct load_plan_ent *e)
{
	return (const char *)(e + 1);
}

const unsigned char *
load_plan_ent_value(const struct load_plan_ent *e)
{
	return (const unsigned char *)(e + 1) + e->flen;
}

uint32_t
load_plan_ent_bucket(const struct load_plan *p, const struct load_plan_ent *e)
{
	return e->hash % p->nbuckets;
}

void
load_plan_hugepages(void *ptr, size_t len)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)ptr + huge - 1) & ~(huge - 1);
	uintptr_t e = ((uintptr_t)ptr + len) & ~(huge - 1);

#ifdef MADV_HUGEPAGE
	if (ptr != NULL && e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)a;
	(void)e;
#endif
}

static void *
load_plan_grow(void *ptr, size_t *cap, size_t first, size_t elsz)
{
	size_t n = *cap ? *cap * 2 : first;
	void *q;

	if ((q = realloc(ptr, n * elsz)) == NULL)
		return NULL;
	*cap = n;
	return q;
}

/*
 * Room for the entries of a file of len bytes, taken at once: an entry
 * is smaller than its row but for the shortest rows, and a row is at
 * least 24 bytes. Pages never written cost nothing, and growing by
 * copies is what this avoids; when the system refuses, the arrays grow
 * as they fill.
 */
static void
load_plan_reserve(struct load_plan *p, size_t len)
{
	size_t bytes = len + len / 2 + ((size_t)1 << 20);
	size_t rows = len / 24 + 1024;
	void *q;

	if (p->cap == 0 && (q = malloc(bytes)) != NULL) {
		load_plan_hugepages(q, bytes);
		p->buf = q;
		p->cap = bytes;
	}
	if (p->ncap == 0 && (q = malloc(rows * sizeof(*p->off))) != NULL) {
		load_plan_hugepages(q, rows * sizeof(*p->off));
		p->off = q;
		p->ncap = rows;
	}
}

/* Append one entry. 0, or -1 when out of memory. */
static int
load_plan_ent_add(struct load_plan *p, const struct load_csv_row *row,
    uint32_t hash, const char *field, size_t flen, const unsigned char *val,
    size_t vlen)
{
	struct load_plan_ent e;
	size_t need = sizeof(e) + flen + vlen;
	void *q;

	/* Keep entries aligned for the struct at their head. */
	need = (need + _Alignof(struct load_plan_ent) - 1) &
	    ~(_Alignof(struct load_plan_ent) - 1);
	while (p->len + need > p->cap) {
		if ((q = load_plan_grow(p->buf, &p->cap, 1 << 20, 1)) == NULL)
			return -1;
		p->buf = q;
	}
	if (p->n == p->ncap) {
		if ((q = load_plan_grow(p->off, &p->ncap, 1 << 14,
		    sizeof(*p->off))) == NULL)
			return -1;
		p->off = q;
	}
	e.hash = hash;
	e.line = (uint32_t)row->line;
	e.start = row->start;
	e.end = row->end;
	e.flen = (uint8_t)flen;
	e.vlen = (uint8_t)vlen;
	memcpy(p->buf + p->len, &e, sizeof(e));
	memcpy(p->buf + p->len + sizeof(e), field, flen);
	memcpy(p->buf + p->len + sizeof(e) + flen, val, vlen);
	p->off[p->n++] = p->len;
	p->len += need;
	return 0;
}

/*
 * registry_field and registry_hash2 without snprintf: a load computes
 * them once per row, millions of times. Byte for byte the same results
 * (test_load_plan checks them against registry.c's on many numbers); the
 * layout-1 hash, only for --layout 1, stays registry_hash.
 */
int
load_plan_field(enum parse_idtype t, const char *idnum, size_t n, char *out,
    size_t outsz)
{
	const char *s = parse_idtype_str(t);

	if (*s == '?' || n + 2 > outsz)
		return -1;
	out[0] = s[0];
	memcpy(out + 1, idnum, n);
	out[n + 1] = '\0';
	return 0;
}

uint32_t
load_plan_hash2(enum parse_idtype t, const char *idnum)
{
	const unsigned char *s = (const unsigned char *)parse_idtype_str(t);
	uint32_t h = 2166136261u;
	size_t n = 0;

	/* registry_hash2 hashes "TYPE:" and the digits, within 63 chars. */
	for (; *s != '\0'; s++, n++) {
		h ^= *s;
		h *= 16777619u;
	}
	h ^= ':';
	h *= 16777619u;
	for (n++; *idnum != '\0' && n + 1 < 64; idnum++)
		if (*idnum >= '0' && *idnum <= '9') {
			h ^= (unsigned char)*idnum;
			h *= 16777619u;
			n++;
		}
	return h;
}

/* One row into an entry: 0 kept, 1 rejected (why says so), -1 no memory. */
static int
load_plan_person(struct load_plan *p, const struct load_csv_row *row,
    char *why, size_t whysz)
{
	struct registry_rec r;
	char field[REGISTRY_FIELD_MAX + 1];
	unsigned char val[REGISTRY_PACKED_MAX];
	size_t idlen;
	uint32_t hash;
	int n;

	if (load_csv_parse_person(row, &r, why, whysz) != 0)
		return 1;
	if (r.reason[0] != '\0' && !load_plan_known(p, r.reason)) {
		snprintf(why, whysz, "reason: %s is not in the reasons set",
		    r.reason);
		return 1;
	}
	idlen = strlen(r.idnum);
	if (load_plan_field(r.idtype, r.idnum, idlen, field,
	    sizeof(field)) != 0 ||
	    (n = registry_pack(&r, val, sizeof(val))) < 0) {
		snprintf(why, whysz, "record too large");
		return 1;
	}
	hash = p->layout == REGISTRY_LAYOUT_2 ? load_plan_hash2(r.idtype,
	    r.idnum) : registry_hash(r.idtype, r.idnum);
	return load_plan_ent_add(p, row, hash, field, idlen + 1, val,
	    (size_t)n);
}

/* Within a bucket: field, then line — duplicates end up side by side,
 * first occurrence first. */
static int
load_plan_cmp(const void *a, const void *b, void *ctx)
{
	const struct load_plan *p = ctx;
	const struct load_plan_ent *x, *y;
	int c;

	x = (const void *)(p->buf + *(const size_t *)a);
	y = (const void *)(p->buf + *(const size_t *)b);
	c = memcmp(load_plan_ent_field(x), load_plan_ent_field(y),
	    x->flen < y->flen ? x->flen : y->flen);
	if (c == 0 && x->flen != y->flen)
		c = x->flen < y->flen ? -1 : 1;
	if (c == 0 && x->line != y->line)
		c = x->line < y->line ? -1 : 1;
	return c;
}

/* Bucket count: start from the target fill, grow until no bucket would
 * leave listpack encoding, or up to four times the start: rows with one
 * hash (layout 2: the same type and digits) cannot be split, so more
 * buckets would only cost memory. Then order the entries by bucket (a
 * counting sort, file order kept) and each bucket by field and line. */
static int
load_plan_buckets(struct load_plan *p)
{
	uint32_t nb = registry_nbuckets(p->n), *cnt, mx, b;
	uint64_t cap = (uint64_t)nb * 4;
	size_t i, *start, *sorted, sum;

	for (;;) {
		if ((cnt = calloc(nb, sizeof(*cnt))) == NULL)
			return -1;
		for (mx = 0, i = 0; i < p->n; i++) {
			b = load_plan_ent(p, i)->hash % nb;
			if (++cnt[b] > mx)
				mx = cnt[b];
		}
		if (mx <= REGISTRY_BUCKET_LIMIT || nb >= cap)
			break;
		free(cnt);
		nb = (uint32_t)((uint64_t)nb + nb / 4 + 1 > cap ? cap :
		    nb + nb / 4 + 1);
	}
	p->nbuckets = nb;
	p->maxfill = mx;
	if (p->n == 0) {
		free(cnt);
		return 0;
	}
	start = malloc(((size_t)nb + 1) * sizeof(*start));
	sorted = malloc(p->n * sizeof(*sorted));
	if (start == NULL || sorted == NULL) {
		free(cnt);
		free(start);
		free(sorted);
		return -1;
	}
	for (sum = 0, b = 0; b < nb; b++) {
		start[b] = sum;
		sum += cnt[b];
	}
	start[nb] = sum;
	free(cnt);
	for (i = 0; i < p->n; i++) {
		b = load_plan_ent(p, i)->hash % nb;
		sorted[start[b]++] = p->off[i];
	}
	free(p->off);
	p->off = sorted;
	p->ncap = p->n;
	/* start[b] is now the end of bucket b, the start of b + 1. */
	for (sum = 0, b = 0; b < nb; b++) {
		if (start[b] - sum > 1)
			qsort_r(p->off + sum, start[b] - sum, sizeof(*p->off),
			    load_plan_cmp, p);
		sum = start[b];
	}
	free(start);
	return 0;
}

/* Duplicates (after sorting): the later rows are errors / rejects. */
static int
load_plan_dups(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz)
{
	const struct load_plan_ent *e, *prev;
	size_t i, w = 0;
	char why[64];

	for (i = 0; i < p->n; i++) {
		e = load_plan_ent(p, i);
		if (w > 0) {
			prev = (const void *)(p->buf + p->off[w - 1]);
			if (prev->flen == e->flen && prev->hash == e->hash &&
			    memcmp(load_plan_ent_field(prev),
			    load_plan_ent_field(e), e->flen) == 0) {
				snprintf(why, sizeof(why),
				    "duplicate of line %u (same id_type and "
				    "id_number)", prev->line);
				if (load_plan_reject(src, rej, (int)e->line,
				    e->start, e->end, why, err, errsz) != 0)
					return -1;
				continue;
			}
		}
		p->off[w++] = p->off[i];
	}
	p->n = w;
	return 0;
}

/*
 * A big registry file is read in two halves at once, the second by a
 * thread of its own, when that cannot change a thing: no quote anywhere
 * after the header (so every LF ends a row and the halves meet at a row's
 * end), the line numbers of the second half counted ahead. Its entries
 * are appended after the first half's, its bad rows handed to the sink
 * (or reported) after the first half's: the plan, the rejects and the
 * messages are those of one pass.
 */
struct load_plan_bad {
	int    line;
	size_t start, end;
	size_t why;			/* offset in the half's reason pool */
};

struct load_plan_half {
	struct load_plan     *q;	/* a shallow copy of the plan, own entries */
	struct load_csv       csv;	/* at the half's first row */
	struct load_plan_bad *bad;
	size_t                nbad, badcap;
	char                 *pool;	/* the bad rows' reasons, NUL-ended */
	size_t                plen, pcap;
	int                   rc;	/* -1: out of memory */
};

/* Keep one bad row of the second half. 0, or -1 out of memory. */
static int
load_plan_half_bad(struct load_plan_half *h, const struct load_csv_row *row,
    const char *why)
{
	size_t wl = strlen(why) + 1;
	void *q;

	if (h->nbad == h->badcap) {
		if ((q = load_plan_grow(h->bad, &h->badcap, 256,
		    sizeof(*h->bad))) == NULL)
			return -1;
		h->bad = q;
	}
	while (h->plen + wl > h->pcap) {
		if ((q = load_plan_grow(h->pool, &h->pcap, 1 << 14, 1)) == NULL)
			return -1;
		h->pool = q;
	}
	memcpy(h->pool + h->plen, why, wl);
	h->bad[h->nbad].line = row->line;
	h->bad[h->nbad].start = row->start;
	h->bad[h->nbad].end = row->end;
	h->bad[h->nbad++].why = h->plen;
	h->plen += wl;
	return 0;
}

/*
 * The rows from csv's position to its end into p's entries; a bad row to
 * the sink or the error (h NULL), or kept in h. 0, or -1 with err set
 * (h NULL) or out of memory (h).
 */
static int
load_plan_rows(struct load_plan *p, struct load_csv *csv,
    struct load_plan_src *src, const struct load_plan_sink *rej,
    struct load_plan_half *h, char *err, size_t errsz)
{
	struct load_csv_row row;
	char why[256];
	int k;

	while ((k = load_csv_next(csv, &row, why, sizeof(why))) != 0) {
		if (k > 0 && (k = load_plan_person(p, &row, why,
		    sizeof(why))) <= 0) {
			if (k < 0)
				goto oom;
			continue;
		}
		if (h != NULL) {
			if (load_plan_half_bad(h, &row, why) != 0)
				goto oom;
		} else if (load_plan_reject(src, rej, row.line, row.start,
		    row.end, why, err, errsz) != 0)
			return -1;
	}
	return 0;
oom:
	if (h == NULL)
		snprintf(err, errsz, LOAD_PLAN_OOM);
	return -1;
}

static void *
load_plan_half_run(void *arg)
{
	struct load_plan_half *h = arg;

	h->rc = load_plan_rows(h->q, &h->csv, NULL, NULL, h, NULL, 0);
	return NULL;
}

static void
load_plan_half_free(struct load_plan_half *h)
{
	if (h == NULL)
		return;
	if (h->q != NULL) {
		free(h->q->buf);
		free(h->q->off);
		free(h->q);
	}
	free(h->bad);
	free(h->pool);
	free(h);
}

/* Where the second half starts (after an LF near the middle), with its
 * first line in *line; 0 when the file is read in one pass. */
static size_t
load_plan_split(const struct load_plan_src *src, const struct load_csv *csv,
    size_t split_min, int *line)
{
	const char *d = src->data, *q, *mid;
	size_t from = csv->pos, rest;

	if (split_min == 0 || src->len < from || src->len - from < split_min)
		return 0;
	rest = src->len - from;
	if (memchr(d + from, '"', rest) != NULL)
		return 0;
	mid = memchr(d + from + rest / 2, '\n', rest - rest / 2);
	if (mid == NULL || mid + 1 >= d + src->len)
		return 0;
	*line = csv->line;
	for (q = d + from; (q = memchr(q, '\n', (size_t)(mid + 1 - q))) !=
	    NULL; q++)
		(*line)++;
	return (size_t)(mid + 1 - d);
}

/* The second half's reader, on a plan of its own, or NULL (one pass). */
static struct load_plan_half *
load_plan_half_new(const struct load_plan *p, const struct load_plan_src *src,
    size_t at, int line)
{
	struct load_plan_half *h;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->q = malloc(sizeof(*h->q))) == NULL) {
		free(h);
		return NULL;
	}
	memcpy(h->q, p, sizeof(*p));	/* the known reasons, the layout */
	h->q->buf = NULL;
	h->q->off = NULL;
	h->q->len = h->q->cap = h->q->n = h->q->ncap = 0;
	load_plan_reserve(h->q, src->len - at);
	load_csv_init(&h->csv, src->data, src->len);
	h->csv.pos = at;
	h->csv.line = line;
	return h;
}

/* The second half's entries after p's; its bad rows to the sink. 0, or
 * -1 with err set. */
static int
load_plan_half_merge(struct load_plan *p, struct load_plan_half *h,
    struct load_plan_src *src, const struct load_plan_sink *rej, char *err,
    size_t errsz)
{
	struct load_plan *q = h->q;
	size_t i;
	void *m;

	if (h->rc != 0)
		goto oom;
	if (p->len + q->len > p->cap) {
		if ((m = realloc(p->buf, p->len + q->len)) == NULL)
			goto oom;
		p->buf = m;
		p->cap = p->len + q->len;
	}
	if (p->n + q->n > p->ncap) {
		if ((m = realloc(p->off, (p->n + q->n) * sizeof(*p->off))) ==
		    NULL)
			goto oom;
		p->off = m;
		p->ncap = p->n + q->n;
	}
	if (q->len > 0)
		memcpy(p->buf + p->len, q->buf, q->len);
	for (i = 0; i < q->n; i++)
		p->off[p->n + i] = q->off[i] + p->len;
	p->n += q->n;
	p->len += q->len;
	for (i = 0; i < h->nbad; i++)
		if (load_plan_reject(src, rej, h->bad[i].line,
		    h->bad[i].start, h->bad[i].end, h->pool + h->bad[i].why,
		    err, errsz) != 0)
			return -1;
	return 0;
oom:
	snprintf(err, errsz, LOAD_PLAN_OOM);
	return -1;
}

int
load_plan_registry(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz)
{
	struct load_plan_half *h = NULL;
	struct load_csv_row row;
	struct load_csv csv;
	struct load_csv_hdr hdr;
	pthread_t t;
	size_t at;
	int line, threaded = 0, rc;

	if (load_plan_header(src, &load_csv_registry, &hdr, &csv, &row, err,
	    errsz) != 0)
		return -1;
	load_plan_reserve(p, src->len);
	if ((at = load_plan_split(src, &csv, p->split_min, &line)) > 0 &&
	    (h = load_plan_half_new(p, src, at, line)) != NULL) {
		csv.len = at;	/* the first half ends where the second starts */
		threaded = pthread_create(&t, NULL, load_plan_half_run, h) == 0;
	}
	rc = load_plan_rows(p, &csv, src, rej, NULL, err, errsz);
	if (threaded)
		pthread_join(t, NULL);
	else if (h != NULL && rc == 0)
		load_plan_half_run(h);
	if (rc == 0 && h != NULL)
		rc = load_plan_half_merge(p, h, src, rej, err, errsz);
	load_plan_half_free(h);
	if (rc != 0)
		return -1;
	if (load_plan_buckets(p) != 0)
		goto oom;
	if (load_plan_dups(p, src, rej, err, errsz) != 0)
		return -1;
	if (p->n == 0) {
		snprintf(err, errsz, "%s: no valid rows, nothing loaded",
		    src->path);
		return -1;
	}
	src->nrows = (long)p->n;
	p->has_registry = 1;
	return 0;
oom:
	snprintf(err, errsz, LOAD_PLAN_OOM);
	return -1;
}

int
load_plan_regptr(const struct load_plan *p, long gen, char *out,
    size_t outsz)
{
	return registry_fmt_regptr(out, outsz, gen, p->nbuckets, p->layout);
}

/* --- guards --------------------------------------------------------- */

int
load_plan_reject_guard(const char *path, long nrows, long nrej, long max,
    int pct, char *err, size_t errsz)
{
	long total = nrows + nrej;
	double share = total > 0 ? 100.0 * (double)nrej / (double)total : 0.0;

	if (pct ? nrej * 100 <= max * total : nrej <= max)
		return 0;
	snprintf(err, errsz, "%s: %ld of %ld rows rejected (%.1f %%), over "
	    "--max-reject %ld%s: nothing switched", path, nrej, total, share,
	    max, pct ? " %" : "");
	return -1;
}

int
load_plan_shrink_guard(long live, long nrows, double max_shrink, char *err,
    size_t errsz)
{
	double shrink;

	if (live <= 0 || nrows >= live || max_shrink >= 100.0)
		return 0;
	shrink = 100.0 * (double)(live - nrows) / (double)live;
	if (shrink <= max_shrink)
		return 0;
	snprintf(err, errsz, "registry: %ld rows would replace %ld live "
	    "records: %.1f %% fewer, over --max-shrink %g %%: nothing "
	    "switched (--force or --max-shrink 100 to load it anyway)",
	    nrows, live, shrink, max_shrink);
	return -1;
}
