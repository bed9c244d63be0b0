/*
 * test_parse: golden vectors for the pure parsers — document types and
 * numbers, user and ISO dates (calendar checks, day numbers), USSD dial
 * strings, trimming, the registry bucket hash and MSISDNs in
 * international digits (against the snprintf formula they replaced).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_idtype(void **state)
{
	static const struct {
		const char *in;
		int rc;
		enum parse_idtype t;
	} v[] = {
		{ "CIN", 0, PARSE_ID_CIN },
		{ "cin", 0, PARSE_ID_CIN },
		{ "Sejour", 0, PARSE_ID_SEJOUR },
		{ "PASSPORT", 0, PARSE_ID_PASSPORT },
		{ "passport", 0, PARSE_ID_PASSPORT },
		{ "", -1, PARSE_ID_NONE },
		{ "CI", -1, PARSE_ID_NONE },
		{ "CIN ", -1, PARSE_ID_NONE },
		{ "PASSEPORT", -1, PARSE_ID_NONE },
	};
	enum parse_idtype t;
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		t = PARSE_ID_NONE;
		assert_int_equal(parse_idtype(v[i].in, &t), v[i].rc);
		if (v[i].rc == 0)
			assert_int_equal(t, v[i].t);
	}
	assert_int_equal(parse_idtype(NULL, &t), -1);
	assert_string_equal(parse_idtype_str(PARSE_ID_CIN), "CIN");
	assert_string_equal(parse_idtype_str(PARSE_ID_SEJOUR), "SEJOUR");
	assert_string_equal(parse_idtype_str(PARSE_ID_PASSPORT), "PASSPORT");
	assert_string_equal(parse_idtype_str(PARSE_ID_NONE), "?");
	assert_string_equal(parse_idtype_str((enum parse_idtype)42), "?");
}

static void
test_id_number(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} v[] = {
		{ "AB123456", 0, "AB123456" },
		{ "ab123456", 0, "AB123456" },
		{ " ab-12 34-56 ", 0, "AB123456" },
		{ "123456", 0, "123456" },
		{ "x1", 0, "X1" },
		{ "12345678901234567890", 0, "12345678901234567890" },
		{ "1234-5678-9012-3456-7890", 0, "12345678901234567890" },
		{ "123456789012345678901", -1, "" },	/* 21 chars */
		{ "ABCDEF", -1, "" },			/* no digit */
		{ "", -1, "" },
		{ " - - ", -1, "" },
		{ "AB12/34", -1, "" },
		{ "AB\xc3\xa9" "12", -1, "" },		/* non-ASCII */
		{ "AB12_3", -1, "" },
	};
	char out[PARSE_IDNUM_MAX + 1];
	char small[4];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		memset(out, 'Z', sizeof(out));
		assert_int_equal(parse_id_number(v[i].in, out, sizeof(out)),
		    v[i].rc);
		assert_string_equal(out, v[i].out);
	}
	assert_int_equal(parse_id_number("AB123", small, sizeof(small)), -1);
	assert_string_equal(small, "");
	assert_int_equal(parse_id_number("A12", small, sizeof(small)), 0);
	assert_string_equal(small, "A12");
	assert_int_equal(parse_id_number(NULL, out, sizeof(out)), -1);
	assert_int_equal(parse_id_number("1", out, 0), -1);
}

static void
test_date_user(void **state)
{
	static const struct {
		const char *in;
		int rc, y, m, d;
	} v[] = {
		{ "01021980", 0, 1980, 2, 1 },
		{ "01/02/1980", 0, 1980, 2, 1 },
		{ "1/2/1980", 0, 1980, 2, 1 },
		{ "01-02-1980", 0, 1980, 2, 1 },
		{ "1.12.1980", 0, 1980, 12, 1 },
		{ "  31/12/2199\t", 0, 2199, 12, 31 },
		{ " 01011900 ", 0, 1900, 1, 1 },
		{ "29/02/2000", 0, 2000, 2, 29 },	/* 400-year leap */
		{ "29022024", 0, 2024, 2, 29 },
		{ "29/02/1900", -1, 0, 0, 0 },		/* century, not leap */
		{ "29/02/2023", -1, 0, 0, 0 },
		{ "31/04/1980", -1, 0, 0, 0 },
		{ "00/01/1980", -1, 0, 0, 0 },
		{ "01/13/1980", -1, 0, 0, 0 },
		{ "01/00/1980", -1, 0, 0, 0 },
		{ "31/12/1899", -1, 0, 0, 0 },
		{ "01/01/2200", -1, 0, 0, 0 },
		{ "01/02-1980", -1, 0, 0, 0 },		/* mixed separators */
		{ "01/02/80", -1, 0, 0, 0 },
		{ "001/02/1980", -1, 0, 0, 0 },
		{ "01/02/19800", -1, 0, 0, 0 },
		{ "0102198", -1, 0, 0, 0 },
		{ "010219800", -1, 0, 0, 0 },
		{ "01 02 1980", -1, 0, 0, 0 },
		{ "1980-02-01", -1, 0, 0, 0 },
		{ "01/02/1980x", -1, 0, 0, 0 },
		{ "", -1, 0, 0, 0 },
		{ "   ", -1, 0, 0, 0 },
		{ "ab/cd/efgh", -1, 0, 0, 0 },
	};
	struct parse_date d;
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		d.y = d.m = d.d = 7;
		assert_int_equal(parse_date_user(v[i].in, &d), v[i].rc);
		assert_int_equal(d.y, v[i].y);
		assert_int_equal(d.m, v[i].m);
		assert_int_equal(d.d, v[i].d);
	}
	assert_int_equal(parse_date_user(NULL, &d), -1);
}

static void
test_date_iso(void **state)
{
	static const struct {
		const char *in;
		int rc, y, m, d;
	} v[] = {
		{ "1980-02-01", 0, 1980, 2, 1 },
		{ "2000-02-29", 0, 2000, 2, 29 },
		{ "2199-12-31", 0, 2199, 12, 31 },
		{ "1900-01-01", 0, 1900, 1, 1 },
		{ "2100-02-29", -1, 0, 0, 0 },
		{ "1980-2-01", -1, 0, 0, 0 },
		{ "1980-02-1", -1, 0, 0, 0 },
		{ "1980/02/01", -1, 0, 0, 0 },
		{ " 1980-02-01", -1, 0, 0, 0 },
		{ "1980-02-01 ", -1, 0, 0, 0 },
		{ "1980-06-31", -1, 0, 0, 0 },
		{ "01/02/1980", -1, 0, 0, 0 },
		{ "", -1, 0, 0, 0 },
	};
	struct parse_date d;
	char buf[11];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(parse_date_iso(v[i].in, &d), v[i].rc);
		assert_int_equal(d.y, v[i].y);
		assert_int_equal(d.m, v[i].m);
		assert_int_equal(d.d, v[i].d);
		if (v[i].rc == 0) {
			parse_date_fmt_iso(&d, buf, sizeof(buf));
			assert_string_equal(buf, v[i].in);
		}
	}
}

static void
test_date_fmt_cmp(void **state)
{
	struct parse_date a = { 1980, 2, 1 }, b = { 1980, 2, 2 };
	struct parse_date c = { 1979, 12, 31 }, z = { 0, 0, 0 };
	char buf[16];

	(void)state;
	parse_date_fmt_iso(&a, buf, sizeof(buf));
	assert_string_equal(buf, "1980-02-01");
	parse_date_fmt_iso(&z, buf, sizeof(buf));
	assert_string_equal(buf, "");
	parse_date_fmt_iso(&a, buf, 10);	/* too small */
	assert_string_equal(buf, "");

	assert_true(parse_date_cmp(&a, &b) < 0);
	assert_true(parse_date_cmp(&b, &a) > 0);
	assert_true(parse_date_cmp(&c, &a) < 0);
	assert_int_equal(parse_date_cmp(&a, &a), 0);
	assert_true(parse_date_is_set(&a));
	assert_false(parse_date_is_set(&z));
}

static void
test_date_days(void **state)
{
	static const struct {
		struct parse_date d;
		long days;
	} v[] = {
		{ { 1970, 1, 1 }, 0 },
		{ { 1970, 1, 2 }, 1 },
		{ { 1969, 12, 31 }, -1 },
		{ { 1900, 1, 1 }, -25567 },
		{ { 2000, 1, 1 }, 10957 },
		{ { 2000, 3, 1 }, 11017 },
		{ { 2024, 2, 29 }, 19782 },
		{ { 2038, 1, 19 }, 24855 },
		{ { 2199, 12, 31 }, 84005 },
	};
	struct parse_date d, prev;
	long n, pn;
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++)
		assert_int_equal(parse_date_days(&v[i].d), v[i].days);

	/* every valid day of 1900..2199 is exactly one after the one before */
	prev.y = 1900;
	prev.m = 1;
	prev.d = 1;
	pn = parse_date_days(&prev);
	for (d.y = 1900; d.y <= 2199; d.y++) {
		for (d.m = 1; d.m <= 12; d.m++) {
			for (d.d = 1; d.d <= 31; d.d++) {
				char s[11];
				struct parse_date back;

				parse_date_fmt_iso(&d, s, sizeof(s));
				if (parse_date_iso(s, &back) == -1)
					continue;
				n = parse_date_days(&d);
				if (!(d.y == 1900 && d.m == 1 && d.d == 1))
					assert_int_equal(n, pn + 1);
				pn = n;
			}
		}
	}
	assert_int_equal(pn, 84005);
}

static void
test_dial(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *service;
		int nargs;
		const char *args[PARSE_DIAL_MAXARGS];
	} v[] = {
		{ "*1515#", 0, "1515", 0, { NULL } },
		{ "*1515", 0, "1515", 0, { NULL } },
		{ "#1515#", 0, "1515", 0, { NULL } },
		{ " *1515# \r\n", 0, "1515", 0, { NULL } },
		{ "*1515*1*AB123456*01021980#", 0, "1515", 3,
		    { "1", "AB123456", "01021980" } },
		{ "*1515*1*ab123456*01021980", 0, "1515", 3,
		    { "1", "ab123456", "01021980" } },
		{ "*1*2*3*4*5*6*7#", 0, "1", 6,
		    { "2", "3", "4", "5", "6", "7" } },
		{ "*123456789012345#", 0, "123456789012345", 0, { NULL } },
		{ "*1515*1234567890123456789012345678901#", 0, "1515", 1,
		    { "1234567890123456789012345678901" } },
		{ "*1*2*3*4*5*6*7*8#", -1, NULL, 0, { NULL } },	/* 7 args */
		{ "*1515*12345678901234567890123456789012#", -1, NULL, 0,
		    { NULL } },					/* 32 chars */
		{ "*1234567890123456#", -1, NULL, 0, { NULL } },	/* 16 digits */
		{ "", -1, NULL, 0, { NULL } },
		{ "   ", -1, NULL, 0, { NULL } },
		{ "*", -1, NULL, 0, { NULL } },
		{ "#", -1, NULL, 0, { NULL } },
		{ "*#", -1, NULL, 0, { NULL } },
		{ "**1515#", -1, NULL, 0, { NULL } },
		{ "1515#", -1, NULL, 0, { NULL } },
		{ "*15a15#", -1, NULL, 0, { NULL } },
		{ "*1515**1#", -1, NULL, 0, { NULL } },
		{ "*1515*#", -1, NULL, 0, { NULL } },
		{ "*1515##", -1, NULL, 0, { NULL } },
		{ "*1515#*1#", -1, NULL, 0, { NULL } },
		{ "*1515*AB-12#", -1, NULL, 0, { NULL } },
		{ "*1515*1 2#", -1, NULL, 0, { NULL } },
		{ "hello", -1, NULL, 0, { NULL } },
	};
	struct parse_dial d;
	int k;
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		memset(&d, 0x55, sizeof(d));
		assert_int_equal(parse_dial(v[i].in, &d), v[i].rc);
		if (v[i].rc != 0)
			continue;
		assert_string_equal(d.service, v[i].service);
		assert_int_equal(d.nargs, v[i].nargs);
		for (k = 0; k < d.nargs; k++)
			assert_string_equal(d.args[k], v[i].args[k]);
	}
	assert_int_equal(parse_dial(NULL, &d), -1);
}

static void
test_trim(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(parse_trim("  ab c \r\n", out, sizeof(out)), 4);
	assert_string_equal(out, "ab c");
	assert_int_equal(parse_trim("\t\t", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(parse_trim(" 0123456789 ", out, sizeof(out)), 7);
	assert_string_equal(out, "0123456");
	assert_int_equal(parse_trim("x", out, 1), 0);
	assert_string_equal(out, "");
}

static void
test_hash32(void **state)
{
	(void)state;
	/* FNV-1a reference values */
	assert_int_equal(parse_hash32(""), 0x811c9dc5u);
	assert_int_equal(parse_hash32("a"), 0xe40c292cu);
	assert_int_equal(parse_hash32("foobar"), 0xbf9cf968u);
	assert_int_not_equal(parse_hash32("AB123456"), parse_hash32("AB123457"));
}

/* Caller and phone on record compared in international digits. */
static void
test_msisdn_intl(void **state)
{
	static const struct {
		const char *in;
		int ton;
		const char *out;	/* NULL: -1 */
	} v[] = {
		{ "212600000104", 1, "212600000104" },
		{ "212600000104", 0, "212600000104" },
		{ "+212600000104", 0, "212600000104" },
		{ "0600000104", 2, "212600000104" },
		{ "0600000104", 0, "212600000104" },
		{ "600000104", 2, "212600000104" },
		{ "00212600000104", 0, "212600000104" },
		{ "0600000104", 1, "0600000104" },
		{ "", 1, NULL },
		{ "+", 1, NULL },
		{ "2126 0000", 1, NULL },
		{ "12345678901234567890", 1, "12345678901234567890" },
		{ "123456789012345678901", 1, NULL },
		{ "01234567890123456789", 2, NULL },	/* 22 once normalised */
	};
	char out[PARSE_MSISDN_MAX + 1];

	(void)state;
	for (size_t i = 0; i < N(v); i++) {
		int rv = parse_msisdn_intl(v[i].in, v[i].ton, out, sizeof(out));

		if (v[i].out == NULL)
			assert_int_equal(rv, -1);
		else {
			assert_int_equal(rv, 0);
			assert_string_equal(out, v[i].out);
		}
	}
	assert_int_equal(parse_msisdn_intl("0600000104", 2, out, 12), -1);
	assert_int_equal(parse_msisdn_intl(NULL, 1, out, sizeof(out)), -1);
}

/* parse_msisdn_intl as it was written with snprintf("%s%s", cc, digits),
 * the oracle of the one without a format. */
static int
msisdn_formula(const char *in, int ton, char *out, size_t outsz)
{
	size_t n, skip = 0;
	const char *cc = "";

	if (in == NULL || out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (in[0] == '+') {
		in++;
		ton = 1;
	}
	n = strlen(in);
	if (n == 0 || n > PARSE_MSISDN_MAX || strspn(in, "0123456789") != n)
		return -1;
	if (ton != 1) {
		if (n > 2 && in[0] == '0' && in[1] == '0')
			skip = 2;
		else if (in[0] == '0') {
			skip = 1;
			cc = "212";
		} else if (ton == 2)
			cc = "212";
	}
	if (strlen(cc) + n - skip > PARSE_MSISDN_MAX ||
	    strlen(cc) + n - skip >= outsz)
		return -1;
	snprintf(out, outsz, "%s%s", cc, in + skip);
	return 0;
}

/* Every input, TON and buffer size (0 up to past the exact fit): the
 * same return and the same bytes in the whole buffer as the oracle. */
static void
test_msisdn_intl_as_snprintf(void **state)
{
	static const char *const in[] = {
		"", "+", "0", "00", "000", "0000", "+0", "+00600", "6",
		"212600000104", "+212600000104", "0600000104", "600000104",
		"00212600000104", "0021", "12345678901234567890",
		"+12345678901234567890", "123456789012345678901",
		"01234567890123456789", "0123456789012345678",
		"012345678901234567", "00123456789012345678",
		"001234567890123456789", "99999999999999999", "2126 0000",
		"06x0000104", "+-1",
	};
	static const int tons[] = { -1, 0, 1, 2, 3, 5 };
	char a[32], b[32];
	size_t i, t, sz;
	int ra, rb;

	(void)state;
	for (i = 0; i < N(in); i++)
		for (t = 0; t < N(tons); t++)
			for (sz = 0; sz <= sizeof(a); sz++) {
				memset(a, 0x5a, sizeof(a));
				memset(b, 0x5a, sizeof(b));
				ra = parse_msisdn_intl(in[i], tons[t], a, sz);
				rb = msisdn_formula(in[i], tons[t], b, sz);
				if (ra != rb || memcmp(a, b, sizeof(a)) != 0)
					fail_msg("\"%s\" ton %d size %zu: %d "
					    "\"%.*s\", wanted %d \"%.*s\"",
					    in[i], tons[t], sz, ra, (int)sz,
					    a, rb, (int)sz, b);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idtype),
		cmocka_unit_test(test_id_number),
		cmocka_unit_test(test_date_user),
		cmocka_unit_test(test_date_iso),
		cmocka_unit_test(test_date_fmt_cmp),
		cmocka_unit_test(test_date_days),
		cmocka_unit_test(test_dial),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_hash32),
		cmocka_unit_test(test_msisdn_intl),
		cmocka_unit_test(test_msisdn_intl_as_snprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
