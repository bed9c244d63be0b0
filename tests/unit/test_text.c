/*
 * test_text: the core's one UTF-8 decoder/validator (utf8) and bounded
 * text buffer (tbuf) — golden vectors from RFC 3629 and the Unicode
 * standard's table 3-7, and the all-or-nothing rule of tbuf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tbuf.h"
#include "utf8.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_decode(void **state)
{
	static const struct {
		const char	*in;
		size_t		 n;	/* readable bytes */
		size_t		 len;	/* expected length, 0 = invalid */
		uint32_t	 cp;
	} v[] = {
		{ "A", 1, 1, 0x41 },
		{ "\x7F", 1, 1, 0x7F },
		{ "\xC3\xA9", 2, 2, 0xE9 },		/* é */
		{ "\xD8\xA7", 2, 2, 0x627 },		/* alef */
		{ "\xE2\xB4\xB0", 3, 3, 0x2D30 },	/* Tifinagh ya */
		{ "\xE2\x82\xAC", 3, 3, 0x20AC },	/* euro */
		{ "\xF0\x9F\x98\x80", 4, 4, 0x1F600 },
		{ "\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF },
		{ "\xEF\xBF\xBF", 3, 3, 0xFFFF },
		{ "\x80", 1, 0, 0 },			/* stray continuation */
		{ "\xC0\x80", 2, 0, 0 },		/* overlong NUL */
		{ "\xC1\xBF", 2, 0, 0 },		/* overlong */
		{ "\xE0\x9F\xBF", 3, 0, 0 },		/* overlong 3 */
		{ "\xF0\x8F\xBF\xBF", 4, 0, 0 },	/* overlong 4 */
		{ "\xED\xA0\x80", 3, 0, 0 },		/* surrogate D800 */
		{ "\xED\xBF\xBF", 3, 0, 0 },		/* surrogate DFFF */
		{ "\xF4\x90\x80\x80", 4, 0, 0 },	/* past U+10FFFF */
		{ "\xF5\x80\x80\x80", 4, 0, 0 },
		{ "\xFF", 1, 0, 0 },
		{ "\xC3", 1, 0, 0 },			/* truncated by n */
		{ "\xE2\x82", 2, 0, 0 },
		{ "\xC3\x00", SIZE_MAX, 0, 0 },		/* truncated by the NUL */
		{ "\xF0\x9F\x00", SIZE_MAX, 0, 0 },
		{ "\xC3\xA9", SIZE_MAX, 2, 0xE9 },
		{ "", 0, 0, 0 },
	};
	uint32_t	cp;
	size_t		i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		cp = 0xDEAD;
		assert_int_equal(utf8_decode((const unsigned char *)v[i].in,
		    v[i].n, &cp), v[i].len);
		if (v[i].len > 0)
			assert_int_equal(cp, v[i].cp);
	}
	assert_int_equal(utf8_decode((const unsigned char *)"\xC3\xA9", 2,
	    NULL), 2);
}

static void
test_encode_roundtrip(void **state)
{
	static const uint32_t	cps[] = { 0, 0x41, 0x7F, 0x80, 0x7FF, 0x800,
	    0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF };
	char			b[4];
	uint32_t		cp;
	size_t			i, n;

	(void)state;
	for (i = 0; i < N(cps); i++) {
		n = utf8_encode(cps[i], b);
		assert_int_equal(n, cps[i] < 0x80 ? 1 : cps[i] < 0x800 ? 2 :
		    cps[i] < 0x10000 ? 3 : 4);
		assert_int_equal(utf8_decode((unsigned char *)b, n, &cp), n);
		assert_int_equal(cp, cps[i]);
	}
}

static void
test_valid_chars_cut(void **state)
{
	const char	*fr = "D\xC3\xA9j\xC3\xA0 inscrit";	/* Déjà inscrit */
	const char	*ar = "\xD8\xB1\xD9\x82\xD9\x85";	/* 3 letters */

	(void)state;
	assert_true(utf8_valid(fr, strlen(fr)));
	assert_true(utf8_valid(ar, strlen(ar)));
	assert_true(utf8_valid("", 0));
	assert_false(utf8_valid("a\0b", 3));		/* NUL inside */
	assert_false(utf8_valid("\xD8", 1));
	assert_false(utf8_valid("ok\xED\xA0\x80", 5));
	assert_int_equal(utf8_chars(fr), 12);
	assert_int_equal(utf8_chars(ar), 3);
	assert_int_equal(utf8_chars("\xFF" "a"), 2);
	/* cuts never end inside a sequence */
	assert_int_equal(utf8_cut(ar, 6, 6), 6);
	assert_int_equal(utf8_cut(ar, 6, 5), 4);
	assert_int_equal(utf8_cut(ar, 6, 3), 2);
	assert_int_equal(utf8_cut(ar, 6, 1), 0);
	assert_int_equal(utf8_cut(fr, strlen(fr), 2), 1);
	assert_int_equal(utf8_cut(fr, strlen(fr), 100), strlen(fr));
}

static void
test_tbuf(void **state)
{
	char		buf[8];
	struct tbuf	b;

	(void)state;
	tbuf_init(&b, buf, sizeof(buf));
	assert_string_equal(buf, "");
	tbuf_adds(&b, "abc");
	tbuf_addc(&b, '-');
	tbuf_addu(&b, 42);
	assert_string_equal(buf, "abc-42");
	assert_int_equal(b.len, 6);
	assert_int_equal(tbuf_end(&b), 0);
	tbuf_adds(&b, "xy");			/* 8 + NUL: does not fit */
	assert_int_equal(tbuf_end(&b), -1);
	assert_string_equal(buf, "abc-42");	/* nothing of it kept */
	tbuf_adds(&b, "z");			/* over stays over */
	assert_string_equal(buf, "abc-42");

	tbuf_init(&b, buf, sizeof(buf));
	tbuf_addcp(&b, 0x2D30);
	tbuf_addcp(&b, 0x627);
	assert_int_equal(b.len, 5);
	tbuf_addcp(&b, 0x2D30);			/* 3 more: 8 + NUL */
	assert_int_equal(b.len, 5);
	assert_true(utf8_valid(buf, b.len));

	tbuf_init(&b, buf, sizeof(buf));
	tbuf_addf(&b, "%d/%s", 7, "ab");
	assert_string_equal(buf, "7/ab");
	tbuf_addf(&b, "%s", "toolong");
	assert_string_equal(buf, "7/ab");
	assert_int_equal(tbuf_end(&b), -1);
	/* nor past its NUL: buffers are cleared by their used bytes */
	for (size_t i = 4; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);

	tbuf_init(&b, buf, sizeof(buf));
	tbuf_addu(&b, 0);
	tbuf_addu(&b, 1234567);			/* 8 digits + NUL */
	assert_string_equal(buf, "0");

	tbuf_init(&b, NULL, 10);
	tbuf_adds(&b, "x");
	assert_int_equal(tbuf_end(&b), -1);
	tbuf_init(&b, buf, 1);
	tbuf_adds(&b, "");
	assert_int_equal(tbuf_end(&b), 0);
	tbuf_addc(&b, 'x');
	assert_string_equal(buf, "");
}

static void
test_tbuf_u64(void **state)
{
	char		buf[32];
	struct tbuf	b;

	(void)state;
	tbuf_init(&b, buf, sizeof(buf));
	tbuf_addu(&b, 18446744073709551615ULL);
	assert_string_equal(buf, "18446744073709551615");
}

/* Cut mode: the append that does not fit leaves what fits, as snprintf
 * would, and the buffer is over; whole appends behave as in tbuf_init. */
static void
test_tbuf_cut(void **state)
{
	char buf[12], want[12];
	struct tbuf b;
	size_t cap;

	(void)state;
	for (cap = 1; cap <= sizeof(buf); cap++) {
		memset(buf, 'x', sizeof(buf));
		tbuf_init_cut(&b, buf, cap);
		tbuf_adds(&b, "ab");
		tbuf_addu(&b, 12345);
		tbuf_addc(&b, '|');
		snprintf(want, cap, "%s%u%c", "ab", 12345u, '|');
		assert_string_equal(buf, want);
		assert_int_equal(b.len, strlen(want));
		assert_int_equal(tbuf_end(&b), cap > 8 ? 0 : -1);
	}
	tbuf_init_cut(&b, buf, 0);
	assert_int_equal(tbuf_end(&b), -1);
	/* The default mode keeps only whole appends. */
	tbuf_init(&b, buf, 5);
	tbuf_adds(&b, "ab");
	tbuf_addu(&b, 12345);
	assert_string_equal(buf, "ab");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_valid_chars_cut),
		cmocka_unit_test(test_tbuf),
		cmocka_unit_test(test_tbuf_cut),
		cmocka_unit_test(test_tbuf_u64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
