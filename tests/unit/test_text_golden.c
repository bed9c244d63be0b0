/*
 * test_text_golden: the table-driven, single-pass text path (gsm_*,
 * sms_split, sms_fits, dialog_subst) against the 0.5 code it replaced
 * (oracle_text_v05.h), on every code point of the tables and on thousands
 * of generated texts: same values, same bytes, same segments, same cuts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "oracle_text_v05.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define TEXT_MAX	2600
#define TEXTS		6000

/* What texts are made of: every class the code treats apart. */
static const char *const pieces[] = {
	"a", "Z", "0", " ", ".", "\n", "\r", "@", "$", "_", "`", "\x7f",
	"\x01", "\t", "{", "}", "[", "]", "~", "\\", "|", "^",
	"\xe2\x82\xac",			/* euro: escape pair */
	"\xc3\xa9", "\xc3\xa8", "\xc3\xa0", "\xc3\x89", "\xc3\x9c",
	"\xc2\xa3", "\xc2\xa7", "\xc2\xbf", "\xc2\xa1",	/* GSM Latin-1 */
	"\xc3\xa7", "\xc3\xaa", "\xc3\xa2", "\xc3\xae", "\xc3\xb4",
	"\xc5\x93", "\xc5\x92", "\xc5\xb8", "\xc2\xab", "\xc2\xbb",
	"\xc2\xa0", "\xc2\xb0", "\xc3\xbf", "\xc2\xae", "\xc2\x80",
	"\xe2\x80\x99", "\xe2\x80\xa6", "\xe2\x80\x93", "\xe2\x88\x92",
	"\xe2\x80\xaf", "\xe2\x80\xb2", "\xe2\x80\x9c",
	"\xce\x94", "\xce\xa9", "\xce\x93", "\xce\xb1",	/* Greek */
	"\xd8\xb3", "\xd9\x84", "\xd8\xa7",		/* Arabic */
	"\xe2\xb5\x9c", "\xe2\xb4\xb0",		/* Tifinagh */
	"\xf0\x9f\x98\x80",			/* past U+FFFF */
	"\xff", "\xc3", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82",	/* bad */
};

static uint32_t rng = 2463534242u;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/*
 * A text: mostly one "base" piece (so runs reach the segment and page
 * limits) sprinkled with others; a fifth of the texts stay clean of bad
 * UTF-8 so that the encoders' long paths run too.
 */
static void
gen(char *t, size_t tsz)
{
	size_t len = 0, n, k, i, np = N(pieces);
	const char *base, *p;
	int clean = next_rand() % 5 != 0;

	base = next_rand() % 3 == 0 ? pieces[next_rand() % 8] : "a";
	n = next_rand() % 4 == 0 ? next_rand() % 700 : next_rand() % 200;
	for (i = 0; i < n; i++) {
		p = next_rand() % 6 == 0 ? pieces[next_rand() % np] : base;
		if (clean && (p[0] == '\xff' || (p[0] == '\xc3' &&
		    p[1] == '\0') || p[0] == '\xc0' || p[0] == '\xed' ||
		    (p[0] == '\xe2' && p[1] == '\x82' && p[2] == '\0')))
			p = "b";
		k = strlen(p);
		if (len + k >= tsz)
			break;
		memcpy(t + len, p, k);
		len += k;
	}
	t[len] = '\0';
}

static void
same_segments(const char *t, enum gsm_charset cs, int maxseg, uint8_t ref)
{
	struct sms_segment	a[9], b[9];
	int			na, nb, i;

	na = old_sms_split(t, cs, ref, a, maxseg);
	nb = sms_split(t, cs, ref, b, maxseg);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		assert_int_equal(a[i].data_coding, b[i].data_coding);
		assert_int_equal(a[i].esm_class, b[i].esm_class);
		assert_int_equal(a[i].len, b[i].len);
		assert_memory_equal(a[i].body, b[i].body, a[i].len);
	}
}

static void
same_bytes(const char *t, size_t outsz)
{
	uint8_t		a[TEXT_MAX * 2], b[TEXT_MAX * 2], dca, dcb;
	size_t		la, lb;
	int		ra, rb, cs;

	ra = old_gsm_utf8_to_gsm7(t, a, outsz, &la);
	rb = gsm_utf8_to_gsm7(t, b, outsz, &lb);
	assert_int_equal(ra, rb);
	assert_int_equal(la, lb);
	if (ra == 0)
		assert_memory_equal(a, b, la);
	ra = old_gsm_utf8_to_ucs2(t, a, outsz, &la);
	rb = gsm_utf8_to_ucs2(t, b, outsz, &lb);
	assert_int_equal(ra, rb);
	assert_int_equal(la, lb);
	if (ra == 0)
		assert_memory_equal(a, b, la);
	for (cs = GSM_CHARSET_GSM7; cs <= GSM_CHARSET_LATIN1; cs++) {
		dca = dcb = 0xEE;
		ra = old_gsm_encode(t, (enum gsm_charset)cs, a, outsz, &la,
		    &dca);
		rb = gsm_encode(t, (enum gsm_charset)cs, b, outsz, &lb, &dcb);
		assert_int_equal(ra, rb);
		assert_int_equal(la, lb);
		if (ra == 0) {
			assert_int_equal(dca, dcb);
			assert_memory_equal(a, b, la);
		}
	}
}

static void
same_translit(const char *t, size_t outsz)
{
	char	a[TEXT_MAX * 3], b[TEXT_MAX * 3];

	memset(a, 'x', sizeof(a));
	memset(b, 'x', sizeof(b));
	assert_int_equal(old_gsm_transliterate(t, a, outsz),
	    gsm_transliterate(t, b, outsz));
	assert_string_equal(a, b);
}

static void
same_all(const char *t)
{
	struct gsm_measure	m;
	int			ms;

	assert_int_equal(old_gsm_septets(t), gsm_septets(t));
	assert_int_equal(old_gsm_utf8_chars(t), gsm_utf8_chars(t));
	assert_int_equal(old_gsm_fits_ussd(t), gsm_fits_ussd(t));
	if (gsm_measure(t, &m) == 0) {
		assert_int_equal(m.chars, old_gsm_utf8_chars(t));
		assert_int_equal(m.septets, old_gsm_septets(t));
	} else
		assert_true(old_gsm_utf8_chars(t) < 0);
	assert_int_equal(old_dialog_sms_fits(t), sms_fits(t, 2048, 8));
	same_translit(t, TEXT_MAX * 3);
	same_translit(t, 1 + next_rand() % 200);
	same_bytes(t, TEXT_MAX * 2);
	same_bytes(t, next_rand() % 400);
	for (ms = 1; ms <= 9; ms++) {
		same_segments(t, GSM_CHARSET_GSM7, ms, (uint8_t)next_rand());
		same_segments(t, GSM_CHARSET_LATIN1, ms, (uint8_t)next_rand());
	}
}

/* Every code point the tables and the searches cover, and a sample past. */
static void
test_char_tables(void **state)
{
	uint8_t		a, b;
	uint32_t	cp;
	int		ka, kb;

	(void)state;
	for (cp = 0; cp < 0x110000; cp = cp < 0x3000 ? cp + 1 : cp + 97) {
		a = b = 0;
		ka = old_gsm_lookup(cp, &a);
		kb = gsm_char(cp, &b);
		assert_int_equal(ka, kb);
		if (ka != 0)
			assert_int_equal(a, b);
		assert_int_equal(ka, gsm_char(cp, NULL));
	}
	assert_int_equal(gsm_char(0x20AC, &b), 2);
	assert_int_equal(b, 0x65);
}

static void
test_generated_texts(void **state)
{
	static char	t[TEXT_MAX];
	int		i;

	(void)state;
	for (i = 0; i < TEXTS; i++) {
		gen(t, sizeof(t));
		same_all(t);
	}
}

/* Texts at the limits: 160/161, 306/307 and 1224/1225 septets, an escape
 * pair or a UCS-2 character sliding across each boundary. */
static void
test_boundaries(void **state)
{
	static const char *const odd[] = { "\xe2\x82\xac", "{", "\xc3\xa9",
	    "\xc3\xa7", "\xce\x94", "\xf0\x9f\x98\x80", "\xd8\xb3" };
	static const int lens[] = { 60, 69, 70, 71, 134, 135, 160, 161, 182,
	    183, 305, 306, 307, 536, 537, 1223, 1224, 1225, 1226 };
	static char	t[TEXT_MAX];
	size_t		o, len, k;
	int		li, at, i;

	(void)state;
	for (i = 0; i < (int)N(odd); i++) {
		for (li = 0; li < (int)N(lens); li++) {
			for (at = -3; at <= 3; at++) {
				len = (size_t)lens[li];
				memset(t, 'a', len);
				t[len] = '\0';
				o = (size_t)((int)len / 2 + at);
				k = strlen(odd[i]);
				if (o + k + len >= sizeof(t))
					continue;
				memmove(t + o + k, t + o, len - o + 1);
				memcpy(t + o, odd[i], k);
				same_all(t);
				t[len - 1 < o ? len - 1 : o] = '\0';
				same_all(t);
			}
		}
	}
	same_all("");
}

/* Templates with known, unknown and unclosed placeholders, values with
 * controls, newlines and bad bytes, into buffers of every small size. */
static void
test_subst(void **state)
{
	static const char *const tparts[] = { "Votre matricule: ", "{m}",
	    "{l}", "{x}", "{", "}", "\xc3\xa9", "\n", "{m", "abc",
	    "\xd8\xb3\xd9\x84", "{}" };
	static const char *const vparts[] = { "123", "\n", "\x01", "\x7f",
	    "\xff", "\xc3\xa9", "\xe2\x82", "x y", "\xf0\x9f\x98\x80",
	    "\t" };
	char		 tmpl[256], val[2][128], a[300], b[300];
	struct dialog_var v[2];
	struct tbuf	 ta, tb;
	size_t		 cap;
	int		 i, j, n;

	(void)state;
	for (i = 0; i < 3000; i++) {
		tmpl[0] = val[0][0] = val[1][0] = '\0';
		n = (int)(next_rand() % 12);
		for (j = 0; j < n; j++)
			strcat(tmpl, tparts[next_rand() % N(tparts)]);
		for (j = 0; j < 2; j++) {
			n = (int)(next_rand() % 8);
			while (n-- > 0)
				strcat(val[j], vparts[next_rand() % N(vparts)]);
		}
		v[0] = (struct dialog_var){ "m", val[0], 0 };
		v[1] = (struct dialog_var){ "l", val[1], 1 };
		cap = next_rand() % 4 == 0 ? sizeof(a) : next_rand() % 80;
		memset(a, 'x', sizeof(a));
		memset(b, 'x', sizeof(b));
		tbuf_init(&ta, a, cap);
		tbuf_init(&tb, b, cap);
		old_dialog_subst(&ta, tmpl, v, 2);
		dialog_subst(&tb, tmpl, v, 2);
		assert_int_equal(ta.len, tb.len);
		assert_int_equal(ta.over, tb.over);
		assert_memory_equal(a, b, sizeof(a));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_char_tables),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_generated_texts),
		cmocka_unit_test(test_subst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
