/*
 * load_plan: the pure half of tnsgw-load. One input file, already in
 * memory, read into validated rows, and what to write for it: the reasons
 * in file order, the categories in list order (rank, file order, OTHER
 * last), the proximity points by region, the registry as packed records
 * sorted by bucket with the bucket count chosen. Bad rows stop the plan with
 * "FILE:LINE: reason" or go to the caller's reject sink (--skip-invalid).
 * No Redis, no file or terminal I/O: everything comes in and goes out
 * through the arguments.
 */
#ifndef TNSGW_LOAD_PLAN_H
#define TNSGW_LOAD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "dialog.h"
#include "registry.h"

#define LOAD_PLAN_MAX_REASONS 256
#define LOAD_PLAN_ERR_MAX     (4096 + 512)	/* a path and a reason */
#define LOAD_PLAN_SPLIT_MIN   ((size_t)4 << 20)

/* One input file: the caller's bytes (kept alive while the plan is in
 * use: the reject sink gets spans into them) and its accounting. */
struct load_plan_src {
	const char *path;		/* in messages: PATH:LINE: reason */
	const char *data;
	size_t      len;
	size_t      hdr_start, hdr_end;	/* the header row's raw span, once read */
	long        nrows;		/* rows planned */
	long        nrej;		/* rows the sink took */
};

/*
 * Where a bad row goes under --skip-invalid. fn is called once per bad
 * row, in the order the plan finds them (file order, then the registry's
 * duplicates in bucket order), with the row's first physical line, its raw
 * span in src->data (end of line included; the header's span is in src)
 * and the reason, which has no path or line in it. fn returns 0 when it
 * took the row (the plan counts it in src->nrej and goes on), or -1 with a
 * whole message in err (the plan stops and returns -1 with it).
 */
struct load_plan_sink {
	int   (*fn)(void *arg, const struct load_plan_src *src, int line,
	    size_t start, size_t end, const char *why, char *err, size_t errsz);
	void   *arg;
};

struct load_plan_reason {
	char  code[REGISTRY_CODE_MAX + 1];
	char *fr, *ar;			/* owned by the plan */
	char *tzm;			/* owned; NULL: not given (read as fr) */
};

struct load_plan_cat {
	char  code[REGISTRY_CODE_MAX + 1];
	char *label_fr, *label_ar, *docs_fr, *docs_ar;	/* owned by the plan */
	char *label_tzm, *docs_tzm;	/* owned; NULL: not given (read as fr) */
	int   has_rank;
	long  rank;
};

/* A region of proximity points, numbered by its place in regions[] + 1. */
struct load_plan_region {
	char *fr, *ar, *tzm;		/* owned; ar, tzm NULL: not given */
	int   line;			/* the row that named it first */
	int   npoints;
	char *point[REGISTRY_PTS_POINTS];	/* owned: "name|address|hours|phone" */
};

/* A registry row between validation and writing: the header, then flen
 * bytes of hash field (registry_field, not NUL-terminated), then vlen
 * bytes of packed record (registry_pack). */
struct load_plan_ent {
	uint32_t hash;			/* registry_hash_layout(p->layout) */
	uint32_t line;
	uint32_t start, end;		/* raw row in the file, for rejects */
	uint8_t  flen, vlen;
};

/* A run of registry entries back to back: written once, never moved. */
struct load_plan_chunk {
	char  *buf;
	size_t len, cap;
};

/*
 * The datasets planned so far. The writer reads the fields; the
 * load_plan_* functions alone change them.
 */
struct load_plan {
	int                     has_reasons, has_categories, has_registry;
	int                     has_points;
	/* The registry layout to plan (REGISTRY_LAYOUT_1 or _2): which hash
	 * buckets the rows. load_plan_new sets REGISTRY_LAYOUT. */
	int                     layout;
	/* A registry with this many bytes of rows or more is read in two
	 * halves at once when no quote makes that unsafe, and its buckets
	 * sorted in two halves at once (the same plan, rejects and
	 * messages); 0: always one pass. load_plan_new sets
	 * LOAD_PLAN_SPLIT_MIN. */
	size_t                  split_min;

	struct load_plan_reason reasons[LOAD_PLAN_MAX_REASONS];
	int                     nreasons;
	/* Reason codes an INELIGIBLE row may name: the planned reasons, or
	 * (no reasons file) the ones Redis serves, via load_plan_known_add. */
	char                    known[LOAD_PLAN_MAX_REASONS][REGISTRY_CODE_MAX + 1];
	int                     nknown;

	struct load_plan_cat    cats[DIALOG_MAX_CATEGORIES];
	int                     ncats;

	struct load_plan_region regions[REGISTRY_PTS_REGIONS];
	int                     nregions;

	/* Registry entries in chunks (a new chunk when the last one is
	 * full: nothing is copied as the plan grows); once planned,
	 * ent[0..n) in write order: bucket, then field, then line. */
	struct load_plan_chunk *chunk;
	size_t                  nchunk, chunkcap;
	const struct load_plan_ent **ent;	/* NULL until planned */
	size_t                  n;
	/* Once planned, bucket b is ent[b ? bend[b - 1] : 0 .. bend[b]). */
	size_t                 *bend;
	uint32_t                nbuckets;	/* 0 until the registry is planned */
	uint32_t                maxfill;	/* rows of the fullest bucket */
};

/* An empty plan, or NULL when out of memory. */
struct load_plan *load_plan_new(void);
/* Frees p and everything it owns; NULL is a no-op. */
void load_plan_free(struct load_plan *p);

/* Ask for huge pages under the len bytes at ptr (a hint: first touches
 * of a big buffer are most of a load's system time). */
void load_plan_hugepages(void *ptr, size_t len);

/* One more known reason code (len bytes at code). 0, or -1 (not kept)
 * when the set is full or the code longer than REGISTRY_CODE_MAX. */
int load_plan_known_add(struct load_plan *p, const char *code, size_t len);

/*
 * Plan one file: header (the dataset's columns, load_csv.h), then every
 * row (a registry file of 4 GiB or more is refused). Rejected: malformed
 * CSV, invalid fields, a repeated code (reasons, categories), point name
 * (within a region) or id (registry: "duplicate of line N", the first
 * one kept), more than LOAD_PLAN_MAX_REASONS reasons,
 * DIALOG_MAX_CATEGORIES categories, REGISTRY_PTS_REGIONS regions or
 * REGISTRY_PTS_POINTS points in a region, a region_ar/region_tzm
 * other than the one the region was first given, an INELIGIBLE row whose
 * reason is not known, a record that does not pack. With rej NULL the
 * first bad row stops the plan.
 * load_plan_reasons adds its codes to the known set; plan the reasons
 * before the registry. Categories are put in list order: ranked ones by
 * rank, then the others, file order within each; OTHER last whatever its
 * rank. Regions are numbered in the order they first appear, points in
 * file order. The registry gets registry_nbuckets(rows, duplicates
 * included), grown by a quarter until no bucket holds more than
 * REGISTRY_BUCKET_LIMIT rows, or up to 4 times the first count: past that
 * a bucket may hold more (layout 2: over 120 numbers with one type and
 * the same digits), which p->maxfill tells.
 * 0 with src->nrows/nrej set; -1 with the message in err: "PATH:LINE:
 * reason", "PATH: no valid rows" (", nothing loaded" for the registry),
 * the sink's message, or "tnsgw-load: out of memory".
 */
int load_plan_reasons(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz);
int load_plan_categories(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz);
int load_plan_points(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz);
int load_plan_registry(struct load_plan *p, struct load_plan_src *src,
    const struct load_plan_sink *rej, char *err, size_t errsz);

/* Entry i (< p->n) of the planned registry, its field and value bytes,
 * and its bucket. */
const struct load_plan_ent *load_plan_ent(const struct load_plan *p,
    size_t i);
const char *load_plan_ent_field(const struct load_plan_ent *e);
const unsigned char *load_plan_ent_value(const struct load_plan_ent *e);
uint32_t load_plan_ent_bucket(const struct load_plan *p,
    const struct load_plan_ent *e);

/* registry_field (idnum of n bytes) and registry_hash2, the same bytes
 * and values, without printf: what the plan computes per row. */
int load_plan_field(enum parse_idtype t, const char *idnum, size_t n,
    char *out, size_t outsz);
uint32_t load_plan_hash2(enum parse_idtype t, const char *idnum);

/* The registry pointer for generation gen in p's layout
 * (registry_fmt_regptr: "<gen>:<nbuckets>:2" for layout 2). 0, or -1
 * when out is too small. */
int load_plan_regptr(const struct load_plan *p, long gen, char *out,
    size_t outsz);

/*
 * The guards a load passes before anything is written. 0 when it may
 * switch, -1 with the reason in err.
 * Rejects: a file (path) of nrows planned and nrej rejected rows is
 * refused over max rejected rows, or (pct) over max % of nrows + nrej.
 * Shrink: a registry of nrows replacing live records (-1: none live,
 * never refused) is refused when it is smaller by more than max_shrink %
 * (100 or more: never refused).
 */
int load_plan_reject_guard(const char *path, long nrows, long nrej,
    long max, int pct, char *err, size_t errsz);
int load_plan_shrink_guard(long live, long nrows, double max_shrink,
    char *err, size_t errsz);

#endif
