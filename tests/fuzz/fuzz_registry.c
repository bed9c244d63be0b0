/*
 * fuzz_registry: the loader's CSV reader, row validators and plan
 * (outside bytes: the registry, categories and reasons files, read as
 * each), and the packed record decoder (bytes read back from Redis).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load_csv.h"
#include "load_plan.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --skip-invalid's sink, minus the file: take every row, check its span. */
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
	if (mx > p->maxfill || p->maxfill > REGISTRY_BUCKET_LIMIT)
		abort();
}

static void
fuzz_plan(const char *text, size_t len)
{
	static const struct load_plan_sink sink = { fuzz_sink, NULL };
	struct load_plan_src src;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int skip;

	for (skip = 0; skip < 2; skip++) {
		if ((p = load_plan_new()) == NULL)
			return;
		load_plan_known_add(p, "AMO_CNOPS", 9);
		memset(&src, 0, sizeof(src));
		src.path = "fuzz.csv";
		src.data = text;
		src.len = len;
		if (load_plan_registry(p, &src, skip ? &sink : NULL, err,
		    sizeof(err)) == 0)
			fuzz_check_registry(p);
		load_plan_reasons(p, &src, skip ? &sink : NULL, err,
		    sizeof(err));
		load_plan_categories(p, &src, skip ? &sink : NULL, err,
		    sizeof(err));
		load_plan_free(p);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct load_csv_row row;
	struct load_csv csv;
	struct registry_rec rec, back;
	struct load_csv_cat cat;
	struct load_csv_reason rsn;
	unsigned char packed[256];
	char err[256];
	int n, rows = 0;

	load_csv_init(&csv, (const char *)data, size);
	while ((n = load_csv_next(&csv, &row, err, sizeof(err))) != 0) {
		if (++rows > 10000)
			break;
		if (n < 0)
			continue;
		load_csv_check_header(&row, load_csv_cols_registry, err, sizeof(err));
		if (load_csv_parse_person(&row, &rec, err, sizeof(err)) == 0) {
			/* A valid row must survive packing unchanged. */
			int len = registry_pack(&rec, packed, sizeof(packed));

			if (len < 0 || registry_unpack(packed, (size_t)len, &back) != 0)
				abort();
		}
		load_csv_parse_category(&row, &cat, err, sizeof(err));
		load_csv_parse_reason(&row, &rsn, err, sizeof(err));
	}
	if (rows <= 10000)
		fuzz_plan((const char *)data, size);
	registry_unpack(data, size, &rec);
	return 0;
}
