/*
 * test_load_csv: tnsgw-load's CSV reader (quotes, CRLF, BOM, blank
 * lines, errors with physical line numbers and resync), the header check
 * and its column map (optional columns), and the registry, category,
 * reason and point row validators; reject lines (every field quoted,
 * the header's column count, read back by the reader itself).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "load_csv.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Read every row of text; fields joined with '|' per row, rows with '\n';
 * an error row becomes "!<line>:<reason>". */
static void
csv_dump(const char *text, char *out, size_t outsz)
{
	struct load_csv c;
	static struct load_csv_row row;
	char err[128];
	size_t o = 0;
	int rc, i;

	out[0] = '\0';
	load_csv_init(&c, text, strlen(text));
	while ((rc = load_csv_next(&c, &row, err, sizeof(err))) != 0) {
		if (rc < 0) {
			o += (size_t)snprintf(out + o, outsz - o, "!%d:%s\n",
			    row.line, err);
			continue;
		}
		o += (size_t)snprintf(out + o, outsz - o, "%d:", row.line);
		for (i = 0; i < row.nfields; i++)
			o += (size_t)snprintf(out + o, outsz - o, "%s%s",
			    i ? "|" : "", row.field[i]);
		o += (size_t)snprintf(out + o, outsz - o, "\n");
	}
}

static void
test_csv(void **state)
{
	static const struct {
		const char *in, *want;
	} v[] = {
		{ "a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n" },
		{ "a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n" },
		{ "a,b", "1:a|b\n" },
		{ "\xEF\xBB\xBF" "code,x\n", "1:code|x\n" },
		{ "a,,c,\n", "1:a||c|\n" },
		{ "\n\r\n a , b \n\n", "3:a|b\n" },
		{ "\"x,y\",\"say \"\"hi\"\"\"\n", "1:x,y|say \"hi\"\n" },
		{ "\"two\nlines\",z\nnext,1\n", "1:two\nlines|z\n3:next|1\n" },
		{ "\" keep \",\"\"\n", "1: keep |\n" },
		{ "a\"b,c\nok,1\n", "!1:quote inside an unquoted field\n2:ok|1\n" },
		{ "\"a\"b,c\nok\n", "!1:text after a closing quote\n2:ok\n" },
		{ "ok\n\"open,\nmore\n", "1:ok\n!2:unterminated quoted field\n" },
		{ "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\nz\n",
		    "!1:too many fields\n2:z\n" },
		{ "", "" },
	};
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		csv_dump(v[i].in, out, sizeof(out));
		if (strcmp(out, v[i].want) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, out, v[i].want);
	}
}

static void
test_csv_long_row(void **state)
{
	static char text[LOAD_CSV_ROWMAX + 64];
	struct load_csv c;
	static struct load_csv_row row;
	char err[64];

	(void)state;
	memset(text, 'x', LOAD_CSV_ROWMAX + 10);
	memcpy(text + LOAD_CSV_ROWMAX + 10, "\nok\n", 5);
	load_csv_init(&c, text, strlen(text));
	assert_int_equal(load_csv_next(&c, &row, err, sizeof(err)), -1);
	assert_string_equal(err, "row too long");
	assert_int_equal(load_csv_next(&c, &row, err, sizeof(err)), 1);
	assert_int_equal(row.line, 2);
	assert_string_equal(row.field[0], "ok");
}

static int
one_row(const char *text, struct load_csv_row *row)
{
	struct load_csv c;
	char err[64];

	load_csv_init(&c, text, strlen(text));
	return load_csv_next(&c, row, err, sizeof(err));
}

/* The map of a header line for schema sc (the test fails otherwise). */
static void
hdr_of(const char *line, const struct load_csv_schema *sc,
    struct load_csv_hdr *h)
{
	static struct load_csv_row row;
	char err[128];

	assert_int_equal(one_row(line, &row), 1);
	if (load_csv_header(&row, sc, h, err, sizeof(err)) != 0)
		fail_msg("header [%s]: %s", line, err);
}

static void
test_header(void **state)
{
	static const struct {
		const char                    *line;
		const struct load_csv_schema *sc;
		const char                    *err;	/* NULL: accepted */
	} v[] = {
		{ "id_type,id_number,birth_date,id_expiry,status,matricule,"
		    "has_account,phone,reason\r\n", &load_csv_registry, NULL },
		{ "id_type,id_number,birth_date,id_expiry,status,matricule,"
		    "has_account,phone,reason\r\n", &load_csv_reasons,
		    "header: column 1 is \"id_type\", expected code" },
		{ "id_type,id_number,birth_date,id_expiry,status,matricule,"
		    "has_account,phone,reason,rank\n", &load_csv_registry,
		    "header: 10 columns, expected 9" },
		{ "code,label_fr,label_ar,documents_fr\n", &load_csv_categories,
		    "header: missing column documents_ar" },
		{ "code,text_fr,text_ar,extra\n", &load_csv_reasons,
		    "header: column 4 is \"extra\", expected one of text_tzm" },
		{ "code,text_ar,text_fr\n", &load_csv_reasons,
		    "header: column 2 is \"text_ar\", expected text_fr" },
		{ "code,text_fr,text_ar,text_tzm\n", &load_csv_reasons, NULL },
		{ "code,text_fr,text_ar,TEXT_TZM,text_tzm\n", &load_csv_reasons,
		    "header: column 5 repeats text_tzm" },
		{ "code,label_fr,label_ar,documents_fr,documents_ar,rank,"
		    "documents_tzm,label_tzm\n", &load_csv_categories, NULL },
		{ "code,label_fr,label_ar,documents_fr,documents_ar,rank,"
		    "order\n", &load_csv_categories,
		    "header: column 7 is \"order\", expected one of label_tzm, "
		    "documents_tzm, rank" },
		{ "region,name,address,hours,phone\n", &load_csv_points, NULL },
		{ "region,name,address,hours,phone,region_tzm,region_ar\n",
		    &load_csv_points, NULL },
		{ "region,name,address,phone,hours\n", &load_csv_points,
		    "header: column 4 is \"phone\", expected hours" },
	};
	static struct load_csv_row row;
	struct load_csv_hdr h;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(one_row(v[i].line, &row), 1);
		err[0] = '\0';
		rc = load_csv_header(&row, v[i].sc, &h, err, sizeof(err));
		if (v[i].err == NULL && rc != 0)
			fail_msg("case %zu: rejected: %s", i, err);
		if (v[i].err != NULL && (rc != -1 || strcmp(err, v[i].err) != 0))
			fail_msg("case %zu: rc %d err [%s], want [%s]", i, rc,
			    err, v[i].err);
	}
	/* The map: required in place, optional where the header put them. */
	hdr_of("code,label_fr,label_ar,documents_fr,documents_ar,rank,"
	    "documents_tzm\n", &load_csv_categories, &h);
	assert_int_equal(h.nfields, 7);
	assert_int_equal(h.pos[LOAD_CSV_CAT_DOCS_AR], 4);
	assert_int_equal(h.pos[LOAD_CSV_CAT_RANK], 5);
	assert_int_equal(h.pos[LOAD_CSV_CAT_DOCS_TZM], 6);
	assert_int_equal(h.pos[LOAD_CSV_CAT_LABEL_TZM], -1);
}

static void
test_person(void **state)
{
	static const struct {
		const char *row;
		const char *err;	/* NULL: valid */
	} v[] = {
		{ "CIN,AB123456,1980-02-01,2030-05-31,REGISTERED,123456789,1,,", NULL },
		{ "cin,ab-123 456,1980-02-01,,registered,000123,0,212612345678,", NULL },
		{ "PASSPORT,ZZ0000001,1975-12-31,,INELIGIBLE,,,,AMO_CNOPS", NULL },
		{ "SEJOUR,E1234567,2000-02-29,,INELIGIBLE,42,0,,AYANT_DROIT", NULL },
		{ "PASS,AB1,1980-02-01,,REGISTERED,1,1,,", "id_type" },
		{ "CIN,ABCDEF,1980-02-01,,REGISTERED,1,1,,", "id_number" },
		{ "CIN,,1980-02-01,,REGISTERED,1,1,,", "id_number" },
		{ "CIN,AB1,1980-02-30,,REGISTERED,1,1,,", "birth_date" },
		{ "CIN,AB1,01/02/1980,,REGISTERED,1,1,,", "birth_date" },
		{ "CIN,AB1,,,REGISTERED,1,1,,", "birth_date" },
		{ "CIN,AB1,1980-02-01,2031-13-01,REGISTERED,1,1,,", "id_expiry" },
		{ "CIN,AB1,1980-02-01,,ACTIVE,1,1,,", "status" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,,1,,", "matricule" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,12A,1,,", "matricule" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,123456789012345678901,1,,", "matricule" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,2,,", "has_account" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,,,", "has_account" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,1,21261234,", "phone" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,1,+212612345678,", "phone" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,1,2126123456789012,", "phone" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,1,,AMO_CNOPS", "reason" },
		{ "CIN,AB1,1980-02-01,,INELIGIBLE,,,,", "reason" },
		{ "CIN,AB1,1980-02-01,,INELIGIBLE,,,,amo cnops", "reason" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,1,", "fields" },
		{ "CIN,AB1,1980-02-01,,REGISTERED,1,1,,,", "fields" },
	};
	static struct load_csv_row row;
	struct registry_rec r;
	char err[128];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(one_row(v[i].row, &row), 1);
		err[0] = '\0';
		rc = load_csv_parse_person(&row, &r, err, sizeof(err));
		if (v[i].err == NULL && rc != 0)
			fail_msg("case %zu: rejected: %s", i, err);
		if (v[i].err != NULL && (rc != -1 || strstr(err, v[i].err) == NULL))
			fail_msg("case %zu: rc %d err [%s], want [%s]", i, rc,
			    err, v[i].err);
	}
	assert_int_equal(one_row(v[1].row, &row), 1);
	assert_int_equal(load_csv_parse_person(&row, &r, err, sizeof(err)), 0);
	assert_int_equal(r.idtype, PARSE_ID_CIN);
	assert_string_equal(r.idnum, "AB123456");
	assert_int_equal(r.status, REGISTRY_ST_REGISTERED);
	assert_string_equal(r.matricule, "000123");
	assert_int_equal(r.has_account, 0);
	assert_string_equal(r.phone, "212612345678");
	assert_false(parse_date_is_set(&r.expiry));
}

#define CAT5 "code,label_fr,label_ar,documents_fr,documents_ar\n"
#define CAT8 "code,label_fr,label_ar,documents_fr,documents_ar,label_tzm," \
	    "documents_tzm,rank\n"

static void
test_category_reason(void **state)
{
	static struct load_csv_row row;
	struct load_csv_hdr h, h8, hr, hr4;
	struct load_csv_cat c;
	struct load_csv_reason rs;
	char err[128];

	(void)state;
	hdr_of(CAT5, &load_csv_categories, &h);
	hdr_of(CAT8, &load_csv_categories, &h8);
	hdr_of("code,text_fr,text_ar\n", &load_csv_reasons, &hr);
	hdr_of("code,text_fr,text_ar,text_tzm\n", &load_csv_reasons, &hr4);
	assert_int_equal(one_row("MEDECIN,\"Médecins, \"\"privé\"\"\",أطباء,"
	    "\"CIN|2 photos\",\"بطاقة|صورتان\"\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h, &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.code, "MEDECIN");
	assert_string_equal(c.label_fr, "Médecins, \"privé\"");
	assert_string_equal(c.docs_ar, "بطاقة|صورتان");
	assert_null(c.label_tzm);
	assert_null(c.docs_tzm);
	assert_false(c.has_rank);

	assert_int_equal(one_row("medecin,a,b,c,d\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "code"));
	assert_int_equal(one_row("M,a,b,c||d,e\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "documents_fr"));
	assert_int_equal(one_row("M,a,,c,e\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "label_ar"));
	assert_int_equal(one_row("M,\"a\xC3\",b,c,e\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "label_fr"));
	/* A row must have the header's field count. */
	assert_int_equal(one_row("M,a,b,c,e,ⵜ,ⴷ,1\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h, &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "8 fields, expected 5");

	/* The optional columns: Tamazight text, rank; empty = not given. */
	assert_int_equal(one_row("AGRI,Agriculteurs,الفلاحون,CIN|Photos,"
	    "بطاقة|صور,ⵉⴼⵍⴰⵃⵏ,ⵜⴰⴽⴰⵔⴹⴰ|ⵜⵉⵡⵍⴰⴼⵉⵏ,0\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h8, &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.label_tzm, "ⵉⴼⵍⴰⵃⵏ");
	assert_string_equal(c.docs_tzm, "ⵜⴰⴽⴰⵔⴹⴰ|ⵜⵉⵡⵍⴰⴼⵉⵏ");
	assert_true(c.has_rank);
	assert_int_equal(c.rank, 0);
	assert_int_equal(one_row("OTHER,Autre,أخرى,CIN,بطاقة,,,999999\n",
	    &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h8, &c, err,
	    sizeof(err)), 0);
	assert_null(c.label_tzm);
	assert_null(c.docs_tzm);
	assert_int_equal(c.rank, 999999);
	assert_int_equal(one_row("X,a,b,c,d,,,\n", &row), 1);
	assert_int_equal(load_csv_parse_category(&row, &h8, &c, err,
	    sizeof(err)), 0);
	assert_false(c.has_rank);
	{
		static const char *const bad[][2] = {
			{ "X,a,b,c,d,,,1000000\n", "rank" },
			{ "X,a,b,c,d,,,-1\n", "rank" },
			{ "X,a,b,c,d,,,1.5\n", "rank" },
			{ "X,a,b,c,d,,,\" 1\"\n", "rank" },
			{ "X,a,b,c,d,,a||b,\n", "documents_tzm" },
			{ "X,a,b,c,d,\"x\ty\",,\n", "label_tzm" },
		};
		size_t i;

		for (i = 0; i < N(bad); i++) {
			assert_int_equal(one_row(bad[i][0], &row), 1);
			if (load_csv_parse_category(&row, &h8, &c, err,
			    sizeof(err)) != -1 || strstr(err, bad[i][1]) == NULL)
				fail_msg("case %zu: [%s]", i, err);
		}
	}

	assert_int_equal(one_row("AMO_CNOPS,Vous relevez de la CNOPS,نص\n",
	    &row), 1);
	assert_int_equal(load_csv_parse_reason(&row, &hr, &rs, err,
	    sizeof(err)), 0);
	assert_string_equal(rs.code, "AMO_CNOPS");
	assert_string_equal(rs.text_ar, "نص");
	assert_null(rs.text_tzm);
	assert_int_equal(one_row("AMO_CNOPS,texte\n", &row), 1);
	assert_int_equal(load_csv_parse_reason(&row, &hr, &rs, err,
	    sizeof(err)), -1);
	assert_int_equal(one_row("AMO_CNOPS,t,نص,ⴰⴹⵔⵉⵙ\n", &row), 1);
	assert_int_equal(load_csv_parse_reason(&row, &hr4, &rs, err,
	    sizeof(err)), 0);
	assert_string_equal(rs.text_tzm, "ⴰⴹⵔⵉⵙ");
	assert_int_equal(one_row("AMO_CNOPS,t,نص,\n", &row), 1);
	assert_int_equal(load_csv_parse_reason(&row, &hr4, &rs, err,
	    sizeof(err)), 0);
	assert_null(rs.text_tzm);
	assert_int_equal(one_row("AMO_CNOPS,t,نص,\"a\x01\"\n", &row), 1);
	assert_int_equal(load_csv_parse_reason(&row, &hr4, &rs, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "text_tzm"));
}

static void
test_point(void **state)
{
	static const struct {
		const char *row;
		const char *err;	/* NULL: valid */
	} v[] = {
		{ "Souss-Massa,Point A (exemple),12 av. X Agadir,Lun-Ven 8h30-16h30,"
		    "0528000000,سوس ماسة,ⵙⵓⵙ ⵎⴰⵙⵙⴰ", NULL },
		{ "Souss-Massa,Point A,12 av. X,Lun-Ven,+212528000000,,", NULL },
		{ "Souss-Massa,Point A,12 av. X,Lun-Ven,0528000000,ar,", NULL },
		{ ",Point A,12 av. X,Lun-Ven,0528000000,,", "region" },
		{ "R,,12 av. X,Lun-Ven,0528000000,,", "name" },
		{ "R,Point|A,12 av. X,Lun-Ven,0528000000,,", "name" },
		{ "R,Point A,12 av. X|Y,Lun-Ven,0528000000,,", "address" },
		{ "R,Point A,,Lun-Ven,0528000000,,", "address" },
		{ "R,Point A,12 av. X,,0528000000,,", "hours" },
		{ "R,Point A,12 av. X,Lun|Ven,0528000000,,", "hours" },
		{ "R,Point A,12 av. X,Lun-Ven,,,", "phone" },
		{ "R,Point A,12 av. X,Lun-Ven,123,,", "phone" },
		{ "R,Point A,12 av. X,Lun-Ven,05 28 00 00 00,,", "phone" },
		{ "R,Point A,12 av. X,Lun-Ven,+,,", "phone" },
		{ "R,Point A,12 av. X,Lun-Ven,0528000000,\"\x7f\",", "region_ar" },
		{ "R,Point A,12 av. X,Lun-Ven,0528000000,,\"\xC0\xAF\"", "region_tzm" },
		{ "R,Point A,12 av. X,Lun-Ven,0528000000,", "fields" },
	};
	static struct load_csv_row row;
	struct load_csv_hdr h;
	struct load_csv_point pt;
	char err[128];
	size_t i;
	int rc;

	(void)state;
	hdr_of("region,name,address,hours,phone,region_ar,region_tzm\n",
	    &load_csv_points, &h);
	for (i = 0; i < N(v); i++) {
		assert_int_equal(one_row(v[i].row, &row), 1);
		err[0] = '\0';
		rc = load_csv_parse_point(&row, &h, &pt, err, sizeof(err));
		if (v[i].err == NULL && rc != 0)
			fail_msg("case %zu: rejected: %s", i, err);
		if (v[i].err != NULL && (rc != -1 || strstr(err, v[i].err) == NULL))
			fail_msg("case %zu: rc %d err [%s], want [%s]", i, rc,
			    err, v[i].err);
	}
	assert_int_equal(one_row(v[0].row, &row), 1);
	assert_int_equal(load_csv_parse_point(&row, &h, &pt, err, sizeof(err)), 0);
	assert_string_equal(pt.region, "Souss-Massa");
	assert_string_equal(pt.region_ar, "سوس ماسة");
	assert_string_equal(pt.region_tzm, "ⵙⵓⵙ ⵎⴰⵙⵙⴰ");
	assert_string_equal(pt.hours, "Lun-Ven 8h30-16h30");
	assert_string_equal(pt.phone, "0528000000");
	assert_int_equal(one_row(v[1].row, &row), 1);
	assert_int_equal(load_csv_parse_point(&row, &h, &pt, err, sizeof(err)), 0);
	assert_null(pt.region_ar);
	assert_null(pt.region_tzm);
	/* Without the optional columns. */
	hdr_of("region,name,address,hours,phone\n", &load_csv_points, &h);
	assert_int_equal(one_row("R,N,A,H,0528000000\n", &row), 1);
	assert_int_equal(load_csv_parse_point(&row, &h, &pt, err, sizeof(err)), 0);
	assert_null(pt.region_ar);
}

static void
test_text_ok(void **state)
{
	(void)state;
	assert_true(load_csv_text_ok("Sages-femmes", 127));
	assert_true(load_csv_text_ok("القابلات ⵜⴰⵎⴰⵣⵉⵖⵜ 😀", 127));
	assert_false(load_csv_text_ok("", 127));
	assert_false(load_csv_text_ok("abc", 2));
	assert_false(load_csv_text_ok("tab\there", 127));
	assert_false(load_csv_text_ok("line\nbreak", 127));
	assert_false(load_csv_text_ok("\xC0\xAF", 127));	/* overlong */
	assert_false(load_csv_text_ok("\xED\xA0\x80", 127));	/* surrogate */
	assert_false(load_csv_text_ok("\xC2\x85", 127));	/* C1 NEL */
	assert_false(load_csv_text_ok("\xE2\x82", 127));	/* truncated */
	assert_true(load_csv_code_ok("AMO_TADAMON"));
	assert_false(load_csv_code_ok("amo"));
	assert_false(load_csv_code_ok("A-B"));
	assert_false(load_csv_code_ok("ABCDEFGHIJKLMNOPQRSTUVWX"));
	/* The strict decoder (utf8.h) at the edges. */
	assert_true(load_csv_text_ok("abc", 3));
	assert_true(load_csv_text_ok("\xC2\xA0", 127));	/* NBSP: past C1 */
	assert_true(load_csv_text_ok("\xF4\x8F\xBF\xBF", 127));	/* U+10FFFF */
	assert_false(load_csv_text_ok("del\x7f", 127));
	assert_false(load_csv_text_ok("\xC2\x9F", 127));	/* C1, last */
	assert_false(load_csv_text_ok("\x80", 127));		/* lone continuation */
	assert_false(load_csv_text_ok("\xE0\x80\xAF", 127));	/* overlong */
	assert_false(load_csv_text_ok("\xF4\x90\x80\x80", 127));	/* > U+10FFFF */
	assert_false(load_csv_text_ok("\xF5\x80\x80\x80", 127));
	assert_false(load_csv_text_ok("\xFF", 127));
	assert_true(load_csv_code_ok("ABCDEFGHIJKLMNOPQRSTUVW"));
	assert_false(load_csv_code_ok(""));
}

static void
test_csv_spans(void **state)
{
	/* The raw span of every row, bad ones included: what a reject file
	 * copies. */
	static const char text[] = "a,b\r\n\"x\ny\",z\nbad\"q\nlast";
	static const struct {
		int         rc, line;
		const char *raw;
	} want[] = {
		{ 1, 1, "a,b\r\n" },
		{ 1, 2, "\"x\ny\",z\n" },
		{ -1, 4, "bad\"q\n" },
		{ 1, 5, "last" },
	};
	static struct load_csv_row row;
	struct load_csv c;
	char err[64];
	size_t i;

	(void)state;
	load_csv_init(&c, text, strlen(text));
	for (i = 0; i < N(want); i++) {
		assert_int_equal(load_csv_next(&c, &row, err, sizeof(err)),
		    want[i].rc);
		assert_int_equal(row.line, want[i].line);
		assert_int_equal(row.end - row.start, strlen(want[i].raw));
		assert_memory_equal(text + row.start, want[i].raw,
		    strlen(want[i].raw));
	}
	assert_int_equal(load_csv_next(&c, &row, err, sizeof(err)), 0);
}

/* Golden reject lines, then each read back by load_csv_next: ncols + 1
 * fields, the reason last. */
static void
test_reject_line(void **state)
{
	static const struct {
		const char *raw;
		int         ncols;
		const char *want;
		int         f1nfields;	/* fields read back */
		const char *f1;		/* field 1 read back */
		size_t      len;	/* raw's length; 0: strlen */
	} t[] = {
		{ "a,b,c\n", 3, "\"a\",\"b\",\"c\",\"R\"\n", 4, "b", 0 },
		{ "a,\"b,x\",c\r\n", 3, "\"a\",\"b,x\",\"c\",\"R\"\n", 4, "b,x", 0 },
		{ "a,\"b\"\"q\",c", 3, "\"a\",\"b\"\"q\",\"c\",\"R\"\n", 4, "b\"q", 0 },
		/* Fewer fields: padded. */
		{ "a\n", 3, "\"a\",\"\",\"\",\"R\"\n", 4, "", 0 },
		/* More: joined into the last, quotes kept as read. */
		{ "a,b,c,d,\"e\"\"f\"\n", 3,
		  "\"a\",\"b\",\"c,d,e\"\"f\",\"R\"\n", 4, "b", 0 },
		/* A stray quote inside a field is a character. */
		{ "a,b\"x,c\n", 3, "\"a\",\"b\"\"x\",\"c\",\"R\"\n", 4, "b\"x", 0 },
		/* An unterminated quote runs to the end, its newline kept. */
		{ "a,\"b,c\nd\n", 3, "\"a\",\"b,c\nd\",\"\",\"R\"\n", 4, "b,c\nd", 0 },
		/* The header's BOM dropped. */
		{ "\xEF\xBB\xBF" "a,b\n", 2, "\"a\",\"b\",\"R\"\n", 3, "b", 0 },
		/* Not UTF-8, a NUL: U+FFFD; UTF-8 kept. */
		{ "\xC3\xA9,\xFF\0,x\n", 3,
		  "\"\xC3\xA9\",\"\xEF\xBF\xBD\xEF\xBF\xBD\",\"x\",\"R\"\n", 4,
		  "\xEF\xBF\xBD\xEF\xBF\xBD", 8 },
		/* Empty fields. */
		{ ",,\n", 3, "\"\",\"\",\"\",\"R\"\n", 4, "", 0 },
	};
	static struct load_csv_row row;
	struct load_csv c;
	char out[256], err[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < N(t); i++) {
		n = load_csv_reject_line(t[i].raw, t[i].len ? t[i].len :
		    strlen(t[i].raw), t[i].ncols,
		    "R", out, sizeof(out));
		assert_string_equal(out, t[i].want);
		assert_int_equal(n, strlen(t[i].want));
		load_csv_init(&c, out, n);
		assert_int_equal(load_csv_next(&c, &row, err, sizeof(err)), 1);
		assert_int_equal(row.nfields, t[i].f1nfields);
		assert_string_equal(row.field[1], t[i].f1);
		assert_string_equal(row.field[row.nfields - 1], "R");
		assert_int_equal(load_csv_next(&c, &row, err, sizeof(err)), 0);
	}
	/* A reason with a quote and a comma; too small a buffer: the length
	 * it needs, a NUL within the buffer. */
	n = load_csv_reject_line("a", 1, 1, "x:2: \"q\", r", out, sizeof(out));
	assert_string_equal(out, "\"a\",\"x:2: \"\"q\"\", r\"\n");
	assert_int_equal(load_csv_reject_line("a", 1, 1, "x:2: \"q\", r", out,
	    5), n);
	assert_int_equal(strlen(out), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_long_row),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_person),
		cmocka_unit_test(test_category_reason),
		cmocka_unit_test(test_point),
		cmocka_unit_test(test_text_ok),
		cmocka_unit_test(test_csv_spans),
		cmocka_unit_test(test_reject_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
