/*
 * test_registry: the pure half of the Redis layout — CSV reading (quotes,
 * CRLF, BOM, errors with line numbers), header and row validation, record
 * packing round trips and golden bytes, bucket hash stability, key names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "registry.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Read every row of text; fields joined with '|' per row, rows with '\n';
 * an error row becomes "!<line>:<reason>". */
static void
csv_dump(const char *text, char *out, size_t outsz)
{
	struct registry_csv c;
	static struct registry_csv_row row;
	char err[128];
	size_t o = 0;
	int rc, i;

	out[0] = '\0';
	registry_csv_init(&c, text, strlen(text));
	while ((rc = registry_csv_next(&c, &row, err, sizeof(err))) != 0) {
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
	static char text[REGISTRY_CSV_ROWMAX + 64];
	struct registry_csv c;
	static struct registry_csv_row row;
	char err[64];

	(void)state;
	memset(text, 'x', REGISTRY_CSV_ROWMAX + 10);
	memcpy(text + REGISTRY_CSV_ROWMAX + 10, "\nok\n", 5);
	registry_csv_init(&c, text, strlen(text));
	assert_int_equal(registry_csv_next(&c, &row, err, sizeof(err)), -1);
	assert_string_equal(err, "row too long");
	assert_int_equal(registry_csv_next(&c, &row, err, sizeof(err)), 1);
	assert_int_equal(row.line, 2);
	assert_string_equal(row.field[0], "ok");
}

static int
one_row(const char *text, struct registry_csv_row *row)
{
	struct registry_csv c;
	char err[64];

	registry_csv_init(&c, text, strlen(text));
	return registry_csv_next(&c, row, err, sizeof(err));
}

static void
test_header(void **state)
{
	static struct registry_csv_row row;
	char err[128];

	(void)state;
	assert_int_equal(one_row("id_type,id_number,birth_date,id_expiry,"
	    "status,matricule,has_account,phone,reason\r\n", &row), 1);
	assert_int_equal(registry_check_header(&row, registry_cols_registry,
	    err, sizeof(err)), 0);
	assert_int_equal(registry_check_header(&row, registry_cols_reasons,
	    err, sizeof(err)), -1);
	assert_int_equal(one_row("code,label_fr,label_ar,documents_fr\n",
	    &row), 1);
	assert_int_equal(registry_check_header(&row,
	    registry_cols_categories, err, sizeof(err)), -1);
	assert_string_equal(err, "header: missing column documents_ar");
	assert_int_equal(one_row("code,text_fr,text_ar,extra\n", &row), 1);
	assert_int_equal(registry_check_header(&row, registry_cols_reasons,
	    err, sizeof(err)), -1);
	assert_int_equal(one_row("code,text_ar,text_fr\n", &row), 1);
	assert_int_equal(registry_check_header(&row, registry_cols_reasons,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "column 2"));
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
	static struct registry_csv_row row;
	struct registry_rec r;
	char err[128];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(one_row(v[i].row, &row), 1);
		err[0] = '\0';
		rc = registry_parse_person(&row, &r, err, sizeof(err));
		if (v[i].err == NULL && rc != 0)
			fail_msg("case %zu: rejected: %s", i, err);
		if (v[i].err != NULL && (rc != -1 || strstr(err, v[i].err) == NULL))
			fail_msg("case %zu: rc %d err [%s], want [%s]", i, rc,
			    err, v[i].err);
	}
	assert_int_equal(one_row(v[1].row, &row), 1);
	assert_int_equal(registry_parse_person(&row, &r, err, sizeof(err)), 0);
	assert_int_equal(r.idtype, PARSE_ID_CIN);
	assert_string_equal(r.idnum, "AB123456");
	assert_int_equal(r.status, REGISTRY_ST_REGISTERED);
	assert_string_equal(r.matricule, "000123");
	assert_int_equal(r.has_account, 0);
	assert_string_equal(r.phone, "212612345678");
	assert_false(parse_date_is_set(&r.expiry));
}

static void
test_category_reason(void **state)
{
	static struct registry_csv_row row;
	struct registry_cat c;
	struct registry_reason rs;
	char err[128];

	(void)state;
	assert_int_equal(one_row("MEDECIN,\"Médecins, \"\"privé\"\"\",أطباء,"
	    "\"CIN|2 photos\",\"بطاقة|صورتان\"\n", &row), 1);
	assert_int_equal(registry_parse_category(&row, &c, err, sizeof(err)), 0);
	assert_string_equal(c.code, "MEDECIN");
	assert_string_equal(c.label_fr, "Médecins, \"privé\"");
	assert_string_equal(c.docs_ar, "بطاقة|صورتان");

	assert_int_equal(one_row("medecin,a,b,c,d\n", &row), 1);
	assert_int_equal(registry_parse_category(&row, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "code"));
	assert_int_equal(one_row("M,a,b,c||d,e\n", &row), 1);
	assert_int_equal(registry_parse_category(&row, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "documents_fr"));
	assert_int_equal(one_row("M,a,,c,e\n", &row), 1);
	assert_int_equal(registry_parse_category(&row, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "label_ar"));
	assert_int_equal(one_row("M,\"a\xC3\",b,c,e\n", &row), 1);
	assert_int_equal(registry_parse_category(&row, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "label_fr"));

	assert_int_equal(one_row("AMO_CNOPS,Vous relevez de la CNOPS,نص\n",
	    &row), 1);
	assert_int_equal(registry_parse_reason(&row, &rs, err, sizeof(err)), 0);
	assert_string_equal(rs.code, "AMO_CNOPS");
	assert_string_equal(rs.text_ar, "نص");
	assert_int_equal(one_row("AMO_CNOPS,texte\n", &row), 1);
	assert_int_equal(registry_parse_reason(&row, &rs, err, sizeof(err)), -1);
}

static void
test_text_ok(void **state)
{
	(void)state;
	assert_true(registry_text_ok("Sages-femmes", 127));
	assert_true(registry_text_ok("القابلات ⵜⴰⵎⴰⵣⵉⵖⵜ 😀", 127));
	assert_false(registry_text_ok("", 127));
	assert_false(registry_text_ok("abc", 2));
	assert_false(registry_text_ok("tab\there", 127));
	assert_false(registry_text_ok("line\nbreak", 127));
	assert_false(registry_text_ok("\xC0\xAF", 127));	/* overlong */
	assert_false(registry_text_ok("\xED\xA0\x80", 127));	/* surrogate */
	assert_false(registry_text_ok("\xC2\x85", 127));	/* C1 NEL */
	assert_false(registry_text_ok("\xE2\x82", 127));	/* truncated */
	assert_true(registry_code_ok("AMO_TADAMON"));
	assert_false(registry_code_ok("amo"));
	assert_false(registry_code_ok("A-B"));
	assert_false(registry_code_ok("ABCDEFGHIJKLMNOPQRSTUVWX"));
}

static void
test_pack_roundtrip(void **state)
{
	static const struct registry_rec v[] = {
		{ PARSE_ID_CIN, "AB123456", { 1980, 2, 1 }, { 2030, 5, 31 },
		    REGISTRY_ST_REGISTERED, "123456789", 1, "", "" },
		{ PARSE_ID_CIN, "BE765432", { 1900, 1, 1 }, { 0, 0, 0 },
		    REGISTRY_ST_REGISTERED, "00000000000000000001", 0,
		    "212612345678901", "" },
		{ PARSE_ID_PASSPORT, "ZZ0000001", { 2199, 12, 31 }, { 2199, 12, 31 },
		    REGISTRY_ST_INELIGIBLE, "", 0, "", "ABCDEFGHIJKLMNOPQRSTUVW" },
		{ PARSE_ID_SEJOUR, "E1", { 2000, 2, 29 }, { 0, 0, 0 },
		    REGISTRY_ST_INELIGIBLE, "7", 1, "212600000000", "AYANT_DROIT" },
	};
	unsigned char buf[REGISTRY_PACKED_MAX];
	struct registry_rec out;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < N(v); i++) {
		n = registry_pack(&v[i], buf, sizeof(buf));
		assert_true(n > 0 && n <= REGISTRY_PACKED_MAX);
		memset(&out, 0x55, sizeof(out));
		assert_int_equal(registry_unpack(buf, (size_t)n, &out), 0);
		assert_int_equal(out.status, v[i].status);
		assert_int_equal(out.has_account, v[i].has_account);
		assert_int_equal(parse_date_cmp(&out.birth, &v[i].birth), 0);
		assert_int_equal(parse_date_is_set(&out.expiry),
		    parse_date_is_set(&v[i].expiry));
		if (parse_date_is_set(&v[i].expiry))
			assert_int_equal(parse_date_cmp(&out.expiry,
			    &v[i].expiry), 0);
		assert_string_equal(out.matricule, v[i].matricule);
		assert_string_equal(out.phone, v[i].phone);
		assert_string_equal(out.reason, v[i].reason);
		/* Every shorter prefix and one extra byte are refused. */
		for (size_t k = 0; k < (size_t)n; k++)
			assert_int_equal(registry_unpack(buf, k, &out), -1);
		buf[n] = 0;
		assert_int_equal(registry_unpack(buf, (size_t)n + 1, &out), -1);
	}
	/* The largest record still fits a listpack value. */
	n = registry_pack(&v[2], buf, sizeof(buf));
	assert_true(n + 11 + 11 <= 64);
	/* Too small an output buffer. */
	assert_int_equal(registry_pack(&v[0], buf, 5), -1);
}

static void
test_pack_golden(void **state)
{
	/* Format v1 is on disk in Redis: these bytes must never change. */
	static const struct registry_rec r = { PARSE_ID_CIN, "AB123456",
	    { 1980, 2, 1 }, { 2030, 5, 31 }, REGISTRY_ST_REGISTERED,
	    "123456789", 1, "212612345678", "" };
	static const unsigned char want[] = {
		0x6d,			/* REG | account | expiry | matr | phone */
		0x00, 0xa0, 0x41,	/* 80 << 9 | 2 << 5 | 1 */
		0x01, 0x04, 0xbf,	/* 130 << 9 | 5 << 5 | 31 */
		0x09, 0x12, 0x34, 0x56, 0x78, 0x9f,
		0x0c, 0x21, 0x26, 0x12, 0x34, 0x56, 0x78,
	};
	static const struct registry_rec d = { PARSE_ID_CIN, "X1",
	    { 1990, 1, 1 }, { 0, 0, 0 }, REGISTRY_ST_INELIGIBLE, "", 0, "",
	    "AMO_CNOPS" };
	unsigned char buf[REGISTRY_PACKED_MAX];
	int n;

	(void)state;
	n = registry_pack(&r, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* The lookup script reads the reason at byte 5 (1-based) without
	 * expiry: length then code. */
	n = registry_pack(&d, buf, sizeof(buf));
	assert_int_equal(n, 4 + 1 + 9);
	assert_int_equal(buf[0], 0x12);
	assert_int_equal(buf[4], 9);
	assert_memory_equal(buf + 5, "AMO_CNOPS", 9);
}

static void
test_unpack_bad(void **state)
{
	static const struct {
		const unsigned char b[8];
		size_t n;
	} v[] = {
		{ { 0x00, 0x00, 0xa0, 0x41 }, 4 },		/* status 0 */
		{ { 0x03, 0x00, 0xa0, 0x41 }, 4 },		/* status 3 */
		{ { 0x81, 0x00, 0xa0, 0x41 }, 4 },		/* reserved bit */
		{ { 0x01, 0x00, 0xa0, 0x01 }, 4 },		/* month 0 */
		{ { 0x01, 0x00, 0xa0, 0x40 }, 4 },		/* day 0 */
		{ { 0x21, 0x00, 0xa0, 0x41, 0x02, 0x1a }, 6 },	/* BCD digit 10 */
		{ { 0x21, 0x00, 0xa0, 0x41, 0x01, 0x10 }, 6 },	/* bad pad */
		{ { 0x21, 0x00, 0xa0, 0x41, 0x00 }, 5 },	/* 0 digits */
		{ { 0x11, 0x00, 0xa0, 0x41, 0x00 }, 5 },	/* empty reason */
	};
	struct registry_rec r;
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++)
		if (registry_unpack(v[i].b, v[i].n, &r) != -1)
			fail_msg("case %zu accepted", i);
	assert_int_equal(registry_unpack(NULL, 0, &r), -1);
}

static void
test_bucket(void **state)
{
	char f[REGISTRY_FIELD_MAX + 1];

	(void)state;
	/* FNV-1a of "CIN:AB123456" etc., computed apart: loader and daemon
	 * of any version must put a person in the same bucket. */
	assert_int_equal(registry_hash(PARSE_ID_CIN, "AB123456"), 3337181717u);
	assert_int_equal(registry_hash(PARSE_ID_PASSPORT, "ZZ0000001"),
	    2546426758u);
	assert_int_equal(registry_hash(PARSE_ID_SEJOUR, "E1234567"), 177156788u);
	assert_int_equal(registry_nbuckets(0), 1);
	assert_int_equal(registry_nbuckets(64), 1);
	assert_int_equal(registry_nbuckets(65), 2);
	assert_int_equal(registry_nbuckets(1000000), 15625);
	assert_int_equal(registry_field(PARSE_ID_CIN, "AB123456", f, sizeof(f)), 0);
	assert_string_equal(f, "CAB123456");
	assert_int_equal(registry_field(PARSE_ID_SEJOUR, "E1", f, sizeof(f)), 0);
	assert_string_equal(f, "SE1");
	assert_int_equal(registry_field(PARSE_ID_PASSPORT, "P1", f, sizeof(f)), 0);
	assert_string_equal(f, "PP1");
	assert_int_equal(registry_field(PARSE_ID_NONE, "P1", f, sizeof(f)), -1);
	assert_int_equal(registry_field(PARSE_ID_CIN, "AB123456", f, 9), -1);
}

static void
test_keys(void **state)
{
	char k[REGISTRY_KEY_MAX];
	long gen;
	uint32_t nb;

	(void)state;
	assert_int_equal(registry_key_bucket(k, sizeof(k), "tns:", 7, 4095), 0);
	assert_string_equal(k, "tns:reg:7:4095");
	assert_int_equal(registry_key_gen(k, sizeof(k), "tns:", "cat"), 0);
	assert_string_equal(k, "tns:cat:gen");
	assert_int_equal(registry_key_cat_list(k, sizeof(k), "p:", 3), 0);
	assert_string_equal(k, "p:cat:3:list");
	assert_int_equal(registry_key_cat(k, sizeof(k), "p:", 3, "MEDECIN"), 0);
	assert_string_equal(k, "p:cat:3:MEDECIN");
	assert_int_equal(registry_key_rsn(k, sizeof(k), "tns:", 12), 0);
	assert_string_equal(k, "tns:rsn:12");
	assert_int_equal(registry_key_rl_msisdn(k, sizeof(k), "tns:",
	    "212612345678"), 0);
	assert_string_equal(k, "tns:rl:m:212612345678");
	assert_int_equal(registry_key_rl_fail(k, sizeof(k), "tns:",
	    PARSE_ID_SEJOUR, "E1"), 0);
	assert_string_equal(k, "tns:rl:f:SEJOUR:E1");
	assert_int_equal(registry_key_sess(k, sizeof(k), "tns:", "iam:1"), 0);
	assert_string_equal(k, "tns:sess:iam:1");
	assert_int_equal(registry_key_audit(k, sizeof(k), "tns:"), 0);
	assert_string_equal(k, "tns:audit");
	assert_int_equal(registry_key_seq(k, sizeof(k), "tns:"), 0);
	assert_string_equal(k, "tns:gen:seq");
	assert_int_equal(registry_key_audit(k, 5, "tns:"), -1);

	assert_int_equal(registry_parse_regptr("12:4096", &gen, &nb), 0);
	assert_int_equal(gen, 12);
	assert_int_equal(nb, 4096);
	assert_int_equal(registry_parse_regptr("12:0", &gen, &nb), -1);
	assert_int_equal(registry_parse_regptr("12", &gen, &nb), -1);
	assert_int_equal(registry_parse_regptr("12:4x", &gen, &nb), -1);
	assert_int_equal(registry_parse_regptr(":4", &gen, &nb), -1);
	assert_int_equal(registry_parse_regptr(NULL, &gen, &nb), -1);
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
		cmocka_unit_test(test_text_ok),
		cmocka_unit_test(test_pack_roundtrip),
		cmocka_unit_test(test_pack_golden),
		cmocka_unit_test(test_unpack_bad),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
