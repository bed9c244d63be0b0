/*
 * test_text_golden: the table-driven, single-pass text path (gsm_*,
 * sms_split, sms_fits, dialog_subst, and dialog_fill from the catalogue's
 * pieces with the measures it adds up) against the 0.5 code it replaced
 * (oracle_text_v05.h), on every code point of the tables, on thousands of
 * generated texts and on every text of the shipped catalogues: same
 * values, same bytes, same segments, same cuts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "oracle_text_v05.h"
#define DIALOG_FIXTURE_SESS
#include "dialog_fixture.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define TEXT_MAX	2600
#define TEXTS		6000

/* What texts are made of: every class the code treats apart. */
static const char *const pieces[] = {
	"a", "Z", "0", " ", ".", "\n", "\r", "@", "$", "_", "`", "\x7f",
	"\x01", "\t", "{", "}", "[", "]", "~", "\\", "|", "^",
	"\x1b", "\x1b(", "\x1b\x65",		/* GSM escapes, when decoded */
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

/* The septets of t's octets (any, escapes and high bits included) decoded
 * as the old decoder did, whole and cut. */
static void
same_decode(const char *t, size_t outsz)
{
	static char	a[TEXT_MAX * 3], b[TEXT_MAX * 3];
	size_t		n = strlen(t);

	memset(a, 'x', sizeof(a));
	memset(b, 'x', sizeof(b));
	assert_int_equal(old_gsm_gsm7_to_utf8((const uint8_t *)t, n, a, outsz),
	    gsm_gsm7_to_utf8((const uint8_t *)t, n, b, outsz));
	assert_string_equal(a, b);
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
	same_decode(t, TEXT_MAX * 3);
	same_decode(t, 1 + next_rand() % 200);
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
static void same_fill(const char *, const struct dialog_var *, int, size_t,
    int);
static void old_measure(const char *, int, struct gsm_measure *);

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
		same_fill(tmpl, v, 2, cap, (int)(next_rand() % 2));
	}
}

/* The measure the old code takes of text, as written or transliterated. */
static void
old_measure(const char *text, int tr, struct gsm_measure *m)
{
	static char	t[TEXT_MAX * 3];

	if (tr) {
		assert_int_equal(old_gsm_transliterate(text, t, sizeof(t)), 0);
		text = t;
	}
	m->chars = old_gsm_utf8_chars(text);
	m->septets = old_gsm_septets(text);
	m->latin1 = old_gsm_is_latin1(text);
}

/*
 * dialog_fill_tr of t into a screen-sized buffer: when it says it is whole,
 * the old transliteration of the text dialog_fill wrote whole (a, fm its
 * measures), with the same measures.
 */
static void
same_fill_tr(const struct catalog_text *t, const char *a,
    const struct dialog_measure *fm, const struct dialog_var *v, int nv)
{
	static char		 want[TEXT_MAX * 3], got[1024];
	struct dialog_measure	 m;
	struct tbuf		 tb;

	dialog_measure_start(&m, 1);
	tbuf_init(&tb, got, sizeof(got));
	dialog_fill_tr(&tb, t, v, nv, &m);
	if (!m.ok)
		return;
	assert_int_equal(tb.over, 0);
	assert_int_equal(m.len, fm->len);
	assert_int_equal(old_gsm_transliterate(a, want, sizeof(want)), 0);
	assert_string_equal(got, want);
	assert_int_equal(m.m.chars, fm->m.chars);
	assert_int_equal(m.m.septets, fm->m.septets);
	assert_int_equal(m.m.latin1, fm->m.latin1);
	old_measure(a, 1, &m.m);
	assert_int_equal(m.ms.chars, m.m.chars);
	assert_int_equal(m.ms.septets, m.m.septets);
	assert_int_equal(m.ms.latin1, m.m.latin1);
}

/*
 * tmpl split as the catalogue does and filled by dialog_fill: the bytes of
 * old_dialog_subst, and when everything fitted, the measures of the text
 * (as written and transliterated) and the answers they give, as the old
 * code measured them on the whole text.
 */
static void
same_fill(const char *tmpl, const struct dialog_var *v, int nv, size_t cap,
    int tr)
{
	static char		 a[TEXT_MAX], b[TEXT_MAX];
	struct catalog_text	 t;
	struct dialog_measure	 m;
	struct gsm_measure	 om;
	struct tbuf		 ta, tb;

	assert_true(cap <= sizeof(a));
	assert_int_equal(catalog_text_split(tmpl, &t), 0);
	memset(a, 'x', sizeof(a));
	memset(b, 'x', sizeof(b));
	tbuf_init(&ta, a, cap);
	tbuf_init(&tb, b, cap);
	old_dialog_subst(&ta, tmpl, v, nv);
	dialog_measure_start(&m, tr);
	dialog_fill(&tb, &t, v, nv, &m);
	assert_int_equal(ta.len, tb.len);
	assert_int_equal(ta.over, tb.over);
	assert_memory_equal(a, b, sizeof(a));
	if (ta.over)
		assert_int_equal(m.ok, 0);
	else {
		assert_int_equal(m.len, ta.len);
		same_fill_tr(&t, a, &m, v, nv);
	}
	if (m.ok) {
		old_measure(a, 0, &om);
		assert_int_equal(m.m.chars, om.chars);
		assert_int_equal(m.m.septets, om.septets);
		if (om.chars >= 0)
			assert_int_equal(m.m.latin1, om.latin1);
		assert_int_equal(sms_fits_measure(a, ta.len, &m.m, 2048, 8),
		    old_dialog_sms_fits(a));
		old_measure(a, tr, &om);
		assert_int_equal(m.ms.chars, om.chars);
		assert_int_equal(m.ms.septets, om.septets);
		if (om.chars >= 0)
			assert_int_equal(m.ms.latin1, om.latin1);
		if (tr) {
			static char	tt[TEXT_MAX * 3];

			assert_int_equal(old_gsm_transliterate(a, tt,
			    sizeof(tt)), 0);
			assert_int_equal(gsm_fits_ussd_measure(&m.ms),
			    old_gsm_fits_ussd(tt));
		} else
			assert_int_equal(gsm_fits_ussd_measure(&m.ms),
			    old_gsm_fits_ussd(a));
	}
	catalog_text_free(&t);
}

/*
 * Every text of the shipped catalogues (fr, ar, tzm), with values for
 * every placeholder it names (digits, accents, Arabic, a control
 * character, a bad byte, lines) and one more no text names, filled whole
 * and into buffers that cut it: the catalogue's pieces give the old bytes
 * and the old measures.
 */
static void
test_catalog_texts(void **state)
{
	static const char *const langs[] = { "fr", "ar", "tzm" };
	static const char *const samples[] = { "123456789", "0801002020",
	    "Affili\xc3\xa9 \xc3\xa0 la CNOPS", "\xd8\xb3\xd9\x84\xd8\xa7",
	    "ligne 1\nligne 2", "a\x01" "b\xff" "c", "\xc3\xaa\xc3\xa7\xc5\x93",
	    "{x}", "", "\xe2\xb5\x9c 5 \xe2\x82\xac" };
	const struct catalog_text	*t;
	const struct catalog_piece	*p;
	struct dialog_var		 v[16];
	char				 names[16][64];
	const char			*s;
	size_t				 cap;
	int				 l, k, i, j, nv, n = 0, round;

	(void)state;
	for (l = 0; l < 3; l++)
		for (k = 0; all_keys[k] != NULL; k++) {
			s = catalog_get(cat, langs[l], all_keys[k]);
			t = catalog_get_text(cat, langs[l], all_keys[k]);
			if (s == NULL) {
				assert_null(t);
				continue;
			}
			assert_non_null(t);
			assert_ptr_equal(t->text, s);
			assert_int_equal(t->len, strlen(s));
			assert_true(t->measured);
			for (round = 0; round < 12; round++) {
				nv = 0;
				for (i = 0; i < t->npiece && nv < 15; i++) {
					p = &t->piece[i];
					if (!p->var || p->len >= sizeof(names[0]))
						continue;
					memcpy(names[nv], t->text + p->off, p->len);
					names[nv][p->len] = '\0';
					for (j = 0; j < nv; j++)
						if (strcmp(names[j], names[nv]) == 0)
							break;
					if (j < nv)
						continue;
					v[nv] = (struct dialog_var){ names[nv],
					    samples[(size_t)(round + nv) % N(samples)],
					    (round + nv) % 2 };
					nv++;
				}
				v[nv++] = (struct dialog_var){ "unused", "zz", 0 };
				cap = round < 4 ? TEXT_MAX : 1 + next_rand() %
				    (t->len + 40);
				same_fill(s, v, nv, cap, round % 2);
				n++;
			}
		}
	assert_true(n > 100);
}

/* The old text of key in lang (dialog_msg_lang's fallbacks: the first
 * menu language is fr in every variant here). */
static const char *
old_msg(const char *lang, const char *key)
{
	const char	*t;

	if ((t = catalog_get(cat, lang, key)) == NULL &&
	    (t = catalog_get(cat, "fr", key)) == NULL)
		t = "";
	return t;
}

/*
 * Case A's screen and receipt as 0.5 made them (result_a, dialog_sms_render,
 * dialog_finish_line, dialog_emit), from the oracle's subst, measures and
 * transliteration: 1, or 0 when the screen was to be cut to fit (a last
 * resort the oracle does not copy: the screen is not compared then).
 */
static int
old_result_a(const char *lang, int tr, int receipt, const char *mat,
    char *screen, char *sms)
{
	static char		 raw[DIALOG_TEXT_MAX], all[DIALOG_SMS_MAX];
	static char		 t[DIALOG_TEXT_MAX];
	struct dialog_var	 v = { "matricule", mat, 0 };
	struct tbuf		 b;
	size_t			 n;

	sms[0] = '\0';
	tbuf_init(&b, raw, sizeof(raw));
	old_dialog_subst(&b, old_msg(lang, "result_a"), &v, 1);
	if (receipt) {
		tbuf_init(&b, all, sizeof(all));
		old_dialog_subst(&b, old_msg(lang, "sms_result_a"), &v, 1);
		if (tbuf_end(&b) == 0 && old_dialog_sms_fits(all))
			strcpy(sms, all);
	}
	if (sms[0] != '\0' && old_msg(lang, "result_sms")[0] != '\0') {
		tbuf_init(&b, all, DIALOG_TEXT_MAX);
		tbuf_adds(&b, raw);
		tbuf_adds(&b, "\n");
		tbuf_adds(&b, old_msg(lang, "result_sms"));
		if (tbuf_end(&b) == 0) {
			if (tr) {
				if (old_gsm_transliterate(all, t, sizeof(t)) ==
				    0 && old_gsm_fits_ussd(t)) {
					strcpy(screen, t);
					return 1;
				}
			} else if (old_gsm_fits_ussd(all)) {
				strcpy(screen, all);
				return 1;
			}
		}
	}
	if (!tr || old_gsm_transliterate(raw, screen, DIALOG_TEXT_MAX) == -1) {
		n = strnlen(raw, DIALOG_TEXT_MAX - 1);
		memcpy(screen, raw, n);
		screen[n] = '\0';
	}
	return old_gsm_fits_ussd(screen);
}

/*
 * Case A in each language, with and without transliteration and receipts,
 * matricules of every length, with the shipped texts and with texts that
 * make the other paths run (a screen that does not fit with its line,
 * placeholders the value list lacks, transliterated letters in the
 * literals): the screen and the receipt byte for byte as 0.5 made them.
 */
static void
test_result_a(void **state)
{
	static const char *const langs[] = { "fr", "ar", "tzm" };
	static const enum conf_variant confs[] = { CONF_DEFAULT,
	    CONF_NO_TRANSLIT, CONF_SERVICE };
	static const char *const texts[] = {
	    NULL,
	    "\xc3\x8atre {x} n\xc2\xb0 {matricule} \xe2\x80\x99{y",
	    "{matricule}{matricule} \xc5\x93uvre \xd8\xb3",
	    "{{matricule}} \xe2\x82\xac ``",
	};
	char			 mat[DIALOG_MATRICULE_MAX + 1], spec[64];
	char			 screen[DIALOG_TEXT_MAX], sms[DIALOG_SMS_MAX];
	char			 longtext[600];
	struct dialog_lookup	 res;
	struct sess		 s;
	size_t			 l, c, k, x, len;
	int			 tr, n = 0;

	(void)state;
	memset(longtext, 'e', sizeof(longtext) - 1);
	memcpy(longtext, "\xc3\xaa{matricule}", 13);
	longtext[150] = '\0';	/* fits alone, not with the line (GSM) */
	for (x = 0; x <= N(texts); x++) {
		for (l = 0; l < N(langs); l++) {
			if (x == N(texts))
				assert_int_equal(catalog_set(cat, langs[l],
				    "result_a", longtext), 0);
			else if (texts[x] != NULL)
				assert_int_equal(catalog_set(cat, langs[l],
				    "result_a", texts[x]), 0);
		}
		for (l = 0; l < N(langs); l++)
			for (c = 0; c < N(confs); c++)
				for (len = 1; len <= DIALOG_MATRICULE_MAX;
				    len += 1 + len / 4) {
			for (k = 0; k < len; k++)
				mat[k] = (char)('0' + (k * 7 + len) % 10);
			mat[len] = '\0';
			snprintf(spec, sizeof(spec), "%s|ussd|1|AB123|"
			    "31122030|01021980", langs[l]);
			memset(&s, 0, sizeof(s));
			sess_fields(&s, confs[c], spec);
			assert_int_equal(s.out.need, DIALOG_NEED_LOOKUP);
			memset(&res, 0, sizeof(res));
			res.status = DIALOG_FETCH_OK;
			res.n = 1;
			res.rec[0] = (struct dialog_record){
			    DIALOG_REG_REGISTERED, { 1980, 2, 1 },
			    { 2030, 12, 31 }, "", 1, "212612345678", "", "" };
			memcpy(res.rec[0].matricule, mat, len + 1);
			dialog_on_lookup(&s.d, &s.conf, cat, &res, &s.out);
			assert_int_equal(s.out.outcome, DIALOG_OUTCOME_A);
			tr = s.conf.transliterate && strcmp(langs[l], "fr") == 0;
			if (old_result_a(langs[l], tr, (s.conf.receipts &
			    DIALOG_RECEIPT_A) != 0, mat, screen, sms)) {
				assert_string_equal(s.out.text, screen);
				n++;
			}
			assert_string_equal(s.out.sms, sms);
		}
	}
	assert_true(n > 300);
}

static int
setup(void **state)
{
	(void)state;
	return (cat = load_catalog()) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_char_tables),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_generated_texts),
		cmocka_unit_test(test_subst),
		cmocka_unit_test(test_catalog_texts),
		cmocka_unit_test(test_result_a),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
