/*
 * gsm: UTF-8 <-> SMPP wire encodings (GSM 03.38 unpacked septets with the
 * extension table, UCS-2 big-endian, Latin-1, IA5), the per-message choice
 * between them, French transliteration and USSD page fitting. Strict UTF-8
 * in (no overlongs, surrogates or values past U+10FFFF), valid UTF-8 out.
 */
#include <stdint.h>
#include <string.h>

#include "gsm.h"
#include "tbuf.h"
#include "utf8.h"

#define GSM_ESC		0x1B

/* GSM 03.38 default alphabet, septet -> Unicode (0x1B is the escape). */
static const uint16_t gsm_base[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0x0000, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* Extension table: 0x1B followed by code. */
static const struct {
	uint8_t  code;
	uint16_t cp;
} gsm_ext[] = {
	{ 0x0A, 0x000C },	/* page break */
	{ 0x14, '^' },
	{ 0x28, '{' },
	{ 0x29, '}' },
	{ 0x2F, '\\' },
	{ 0x3C, '[' },
	{ 0x3D, '~' },
	{ 0x3E, ']' },
	{ 0x40, '|' },
	{ 0x65, 0x20AC },	/* euro sign */
};

/* Plain GSM equivalents of what French (and a few neighbours) type. */
static const struct {
	uint32_t    cp;
	const char *to;
} gsm_translit[] = {
	{ 0x0060, "'" },	{ 0x00A0, " " },	{ 0x00AB, "\"" },
	{ 0x00B0, "o" },	{ 0x00B4, "'" },	{ 0x00BB, "\"" },
	{ 0x00C0, "A" },	{ 0x00C1, "A" },	{ 0x00C2, "A" },
	{ 0x00C3, "A" },	{ 0x00C8, "E" },	{ 0x00CA, "E" },
	{ 0x00CB, "E" },	{ 0x00CC, "I" },	{ 0x00CD, "I" },
	{ 0x00CE, "I" },	{ 0x00CF, "I" },	{ 0x00D2, "O" },
	{ 0x00D3, "O" },	{ 0x00D4, "O" },	{ 0x00D5, "O" },
	{ 0x00D9, "U" },	{ 0x00DA, "U" },	{ 0x00DB, "U" },
	{ 0x00DD, "Y" },	{ 0x00E1, "a" },	{ 0x00E2, "a" },
	{ 0x00E3, "a" },	{ 0x00E7, "c" },	{ 0x00EA, "e" },
	{ 0x00EB, "e" },	{ 0x00ED, "i" },	{ 0x00EE, "i" },
	{ 0x00EF, "i" },	{ 0x00F3, "o" },	{ 0x00F4, "o" },
	{ 0x00F5, "o" },	{ 0x00FA, "u" },	{ 0x00FB, "u" },
	{ 0x00FD, "y" },	{ 0x00FF, "y" },	{ 0x0152, "OE" },
	{ 0x0153, "oe" },	{ 0x0178, "Y" },	{ 0x2002, " " },
	{ 0x2003, " " },	{ 0x2007, " " },	{ 0x2009, " " },
	{ 0x200A, " " },	{ 0x2010, "-" },	{ 0x2011, "-" },
	{ 0x2012, "-" },	{ 0x2013, "-" },	{ 0x2014, "-" },
	{ 0x2018, "'" },	{ 0x2019, "'" },	{ 0x201A, "'" },
	{ 0x201C, "\"" },	{ 0x201D, "\"" },	{ 0x201E, "\"" },
	{ 0x2026, "..." },	{ 0x202F, " " },	{ 0x2032, "'" },
	{ 0x2212, "-" },
};

#define GSM_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * U+0000..U+00FF -> what the alphabet has for it, so that the characters a
 * screen is made of cost one load, not a search: 0 none, 0x100 | septet
 * (default table), 0x200 | code (escape + code). Derived from gsm_base and
 * gsm_ext (tests/unit/test_text_golden.c checks every entry).
 */
const uint16_t gsm_latin[256] = {
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x10a, 0x000, 0x20a, 0x10d, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x120, 0x121, 0x122, 0x123, 0x102, 0x125, 0x126, 0x127,
	0x128, 0x129, 0x12a, 0x12b, 0x12c, 0x12d, 0x12e, 0x12f,
	0x130, 0x131, 0x132, 0x133, 0x134, 0x135, 0x136, 0x137,
	0x138, 0x139, 0x13a, 0x13b, 0x13c, 0x13d, 0x13e, 0x13f,
	0x100, 0x141, 0x142, 0x143, 0x144, 0x145, 0x146, 0x147,
	0x148, 0x149, 0x14a, 0x14b, 0x14c, 0x14d, 0x14e, 0x14f,
	0x150, 0x151, 0x152, 0x153, 0x154, 0x155, 0x156, 0x157,
	0x158, 0x159, 0x15a, 0x23c, 0x22f, 0x23e, 0x214, 0x111,
	0x000, 0x161, 0x162, 0x163, 0x164, 0x165, 0x166, 0x167,
	0x168, 0x169, 0x16a, 0x16b, 0x16c, 0x16d, 0x16e, 0x16f,
	0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177,
	0x178, 0x179, 0x17a, 0x228, 0x240, 0x229, 0x23d, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x140, 0x000, 0x101, 0x124, 0x103, 0x000, 0x15f,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x160,
	0x000, 0x000, 0x000, 0x000, 0x15b, 0x10e, 0x11c, 0x109,
	0x000, 0x11f, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x15d, 0x000, 0x000, 0x000, 0x000, 0x15c, 0x000,
	0x10b, 0x000, 0x000, 0x000, 0x15e, 0x000, 0x000, 0x11e,
	0x17f, 0x000, 0x000, 0x000, 0x17b, 0x10f, 0x11d, 0x000,
	0x104, 0x105, 0x000, 0x000, 0x107, 0x000, 0x000, 0x000,
	0x000, 0x17d, 0x108, 0x000, 0x000, 0x000, 0x17c, 0x000,
	0x10c, 0x106, 0x000, 0x000, 0x17e, 0x000, 0x000, 0x000
};

/* U+0000..U+00FF -> 1 + index in gsm_translit, 0 when it stays. */
static const uint8_t gsm_translit_latin[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0,
	4, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0,
	7, 8, 9, 10, 0, 0, 0, 0, 11, 0, 12, 13, 14, 15, 16, 17,
	0, 0, 18, 19, 20, 21, 0, 0, 0, 22, 23, 24, 0, 25, 0, 0,
	0, 26, 27, 28, 0, 0, 0, 29, 0, 0, 30, 31, 0, 32, 33, 34,
	0, 0, 0, 35, 36, 37, 0, 0, 0, 0, 38, 39, 0, 40, 0, 41
};
#define GSM_TRANSLIT_WIDE	41	/* gsm_translit[41..]: past U+00FF, sorted */

/*
 * Next code point of NUL-terminated UTF-8 at *pp: 1 (advanced), 0 at the
 * end, -1 on a bad sequence (*pp left on it). utf8_decode reads no further
 * than the NUL, which fails every continuation test; ASCII, most of what
 * a screen holds, does not pay the call.
 */
static inline int
gsm_next(const unsigned char **pp, uint32_t *cp)
{
	const unsigned char	*p = *pp;
	size_t			 k;

	if (p[0] < 0x80) {
		if (p[0] == 0)
			return 0;
		*cp = p[0];
		*pp = p + 1;
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF && (p[1] & 0xC0) == 0x80) {
		/* two octets (Latin, Greek, Arabic): never overlong from C2 */
		*cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
		*pp = p + 2;
		return 1;
	}
	if ((k = utf8_decode(p, SIZE_MAX, cp)) == 0)
		return -1;
	*pp = p + k;
	return 1;
}

/* Code point -> septet: 1 (base table), 2 (escape + *code), 0 (none).
 * Below U+0100 gsm_char (gsm.h) reads gsm_latin; past it the alphabet has
 * only ten Greek capitals and the euro sign. */
int
gsm_char_wide(uint32_t cp, uint8_t *code)
{
	uint8_t		i, c;

	if (code == NULL)
		code = &c;
	if (cp == 0x20AC) {
		*code = 0x65;
		return 2;
	}
	if (cp >= 0x0393 && cp <= 0x03A9)
		for (i = 0x10; i <= 0x1A; i++)
			if (gsm_base[i] == cp) {
				*code = i;
				return 1;
			}
	return 0;
}

long
gsm_septets(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	uint8_t code;
	long n = 0;
	int r, k;

	if (utf8 == NULL)
		return -1;
	for (;;) {
		while (*p != 0 && *p < 0x80) {		/* ASCII: one load each */
			if ((k = gsm_latin[*p++] >> 8) == 0)
				return -1;
			n += k;
		}
		if ((r = gsm_next(&p, &cp)) != 1)
			break;
		if ((k = gsm_char(cp, &code)) == 0)
			return -1;
		n += k;
	}
	return r == 0 ? n : -1;
}

int
gsm_measure(const char *utf8, struct gsm_measure *m)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	uint8_t code;
	const unsigned char *s;
	unsigned char c;
	long chars = 0, septets = 0;
	int latin1 = 1, nogsm = 0, r, k;

	m->chars = m->septets = -1;
	m->latin1 = 0;
	if (utf8 == NULL)
		return -1;
	for (;;) {
		/* ASCII: no branch but the loop's; 0 septets marks "none" */
		for (s = p; (c = *p) != 0 && c < 0x80; p++) {
			k = gsm_latin[c] >> 8;
			nogsm |= k == 0;
			septets += k;
		}
		chars += p - s;
		if ((r = gsm_next(&p, &cp)) != 1)
			break;
		chars++;
		if (cp > 0xFF)
			latin1 = 0;
		k = gsm_char(cp, &code);
		nogsm |= k == 0;
		septets += k;
	}
	if (r == -1)
		return -1;
	m->chars = chars;
	m->septets = nogsm ? -1 : septets;
	m->latin1 = latin1;
	return 0;
}

long
gsm_utf8_chars(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	long n = 0;
	int r;

	if (utf8 == NULL)
		return -1;
	for (;;) {
		while (*p != 0 && *p < 0x80) {
			p++;
			n++;
		}
		if ((r = gsm_next(&p, &cp)) != 1)
			break;
		n++;
	}
	return r == 0 ? n : -1;
}

/*
 * The page must fit whatever the bind's charset: text in the GSM alphabet
 * is sent as septets (or, on a Latin-1 bind, as Latin-1 bytes that the SMSC
 * turns into the same septets) when it is all Latin-1; GSM text with a
 * character past U+00FF (euro sign, Greek capitals) goes as UCS-2 on a
 * Latin-1 bind, so it must fit both limits. Anything else is UCS-2, one
 * UTF-16 unit per character since characters past U+FFFF become '?'.
 */
int
gsm_fits_ussd(const char *utf8)
{
	struct gsm_measure m;

	if (gsm_measure(utf8, &m) == -1)
		return 0;
	return gsm_fits_ussd_measure(&m);
}

int
gsm_fits_ussd_measure(const struct gsm_measure *m)
{
	if (m->chars < 0)
		return 0;
	if (m->septets >= 0 && m->latin1)
		return m->septets <= GSM_USSD_MAX_GSM7;
	if (m->septets >= 0)
		return m->septets <= GSM_USSD_MAX_GSM7 &&
		    m->chars <= GSM_USSD_MAX_UCS2;
	return m->chars <= GSM_USSD_MAX_UCS2;
}

/*
 * Append [s, e), whole valid characters with no NUL: in one piece when it
 * all fits, else character by character, so that the text is cut where
 * the first one does not fit, as if each had been appended alone.
 */
static void
gsm_copy(struct tbuf *o, const unsigned char *s, const unsigned char *e)
{
	const unsigned char *c;
	uint32_t cp;

	if (o->over || (size_t)(e - s) < o->cap - o->len) {
		tbuf_addn(o, (const char *)s, (size_t)(e - s));
		return;
	}
	while (s < e && !o->over) {
		c = s;
		if (gsm_next(&s, &cp) != 1)
			break;
		tbuf_addn(o, (const char *)c, (size_t)(s - c));
	}
}

/* Index in gsm_translit of what cp, not in the GSM alphabet, becomes, or
 * -1 when it stays as it is (a table below U+0100, a binary search of the
 * sorted rest above). */
static int
gsm_translit_find(uint32_t cp)
{
	size_t lo = GSM_TRANSLIT_WIDE, hi = GSM_NELEM(gsm_translit), mid;

	if (cp < 0x100)
		return (int)gsm_translit_latin[cp] - 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (gsm_translit[mid].cp == cp)
			return (int)mid;
		if (gsm_translit[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Octets gsm_transliterate copies as they are without a look: ASCII but
 * NUL and '`'. The && of a round stops at a NUL before reading past it. */
static const uint8_t gsm_stays[256] = {
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * GSM characters and anything without a plain equivalent (Arabic,
 * Tifinagh...) are copied as they are, in runs; a bad UTF-8 byte becomes
 * '?'.
 */
int
gsm_transliterate(const char *utf8, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)utf8, *s, *run;
	const char *to;
	struct tbuf o;
	uint32_t cp;
	int i;

	tbuf_init(&o, out, outsz);
	if (utf8 == NULL)
		return tbuf_end(&o);
	for (run = p; *p != 0 && !o.over;) {
		/* ASCII stays, but for the backquote: four octets a round */
		while (gsm_stays[p[0]] && gsm_stays[p[1]] && gsm_stays[p[2]] &&
		    gsm_stays[p[3]])
			p += 4;
		while (gsm_stays[*p])
			p++;
		if (*p == 0)
			break;
		s = p;
		if (gsm_next(&p, &cp) == -1) {
			to = "?";
			p++;
		} else if ((i = gsm_translit_find(cp)) >= 0)
			to = gsm_translit[i].to;
		else
			continue;
		gsm_copy(&o, run, s);
		tbuf_adds(&o, to);
		run = p;
	}
	gsm_copy(&o, run, p);
	return tbuf_end(&o);
}

int
gsm_utf8_to_gsm7(const char *utf8, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	uint8_t code;
	size_t n = 0;
	int r, k;

	if (outlen != NULL)
		*outlen = 0;
	if (utf8 == NULL || (out == NULL && outsz > 0))
		return -1;
	for (;;) {
		while (*p != 0 && *p < 0x80) {
			k = gsm_latin[*p] >> 8;
			if (k != 1 || n == outsz)
				break;		/* the general path below */
			out[n++] = (uint8_t)(gsm_latin[*p++] & 0xFF);
		}
		if ((r = gsm_next(&p, &cp)) != 1)
			break;
		if ((k = gsm_char(cp, &code)) == 0 || outsz - n < (size_t)k)
			return -1;
		if (k == 2)
			out[n++] = GSM_ESC;
		out[n++] = code;
	}
	if (r == -1)
		return -1;
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

/* Septets that read as the same ASCII octet (gsm_base[b] == b): LF, CR,
 * space to '#', '%' to '?', letters and digits. */
static const uint8_t gsm_same[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
};

/*
 * An escape before a code the extension table lacks is dropped and the code
 * read from the default table (what 03.38 asks of a receiver); a trailing
 * escape and octets with the high bit set become '?'.
 */
int
gsm_gsm7_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t outsz)
{
	struct tbuf o;
	size_t i, k, run = 0;
	uint8_t b;

	tbuf_init(&o, out, outsz);
	if (in == NULL)
		return tbuf_end(&o);
	for (i = 0; i < inlen && !o.over; i++) {
		/* ASCII as it is: copied in runs, found four octets a round */
		while (inlen - i >= 4 && gsm_same[in[i]] && gsm_same[in[i + 1]] &&
		    gsm_same[in[i + 2]] && gsm_same[in[i + 3]])
			i += 4;
		while (i < inlen && gsm_same[in[i]])
			i++;
		if (i == inlen)
			break;
		b = in[i];
		gsm_copy(&o, in + run, in + i);
		if (b == GSM_ESC) {
			if (i + 1 >= inlen) {
				tbuf_addc(&o, '?');
				run = inlen;
				break;
			}
			for (k = 0; k < GSM_NELEM(gsm_ext); k++)
				if (gsm_ext[k].code == in[i + 1])
					break;
			if (k < GSM_NELEM(gsm_ext)) {
				tbuf_addcp(&o, gsm_ext[k].cp);
				i++;
			}
		} else
			tbuf_addcp(&o, b < 0x80 ? gsm_base[b] : '?');
		run = i + 1;
	}
	if (run < i)
		gsm_copy(&o, in + run, in + i);
	return tbuf_end(&o);
}

int
gsm_utf8_to_ucs2(const char *utf8, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	size_t n = 0;
	int r;

	if (outlen != NULL)
		*outlen = 0;
	if (utf8 == NULL || (out == NULL && outsz > 0))
		return -1;
	while ((r = gsm_next(&p, &cp)) == 1) {
		if (outsz - n < 2)
			return -1;
		if (cp > 0xFFFF)
			cp = '?';
		out[n++] = (uint8_t)(cp >> 8);
		out[n++] = (uint8_t)(cp & 0xFF);
	}
	if (r == -1)
		return -1;
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

/*
 * Handsets that send UTF-16 are read too: a high+low surrogate pair gives
 * its character; a lone surrogate, U+0000 and an odd last octet give '?'.
 * Characters are encoded a few dozen at a time and handed to the buffer
 * by gsm_copy, which cuts where each alone would have.
 */
int
gsm_ucs2_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t outsz)
{
	struct tbuf o;
	unsigned char chunk[64];
	uint32_t u, lo;
	size_t i, n = 0;

	tbuf_init(&o, out, outsz);
	for (i = 0; in != NULL && i < inlen && !o.over; i += 2) {
		if (n > sizeof(chunk) - 4) {
			gsm_copy(&o, chunk, chunk + n);
			n = 0;
		}
		if (i + 1 >= inlen) {
			chunk[n++] = '?';
			break;
		}
		u = (uint32_t)in[i] << 8 | in[i + 1];
		if (u >= 0xD800 && u <= 0xDBFF && i + 3 < inlen) {
			lo = (uint32_t)in[i + 2] << 8 | in[i + 3];
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) +
				    (lo - 0xDC00);
				i += 2;
			}
		}
		if (u == 0 || (u >= 0xD800 && u <= 0xDFFF))
			u = '?';
		n += utf8_encode(u, (char *)chunk + n);
	}
	gsm_copy(&o, chunk, chunk + n);
	return tbuf_end(&o);
}

/* Latin-1 (or, with ascii set, IA5): NUL, C1 controls, >0x7F in IA5 -> '?' */
static int
gsm_8bit_to_utf8(const uint8_t *in, size_t inlen, int ascii, char *out,
    size_t outsz)
{
	struct tbuf o;
	size_t i, run = 0;
	uint8_t b;

	tbuf_init(&o, out, outsz);
	if (in == NULL)
		return tbuf_end(&o);
	for (i = 0; i < inlen && !o.over; i++) {
		b = in[i];
		if (b != 0 && b < 0x80)
			continue;	/* ASCII: copied in runs */
		gsm_copy(&o, in + run, in + i);
		tbuf_addcp(&o, b == 0 || ascii || b < 0xA0 ? '?' : b);
		run = i + 1;
	}
	if (run < i)
		gsm_copy(&o, in + run, in + i);
	return tbuf_end(&o);
}

/*
 * Octet -> its septet when it is a one-septet ASCII character of the
 * default table, -1 otherwise (NUL, the extension characters, '`', most
 * controls, and every octet of a multi-octet sequence): the one test of
 * gsm_encode_gsm's ASCII run.
 */
#define X	-1
#define X16	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
static const int16_t gsm_ascii7[256] = {
	X, X, X, X, X, X, X, X, X, X, 0x0A, X, X, 0x0D, X, X,
	X16,
	0x20, 0x21, 0x22, 0x23, 0x02, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
	0x00, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
	0x58, 0x59, 0x5A, X, X, X, X, 0x11,
	X, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7A, X, X, X, X, X,
	X16, X16, X16, X16, X16, X16, X16, X16,
};
#undef X16
#undef X

/*
 * The ASCII run at *pp as septets into *op (up to end), four octets per
 * round while four fit; stops before the first octet that is not a
 * one-septet character (a NUL among them: nothing past it is read).
 */
static inline void
gsm_run7(const unsigned char **pp, uint8_t **op, const uint8_t *end,
    int latin1)
{
	const unsigned char *p = *pp;
	uint8_t *o = *op;
	int v, i;

#define GSM_RUN_ONE(k)	do {					\
		if ((v = gsm_ascii7[p[k]]) < 0) {			\
			i = k;						\
			goto out;					\
		}							\
		o[k] = latin1 ? p[k] : (uint8_t)v;			\
	} while (0)
	while (end - o >= 4) {
		GSM_RUN_ONE(0);
		GSM_RUN_ONE(1);
		GSM_RUN_ONE(2);
		GSM_RUN_ONE(3);
		p += 4;
		o += 4;
	}
#undef GSM_RUN_ONE
	for (i = 0; o + i < end; i++) {
		if ((v = gsm_ascii7[p[i]]) < 0)
			break;
		o[i] = latin1 ? p[i] : (uint8_t)v;
	}
out:
	*pp = p + i;
	*op = o + i;
}

/*
 * One pass: every character is written as it is read, in the encoding
 * picked for the whole text if it stays in the GSM alphabet (septets, or
 * Latin-1 octets on a LATIN1 bind); the first character that does not
 * stops the pass (GSM_ENC_UCS2). The ASCII run is one table load and one
 * test per octet; in septets, the octets written are the septets.
 */
int
gsm_encode_gsm(const char *utf8, enum gsm_charset charset, uint8_t *out,
    size_t outsz, size_t *outlen, long *septets)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint8_t *o = out, *end = out + outsz;
	uint32_t cp;
	uint8_t code;
	long ext = 0;
	int r, k;

	*outlen = 0;
	*septets = 0;
	for (;;) {
		if (charset == GSM_CHARSET_LATIN1)
			gsm_run7(&p, &o, end, 1);
		else
			gsm_run7(&p, &o, end, 0);
		if ((r = gsm_next(&p, &cp)) != 1)
			break;
		if ((k = gsm_char(cp, &code)) == 0)
			return GSM_ENC_UCS2;
		if (charset == GSM_CHARSET_LATIN1) {
			if (cp > 0xFF)
				return GSM_ENC_UCS2;
			if (o == end)
				return GSM_ENC_FULL;
			*o++ = (uint8_t)cp;
			ext += k - 1;
			continue;
		}
		if (end - o < k)
			return GSM_ENC_FULL;
		if (k == 2)
			*o++ = GSM_ESC;
		*o++ = code;
	}
	if (r == -1)
		return GSM_ENC_BAD;
	*outlen = (size_t)(o - out);
	*septets = (long)(o - out) + ext;
	return GSM_ENC_OK;
}

/*
 * On a LATIN1 bind, data_coding 0x00 means Latin-1 octets, and the SMSC
 * converts them to GSM 7-bit for the air: so GSM-alphabet text that is
 * also all Latin-1 is written as Latin-1 octets with data_coding 0x00
 * (never 0x03, which not every SMSC passes on); the rest goes as UCS-2.
 * The text is not measured first: gsm_encode_gsm writes it in the GSM
 * alphabet, and only a text that turns out not to be is written again,
 * in UCS-2. When the GSM pass runs out of room the UCS-2 one would too
 * (2 octets per character, never fewer than the septets or Latin-1
 * octets of the same characters).
 */
int
gsm_encode(const char *utf8, enum gsm_charset charset, uint8_t *out,
    size_t outsz, size_t *outlen, uint8_t *data_coding)
{
	size_t len = 0;
	long sep;

	if (outlen != NULL)
		*outlen = 0;
	if (utf8 == NULL || outlen == NULL || data_coding == NULL ||
	    (out == NULL && outsz > 0))
		return -1;
	switch (gsm_encode_gsm(utf8, charset, out, outsz, &len, &sep)) {
	case GSM_ENC_OK:
		*data_coding = GSM_DC_DEFAULT;
		break;
	case GSM_ENC_UCS2:
		if (gsm_utf8_to_ucs2(utf8, out, outsz, &len) == -1)
			return -1;
		*data_coding = GSM_DC_UCS2;
		break;
	default:
		return -1;
	}
	*outlen = len;
	return 0;
}

enum gsm_kind {
	GSM_KIND_GSM7,
	GSM_KIND_LATIN1,
	GSM_KIND_IA5,
	GSM_KIND_UCS2,
};

/*
 * SMPP's own values (0x00..0x0F) first; above them the 03.38 data coding
 * scheme: groups 00xx/01xx carry the alphabet in bits 3..2 (10 = UCS-2,
 * e.g. 0x48), 1110 is message waiting in UCS-2; the rest is read as GSM.
 */
static enum gsm_kind
gsm_dc_kind(uint8_t dc, enum gsm_charset charset)
{
	switch (dc) {
	case 0x00:
		return charset == GSM_CHARSET_LATIN1 ? GSM_KIND_LATIN1 :
		    GSM_KIND_GSM7;
	case 0x01:
		return GSM_KIND_IA5;
	case 0x03:
		return GSM_KIND_LATIN1;
	case 0x08:
		return GSM_KIND_UCS2;
	default:
		break;
	}
	if (dc >= 0x10 && dc <= 0x7F && ((dc >> 2) & 0x03) == 0x02)
		return GSM_KIND_UCS2;
	if ((dc & 0xF0) == 0xE0)
		return GSM_KIND_UCS2;
	return GSM_KIND_GSM7;
}

int
gsm_decode(uint8_t data_coding, enum gsm_charset charset,
    const uint8_t *in, size_t inlen, char *out, size_t outsz)
{
	switch (gsm_dc_kind(data_coding, charset)) {
	case GSM_KIND_LATIN1:
		return gsm_8bit_to_utf8(in, inlen, 0, out, outsz);
	case GSM_KIND_IA5:
		return gsm_8bit_to_utf8(in, inlen, 1, out, outsz);
	case GSM_KIND_UCS2:
		return gsm_ucs2_to_utf8(in, inlen, out, outsz);
	case GSM_KIND_GSM7:
		break;
	}
	return gsm_gsm7_to_utf8(in, inlen, out, outsz);
}
