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

static void
load_plan_chunks_free(struct load_plan *p)
{
	for (size_t i = 0; i < p->nchunk; i++)
		free(p->chunk[i].buf);
	free(p->chunk);
	free(p->ent);
	free(p->bend);
	p->chunk = NULL;
	p->ent = NULL;
	p->bend = NULL;
	p->nchunk = p->chunkcap = p->n = 0;
}

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
	load_plan_chunks_free(p);
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
	return p->ent[i];
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

/* Bytes of entry e, its header, field and value, aligned for the next
 * one's header. */
static size_t
load_plan_ent_size(const struct load_plan_ent *e)
{
	size_t n = sizeof(*e) + e->flen + e->vlen;

	return (n + _Alignof(struct load_plan_ent) - 1) &
	    ~(_Alignof(struct load_plan_ent) - 1);
}

/* The most an entry takes: its header, the longest field and record. */
#define LOAD_PLAN_ENT_MAX (sizeof(struct load_plan_ent) + \
	REGISTRY_FIELD_MAX + 1 + REGISTRY_PACKED_MAX)

/* One more chunk of at least bytes (huge pages asked for). 0, or -1
 * when out of memory. */
static int
load_plan_chunk_add(struct load_plan *p, size_t bytes)
{
	struct load_plan_chunk *c;
	void *q;

	if (p->nchunk == p->chunkcap) {
		if ((q = load_plan_grow(p->chunk, &p->chunkcap, 8,
		    sizeof(*p->chunk))) == NULL)
			return -1;
		p->chunk = q;
	}
	if ((q = malloc(bytes)) == NULL)
		return -1;
	load_plan_hugepages(q, bytes);
	c = &p->chunk[p->nchunk++];
	c->buf = q;
	c->len = 0;
	c->cap = bytes;
	return 0;
}

/*
 * Room for the entries of a file of len bytes, taken at once: an entry
 * is smaller than its row but for the shortest rows, and a row is at
 * least 24 bytes. Pages never written cost nothing; when the system
 * refuses, chunks are added as they fill.
 */
static void
load_plan_reserve(struct load_plan *p, size_t len)
{
	if (p->nchunk == 0)
		(void)load_plan_chunk_add(p, len + len / 2 + ((size_t)1 << 20));
}

/* Room for one more entry in the last chunk: where it goes, or NULL
 * when out of memory. */
static char *
load_plan_ent_room(struct load_plan *p)
{
	struct load_plan_chunk *c = p->nchunk ? &p->chunk[p->nchunk - 1] : NULL;
	size_t next;

	if (c == NULL || c->cap - c->len < LOAD_PLAN_ENT_MAX) {
		next = c != NULL && c->cap < ((size_t)1 << 30) ? c->cap * 2 :
		    c != NULL ? c->cap : (size_t)1 << 20;
		if (load_plan_chunk_add(p, next) != 0)
			return NULL;
		c = &p->chunk[p->nchunk - 1];
	}
	return c->buf + c->len;
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
	struct load_plan_ent *e;
	char *at;
	size_t idlen;
	int n;

	if (load_csv_parse_person(row, &r, why, whysz) != 0)
		return 1;
	if (r.reason[0] != '\0' && !load_plan_known(p, r.reason)) {
		snprintf(why, whysz, "reason: %s is not in the reasons set",
		    r.reason);
		return 1;
	}
	/* The field and the record are written in place, after the
	 * header; the entry is kept once the chunk's length counts it. */
	if ((at = load_plan_ent_room(p)) == NULL)
		return -1;
	e = (struct load_plan_ent *)(void *)at;
	at += sizeof(*e);
	idlen = strlen(r.idnum);
	if (load_plan_field(r.idtype, r.idnum, idlen, at,
	    REGISTRY_FIELD_MAX + 1) != 0 ||
	    (n = registry_pack(&r, (unsigned char *)at + idlen + 1,
	    REGISTRY_PACKED_MAX)) < 0) {
		snprintf(why, whysz, "record too large");
		return 1;
	}
	e->hash = p->layout == REGISTRY_LAYOUT_2 ? load_plan_hash2(r.idtype,
	    r.idnum) : registry_hash(r.idtype, r.idnum);
	e->line = (uint32_t)row->line;
	e->start = (uint32_t)row->start;
	e->end = (uint32_t)row->end;
	e->flen = (uint8_t)(idlen + 1);
	e->vlen = (uint8_t)n;
	p->chunk[p->nchunk - 1].len += load_plan_ent_size(e);
	p->n++;
	return 0;
}

/* Within a bucket: field, then line — duplicates end up side by side,
 * first occurrence first. */
static inline int
load_plan_order(const struct load_plan_ent *x, const struct load_plan_ent *y)
{
	int c = memcmp(load_plan_ent_field(x), load_plan_ent_field(y),
	    x->flen < y->flen ? x->flen : y->flen);

	if (c == 0 && x->flen != y->flen)
		c = x->flen < y->flen ? -1 : 1;
	if (c == 0 && x->line != y->line)
		c = x->line < y->line ? -1 : 1;
	return c;
}

static int
load_plan_cmp(const void *a, const void *b)
{
	return load_plan_order(*(const struct load_plan_ent *const *)a,
	    *(const struct load_plan_ent *const *)b);
}

#define LOAD_PLAN_ISORT_MAX 256	/* buckets this small: insertion sort */

/* Sort one bucket's n entries. Rows often come in order, so an entry is
 * first compared with the last one kept; else it is inserted where a
 * binary search puts it. */
static void
load_plan_sort(const struct load_plan_ent **a, size_t n)
{
	const struct load_plan_ent *x;
	size_t i, lo, hi, mid;

	if (n > LOAD_PLAN_ISORT_MAX) {
		qsort(a, n, sizeof(*a), load_plan_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		x = a[i];
		if (load_plan_order(a[i - 1], x) <= 0)
			continue;
		for (lo = 0, hi = i - 1; lo < hi;) {	/* a[hi] > x */
			mid = lo + (hi - lo) / 2;
			if (load_plan_order(a[mid], x) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(a + lo + 1, a + lo, (i - lo) * sizeof(*a));
		a[lo] = x;
	}
}

/* A walk over the entries of the chunks, in the order they were added
 * (file order). */
struct load_plan_walk {
	const struct load_plan *p;
	size_t                  ch, off;
};

static inline const struct load_plan_ent *
load_plan_walk_next(struct load_plan_walk *w)
{
	const struct load_plan_ent *e;

	while (w->ch < w->p->nchunk && w->off >= w->p->chunk[w->ch].len) {
		w->ch++;
		w->off = 0;
	}
	if (w->ch == w->p->nchunk)
		return NULL;
	e = (const void *)(w->p->chunk[w->ch].buf + w->off);
	w->off += load_plan_ent_size(e);
	return e;
}

/*
 * Bucket count: start from the target fill, grow until no bucket would
 * leave listpack encoding, or up to four times the start: rows with one
 * hash (layout 2: the same type and digits) cannot be split, so more
 * buckets would only cost memory. Then p->ent by bucket (a counting
 * sort), and *endp the end of each bucket in it (nbuckets of them, the
 * caller frees). 0, or -1 when out of memory.
 */
static int
load_plan_buckets(struct load_plan *p, size_t **endp)
{
	uint32_t nb = registry_nbuckets(p->n), *cnt, mx, b;
	uint64_t cap = (uint64_t)nb * 4;
	const struct load_plan_ent *e;
	struct load_plan_walk w;
	size_t *start, sum;

	*endp = NULL;
	for (;;) {
		if ((cnt = calloc(nb, sizeof(*cnt))) == NULL)
			return -1;
		w.p = p;
		w.ch = w.off = 0;
		for (mx = 0; (e = load_plan_walk_next(&w)) != NULL;) {
			b = e->hash % nb;
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
	start = malloc(((size_t)nb + 1) * sizeof(*start));
	p->ent = malloc((p->n ? p->n : 1) * sizeof(*p->ent));
	if (start == NULL || p->ent == NULL) {
		free(cnt);
		free(start);
		return -1;
	}
	load_plan_hugepages(p->ent, p->n * sizeof(*p->ent));
	for (sum = 0, b = 0; b < nb; b++) {
		start[b] = sum;
		sum += cnt[b];
	}
	start[nb] = sum;
	free(cnt);
	w.ch = w.off = 0;
	while ((e = load_plan_walk_next(&w)) != NULL)
		p->ent[start[e->hash % nb]++] = e;
	/* start[b] is now the end of bucket b, the start of b + 1. */
	*endp = start;
	return 0;
}

/* A duplicate found: e repeats the row on line prev (kept). */
struct load_plan_dup {
	const struct load_plan_ent *e;
	uint32_t                    prev;
};

/*
 * Buckets [b0, b1) of p->ent, from index from: each sorted (field, then
 * line), then rid of its duplicates, the later rows, each handed to
 * dup() (0 goes on, -1 stops); end[b] is then bucket b's end without
 * them, and *wp the range's end. The next bucket's entries are fetched
 * while one is sorted: they are anywhere in the chunks.
 */
static int
load_plan_dups_range(struct load_plan *p, size_t *end, uint32_t b0,
    uint32_t b1, size_t from, size_t *wp,
    int (*dup)(void *, const struct load_plan_dup *), void *arg)
{
	struct load_plan_dup d;
	const struct load_plan_ent *e, *prev;
	size_t i, w = from, to, k;
	uint32_t b;

	for (b = b0; b < b1; b++, from = to) {
		to = end[b];
		if (b + 1 < b1)
			for (k = to; k < end[b + 1]; k++)
				__builtin_prefetch(p->ent[k]);
		load_plan_sort(p->ent + from, to - from);
		for (i = from; i < to; i++) {
			e = p->ent[i];
			prev = i > from ? p->ent[w - 1] : NULL;
			if (prev != NULL && prev->flen == e->flen &&
			    prev->hash == e->hash &&
			    memcmp(load_plan_ent_field(prev),
			    load_plan_ent_field(e), e->flen) == 0) {
				d.e = e;
				d.prev = prev->line;
				if (dup(arg, &d) != 0)
					return -1;
				continue;
			}
			p->ent[w++] = e;
		}
		end[b] = w;
	}
	*wp = w;
	return 0;
}

/* A duplicate to the sink, or the error: the plan's own reporting. */
struct load_plan_dup_report {
	struct load_plan_src        *src;
	const struct load_plan_sink *rej;
	char                        *err;
	size_t                       errsz;
};

static int
load_plan_dup_report(void *arg, const struct load_plan_dup *d)
{
	struct load_plan_dup_report *r = arg;
	char why[64];

	snprintf(why, sizeof(why), "duplicate of line %u (same id_type and "
	    "id_number)", d->prev);
	return load_plan_reject(r->src, r->rej, (int)d->e->line, d->e->start,
	    d->e->end, why, r->err, r->errsz);
}

/* The second half of the buckets, on a thread of its own: duplicates
 * kept in order, reported once the first half's are. */
struct load_plan_dupjob {
	struct load_plan     *p;
	size_t               *end;
	uint32_t              b0, b1;
	size_t                from, w;
	struct load_plan_dup *dup;
	size_t                ndup, dupcap;
	int                   rc;	/* -1: out of memory */
};

static int
load_plan_dup_keep(void *arg, const struct load_plan_dup *d)
{
	struct load_plan_dupjob *j = arg;
	void *q;

	if (j->ndup == j->dupcap) {
		if ((q = load_plan_grow(j->dup, &j->dupcap, 64,
		    sizeof(*j->dup))) == NULL)
			return -1;
		j->dup = q;
	}
	j->dup[j->ndup++] = *d;
	return 0;
}

static void *
load_plan_dupjob_run(void *arg)
{
	struct load_plan_dupjob *j = arg;

	j->rc = load_plan_dups_range(j->p, j->end, j->b0, j->b1, j->from,
	    &j->w, load_plan_dup_keep, j);
	return NULL;
}

/*
 * Each bucket sorted and rid of its duplicates (load_plan_dups_range),
 * the duplicates reported in bucket order; the buckets of a registry
 * read in two halves (p->split_min) in two halves at once too, the second half's entries then moved down over
 * the first half's duplicates. end[] is then the buckets' ends.
 */
static int
load_plan_dups(struct load_plan *p, size_t *end,
    struct load_plan_src *src, const struct load_plan_sink *rej, char *err,
    size_t errsz)
{
	struct load_plan_dup_report r = { src, rej, err, errsz };
	struct load_plan_dupjob j;
	pthread_t t;
	uint32_t b, nb = p->nbuckets;
	size_t i, w, shift;
	int threaded, rc;

	if (p->split_min == 0 || src->len < p->split_min || nb < 2) {
		if (load_plan_dups_range(p, end, 0, nb, 0, &w,
		    load_plan_dup_report, &r) != 0)
			return -1;
		p->n = w;
		return 0;
	}
	memset(&j, 0, sizeof(j));
	j.p = p;
	j.end = end;
	j.b0 = nb / 2;
	j.b1 = nb;
	j.from = end[j.b0 - 1];	/* read before the first half moves it */
	threaded = pthread_create(&t, NULL, load_plan_dupjob_run, &j) == 0;
	rc = load_plan_dups_range(p, end, 0, j.b0, 0, &w,
	    load_plan_dup_report, &r);
	if (threaded)
		pthread_join(t, NULL);
	else if (rc == 0)
		load_plan_dupjob_run(&j);
	if (rc == 0 && j.rc != 0) {
		snprintf(err, errsz, LOAD_PLAN_OOM);
		rc = -1;
	}
	for (i = 0; rc == 0 && i < j.ndup; i++)
		rc = load_plan_dup_report(&r, &j.dup[i]);
	free(j.dup);
	if (rc != 0)
		return -1;
	if ((shift = j.from - w) > 0) {
		memmove(p->ent + w, p->ent + j.from,
		    (j.w - j.from) * sizeof(*p->ent));
		for (b = j.b0; b < nb; b++)
			end[b] -= shift;
	}
	p->n = j.w - shift;
	return 0;
}

/*
 * A big registry file is read in two halves at once, the second by a
 * thread of its own, when that cannot change a thing: no quote anywhere
 * after the header (so every LF ends a row and the halves meet at a row's
 * end), the line numbers of the second half counted ahead. Its entries
 * are appended after the first half's, its bad rows handed to the sink
 * (or reported) after the first half's: the plan, the rejects and the
 * messages are those of one pass. The first half is looked at for quotes
 * before the thread starts; the thread looks at its own half, and counts
 * the first half's lines, while the first half is read: when it finds a
 * quote it reads nothing, and the first half's reader, at a row's end,
 * goes on alone.
 */
struct load_plan_bad {
	int    line;
	size_t start, end;
	size_t why;			/* offset in the half's reason pool */
};

struct load_plan_half {
	struct load_plan     *q;	/* a shallow copy of the plan, own entries */
	struct load_csv       csv;	/* at the half's first row */
	size_t                from;	/* the first half's first row */
	int                   from_line;	/* its line */
	int                   quoted;	/* a quote in the half: not read */
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

/* The LFs in n bytes at s, 8 at a time. */
static size_t
load_plan_count_lf(const char *s, size_t n)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL, lf = 0x0a0a0a0a0a0a0a0aULL;
	uint64_t w, t;
	size_t c = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		w ^= lf;		/* a byte of w is 0 where s has an LF */
		t = ~(((w & lo7) + lo7) | w | lo7);	/* its high bit */
		c += (size_t)(((t >> 7) * 0x0101010101010101ULL) >> 56);
	}
	for (; i < n; i++)
		c += s[i] == '\n';
	return c;
}

static void *
load_plan_half_run(void *arg)
{
	struct load_plan_half *h = arg;
	const char *d = h->csv.data;

	if (memchr(d + h->csv.pos, '"', h->csv.len - h->csv.pos) != NULL) {
		h->quoted = 1;
		return NULL;
	}
	h->csv.line = h->from_line + (int)load_plan_count_lf(d + h->from,
	    h->csv.pos - h->from);
	h->rc = load_plan_rows(h->q, &h->csv, NULL, NULL, h, NULL, 0);
	return NULL;
}

static void
load_plan_half_free(struct load_plan_half *h)
{
	if (h == NULL)
		return;
	if (h->q != NULL) {
		load_plan_chunks_free(h->q);
		free(h->q);
	}
	free(h->bad);
	free(h->pool);
	free(h);
}

/* Where the second half starts (after an LF near the middle, no quote
 * before it); 0 when the file is read in one pass. */
static size_t
load_plan_split(const struct load_plan_src *src, const struct load_csv *csv,
    size_t split_min)
{
	const char *d = src->data, *mid;
	size_t from = csv->pos, rest;

	if (split_min == 0 || src->len < from || src->len - from < split_min)
		return 0;
	rest = src->len - from;
	mid = memchr(d + from + rest / 2, '\n', rest - rest / 2);
	if (mid == NULL || mid + 1 >= d + src->len ||
	    memchr(d + from, '"', (size_t)(mid + 1 - (d + from))) != NULL)
		return 0;
	return (size_t)(mid + 1 - d);
}

/* The second half's reader, on a plan of its own, or NULL (one pass). */
static struct load_plan_half *
load_plan_half_new(const struct load_plan *p, const struct load_plan_src *src,
    const struct load_csv *first, size_t at)
{
	struct load_plan_half *h;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->q = malloc(sizeof(*h->q))) == NULL) {
		free(h);
		return NULL;
	}
	memcpy(h->q, p, sizeof(*p));	/* the known reasons, the layout */
	h->q->chunk = NULL;
	h->q->ent = NULL;
	h->q->nchunk = h->q->chunkcap = h->q->n = 0;
	load_plan_reserve(h->q, src->len - at);
	load_csv_init(&h->csv, src->data, src->len);
	h->csv.pos = at;
	h->from = first->pos;
	h->from_line = first->line;
	return h;
}

/* The second half's entries after p's (its chunks handed over: nothing
 * copied); its bad rows to the sink. 0, or -1 with err set. */
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
	while (p->chunkcap < p->nchunk + q->nchunk) {
		if ((m = load_plan_grow(p->chunk, &p->chunkcap, 8,
		    sizeof(*p->chunk))) == NULL)
			goto oom;
		p->chunk = m;
	}
	for (i = 0; i < q->nchunk; i++)
		p->chunk[p->nchunk++] = q->chunk[i];
	q->nchunk = 0;
	p->n += q->n;
	q->n = 0;
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
	size_t at, *end;
	int threaded = 0, rc;

	if (src->len > UINT32_MAX) {
		snprintf(err, errsz, "%s: file too large (4 GiB at most)",
		    src->path);
		return -1;
	}
	if (load_plan_header(src, &load_csv_registry, &hdr, &csv, &row, err,
	    errsz) != 0)
		return -1;
	load_plan_reserve(p, src->len);
	if ((at = load_plan_split(src, &csv, p->split_min)) > 0 &&
	    (h = load_plan_half_new(p, src, &csv, at)) != NULL) {
		csv.len = at;	/* the first half ends where the second starts */
		threaded = pthread_create(&t, NULL, load_plan_half_run, h) == 0;
	}
	rc = load_plan_rows(p, &csv, src, rej, NULL, err, errsz);
	if (threaded)
		pthread_join(t, NULL);
	else if (h != NULL && rc == 0)
		load_plan_half_run(h);
	if (rc == 0 && h != NULL && h->quoted) {
		csv.len = src->len;	/* at the second half's first row */
		rc = load_plan_rows(p, &csv, src, rej, NULL, err, errsz);
	} else if (rc == 0 && h != NULL)
		rc = load_plan_half_merge(p, h, src, rej, err, errsz);
	load_plan_half_free(h);
	if (rc != 0)
		return -1;
	if (load_plan_buckets(p, &end) != 0)
		goto oom;
	rc = load_plan_dups(p, end, src, rej, err, errsz);
	p->bend = end;
	if (rc != 0)
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
