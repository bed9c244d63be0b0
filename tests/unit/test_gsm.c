/*
 * test_gsm: golden vectors for the wire encodings — GSM 03.38 both ways
 * (whole default and extension tables), UCS-2, Latin-1, strict UTF-8, the
 * per-bind encoding choice, data_coding dispatch, USSD page limits and
 * French transliteration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gsm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* "سلام" (Arabic) and "ⵣ" (Tifinagh yaz) */
#define AR_SALAM "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85"
#define TZ_YAZ   "\xe2\xb5\xa3"

static void
test_septets_chars(void **state)
{
	static const struct {
		const char *in;
		long septets, chars;
	} v[] = {
		{ "", 0, 0 },
		{ "abc", 3, 3 },
		{ "\xc3\xa9", 1, 1 },			/* é */
		{ "\xe2\x82\xac", 2, 1 },		/* € */
		{ "[x]", 5, 3 },
		{ "Hello\r\n", 7, 7 },
		{ "\xc3\xa7", -1, 1 },			/* ç: not GSM */
		{ "\xc3\xaa", -1, 1 },			/* ê */
		{ "`", -1, 1 },
		{ "\t", -1, 1 },
		{ AR_SALAM, -1, 4 },
		{ TZ_YAZ, -1, 1 },
		{ "\xf0\x9f\x98\x80", -1, 1 },		/* U+1F600 */
		{ "\xc0\x80", -1, -1 },			/* overlong NUL */
		{ "\xc1\xbf", -1, -1 },			/* overlong 0x7F */
		{ "\xe0\x80\xaf", -1, -1 },		/* overlong '/' */
		{ "\xf0\x8f\xbf\xbf", -1, -1 },		/* overlong U+FFFF */
		{ "\xed\xa0\x80", -1, -1 },		/* surrogate D800 */
		{ "\xed\xbf\xbf", -1, -1 },		/* surrogate DFFF */
		{ "\xf4\x90\x80\x80", -1, -1 },		/* > U+10FFFF */
		{ "\xf5\x80\x80\x80", -1, -1 },
		{ "\xc3", -1, -1 },			/* truncated */
		{ "a\xe2\x82", -1, -1 },
		{ "\x80", -1, -1 },			/* stray continuation */
		{ "\xff", -1, -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(gsm_septets(v[i].in), v[i].septets);
		assert_int_equal(gsm_utf8_chars(v[i].in), v[i].chars);
	}
	assert_int_equal(gsm_septets(NULL), -1);
	assert_int_equal(gsm_utf8_chars(NULL), -1);
}

static void
test_gsm7_golden(void **state)
{
	static const struct {
		const char *in;
		const char *gsm;
		size_t len;
	} v[] = {
		{ "\xc3\xa9", "\x05", 1 },
		{ "\xe2\x82\xac", "\x1b\x65", 2 },
		{ "@\xc2\xa3$\xc2\xa5", "\x00\x01\x02\x03", 4 },
		{ "[]{}\\^~|", "\x1b\x3c\x1b\x3e\x1b\x28\x1b\x29\x1b\x2f"
		    "\x1b\x14\x1b\x3d\x1b\x40", 16 },
		{ "Az09 _!?", "Az09 \x11!?", 8 },
		{ "\xce\x94\xce\xa9\xc3\x89\xc3\xa0\xc3\x87", "\x10\x15\x1f\x7f\x09", 5 },
		{ "\xc2\xa1\xc2\xbf\xc2\xa7\xc2\xa4", "\x40\x60\x5f\x24", 4 },
		{ "\x0c", "\x1b\x0a", 2 },
	};
	uint8_t out[64];
	char back[64];
	size_t len, i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(gsm_utf8_to_gsm7(v[i].in, out, sizeof(out),
		    &len), 0);
		assert_int_equal(len, v[i].len);
		assert_memory_equal(out, v[i].gsm, len);
		assert_int_equal(gsm_gsm7_to_utf8(out, len, back,
		    sizeof(back)), 0);
		assert_string_equal(back, v[i].in);
	}
	assert_int_equal(gsm_utf8_to_gsm7("\xc3\xa7", out, sizeof(out),
	    &len), -1);
	assert_int_equal(gsm_utf8_to_gsm7("\xc0\x80", out, sizeof(out),
	    &len), -1);
	/* too small: the escape pair does not split */
	assert_int_equal(gsm_utf8_to_gsm7("a\xe2\x82\xac", out, 2, &len), -1);
	assert_int_equal(gsm_utf8_to_gsm7("a\xe2\x82\xac", out, 3, &len), 0);
	assert_int_equal(len, 3);
}

/* Every septet of both tables decodes to one character that encodes back. */
static void
test_gsm7_tables_roundtrip(void **state)
{
	static const uint8_t ext[] = {
		0x0a, 0x14, 0x28, 0x29, 0x2f, 0x3c, 0x3d, 0x3e, 0x40, 0x65,
	};
	uint8_t in[2], out[8];
	char utf8[8];
	size_t len, i;
	int c;

	(void)state;
	for (c = 0; c < 128; c++) {
		if (c == 0x1b)
			continue;
		in[0] = (uint8_t)c;
		assert_int_equal(gsm_gsm7_to_utf8(in, 1, utf8, sizeof(utf8)), 0);
		assert_int_equal(gsm_utf8_chars(utf8), 1);
		assert_int_equal(gsm_septets(utf8), 1);
		assert_int_equal(gsm_utf8_to_gsm7(utf8, out, sizeof(out),
		    &len), 0);
		assert_int_equal(len, 1);
		assert_int_equal(out[0], c);
	}
	for (i = 0; i < N(ext); i++) {
		in[0] = 0x1b;
		in[1] = ext[i];
		assert_int_equal(gsm_gsm7_to_utf8(in, 2, utf8, sizeof(utf8)), 0);
		assert_int_equal(gsm_utf8_chars(utf8), 1);
		assert_int_equal(gsm_septets(utf8), 2);
		assert_int_equal(gsm_utf8_to_gsm7(utf8, out, sizeof(out),
		    &len), 0);
		assert_int_equal(len, 2);
		assert_memory_equal(out, in, 2);
	}
}

static void
test_gsm7_decode_odd(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} v[] = {
		{ "\x1b", 1, "?" },			/* trailing escape */
		{ "a\x1b" "A", 3, "aA" },		/* unknown escape */
		{ "\x1b\x1b\x65", 3, "\xe2\x82\xac" },
		{ "\x80\xff" "a", 3, "??a" },
		{ "\x00", 1, "@" },
		{ "", 0, "" },
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(gsm_gsm7_to_utf8((const uint8_t *)v[i].in,
		    v[i].len, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].out);
	}
}

static void
test_ucs2(void **state)
{
	static const struct {
		const char *in;
		const char *ucs2;
		size_t len;
	} v[] = {
		{ "A", "\x00\x41", 2 },
		{ AR_SALAM, "\x06\x33\x06\x44\x06\x27\x06\x45", 8 },
		{ TZ_YAZ, "\x2d\x63", 2 },
		{ "\xc3\xa7\xe2\x82\xac", "\x00\xe7\x20\xac", 4 },
		{ "\xf0\x9f\x98\x80!", "\x00\x3f\x00\x21", 4 },	/* past U+FFFF */
	};
	uint8_t out[32];
	char back[32];
	size_t len, i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(gsm_utf8_to_ucs2(v[i].in, out, sizeof(out),
		    &len), 0);
		assert_int_equal(len, v[i].len);
		assert_memory_equal(out, v[i].ucs2, len);
	}
	assert_int_equal(gsm_utf8_to_ucs2("\xed\xa0\x80", out, sizeof(out),
	    &len), -1);
	assert_int_equal(gsm_utf8_to_ucs2("ab", out, 3, &len), -1);

	/* decode: surrogate pairs, lone surrogates, NUL, odd length */
	assert_int_equal(gsm_ucs2_to_utf8((const uint8_t *)
	    "\x06\x33\x06\x44\x06\x27\x06\x45", 8, back, sizeof(back)), 0);
	assert_string_equal(back, AR_SALAM);
	assert_int_equal(gsm_ucs2_to_utf8((const uint8_t *)"\xd8\x3d\xde\x00",
	    4, back, sizeof(back)), 0);
	assert_string_equal(back, "\xf0\x9f\x98\x80");
	assert_int_equal(gsm_ucs2_to_utf8((const uint8_t *)"\xd8\x3d\x00\x41",
	    4, back, sizeof(back)), 0);
	assert_string_equal(back, "?A");
	assert_int_equal(gsm_ucs2_to_utf8((const uint8_t *)"\xde\x00\x00\x00",
	    4, back, sizeof(back)), 0);
	assert_string_equal(back, "??");
	assert_int_equal(gsm_ucs2_to_utf8((const uint8_t *)"\x00\x41\x00", 3,
	    back, sizeof(back)), 0);
	assert_string_equal(back, "A?");
}

static void
test_encode_choice(void **state)
{
	static const struct {
		const char *in;
		enum gsm_charset cs;
		uint8_t dc;
		const char *bytes;
		size_t len;
	} v[] = {
		{ "\xc3\xa9", GSM_CHARSET_GSM7, GSM_DC_DEFAULT, "\x05", 1 },
		{ "\xc3\xa9", GSM_CHARSET_LATIN1, GSM_DC_DEFAULT, "\xe9", 1 },
		{ "a[b", GSM_CHARSET_GSM7, GSM_DC_DEFAULT, "a\x1b\x3c" "b", 4 },
		{ "a[b", GSM_CHARSET_LATIN1, GSM_DC_DEFAULT, "a[b", 3 },
		{ "\xe2\x82\xac", GSM_CHARSET_GSM7, GSM_DC_DEFAULT,
		    "\x1b\x65", 2 },
		{ "\xe2\x82\xac", GSM_CHARSET_LATIN1, GSM_DC_UCS2,
		    "\x20\xac", 2 },
		{ "\xce\x94", GSM_CHARSET_LATIN1, GSM_DC_UCS2, "\x03\x94", 2 },
		{ "\xc3\xa7", GSM_CHARSET_GSM7, GSM_DC_UCS2, "\x00\xe7", 2 },
		{ "\xc3\xa7", GSM_CHARSET_LATIN1, GSM_DC_UCS2, "\x00\xe7", 2 },
		{ "`", GSM_CHARSET_LATIN1, GSM_DC_UCS2, "\x00\x60", 2 },
		{ AR_SALAM, GSM_CHARSET_GSM7, GSM_DC_UCS2,
		    "\x06\x33\x06\x44\x06\x27\x06\x45", 8 },
		{ "", GSM_CHARSET_GSM7, GSM_DC_DEFAULT, "", 0 },
	};
	uint8_t out[32], dc;
	char back[32];
	size_t len, i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		dc = 0xff;
		assert_int_equal(gsm_encode(v[i].in, v[i].cs, out, sizeof(out),
		    &len, &dc), 0);
		assert_int_equal(dc, v[i].dc);
		assert_int_equal(len, v[i].len);
		assert_memory_equal(out, v[i].bytes, len);
		/* and back through the decoder with the same bind charset */
		assert_int_equal(gsm_decode(dc, v[i].cs, out, len, back,
		    sizeof(back)), 0);
		assert_string_equal(back, v[i].in);
	}
	assert_int_equal(gsm_encode("\xc3", GSM_CHARSET_GSM7, out, sizeof(out),
	    &len, &dc), -1);
	assert_int_equal(gsm_encode(AR_SALAM, GSM_CHARSET_GSM7, out, 7,
	    &len, &dc), -1);
	assert_int_equal(gsm_encode("abc", GSM_CHARSET_LATIN1, out, 2,
	    &len, &dc), -1);
	assert_int_equal(gsm_encode("abc", GSM_CHARSET_GSM7, out, 3,
	    &len, &dc), 0);
}

static void
test_decode_dc(void **state)
{
	static const struct {
		uint8_t dc;
		enum gsm_charset cs;
		const char *in;
		size_t len;
		const char *out;
	} v[] = {
		{ 0x00, GSM_CHARSET_GSM7, "\x05\x1b\x65", 3, "\xc3\xa9\xe2\x82\xac" },
		{ 0x00, GSM_CHARSET_LATIN1, "\xe9\x40", 2, "\xc3\xa9@" },
		{ 0x01, GSM_CHARSET_GSM7, "ab\xe9\x00", 4, "ab??" },
		{ 0x03, GSM_CHARSET_GSM7, "\xe9\x85\xff", 3, "\xc3\xa9?\xc3\xbf" },
		{ 0x08, GSM_CHARSET_GSM7, "\x06\x33", 2, "\xd8\xb3" },
		{ 0x48, GSM_CHARSET_GSM7, "\x06\x33", 2, "\xd8\xb3" },
		{ 0x18, GSM_CHARSET_GSM7, "\x06\x33", 2, "\xd8\xb3" },
		{ 0xe1, GSM_CHARSET_GSM7, "\x06\x33", 2, "\xd8\xb3" },
		{ 0x0f, GSM_CHARSET_LATIN1, "\x05", 1, "\xc3\xa9" },
		{ 0xf0, GSM_CHARSET_GSM7, "\x05", 1, "\xc3\xa9" },
		{ 0xf3, GSM_CHARSET_GSM7, "\x05", 1, "\xc3\xa9" },
		{ 0x10, GSM_CHARSET_GSM7, "\x05", 1, "\xc3\xa9" },
		{ 0x02, GSM_CHARSET_GSM7, "\x05", 1, "\xc3\xa9" },	/* unknown */
		{ 0x04, GSM_CHARSET_GSM7, "*1515#", 6, "*1515#" },
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(gsm_decode(v[i].dc, v[i].cs,
		    (const uint8_t *)v[i].in, v[i].len, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].out);
	}
}

static void
test_decode_small(void **state)
{
	char out[4];

	(void)state;
	/* "سل" needs 5 bytes: cut after the whole first character */
	memset(out, 'x', sizeof(out));
	assert_int_equal(gsm_decode(0x08, GSM_CHARSET_GSM7,
	    (const uint8_t *)"\x06\x33\x06\x44", 4, out, sizeof(out)), -1);
	assert_string_equal(out, "\xd8\xb3");
	assert_int_equal(gsm_decode(0x00, GSM_CHARSET_GSM7,
	    (const uint8_t *)"abcd", 4, out, sizeof(out)), -1);
	assert_string_equal(out, "abc");
	assert_int_equal(gsm_decode(0x00, GSM_CHARSET_GSM7,
	    (const uint8_t *)"abc", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(gsm_decode(0x00, GSM_CHARSET_GSM7,
	    (const uint8_t *)"abc", 3, out, 0), -1);
}

static void
fill(char *buf, const char *unit, int n, const char *tail)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(buf, unit);
	strcat(buf, tail);
}

static void
test_fits_ussd(void **state)
{
	static const struct {
		const char *unit;
		int n;
		const char *tail;
		int fits;
	} v[] = {
		{ "a", 182, "", 1 },
		{ "a", 183, "", 0 },
		{ "\xc3\xa9", 182, "", 1 },		/* é: GSM, Latin-1 */
		{ "a", 180, "[", 1 },			/* 182 septets */
		{ "a", 181, "[", 0 },			/* 183 septets */
		{ AR_SALAM, 20, "", 1 },		/* 80 characters */
		{ AR_SALAM, 20, "x", 0 },		/* 81 */
		{ TZ_YAZ, 80, "", 1 },
		{ TZ_YAZ, 81, "", 0 },
		{ "\xf0\x9f\x98\x80", 80, "", 1 },	/* one '?' each */
		{ "\xc3\xaa", 80, "", 1 },		/* ê: UCS-2 */
		{ "\xc3\xaa", 81, "", 0 },
		{ "a", 100, "\xc3\xaa", 0 },		/* one ê drops to 80 */
		{ "\xe2\x82\xac", 80, "", 1 },		/* €: UCS-2 on Latin-1 binds */
		{ "\xe2\x82\xac", 81, "", 0 },
		{ "", 0, "", 1 },
		{ "a", 10, "\xc3", 0 },			/* bad UTF-8 */
	};
	static char buf[1024];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		fill(buf, v[i].unit, v[i].n, v[i].tail);
		assert_int_equal(gsm_fits_ussd(buf), v[i].fits);
	}
	assert_int_equal(gsm_fits_ussd(NULL), 0);
}

static void
test_transliterate(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{ "Cr\xc3\xa9" "ez votre mot de passe: \xc3\xa7" "a co\xc3\xbb"
		    "te 0 dh, \xc5\x93uvre",
		  "Cr\xc3\xa9" "ez votre mot de passe: ca coute 0 dh, oeuvre" },
		{ "\xc3\xaa\xc3\xab\xc3\xa2\xc3\xae\xc3\xaf\xc3\xb4\xc3\xbb"
		    "\xc3\xa7\xc5\x93", "eeaiioucoe" },
		{ "\xc3\x8a\xc3\x8b\xc3\x82\xc3\x8e\xc3\x8f\xc3\x94\xc3\x9b"
		    "\xc5\x92\xc3\x80\xc3\x88\xc3\x99", "EEAIIOUOEAEU" },
		{ "\xc2\xab" "Bonjour\xc2\xbb \xe2\x80\x9c" "a\xe2\x80\x9d "
		    "l\xe2\x80\x99\xc3\xa9t\xc3\xa9 \xe2\x80\x98x\xe2\x80\x99",
		  "\"Bonjour\" \"a\" l'\xc3\xa9t\xc3\xa9 'x'" },
		{ "a\xe2\x80\x93" "b\xe2\x80\x94" "c\xe2\x80\xa6",
		  "a-b-c..." },
		{ "12\xc2\xa0" "dh\xe2\x80\xaf!", "12 dh !" },
		{ "N\xc2\xb0 CIN", "No CIN" },
		/* GSM letters stay: é è à ù É Ç ä ö ü æ Æ */
		{ "\xc3\xa9\xc3\xa8\xc3\xa0\xc3\xb9\xc3\x89\xc3\x87\xc3\xa4"
		    "\xc3\xb6\xc3\xbc\xc3\xa6\xc3\x86",
		  "\xc3\xa9\xc3\xa8\xc3\xa0\xc3\xb9\xc3\x89\xc3\x87\xc3\xa4"
		    "\xc3\xb6\xc3\xbc\xc3\xa6\xc3\x86" },
		/* Arabic and Tifinagh untouched */
		{ AR_SALAM " " TZ_YAZ, AR_SALAM " " TZ_YAZ },
		{ "\xc3\xaa " AR_SALAM, "e " AR_SALAM },
		{ "a\xff" "b", "a?b" },
		{ "", "" },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(gsm_transliterate(v[i].in, out, sizeof(out)),
		    0);
		assert_string_equal(out, v[i].out);
	}
	/* the golden French sentence is GSM 7-bit once transliterated */
	assert_int_equal(gsm_septets(v[0].in), -1);
	assert_int_equal(gsm_transliterate(v[0].in, out, sizeof(out)), 0);
	assert_true(gsm_septets(out) > 0);

	/* too small: -1, NUL-terminated, never half a replacement */
	memset(out, 'x', sizeof(out));
	assert_int_equal(gsm_transliterate("\xc5\x93uvre", out, 2), -1);
	assert_string_equal(out, "");
	assert_int_equal(gsm_transliterate("ab\xc3\xa9", out, 4), -1);
	assert_string_equal(out, "ab");
	assert_int_equal(gsm_transliterate("abc", out, 4), 0);
	assert_string_equal(out, "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_septets_chars),
		cmocka_unit_test(test_gsm7_golden),
		cmocka_unit_test(test_gsm7_tables_roundtrip),
		cmocka_unit_test(test_gsm7_decode_odd),
		cmocka_unit_test(test_ucs2),
		cmocka_unit_test(test_encode_choice),
		cmocka_unit_test(test_decode_dc),
		cmocka_unit_test(test_decode_small),
		cmocka_unit_test(test_fits_ussd),
		cmocka_unit_test(test_transliterate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
