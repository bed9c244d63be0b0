/*
 * fuzz_registry: the loader's CSV reader, header map, row validators and
 * plan (outside bytes: the registry, categories, reasons and points files,
 * read as each, the registry in both layouts and in two halves against
 * one pass), the packed record decoder
 * and the registry pointer parser (bytes read back from Redis).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load_csv.h"
#include "load_plan.h"
#include "registry.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A reject file's line for the row: UTF-8 text that the reader reads back
 * as the header's 9 columns and the reason, and nothing more. */
static void
fuzz_reject_line(const char *raw, size_t len, const char *why)
{
	static struct load_csv_row row;
	static char out[LOAD_CSV_ROWMAX];
	struct load_csv c;
	char err[128];
	size_t n;

	n = load_csv_reject_line(raw, len, 9, why, out, sizeof(out));
	if (n >= sizeof(out) / 2)
		return;		/* the reader's row cap, not the line's */
	if (strlen(out) != n || !utf8_valid(out, n))
		abort();
	load_csv_init(&c, out, n);
	if (load_csv_next(&c, &row, err, sizeof(err)) != 1 ||
	    row.nfields != 10 || strcmp(row.field[9], why) != 0 ||
	    load_csv_next(&c, &row, err, sizeof(err)) != 0)
		abort();
}

/* --skip-invalid's sink, minus the file: take every row, check its span
 * and its reject line. */
static int
fuzz_sink(void *arg, const struct load_plan_src *src, int line, size_t start,
    size_t end, const char *why, char *err, size_t errsz)
{
	(void)arg;
	(void)err;
	(void)errsz;
	if (line < 1 || start > end || end > src->len || why[0] == '\0' ||
	    src->hdr_start > src->hdr_end || src->hdr_end > src->len)
		abort();
	fuzz_reject_line(src->data + start, end - start, why);
	return 0;
}

/* The plan's promises on a planned registry. */
static void
fuzz_check_registry(const struct load_plan *p)
{
	struct registry_rec rec;
	uint32_t b, prev = 0, fill = 0, mx = 0;
	size_t i;

	if (p->n == 0 || p->nbuckets == 0)
		abort();
	for (i = 0; i < p->n; i++) {
		const struct load_plan_ent *e = load_plan_ent(p, i);

		b = load_plan_ent_bucket(p, e);
		if (b < prev)
			abort();
		fill = i > 0 && b == prev ? fill + 1 : 1;
		if (fill > mx)
			mx = fill;
		prev = b;
		if (registry_unpack(load_plan_ent_value(e), e->vlen, &rec) != 0)
			abort();
	}
	/* Over the limit only when growth stopped at its cap (rows with one
	 * hash: layout 2's same digits). */
	if (mx > p->maxfill || (p->maxfill > REGISTRY_BUCKET_LIMIT &&
	    p->nbuckets < 4 * registry_nbuckets(p->n)))
		abort();
}

/* The plan's promises on planned categories and points (a plan that
 * failed promises nothing). */
static void
fuzz_check_lists(const struct load_plan *p)
{
	int i, k;

	for (i = 0; p->has_categories && i + 1 < p->ncats; i++)
		if (strcmp(p->cats[i].code, REGISTRY_CAT_OTHER) == 0)
			abort();
	if (p->nregions > REGISTRY_PTS_REGIONS)
		abort();
	for (i = 0; p->has_points && i < p->nregions; i++) {
		if (p->regions[i].npoints < 1 ||
		    p->regions[i].npoints > REGISTRY_PTS_POINTS)
			abort();
		for (k = 0; k < p->regions[i].npoints; k++) {
			const char *v = p->regions[i].point[k], *q;
			int bars = 0;

			for (q = v; *q; q++)
				bars += *q == '|';
			if (bars != 3 || strlen(v) > REGISTRY_POINT_MAX)
				abort();
		}
	}
}

/* A sink that folds what it is given (line, span, reason) into a hash. */
static int
fuzz_hash_sink(void *arg, const struct load_plan_src *src, int line,
    size_t start, size_t end, const char *why, char *err, size_t errsz)
{
	uint64_t *h = arg;
	const char *w;

	(void)src;
	(void)err;
	(void)errsz;
	*h = (*h ^ (uint64_t)line) * 1099511628211ULL;
	*h = (*h ^ start) * 1099511628211ULL;
	*h = (*h ^ end) * 1099511628211ULL;
	for (w = why; *w != '\0'; w++)
		*h = (*h ^ (unsigned char)*w) * 1099511628211ULL;
	return 0;
}

/* The registry read in two halves at once (split_min 1) must plan
 * exactly what one pass plans: result, message, counts, sink calls and
 * entries. */
static void
fuzz_halves(const char *text, size_t len)
{
	struct load_plan *p[2];
	struct load_plan_src src[2];
	struct load_plan_sink sink[2];
	char err[2][LOAD_PLAN_ERR_MAX];
	uint64_t h[2];
	int rc[2], k, s;
	size_t i;

	for (s = 0; s < 2; s++) {
		for (k = 0; k < 2; k++) {
			if ((p[k] = load_plan_new()) == NULL)
				abort();
			p[k]->split_min = (size_t)k;
			load_plan_known_add(p[k], "AMO_CNOPS", 9);
			memset(&src[k], 0, sizeof(src[k]));
			src[k].path = "fuzz.csv";
			src[k].data = text;
			src[k].len = len;
			h[k] = 14695981039346656037ULL;
			sink[k].fn = fuzz_hash_sink;
			sink[k].arg = &h[k];
			err[k][0] = '\0';
			rc[k] = load_plan_registry(p[k], &src[k], s ? &sink[k] :
			    NULL, err[k], sizeof(err[k]));
		}
		if (rc[0] != rc[1] || strcmp(err[0], err[1]) != 0 ||
		    h[0] != h[1] || src[0].nrows != src[1].nrows ||
		    src[0].nrej != src[1].nrej ||
		    (rc[0] == 0 && p[0]->n != p[1]->n))
			abort();	/* a failed plan's entries mean nothing */
		for (i = 0; rc[0] == 0 && i < p[0]->n; i++) {
			const struct load_plan_ent *a = load_plan_ent(p[0], i);
			const struct load_plan_ent *b = load_plan_ent(p[1], i);

			if (a->line != b->line || a->start != b->start ||
			    a->flen != b->flen || a->vlen != b->vlen ||
			    memcmp(load_plan_ent_field(a),
			    load_plan_ent_field(b), (size_t)a->flen + a->vlen))
				abort();
		}
		load_plan_free(p[0]);
		load_plan_free(p[1]);
	}
}

static void
fuzz_plan(const char *text, size_t len)
{
	static const struct load_plan_sink sink = { fuzz_sink, NULL };
	struct load_plan_src src;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int skip;

	for (skip = 0; skip < 4; skip++) {
		if ((p = load_plan_new()) == NULL)
			return;
		p->layout = skip < 2 ? REGISTRY_LAYOUT_2 : REGISTRY_LAYOUT_1;
		load_plan_known_add(p, "AMO_CNOPS", 9);
		memset(&src, 0, sizeof(src));
		src.path = "fuzz.csv";
		src.data = text;
		src.len = len;
		if (load_plan_registry(p, &src, skip % 2 ? &sink : NULL, err,
		    sizeof(err)) == 0)
			fuzz_check_registry(p);
		if (skip < 2) {
			load_plan_reasons(p, &src, skip ? &sink : NULL, err,
			    sizeof(err));
			load_plan_categories(p, &src, skip ? &sink : NULL, err,
			    sizeof(err));
			load_plan_points(p, &src, skip ? &sink : NULL, err,
			    sizeof(err));
			fuzz_check_lists(p);
		}
		load_plan_free(p);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct load_csv_row row;
	struct load_csv csv;
	struct load_csv_hdr hc, hr, hp, h;
	struct registry_rec rec, back;
	struct load_csv_cat cat;
	struct load_csv_reason rsn;
	struct load_csv_point pt;
	unsigned char packed[256];
	char err[256], ptr[64];
	long gen;
	uint32_t nb;
	int n, rows = 0, layout, have[3] = { 0, 0, 0 };

	load_csv_init(&csv, (const char *)data, size);
	while ((n = load_csv_next(&csv, &row, err, sizeof(err))) != 0) {
		if (++rows > 10000)
			break;
		if (n < 0)
			continue;
		load_csv_header(&row, &load_csv_registry, &h, err, sizeof(err));
		/* The first row read as each optional-column header. */
		if (rows == 1) {
			have[0] = load_csv_header(&row, &load_csv_categories,
			    &hc, err, sizeof(err)) == 0;
			have[1] = load_csv_header(&row, &load_csv_reasons, &hr,
			    err, sizeof(err)) == 0;
			have[2] = load_csv_header(&row, &load_csv_points, &hp,
			    err, sizeof(err)) == 0;
		}
		if (load_csv_parse_person(&row, &rec, err, sizeof(err)) == 0) {
			/* A valid row must survive packing unchanged. */
			int len = registry_pack(&rec, packed, sizeof(packed));

			if (len < 0 || registry_unpack(packed, (size_t)len, &back) != 0)
				abort();
		}
		if (have[0] && load_csv_parse_category(&row, &hc, &cat, err,
		    sizeof(err)) == 0 && cat.has_rank &&
		    (cat.rank < 0 || cat.rank > LOAD_CSV_RANK_MAX))
			abort();
		if (have[1])
			load_csv_parse_reason(&row, &hr, &rsn, err, sizeof(err));
		if (have[2] && load_csv_parse_point(&row, &hp, &pt, err,
		    sizeof(err)) == 0 && (strchr(pt.name, '|') ||
		    strchr(pt.address, '|') || strchr(pt.hours, '|')))
			abort();
	}
	if (rows <= 10000) {
		fuzz_plan((const char *)data, size);
		fuzz_halves((const char *)data, size);
	}
	registry_unpack(data, size, &rec);
	/* The pointer read back: what parses formats and parses back to
	 * the same values. */
	if (size < sizeof(ptr)) {
		char again[64];
		long g2;
		uint32_t nb2;
		int l2;

		memcpy(ptr, data, size);
		ptr[size] = '\0';
		if (registry_parse_regptr(ptr, &gen, &nb, &layout) == 0 &&
		    (registry_fmt_regptr(again, sizeof(again), gen, nb,
		    layout) != 0 ||
		    registry_parse_regptr(again, &g2, &nb2, &l2) != 0 ||
		    g2 != gen || nb2 != nb || l2 != layout))
			abort();
	}
	return 0;
}
