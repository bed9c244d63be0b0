/*
 * The text path as it was in 0.5 (gsm.c and sms.c, verbatim but for the
 * old_ prefix and static linkage): the oracle the golden tests compare the
 * table-driven, single-pass code against. Included by one test file only.
 */
#include <stdint.h>
#include <string.h>

#include "dialog_impl.h"
#include "gsm.h"
#include "sms.h"
#include "tbuf.h"
#include "utf8.h"

#define GSM_ESC		0x1B

/* GSM 03.38 default alphabet, septet -> Unicode (0x1B is the escape). */
static const uint16_t old_gsm_base[128] = {
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
} old_gsm_ext[] = {
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
} old_gsm_translit[] = {
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
 * Next code point of NUL-terminated UTF-8 at *pp: 1 (advanced), 0 at the
 * end, -1 on a bad sequence (*pp left on it). utf8_decode reads no further
 * than the NUL, which fails every continuation test; ASCII, most of what
 * a screen holds, does not pay the call.
 */
static inline int
old_gsm_next(const unsigned char **pp, uint32_t *cp)
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
	if ((k = utf8_decode(p, SIZE_MAX, cp)) == 0)
		return -1;
	*pp = p + k;
	return 1;
}

/* Code point -> septet: 1 (base table), 2 (escape + *code), 0 (none). */
static int
old_gsm_lookup(uint32_t cp, uint8_t *code)
{
	size_t i;

	if (cp < 0x80) {
		switch (cp) {
		case '@':
			*code = 0x00;
			return 1;
		case '$':
			*code = 0x02;
			return 1;
		case '_':
			*code = 0x11;
			return 1;
		case '\n':
		case '\r':
			*code = (uint8_t)cp;
			return 1;
		case '`':
		case 0x7F:
			return 0;
		default:
			if (cp >= 0x20 && old_gsm_base[cp] == cp) {
				*code = (uint8_t)cp;
				return 1;
			}
			break;	/* control characters, extension table */
		}
	} else {
		for (i = 0; i < GSM_NELEM(old_gsm_base); i++) {
			if (old_gsm_base[i] == cp && i != GSM_ESC) {
				*code = (uint8_t)i;
				return 1;
			}
		}
	}
	for (i = 0; i < GSM_NELEM(old_gsm_ext); i++) {
		if (old_gsm_ext[i].cp == cp) {
			*code = old_gsm_ext[i].code;
			return 2;
		}
	}
	return 0;
}

static long
old_gsm_septets(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	uint8_t code;
	long n = 0;
	int r, k;

	if (utf8 == NULL)
		return -1;
	while ((r = old_gsm_next(&p, &cp)) == 1) {
		if ((k = old_gsm_lookup(cp, &code)) == 0)
			return -1;
		n += k;
	}
	return r == 0 ? n : -1;
}

static long
old_gsm_utf8_chars(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	long n = 0;
	int r;

	if (utf8 == NULL)
		return -1;
	while ((r = old_gsm_next(&p, &cp)) == 1)
		n++;
	return r == 0 ? n : -1;
}

/* Is every character at most U+00FF (valid UTF-8 assumed)? */
static int
old_gsm_is_latin1(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;

	while (old_gsm_next(&p, &cp) == 1)
		if (cp > 0xFF)
			return 0;
	return 1;
}

/*
 * The page must fit whatever the bind's charset: text in the GSM alphabet
 * is sent as septets (or, on a Latin-1 bind, as Latin-1 bytes that the SMSC
 * turns into the same septets) when it is all Latin-1; GSM text with a
 * character past U+00FF (euro sign, Greek capitals) goes as UCS-2 on a
 * Latin-1 bind, so it must fit both limits. Anything else is UCS-2, one
 * UTF-16 unit per character since characters past U+FFFF become '?'.
 */
static int
old_gsm_fits_ussd(const char *utf8)
{
	long septets, chars;

	if ((chars = old_gsm_utf8_chars(utf8)) < 0)
		return 0;
	septets = old_gsm_septets(utf8);
	if (septets >= 0 && old_gsm_is_latin1(utf8))
		return septets <= GSM_USSD_MAX_GSM7;
	if (septets >= 0)
		return septets <= GSM_USSD_MAX_GSM7 &&
		    chars <= GSM_USSD_MAX_UCS2;
	return chars <= GSM_USSD_MAX_UCS2;
}

/*
 * Append [s, e), whole valid characters with no NUL: in one piece when it
 * all fits, else character by character, so that the text is cut where
 * the first one does not fit, as if each had been appended alone.
 */
static void
old_gsm_copy(struct tbuf *o, const unsigned char *s, const unsigned char *e)
{
	const unsigned char *c;
	uint32_t cp;

	if (o->over || (size_t)(e - s) < o->cap - o->len) {
		tbuf_addn(o, (const char *)s, (size_t)(e - s));
		return;
	}
	while (s < e && !o->over) {
		c = s;
		if (old_gsm_next(&s, &cp) != 1)
			break;
		tbuf_addn(o, (const char *)c, (size_t)(s - c));
	}
}

/* Index in old_gsm_translit of what cp, not in the GSM alphabet, becomes, or
 * -1 when it stays as it is. */
static int
old_gsm_translit_find(uint32_t cp)
{
	uint8_t code;
	size_t i;

	if (old_gsm_lookup(cp, &code) != 0)
		return -1;
	for (i = 0; i < GSM_NELEM(old_gsm_translit); i++)
		if (old_gsm_translit[i].cp == cp)
			return (int)i;
	return -1;
}

/*
 * GSM characters and anything without a plain equivalent (Arabic,
 * Tifinagh...) are copied as they are, in runs; a bad UTF-8 byte becomes
 * '?'.
 */
static int
old_gsm_transliterate(const char *utf8, char *out, size_t outsz)
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
		s = p;
		if (old_gsm_next(&p, &cp) == -1) {
			to = "?";
			p++;
		} else if ((i = old_gsm_translit_find(cp)) >= 0)
			to = old_gsm_translit[i].to;
		else
			continue;
		old_gsm_copy(&o, run, s);
		tbuf_adds(&o, to);
		run = p;
	}
	old_gsm_copy(&o, run, p);
	return tbuf_end(&o);
}

/* 0.6's GSM 7-bit decoder before its ASCII runs were found four octets a
 * round. */
static int
old_gsm_gsm7_to_utf8(const uint8_t *in, size_t inlen, char *out,
    size_t outsz)
{
	struct tbuf o;
	size_t i, k, run = 0;
	uint8_t b;

	tbuf_init(&o, out, outsz);
	if (in == NULL)
		return tbuf_end(&o);
	for (i = 0; i < inlen && !o.over; i++) {
		b = in[i];
		if (b < 0x80 && old_gsm_base[b] == b)
			continue;	/* ASCII as it is: copied in runs */
		old_gsm_copy(&o, in + run, in + i);
		if (b == GSM_ESC) {
			if (i + 1 >= inlen) {
				tbuf_addc(&o, '?');
				run = inlen;
				break;
			}
			for (k = 0; k < GSM_NELEM(old_gsm_ext); k++)
				if (old_gsm_ext[k].code == in[i + 1])
					break;
			if (k < GSM_NELEM(old_gsm_ext)) {
				tbuf_addcp(&o, old_gsm_ext[k].cp);
				i++;
			}
		} else
			tbuf_addcp(&o, b < 0x80 ? old_gsm_base[b] : '?');
		run = i + 1;
	}
	if (run < i)
		old_gsm_copy(&o, in + run, in + i);
	return tbuf_end(&o);
}

static int
old_gsm_utf8_to_gsm7(const char *utf8, uint8_t *out, size_t outsz,
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
	while ((r = old_gsm_next(&p, &cp)) == 1) {
		if ((k = old_gsm_lookup(cp, &code)) == 0 || outsz - n < (size_t)k)
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

static int
old_gsm_utf8_to_ucs2(const char *utf8, uint8_t *out, size_t outsz,
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
	while ((r = old_gsm_next(&p, &cp)) == 1) {
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

static int
old_gsm_utf8_to_latin1(const char *utf8, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	size_t n = 0;
	int r;

	while ((r = old_gsm_next(&p, &cp)) == 1) {
		if (cp > 0xFF || n >= outsz)
			return -1;
		out[n++] = (uint8_t)cp;
	}
	if (r == -1)
		return -1;
	*outlen = n;
	return 0;
}

/*
 * On a LATIN1 bind, data_coding 0x00 means Latin-1 octets, and the SMSC
 * converts them to GSM 7-bit for the air: so GSM-alphabet text that is
 * also all Latin-1 is written as Latin-1 octets with data_coding 0x00
 * (never 0x03, which not every SMSC passes on); the rest goes as UCS-2.
 */
static int
old_gsm_encode(const char *utf8, enum gsm_charset charset, uint8_t *out,
    size_t outsz, size_t *outlen, uint8_t *data_coding)
{
	size_t len = 0;
	int gsm;

	if (outlen != NULL)
		*outlen = 0;
	if (utf8 == NULL || outlen == NULL || data_coding == NULL ||
	    (out == NULL && outsz > 0) || old_gsm_utf8_chars(utf8) < 0)
		return -1;
	gsm = old_gsm_septets(utf8) >= 0;
	if (gsm && charset == GSM_CHARSET_LATIN1 && old_gsm_is_latin1(utf8)) {
		if (old_gsm_utf8_to_latin1(utf8, out, outsz, &len) == -1)
			return -1;
		*data_coding = GSM_DC_DEFAULT;
	} else if (gsm && charset != GSM_CHARSET_LATIN1) {
		if (old_gsm_utf8_to_gsm7(utf8, out, outsz, &len) == -1)
			return -1;
		*data_coding = GSM_DC_DEFAULT;
	} else {
		if (old_gsm_utf8_to_ucs2(utf8, out, outsz, &len) == -1)
			return -1;
		*data_coding = GSM_DC_UCS2;
	}
	*outlen = len;
	return 0;
}

#define SMS_SINGLE_SEPTETS	160
#define SMS_SINGLE_UCS2		70	/* UTF-16 units */
#define SMS_CONCAT_SEPTETS	153	/* 160 minus the 6-octet UDH (7 septets) */
#define SMS_CONCAT_UCS2		67	/* (140 - 6) / 2 */
#define SMS_UDH_LEN		6
#define SMS_ESM_UDHI		0x40

enum sms_mode {
	SMS_MODE_GSM7,		/* unpacked septets, data_coding 0 on a GSM7 bind */
	SMS_MODE_LATIN1,	/* Latin-1 octets, data_coding 0 on a LATIN1 bind */
	SMS_MODE_UCS2,
};

/* Are all characters of valid UTF-8 at most U+00FF? */
static int
old_sms_is_latin1(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t cp;
	size_t k;

	for (; *p != 0; p += k)
		if ((k = utf8_decode(p, SIZE_MAX, &cp)) == 0 || cp > 0xFF)
			return 0;
	return 1;
}

/*
 * One character (clen octets at p, code point cp): its wire octets in b
 * (up to 4), their count in *blen, and what it costs against the segment
 * limit (septets, or UTF-16 units). Encoded through gsm's converters so
 * the bytes are those gsm_encode writes.
 */
static int
old_sms_char(const char *p, size_t clen, uint32_t cp, enum sms_mode mode,
    uint8_t b[4], size_t *blen, size_t *cost)
{
	char one[5];
	uint8_t g[2];
	size_t n;

	memcpy(one, p, clen);
	one[clen] = '\0';
	switch (mode) {
	case SMS_MODE_GSM7:
		if (old_gsm_utf8_to_gsm7(one, b, 4, blen) == -1)
			return -1;
		*cost = *blen;
		return 0;
	case SMS_MODE_LATIN1:
		/* the SMSC turns each octet into one septet or an escape pair */
		if (old_gsm_utf8_to_gsm7(one, g, sizeof(g), &n) == -1 || cp > 0xFF)
			return -1;
		b[0] = (uint8_t)cp;
		*blen = 1;
		*cost = n;
		return 0;
	case SMS_MODE_UCS2:
		/* a surrogate pair, were one written, is one character here */
		if (old_gsm_utf8_to_ucs2(one, b, 4, blen) == -1)
			return -1;
		*cost = *blen / 2;
		return 0;
	}
	return -1;
}

static int
old_sms_split(const char *utf8, enum gsm_charset charset, uint8_t ref,
    struct sms_segment *seg, int maxseg)
{
	enum sms_mode mode;
	struct sms_segment *s;
	const char *p;
	size_t outlen, clen, blen, cost, used, single, per;
	long septets, total;
	uint32_t cp;
	uint8_t dc, b[4];
	int nseg, i;

	if (utf8 == NULL || seg == NULL || maxseg < 1 ||
	    old_gsm_utf8_chars(utf8) < 0)
		return -1;
	if (maxseg > 255)
		maxseg = 255;		/* the UDH counts in one octet */

	septets = old_gsm_septets(utf8);
	if (septets >= 0 && charset == GSM_CHARSET_LATIN1 &&
	    old_sms_is_latin1(utf8))
		mode = SMS_MODE_LATIN1;
	else if (septets >= 0 && charset != GSM_CHARSET_LATIN1)
		mode = SMS_MODE_GSM7;
	else
		mode = SMS_MODE_UCS2;
	if (mode == SMS_MODE_UCS2) {
		single = SMS_SINGLE_UCS2;
		per = SMS_CONCAT_UCS2;
		total = old_gsm_utf8_chars(utf8);	/* past U+FFFF is one '?' */
	} else {
		single = SMS_SINGLE_SEPTETS;
		per = SMS_CONCAT_SEPTETS;
		total = septets;
	}

	if ((size_t)total <= single) {
		memset(&seg[0], 0, sizeof(seg[0]));
		if (old_gsm_encode(utf8, charset, seg[0].body,
		    sizeof(seg[0].body), &outlen, &dc) == -1)
			return -1;
		seg[0].data_coding = dc;
		seg[0].len = (uint16_t)outlen;
		return 1;
	}

	dc = mode == SMS_MODE_UCS2 ? GSM_DC_UCS2 : GSM_DC_DEFAULT;
	nseg = 0;
	s = NULL;
	used = 0;
	for (p = utf8; *p != '\0'; p += clen) {
		clen = utf8_decode((const unsigned char *)p, SIZE_MAX, &cp);
		if (clen == 0 || old_sms_char(p, clen, cp, mode, b, &blen,
		    &cost) == -1)
			return -1;
		if (s == NULL || used + cost > per) {
			if (nseg == maxseg)
				return -1;
			s = &seg[nseg++];
			memset(s, 0, sizeof(*s));
			s->data_coding = dc;
			s->esm_class = SMS_ESM_UDHI;
			s->body[0] = 0x05;	/* UDH length */
			s->body[1] = 0x00;	/* IEI: concatenation, 8-bit ref */
			s->body[2] = 0x03;	/* IE length */
			s->body[3] = ref;
			s->body[5] = (uint8_t)nseg;
			s->len = SMS_UDH_LEN;
			used = 0;
		}
		memcpy(s->body + s->len, b, blen);
		s->len += (uint16_t)blen;
		used += cost;
	}
	for (i = 0; i < nseg; i++)
		seg[i].body[4] = (uint8_t)nseg;
	return nseg;
}


static int
old_dialog_sms_fits(const char *text)
{
	struct sms_segment	seg[8];

	if (strnlen(text, 2048) >= 2048)
		return 0;
	return old_sms_split(text, GSM_CHARSET_GSM7, 0, seg, 8) > 0 &&
	    old_sms_split(text, GSM_CHARSET_LATIN1, 0, seg, 8) > 0;
}

/* dialog.c: placeholders filled one byte at a time. */
static void
old_clean(struct tbuf *b, const char *s, size_t len, int lines)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k;

	while (i < len && u[i] != '\0') {
		k = utf8_decode(u + i, len - i, NULL);
		if (k == 0) {
			tbuf_adds(b, "?");
			i++;
		} else if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f) &&
		    !(lines && u[i] == '\n')) {
			tbuf_adds(b, " ");
			i++;
		} else {
			tbuf_addn(b, s + i, k);
			i += k;
		}
	}
}

static void
old_dialog_subst(struct tbuf *b, const char *tmpl, const struct dialog_var *v,
    int nv)
{
	const char	*p = tmpl, *q;
	size_t		 nl;
	int		 i;

	while (*p != '\0') {
		if (*p == '{' && (q = strchr(p + 1, '}')) != NULL) {
			nl = (size_t)(q - p - 1);
			for (i = 0; i < nv; i++)
				if (strlen(v[i].name) == nl &&
				    memcmp(v[i].name, p + 1, nl) == 0)
					break;
			if (i < nv) {
				old_clean(b, v[i].value, strlen(v[i].value),
				    v[i].lines);
				p = q + 1;
				continue;
			}
		}
		tbuf_addn(b, p, 1);
		p++;
	}
}
