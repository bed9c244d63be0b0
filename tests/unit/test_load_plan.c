/*
 * test_load_plan: tnsgw-load's pure plan, with no Redis and no file —
 * header errors, bad rows stopping the plan with FILE:LINE, --skip-invalid
 * accounting through a recording sink, duplicates, the reasons set, the
 * categories' order (rank, OTHER last) and cap, the Tamazight columns, the
 * points by region and their caps, and the registry's buckets (both
 * layouts) and write order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "load_plan.h"

#define HDR "id_type,id_number,birth_date,id_expiry,status,matricule," \
	    "has_account,phone,reason\n"
#define RSN_HDR "code,text_fr,text_ar\n"
#define CAT_HDR "code,label_fr,label_ar,documents_fr,documents_ar\n"

/* What the sink was given, one line per call: "LINE|raw row|why". */
struct rec_sink {
	char   log[8192];
	size_t o;
	int    calls;
	int    fail_at;		/* call number (1-based) that fails; 0 none */
	char   hdr[256];	/* the header span the sink saw */
};

static int
rec_fn(void *arg, const struct load_plan_src *src, int line, size_t start,
    size_t end, const char *why, char *err, size_t errsz)
{
	struct rec_sink *s = arg;

	s->calls++;
	if (s->fail_at == s->calls) {
		snprintf(err, errsz, "rejects.csv: Permission denied");
		return -1;
	}
	snprintf(s->hdr, sizeof(s->hdr), "%.*s",
	    (int)(src->hdr_end - src->hdr_start), src->data + src->hdr_start);
	s->o += (size_t)snprintf(s->log + s->o, sizeof(s->log) - s->o,
	    "%d|%.*s|%s\n", line, (int)(end - start), src->data + start, why);
	return 0;
}

static void
src_init(struct load_plan_src *src, const char *path, const char *text)
{
	memset(src, 0, sizeof(*src));
	src->path = path;
	src->data = text;
	src->len = strlen(text);
}

typedef int (*planner)(struct load_plan *, struct load_plan_src *,
    const struct load_plan_sink *, char *, size_t);

/* Plan text with fn; the plan comes back (the caller frees it). */
static struct load_plan *
plan_text(planner fn, const char *path, const char *text,
    struct rec_sink *rs, struct load_plan_src *src, int *rc, char *err,
    size_t errsz)
{
	struct load_plan_sink sink = { rec_fn, rs };
	struct load_plan *p = load_plan_new();

	assert_non_null(p);
	src_init(src, path, text);
	err[0] = '\0';
	*rc = fn(p, src, rs != NULL ? &sink : NULL, err, errsz);
	return p;
}

static void
test_header_errors(void **state)
{
	static const struct {
		planner     fn;
		const char *text, *err;
	} v[] = {
		{ load_plan_registry, "", "f.csv:1: empty file, expected a header" },
		{ load_plan_registry, "\n\r\n", "f.csv:1: empty file, expected a header" },
		{ load_plan_registry,
		    "id_type,id_number,birth,id_expiry,status,matricule,"
		    "has_account,phone,reason\nCIN,AB1,1980-01-01,,REGISTERED,1,1,,\n",
		    "f.csv:1: header: column 3 is \"birth\", expected birth_date" },
		{ load_plan_registry, "id_type,id_number\n",
		    "f.csv:1: header: missing column birth_date" },
		{ load_plan_registry, "\n\n\"id_type,id_number\n",
		    "f.csv:3: unterminated quoted field" },
		{ load_plan_reasons, "code,text_fr,text_ar,x\n",
		    "f.csv:1: header: column 4 is \"x\", expected one of "
		    "text_tzm" },
		{ load_plan_points, "region,name,address,hours\n",
		    "f.csv:1: header: missing column phone" },
		{ load_plan_categories, RSN_HDR,
		    "f.csv:1: header: column 2 is \"text_fr\", expected label_fr" },
		{ load_plan_reasons, CAT_HDR,
		    "f.csv:1: header: column 2 is \"label_fr\", expected text_fr" },
	};
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		/* A header error stops the plan even under --skip-invalid. */
		memset(&rs, 0, sizeof(rs));
		p = plan_text(v[i].fn, "f.csv", v[i].text, &rs, &src, &rc, err,
		    sizeof(err));
		if (rc != -1 || strcmp(err, v[i].err) != 0)
			fail_msg("case %zu: rc %d err [%s] want [%s]", i, rc,
			    err, v[i].err);
		assert_int_equal(rs.calls, 0);
		assert_false(p->has_registry || p->has_reasons ||
		    p->has_categories);
		load_plan_free(p);
	}
	/* BOM, CRLF, blank lines and blanks around the names are fine. */
	p = plan_text(load_plan_reasons, "f.csv",
	    "\xEF\xBB\xBF\r\n Code , TEXT_FR ,text_ar\r\nA,a,b\r\n", NULL, &src,
	    &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(src.hdr_start, 5);
	load_plan_free(p);
}

static void
test_stop_at_first_bad_row(void **state)
{
	static const struct {
		const char *text, *err;
	} v[] = {
		{ HDR "CIN,AB1,1980-01-01,,REGISTERED,1,1,,\n"
		    "CIN,AB2,1980-02-30,,REGISTERED,2,1,,\n",
		    "bad.csv:3: birth_date: expected a real YYYY-MM-DD date" },
		{ HDR "CIN,AB1,1980-01-01,,ACTIVE,1,1,,\n",
		    "bad.csv:2: status: expected REGISTERED or INELIGIBLE" },
		{ HDR "CIN,AB1,1980-01-01,,REGISTERED,1,1,0612,\n",
		    "bad.csv:2: phone: expected 9 to 15 digits or nothing" },
		{ HDR "CIN,AB1,1980-01-01,,INELIGIBLE,,,,NOPE\n",
		    "bad.csv:2: reason: NOPE is not in the reasons set" },
		{ HDR "CIN,AB1,1980-01-01,,REGISTERED,1,1,,\n"
		    "CIN,\"AB2,1980-01-01,,REGISTERED,2,1,,\n",
		    "bad.csv:3: unterminated quoted field" },
		{ HDR "CIN,AB1,1980-01-01,,REGISTERED,1,1,,\n"
		    "PASSPORT,AB1,1980-01-01,,REGISTERED,2,1,,\n"
		    "CIN,ab-1,1981-01-01,,REGISTERED,3,0,,\n",
		    "bad.csv:4: duplicate of line 2 (same id_type and id_number)" },
		{ HDR, "bad.csv: no valid rows, nothing loaded" },
	};
	struct load_plan_src src;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p = plan_text(load_plan_registry, "bad.csv", v[i].text, NULL,
		    &src, &rc, err, sizeof(err));
		if (rc != -1 || strcmp(err, v[i].err) != 0)
			fail_msg("case %zu: rc %d err [%s] want [%s]", i, rc,
			    err, v[i].err);
		assert_int_equal(p->has_registry, 0);
		assert_int_equal(src.nrej, 0);
		load_plan_free(p);
	}
}

static void
test_skip_invalid(void **state)
{
	/* BOM, CRLF, a bad date, a duplicate, an INELIGIBLE row whose reason
	 * is in the known set (Redis's, in the real run). */
	static const char text[] = "\xEF\xBB\xBF"
	    "id_type,id_number,birth_date,id_expiry,status,matricule,"
	    "has_account,phone,reason\r\n"
	    "CIN,AB1,1980-01-01,,REGISTERED,1,1,,\r\n"
	    "CIN,AB2,1980-13-01,,REGISTERED,2,1,,\r\n"
	    "CIN,AB1,1980-01-01,,REGISTERED,3,1,,\r\n"
	    "CIN,AB3,1980-01-03,2030-01-01,INELIGIBLE,,,,AMO_CNOPS\r\n";
	struct load_plan_sink sink;
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	sink.fn = rec_fn;
	sink.arg = &rs;
	assert_non_null(p = load_plan_new());
	assert_int_equal(load_plan_known_add(p, "AMO_CNOPS", 9), 0);
	src_init(&src, "skip.csv", text);
	assert_int_equal(load_plan_registry(p, &src, &sink, err,
	    sizeof(err)), 0);
	assert_int_equal(src.nrows, 2);
	assert_int_equal(src.nrej, 2);
	assert_int_equal(p->n, 2);
	assert_true(p->has_registry);
	/* File order first, then the duplicates; raw rows with their EOL. */
	assert_string_equal(rs.log,
	    "3|CIN,AB2,1980-13-01,,REGISTERED,2,1,,\r\n|birth_date: expected "
	    "a real YYYY-MM-DD date\n"
	    "4|CIN,AB1,1980-01-01,,REGISTERED,3,1,,\r\n|duplicate of line 2 "
	    "(same id_type and id_number)\n");
	assert_string_equal(rs.hdr, "id_type,id_number,birth_date,id_expiry,"
	    "status,matricule,has_account,phone,reason\r\n");
	load_plan_free(p);

	/* Every row rejected: still "no valid rows", after the sink saw them. */
	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_registry, "none.csv",
	    HDR "CIN,AB1,1980-01-01,,ACTIVE,1,1,,\n", &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "none.csv: no valid rows, nothing loaded");
	assert_int_equal(rs.calls, 1);
	assert_int_equal(src.nrej, 1);
	load_plan_free(p);
}

static void
test_multiline_lines(void **state)
{
	/* A quoted field over two physical lines shifts the numbers. */
	static const char text[] = HDR
	    "CIN,\"AB\n1\",1980-01-01,,REGISTERED,1,1,,\n"
	    "CIN,AB2,1980-01-01,,REGISTERED,2,7,,\n"
	    "CIN,AB3,1980-01-01,,REGISTERED,3,1,,\n";
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_registry, "m.csv", text, &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(src.nrows, 1);
	assert_non_null(strstr(rs.log, "2|CIN,\"AB\n1\",1980-01-01,,REGISTERED,"
	    "1,1,,\n|id_number: invalid\n"));
	assert_non_null(strstr(rs.log, "4|CIN,AB2,1980-01-01,,REGISTERED,2,7,,"
	    "\n|has_account: expected 0 or 1\n"));
	assert_int_equal(load_plan_ent(p, 0)->line, 5);
	load_plan_free(p);
}

static void
test_sink_failure(void **state)
{
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	rs.fail_at = 2;
	p = plan_text(load_plan_registry, "f.csv", HDR
	    "CIN,AB1,1980-01-01,,ACTIVE,1,1,,\n"
	    "CIN,AB2,1980-01-01,,ACTIVE,1,1,,\n"
	    "CIN,AB3,1980-01-01,,ACTIVE,1,1,,\n", &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "rejects.csv: Permission denied");
	assert_int_equal(rs.calls, 2);
	assert_int_equal(src.nrej, 1);
	load_plan_free(p);
}

static void
test_reasons(void **state)
{
	static const char text[] = RSN_HDR
	    "OTHER,Autre,آخر\n"
	    "OTHER,Encore,آخر\n"
	    "bad,x,y\n"
	    "R2,\"a \"\"q\"\"\",b\n";
	struct load_plan_src src, rsrc;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;

	(void)state;
	p = plan_text(load_plan_reasons, "r.csv", text, NULL, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "r.csv:3: duplicate reason code");
	load_plan_free(p);

	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_reasons, "r.csv", text, &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, 0);
	assert_true(p->has_reasons);
	assert_int_equal(src.nrows, 2);
	assert_int_equal(src.nrej, 2);
	assert_int_equal(p->nreasons, 2);
	assert_string_equal(p->reasons[0].code, "OTHER");
	assert_string_equal(p->reasons[0].fr, "Autre");
	assert_string_equal(p->reasons[1].fr, "a \"q\"");
	assert_non_null(strstr(rs.log, "|code: expected 1 to 23 chars"));
	/* The registry is then checked against this set, not another. */
	assert_int_equal(p->nknown, 2);
	src_init(&rsrc, "reg.csv", HDR
	    "CIN,AB1,1980-01-01,,INELIGIBLE,,,,R2\n"
	    "CIN,AB2,1980-01-01,,INELIGIBLE,,,,AMO_CNOPS\n");
	assert_int_equal(load_plan_registry(p, &rsrc, NULL, err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "reg.csv:3: reason: AMO_CNOPS is not in the reasons set");
	load_plan_free(p);

	/* No valid row at all. */
	p = plan_text(load_plan_reasons, "r.csv", RSN_HDR, NULL, &src, &rc,
	    err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "r.csv: no valid rows");
	load_plan_free(p);
}

static void
test_reasons_cap(void **state)
{
	static char text[16384];
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	size_t o;
	int i, rc;

	(void)state;
	o = (size_t)snprintf(text, sizeof(text), RSN_HDR);
	for (i = 0; i < LOAD_PLAN_MAX_REASONS + 3; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "R%d,a,b\n", i);
	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_reasons, "r.csv", text, &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(src.nrows, LOAD_PLAN_MAX_REASONS);
	assert_int_equal(src.nrej, 3);
	assert_non_null(strstr(rs.log, "|too many reasons\n"));
	assert_int_equal(p->nknown, LOAD_PLAN_MAX_REASONS);
	/* The known set is full: Redis's codes are not added past it. */
	assert_int_equal(load_plan_known_add(p, "MORE", 4), -1);
	load_plan_free(p);

	assert_non_null(p = load_plan_new());
	assert_int_equal(load_plan_known_add(p, "ABCDEFGHIJKLMNOPQRSTUVWX", 24),
	    -1);
	assert_int_equal(load_plan_known_add(p, "AMO_CNOPS:fr", 9), 0);
	assert_string_equal(p->known[0], "AMO_CNOPS");
	load_plan_free(p);
}

static void
test_categories(void **state)
{
	static char text[16384];
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	size_t o;
	int i, rc;

	(void)state;
	p = plan_text(load_plan_categories, "c.csv", CAT_HDR
	    "B,lb,mb,db,eb\nA,la,ma,da|x,ea\nA,l,m,d,e\nC,l,,d,e\n", NULL, &src,
	    &rc, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "c.csv:4: duplicate category code");
	load_plan_free(p);

	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_categories, "c.csv", CAT_HDR
	    "B,lb,mb,db,eb\nA,la,ma,da|x,ea\nA,l,m,d,e\nC,l,,d,e\n", &rs, &src,
	    &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_true(p->has_categories);
	assert_int_equal(src.nrows, 2);
	assert_int_equal(src.nrej, 2);
	/* File order, not sorted. */
	assert_string_equal(p->cats[0].code, "B");
	assert_string_equal(p->cats[1].code, "A");
	assert_string_equal(p->cats[1].docs_fr, "da|x");
	assert_non_null(strstr(rs.log, "5|C,l,,d,e\n|label_ar: "));
	load_plan_free(p);

	o = (size_t)snprintf(text, sizeof(text), CAT_HDR);
	for (i = 0; i < DIALOG_MAX_CATEGORIES + 2; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "C%d,l,m,d,e\n", i);
	p = plan_text(load_plan_categories, "c.csv", text, NULL, &src, &rc,
	    err, sizeof(err));
	assert_int_equal(rc, -1);
	snprintf(text, sizeof(text), "c.csv:%d: too many categories (at most "
	    "%d)", DIALOG_MAX_CATEGORIES + 2, DIALOG_MAX_CATEGORIES);
	assert_string_equal(err, text);
	load_plan_free(p);
}

/* Registry text of n rows with the ids given by id(i). */
static char *
gen_registry(size_t n, void (*id)(size_t, char *, size_t))
{
	size_t cap = 64 + n * 64, o;
	char *t = malloc(cap), num[32];
	size_t i;

	assert_non_null(t);
	o = (size_t)snprintf(t, cap, HDR);
	for (i = 0; i < n; i++) {
		id(i, num, sizeof(num));
		o += (size_t)snprintf(t + o, cap - o, "CIN,%s,1980-01-01,"
		    "2030-01-01,REGISTERED,%zu,%zu,,\n", num, 100000 + i, i % 2);
	}
	return t;
}

static void
seq_id(size_t i, char *out, size_t outsz)
{
	snprintf(out, outsz, "AB%06zu", i);
}

/* Checks the plan's write order and bucket fill; returns the fullest. */
static uint32_t
check_buckets(const struct load_plan *p)
{
	uint32_t *cnt = calloc(p->nbuckets, sizeof(*cnt)), mx = 0, b, pb = 0;
	size_t i;

	assert_non_null(cnt);
	for (i = 0; i < p->n; i++) {
		const struct load_plan_ent *e = load_plan_ent(p, i);

		b = load_plan_ent_bucket(p, e);
		assert_int_equal(b, e->hash % p->nbuckets);
		assert_true(b >= pb);		/* sorted by bucket */
		assert_true(i < p->bend[b]);	/* within its bucket's span */
		assert_true(b == 0 || i >= p->bend[b - 1]);
		pb = b;
		if (++cnt[b] > mx)
			mx = cnt[b];
	}
	free(cnt);
	assert_true(mx <= REGISTRY_BUCKET_LIMIT);
	return mx;
}

static void
test_registry_buckets(void **state)
{
	struct load_plan_src src;
	struct load_plan *p;
	const struct load_plan_ent *e;
	struct registry_rec r;
	char err[LOAD_PLAN_ERR_MAX], k[64];
	char *text = gen_registry(20000, seq_id);
	int rc;

	(void)state;
	p = plan_text(load_plan_registry, "big.csv", text, NULL, &src, &rc,
	    err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(src.nrows, 20000);
	assert_int_equal(p->n, 20000);
	assert_true(p->nbuckets >= registry_nbuckets(20000));
	assert_int_equal(check_buckets(p), p->maxfill);
	/* An entry: registry_field + registry_pack, its bucket the daemon's. */
	e = load_plan_ent(p, 0);
	assert_int_equal(e->flen, 9);
	assert_memory_equal(load_plan_ent_field(e), "CAB", 3);
	assert_int_equal(registry_unpack(load_plan_ent_value(e), e->vlen, &r), 0);
	assert_int_equal(r.status, REGISTRY_ST_REGISTERED);
	/* Layout 2 by default: its pointer says so. */
	assert_int_equal(p->layout, REGISTRY_LAYOUT_2);
	assert_int_equal(load_plan_regptr(p, 7, k, sizeof(k)), 0);
	snprintf(err, sizeof(err), "7:%u:2", (unsigned)p->nbuckets);
	assert_string_equal(k, err);
	assert_int_equal(load_plan_regptr(p, 7, k, 3), -1);
	p->layout = REGISTRY_LAYOUT_1;
	assert_int_equal(load_plan_regptr(p, 7, k, sizeof(k)), 0);
	snprintf(err, sizeof(err), "7:%u", (unsigned)p->nbuckets);
	assert_string_equal(k, err);
	load_plan_free(p);
	free(text);
}

/* Ids whose hash lands in bucket 0 of 4: one bucket would overflow. */
static void
skewed_id(size_t i, char *out, size_t outsz)
{
	static uint32_t next;

	if (i == 0)
		next = 0;
	do
		snprintf(out, outsz, "AB%06u", (unsigned)next++);
	while (registry_hash2(PARSE_ID_CIN, out) % 4 != 0);
}

static void
test_registry_bucket_growth(void **state)
{
	struct load_plan_src src;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	char *text = gen_registry(200, skewed_id);
	int rc;

	(void)state;
	assert_int_equal(registry_nbuckets(200), 4);
	p = plan_text(load_plan_registry, "skew.csv", text, NULL, &src, &rc,
	    err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_true(p->nbuckets > 4);
	assert_int_equal(check_buckets(p), p->maxfill);
	load_plan_free(p);
	free(text);
}

static void
test_registry_order(void **state)
{
	/* Same bucket (one for 4 rows): sorted by field; a duplicate's
	 * first occurrence kept. */
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_registry, "o.csv", HDR
	    "PASSPORT,ZZ1,1980-01-01,,REGISTERED,1,1,,\n"
	    "CIN,AB2,1980-01-01,,REGISTERED,2,1,,\n"
	    "CIN,AB1,1980-01-01,,REGISTERED,3,1,,\n"
	    "CIN,ab-2,1980-01-01,,REGISTERED,4,1,,\n", &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(p->nbuckets, 1);
	assert_int_equal(p->maxfill, 4);	/* duplicates counted */
	assert_int_equal(p->n, 3);
	assert_memory_equal(load_plan_ent_field(load_plan_ent(p, 0)), "CAB1", 4);
	assert_memory_equal(load_plan_ent_field(load_plan_ent(p, 1)), "CAB2", 4);
	assert_int_equal(load_plan_ent(p, 1)->line, 3);
	assert_memory_equal(load_plan_ent_field(load_plan_ent(p, 2)), "PZZ1", 4);
	assert_string_equal(rs.log, "5|CIN,ab-2,1980-01-01,,REGISTERED,4,1,,\n|"
	    "duplicate of line 3 (same id_type and id_number)\n");
	load_plan_free(p);
	load_plan_free(NULL);
}

#define CAT8_HDR "code,label_fr,label_ar,documents_fr,documents_ar," \
	    "label_tzm,documents_tzm,rank\n"

static void
test_categories_order(void **state)
{
	/* Ranked first by rank (file order on ties), then unranked in file
	 * order; OTHER last whatever its rank; optional columns in any
	 * order after the required ones. */
	static const char text[] = "code,label_fr,label_ar,documents_fr,"
	    "documents_ar,rank,label_tzm,documents_tzm\n"
	    "U1,l,m,d,e,,,\n"
	    "R5,l,m,d,e,5,ⵜ,\n"
	    "OTHER,Autre,أخرى,d,e,0,ⵢⴰⴹⵏ,ⴷ|ⴷ\n"
	    "R1,l,m,d,e,1,,\n"
	    "U2,l,m,d,e,,,\n"
	    "R5B,l,m,d,e,5,,\n"
	    "R0,l,m,d,e,0,,\n";
	static const char *const want[] = {
		"R0", "R1", "R5", "R5B", "U1", "U2", "OTHER",
	};
	struct load_plan_src src;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;
	size_t i;

	(void)state;
	p = plan_text(load_plan_categories, "c.csv", text, NULL, &src, &rc,
	    err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(p->ncats, 7);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(p->cats[i].code, want[i]);
	assert_string_equal(p->cats[2].label_tzm, "ⵜ");
	assert_null(p->cats[2].docs_tzm);
	assert_null(p->cats[0].label_tzm);
	assert_string_equal(p->cats[6].docs_tzm, "ⴷ|ⴷ");
	assert_true(p->cats[6].has_rank);
	load_plan_free(p);

	/* Without a rank column: file order, OTHER still last. */
	p = plan_text(load_plan_categories, "c.csv", CAT_HDR
	    "B,l,m,d,e\nOTHER,l,m,d,e\nA,l,m,d,e\n", NULL, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, 0);
	assert_string_equal(p->cats[0].code, "B");
	assert_string_equal(p->cats[1].code, "A");
	assert_string_equal(p->cats[2].code, "OTHER");
	load_plan_free(p);

	/* A bad rank is the row's error. */
	p = plan_text(load_plan_categories, "c.csv", CAT8_HDR
	    "A,l,m,d,e,,,1\nB,l,m,d,e,,,x\n", NULL, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "c.csv:3: rank: expected an integer 0 to "
	    "999999 or nothing");
	load_plan_free(p);
}

static void
test_reasons_tzm(void **state)
{
	struct load_plan_src src;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;

	(void)state;
	p = plan_text(load_plan_reasons, "r.csv", "code,text_fr,text_ar,"
	    "text_tzm\nA,a,b,ⴰ\nB,a,b,\n", NULL, &src, &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_string_equal(p->reasons[0].tzm, "ⴰ");
	assert_null(p->reasons[1].tzm);
	load_plan_free(p);
}

#define PTS_HDR "region,name,address,hours,phone,region_ar,region_tzm\n"

static void
test_points(void **state)
{
	static const char text[] = PTS_HDR
	    "Souss-Massa,P1,a1,h1,0528000001,سوس ماسة,\n"
	    "Fès-Meknès,P2,a2,h2,0535000002,,\n"
	    "Souss-Massa,P3,a3,h3,0528000003,,ⵙⵓⵙ ⵎⴰⵙⵙⴰ\n"
	    "Souss-Massa,P1,a4,h4,0528000004,,\n"
	    "Souss-Massa,P5,a5,h5,0528000005,سوس-ماسة,\n"
	    "Fès-Meknès,P1,a6,h6,0535000006,فاس مكناس,\n"
	    "Fès-Meknès,P7,a|7,h7,0535000007,,\n";
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	int rc;

	(void)state;
	p = plan_text(load_plan_points, "p.csv", text, NULL, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "p.csv:5: duplicate point name in this region");
	load_plan_free(p);

	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_points, "p.csv", text, &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, 0);
	assert_true(p->has_points);
	assert_int_equal(src.nrows, 4);
	assert_int_equal(src.nrej, 3);
	assert_int_equal(p->nregions, 2);
	/* Regions in order of first appearance; names in every language
	 * given, from the first row that gave each. */
	assert_string_equal(p->regions[0].fr, "Souss-Massa");
	assert_string_equal(p->regions[0].ar, "سوس ماسة");
	assert_string_equal(p->regions[0].tzm, "ⵙⵓⵙ ⵎⴰⵙⵙⴰ");
	assert_int_equal(p->regions[0].npoints, 2);
	assert_string_equal(p->regions[0].point[0], "P1|a1|h1|0528000001");
	assert_string_equal(p->regions[0].point[1], "P3|a3|h3|0528000003");
	assert_string_equal(p->regions[1].fr, "Fès-Meknès");
	assert_string_equal(p->regions[1].ar, "فاس مكناس");
	assert_null(p->regions[1].tzm);
	assert_int_equal(p->regions[1].npoints, 2);
	assert_string_equal(p->regions[1].point[1], "P1|a6|h6|0535000006");
	assert_non_null(strstr(rs.log, "5|Souss-Massa,P1,a4,h4,0528000004,,\n|"
	    "duplicate point name in this region\n"));
	assert_non_null(strstr(rs.log, "6|Souss-Massa,P5,a5,h5,0528000005,"
	    "سوس-ماسة,\n|region_ar: not the one line 2 gave this region\n"));
	assert_non_null(strstr(rs.log, "8|Fès-Meknès,P7,a|7,h7,0535000007,,\n|"
	    "address: "));
	load_plan_free(p);

	p = plan_text(load_plan_points, "p.csv", PTS_HDR, NULL, &src, &rc,
	    err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "p.csv: no valid rows");
	load_plan_free(p);
}

static void
test_points_caps(void **state)
{
	static char text[32768];
	struct load_plan_src src;
	struct rec_sink rs;
	struct load_plan *p;
	char err[LOAD_PLAN_ERR_MAX];
	size_t o;
	int i, rc;

	(void)state;
	/* 17 regions: the 17th's rows rejected. */
	o = (size_t)snprintf(text, sizeof(text), "region,name,address,hours,"
	    "phone\n");
	for (i = 0; i < REGISTRY_PTS_REGIONS + 1; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "R%d,N,A,H,0500000000\n", i);
	p = plan_text(load_plan_points, "p.csv", text, NULL, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, -1);
	snprintf(text, sizeof(text), "p.csv:%d: too many regions (at most %d)",
	    REGISTRY_PTS_REGIONS + 2, REGISTRY_PTS_REGIONS);
	assert_string_equal(err, text);
	load_plan_free(p);

	/* 33 points in one region: the 33rd rejected, the others kept. */
	o = (size_t)snprintf(text, sizeof(text), "region,name,address,hours,"
	    "phone\n");
	for (i = 0; i < REGISTRY_PTS_POINTS + 1; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "R,N%d,A,H,0500000000\n", i);
	memset(&rs, 0, sizeof(rs));
	p = plan_text(load_plan_points, "p.csv", text, &rs, &src, &rc, err,
	    sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(p->regions[0].npoints, REGISTRY_PTS_POINTS);
	assert_int_equal(src.nrej, 1);
	assert_non_null(strstr(rs.log, "|too many points in this region (at "
	    "most 32)\n"));
	load_plan_free(p);
}

/* Ids with the same digits and different letters, all in one bucket. */
static void
letters_id(size_t i, char *out, size_t outsz)
{
	snprintf(out, outsz, "%c%c%06zu", 'A' + (int)(i % 26),
	    'A' + (int)(i / 26 % 26), i / 676);
}

static void
test_registry_layout2(void **state)
{
	/* "AB000001" and "ZQ000001" share a bucket in layout 2, not in 1. */
	struct load_plan_src src;
	struct load_plan *p;
	const struct load_plan_ent *e;
	char err[LOAD_PLAN_ERR_MAX], field[16];
	char *text = gen_registry(676 * 30, letters_id);
	uint32_t b = 0;
	size_t i;
	int rc, layout, split = 0;

	(void)state;
	for (layout = REGISTRY_LAYOUT_1; layout <= REGISTRY_LAYOUT_2; layout++) {
		assert_non_null(p = load_plan_new());
		p->layout = layout;
		src_init(&src, "l.csv", text);
		rc = load_plan_registry(p, &src, NULL, err, sizeof(err));
		assert_int_equal(rc, 0);
		/* Every row whose number has the digits 000007. */
		for (i = 0, split = 0, b = UINT32_MAX; i < p->n; i++) {
			e = load_plan_ent(p, i);
			snprintf(field, sizeof(field), "%.*s", (int)e->flen,
			    load_plan_ent_field(e));
			if (strcmp(field + 3, "000007") != 0)
				continue;
			assert_int_equal(e->hash, registry_hash_layout(layout,
			    PARSE_ID_CIN, field + 1));
			if (b != UINT32_MAX && load_plan_ent_bucket(p, e) != b)
				split = 1;
			b = load_plan_ent_bucket(p, e);
		}
		assert_int_equal(split, layout == REGISTRY_LAYOUT_1);
		/* 676 rows per digit string: a bucket must hold 676; growth
		 * stops at four times the first count. */
		if (layout == REGISTRY_LAYOUT_2) {
			assert_true(p->maxfill >= 676);
			assert_int_equal(p->nbuckets,
			    4 * registry_nbuckets(676 * 30));
		} else
			assert_true(p->maxfill <= REGISTRY_BUCKET_LIMIT);
		load_plan_free(p);
	}
	free(text);
}

/* The guards: counts and shares at their edges. */
static void
test_guards(void **state)
{
	char err[LOAD_PLAN_ERR_MAX];

	(void)state;
	/* Rejects: a count. */
	assert_int_equal(load_plan_reject_guard("f", 10, 0, 0, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_reject_guard("f", 10, 2, 2, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_reject_guard("f", 10, 3, 2, 0, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "f: 3 of 13 rows rejected (23.1 %), over "
	    "--max-reject 2: nothing switched");
	/* A share of rows + rejects: 1 of 100 is 1 %, 2 of 100 is not. */
	assert_int_equal(load_plan_reject_guard("f", 99, 1, 1, 1, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_reject_guard("f", 98, 2, 1, 1, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "f: 2 of 100 rows rejected (2.0 %), over "
	    "--max-reject 1 %: nothing switched");
	assert_int_equal(load_plan_reject_guard("f", 1, 5, 1, 1, err,
	    sizeof(err)), -1);
	assert_int_equal(load_plan_reject_guard("f", 0, 5, 100, 1, err,
	    sizeof(err)), 0);
	/* Shrink: nothing live, growth, the edge, over it, the overrides. */
	assert_int_equal(load_plan_shrink_guard(-1, 1, 10.0, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_shrink_guard(100, 200, 10.0, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_shrink_guard(100, 90, 10.0, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_shrink_guard(100, 89, 10.0, err,
	    sizeof(err)), -1);
	assert_int_equal(load_plan_shrink_guard(300000, 999, 10.0, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "registry: 999 rows would replace 300000 "
	    "live records: 99.7 % fewer, over --max-shrink 10 %: nothing "
	    "switched (--force or --max-shrink 100 to load it anyway)");
	assert_int_equal(load_plan_shrink_guard(300000, 999, 100.0, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_shrink_guard(100, 50, 50.0, err,
	    sizeof(err)), 0);
	assert_int_equal(load_plan_shrink_guard(100, 50, 49.5, err,
	    sizeof(err)), -1);
}

/* --- a big file read in two halves ---------------------------------- */

struct big_sink {
	char  *log;
	size_t len, cap;
};

static int
big_fn(void *arg, const struct load_plan_src *src, int line, size_t start,
    size_t end, const char *why, char *err, size_t errsz)
{
	struct big_sink *s = arg;
	char tmp[512];
	int n;

	(void)err;
	(void)errsz;
	n = snprintf(tmp, sizeof(tmp), "%d|%.*s|%s\n", line,
	    (int)(end - start), src->data + start, why);
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->cap + (size_t)n + 1) * 2;
		s->log = realloc(s->log, s->cap);
		assert_non_null(s->log);
	}
	memcpy(s->log + s->len, tmp, (size_t)n + 1);
	s->len += (size_t)n;
	return 0;
}

/* A registry of rows rows: CRLF and blank lines, a bad date every 97th
 * row when bad, duplicates of earlier rows (across the middle too). */
static char *
big_text(int rows, int bad)
{
	size_t cap = (size_t)rows * 96 + 256, o = 0;
	char *t = malloc(cap);
	int i;

	assert_non_null(t);
	o += (size_t)snprintf(t + o, cap - o, HDR);
	for (i = 0; i < rows; i++) {
		int id = i % 500 == 498 ? i - 1 - (i / 2) : i;	/* a duplicate */

		if (i % 1000 == 10)
			o += (size_t)snprintf(t + o, cap - o, "\r\n\n");
		if (bad && i % 97 == 50)
			o += (size_t)snprintf(t + o, cap - o,
			    "CIN,BG%07d,1980-02-30,,REGISTERED,%d,1,,\n", id, i);
		else if (i % 10 == 9)
			o += (size_t)snprintf(t + o, cap - o,
			    "PASSPORT,BG%07d,1975-01-%02d,,INELIGIBLE,,,,AMO\r\n",
			    id, 1 + i % 28);
		else
			o += (size_t)snprintf(t + o, cap - o,
			    "CIN,bg-%07d,1980-01-%02d,2031-01-01,REGISTERED,%d,%d,"
			    "2126%08d,\n", id, 1 + i % 28, 1000 + i, i % 2, i);
	}
	return t;
}

/* Plan text in one pass (split_min 0) or in two halves (split_min 1). */
static struct load_plan *
big_plan(const char *text, size_t split_min, int sink, struct big_sink *bs,
    struct load_plan_src *src, int *rc, char *err, size_t errsz)
{
	struct load_plan_sink snk = { big_fn, bs };
	struct load_plan *p = load_plan_new();

	assert_non_null(p);
	p->split_min = split_min;
	assert_int_equal(load_plan_known_add(p, "AMO", 3), 0);
	src_init(src, "big.csv", text);
	err[0] = '\0';
	*rc = load_plan_registry(p, src, sink ? &snk : NULL, err, errsz);
	return p;
}

static void
test_registry_halves(void **state)
{
	struct big_sink s1 = { 0 }, s2 = { 0 };
	struct load_plan_src a, b;
	struct load_plan *p1, *p2;
	const struct load_plan_ent *x, *y;
	char e1[LOAD_PLAN_ERR_MAX], e2[LOAD_PLAN_ERR_MAX];
	char *text;
	int rc1, rc2, bad, sink;
	size_t i;

	(void)state;
	for (bad = 0; bad < 2; bad++)
		for (sink = 0; sink < 2; sink++) {
			text = big_text(6000, bad);
			p1 = big_plan(text, 0, sink, &s1, &a, &rc1, e1,
			    sizeof(e1));
			p2 = big_plan(text, 1, sink, &s2, &b, &rc2, e2,
			    sizeof(e2));
			assert_int_equal(rc1, rc2);
			assert_string_equal(e1, e2);
			assert_int_equal(a.nrows, b.nrows);
			assert_int_equal(a.nrej, b.nrej);
			assert_int_equal(s1.len, s2.len);
			if (s1.len > 0)
				assert_memory_equal(s1.log, s2.log, s1.len);
			if (rc1 == 0) {
				assert_true(p1->n > 5000);
				assert_int_equal(p1->n, p2->n);
				assert_int_equal(p1->nbuckets, p2->nbuckets);
				for (i = 0; i < p1->n; i++) {
					x = load_plan_ent(p1, i);
					y = load_plan_ent(p2, i);
					assert_int_equal(x->line, y->line);
					assert_int_equal(x->start, y->start);
					assert_int_equal(x->end, y->end);
					assert_int_equal(x->flen, y->flen);
					assert_int_equal(x->vlen, y->vlen);
					assert_memory_equal(load_plan_ent_field(x),
					    load_plan_ent_field(y),
					    (size_t)x->flen + x->vlen);
				}
			} else
				assert_non_null(strstr(e1, "big.csv:"));
			/* Duplicates are reported: with no sink the first
			 * stops the plan, with one they are counted. */
			if (sink && a.nrej < 6)
				fail_msg("bad %d: %ld rejected, log %.300s", bad,
				    a.nrej, s1.log ? s1.log : "");
			load_plan_free(p1);
			load_plan_free(p2);
			free(text);
			s1.len = s2.len = 0;
		}
	free(s1.log);
	free(s2.log);
}

/* A quote in one half (at fraction pos of the text): a quoted field
 * that is fine and, two rows on, one over two lines that is not (its
 * line numbers move the next ones). In two halves or in one pass, the
 * same plan, rejects and messages. */
static void
test_registry_halves_quoted(void **state)
{
	static const double pos[] = { 0.2, 0.8 };
	struct big_sink s1 = { 0 }, s2 = { 0 };
	struct load_plan_src a, b;
	struct load_plan *p1, *p2;
	const struct load_plan_ent *x, *y;
	char e1[LOAD_PLAN_ERR_MAX], e2[LOAD_PLAN_ERR_MAX];
	char *text, *big, *at;
	size_t i, k, n;

	(void)state;
	for (k = 0; k < sizeof(pos) / sizeof(pos[0]); k++) {
		text = big_text(6000, 0);
		n = strlen(text);
		big = malloc(n + 256);
		assert_non_null(big);
		at = strstr(text + (size_t)((double)n * pos[k]), "\nCIN,");
		assert_non_null(at);
		i = (size_t)(at - text) + 1;
		memcpy(big, text, i);
		n = i + (size_t)sprintf(big + i, "\"CIN\",\"bg-9%06zu\","
		    "1980-01-01,,REGISTERED,5,1,,\nCIN,\"bg-8\n1\",1980-01-01,,"
		    "REGISTERED,5,1,,\n", k);
		memcpy(big + n, text + i, strlen(text + i) + 1);
		p1 = big_plan(big, 0, 1, &s1, &a, &(int){ 0 }, e1, sizeof(e1));
		p2 = big_plan(big, 1, 1, &s2, &b, &(int){ 0 }, e2, sizeof(e2));
		assert_string_equal(e1, e2);
		assert_int_equal(a.nrows, b.nrows);
		assert_int_equal(a.nrej, b.nrej);
		assert_true(a.nrej > 0);
		assert_int_equal(s1.len, s2.len);
		assert_memory_equal(s1.log, s2.log, s1.len);
		assert_non_null(strstr(s1.log, "id_number: invalid"));
		assert_int_equal(p1->n, p2->n);
		for (i = 0; i < p1->n; i++) {
			x = load_plan_ent(p1, i);
			y = load_plan_ent(p2, i);
			assert_int_equal(x->line, y->line);
			assert_int_equal(x->start, y->start);
			assert_memory_equal(load_plan_ent_field(x),
			    load_plan_ent_field(y), (size_t)x->flen + x->vlen);
		}
		load_plan_free(p1);
		load_plan_free(p2);
		free(big);
		free(text);
		s1.len = s2.len = 0;
	}
	free(s1.log);
	free(s2.log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_stop_at_first_bad_row),
		cmocka_unit_test(test_skip_invalid),
		cmocka_unit_test(test_multiline_lines),
		cmocka_unit_test(test_sink_failure),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_reasons_cap),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_registry_buckets),
		cmocka_unit_test(test_registry_bucket_growth),
		cmocka_unit_test(test_registry_order),
		cmocka_unit_test(test_categories_order),
		cmocka_unit_test(test_reasons_tzm),
		cmocka_unit_test(test_points),
		cmocka_unit_test(test_points_caps),
		cmocka_unit_test(test_registry_layout2),
		cmocka_unit_test(test_guards),
		cmocka_unit_test(test_registry_halves),
		cmocka_unit_test(test_registry_halves_quoted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
