/*
 * test_registry: the record codec — packing round trips and golden bytes,
 * malformed records refused, bucket hash stability, key names, the
 * registry pointer.
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
		cmocka_unit_test(test_pack_roundtrip),
		cmocka_unit_test(test_pack_golden),
		cmocka_unit_test(test_unpack_bad),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
