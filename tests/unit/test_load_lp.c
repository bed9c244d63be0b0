/*
 * test_load_lp: the RESTORE payloads tnsgw-load builds, against what
 * Redis 7.0 itself produced (DUMP of an HSET, rdbcompression off): the
 * listpack's string and integer encodings at every width and edge,
 * strings that only look like numbers, an empty string and a 2-byte
 * length; the CRC-64 check value; and the field and hash the plan
 * computes without printf against registry.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "load_lp.h"
#include "load_plan.h"

/* redis-cli HSET h 0 127 128 -1 -4096 4095 4096 -4097 32767 -32768 32768
 * 8388607 -8388608 8388608 2147483647 -2147483648 2147483648
 * 9223372036854775807 -9223372036854775808 9223372036854775808 01 +1
 * "1 " "" CB0000001 <70 x>; DUMP h (Redis 7.0.15, hash-max-listpack-value
 * 100, rdbcompression no). */
static const char golden_hex[] =
	"1040dddd0000001a0000017f01c08002dfff02d00002cfff02f1001003f1ffef"
	"03f1ff7f03f1008003f200800004f2ffff7f04f200008004f30000800005f3ff"
	"ffff7f05f30000008005f4000000800000000009f4ffffffffffffff7f09f400"
	"0000000000008009933932323333373230333638353437373538303814823031"
	"03822b3103823120038001894342303030303030310ae0467878787878787878"
	"7878787878787878787878787878787878787878787878787878787878787878"
	"78787878787878787878787878787878787878787878787878787878787848ff"
	"0a000df87ade3611e60d";

static const char *const golden_args[] = { "0", "127", "128", "-1",
    "-4096", "4095", "4096", "-4097", "32767", "-32768", "32768",
    "8388607", "-8388608", "8388608", "2147483647", "-2147483648",
    "2147483648", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "01", "+1", "1 ", "", "CB0000001", NULL };

static size_t
unhex(const char *h, unsigned char *out)
{
	size_t n = 0;
	unsigned v;

	for (; h[0] && h[1]; h += 2) {
		sscanf(h, "%2x", &v);
		out[n++] = (unsigned char)v;
	}
	return n;
}

static void
test_golden(void **state)
{
	const char *arg[32];
	char x70[71];
	unsigned char want[512], *got;
	size_t nwant, nargs = 0, ent = 0, off, len, i;

	(void)state;
	memset(x70, 'x', 70);
	x70[70] = '\0';
	for (i = 0; golden_args[i] != NULL; i++)
		arg[nargs++] = golden_args[i];
	arg[nargs++] = x70;
	assert_int_equal(nargs % 2, 0);
	nwant = unhex(golden_hex, want);
	for (i = 0; i < nargs; i++)
		ent += load_lp_entry_len(arg[i], strlen(arg[i]));
	len = load_lp_payload_len(ent, &off);
	assert_int_equal(len, nwant);
	got = calloc(1, len);
	assert_non_null(got);
	for (i = 0; i < nargs; i++)
		off += load_lp_entry_put(got + off, arg[i], strlen(arg[i]));
	load_lp_payload_seal(got, len, ent, nargs / 2);
	assert_memory_equal(got, want, nwant);
	free(got);
}

static void
test_crc64(void **state)
{
	(void)state;
	/* redis/src/crc64.c's test: crc64(0, "123456789") */
	assert_true(load_lp_crc64(0, "123456789", 9) ==
	    0xe9c6d914c4b8d9caULL);
	assert_true(load_lp_crc64(load_lp_crc64(0, "1234", 4), "56789", 5) ==
	    0xe9c6d914c4b8d9caULL);
}

static void
test_lengths(void **state)
{
	unsigned char b[16];

	(void)state;
	assert_int_equal(load_lp_rdblen_put(b, 63), 1);
	assert_int_equal(b[0], 63);
	assert_int_equal(load_lp_rdblen_put(b, 64), 2);
	assert_int_equal(b[0], 0x40);
	assert_int_equal(b[1], 64);
	assert_int_equal(load_lp_rdblen_put(b, 16384), 5);
	assert_memory_equal(b, "\x80\x00\x00\x40\x00", 5);
	assert_int_equal(load_lp_rdblen_len(16383), 2);
	assert_int_equal(load_lp_entry_len("x", LOAD_LP_STR_MAX + 1), 0);
}

/* The plan's field and hash equal registry.c's on every type and on
 * numbers of every length, with letters, and at the 63-char cut. */
static void
test_field_hash(void **state)
{
	static const enum parse_idtype types[] = { PARSE_ID_CIN,
	    PARSE_ID_SEJOUR, PARSE_ID_PASSPORT };
	char num[PARSE_IDNUM_MAX + 1], a[64], b[64];
	unsigned seed = 7;
	int t, n, i, k;

	(void)state;
	for (t = 0; t < 3; t++)
		for (k = 0; k < 2000; k++) {
			n = 1 + k % PARSE_IDNUM_MAX;
			for (i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				num[i] = (seed >> 16) % 3 == 0 ?
				    (char)('A' + (seed >> 8) % 26) :
				    (char)('0' + (seed >> 8) % 10);
			}
			num[n] = '\0';
			assert_int_equal(load_plan_hash2(types[t], num),
			    registry_hash2(types[t], num));
			assert_int_equal(registry_field(types[t], num, a,
			    sizeof(a)), 0);
			assert_int_equal(load_plan_field(types[t], num,
			    (size_t)n, b, sizeof(b)), 0);
			assert_string_equal(a, b);
		}
	assert_int_equal(load_plan_field(PARSE_ID_NONE, "1", 1, b,
	    sizeof(b)), -1);
	assert_int_equal(load_plan_field(PARSE_ID_CIN, "12", 2, b, 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_crc64),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_field_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
