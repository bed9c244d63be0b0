/*
 * gsm: text encodings on the SMPP wire — GSM 03.38 default alphabet (with its
 * extension table), UCS-2 (big-endian; characters past U+FFFF become '?'),
 * Latin-1 — from and to UTF-8, the per-message choice between GSM 7-bit and
 * UCS-2, French transliteration to GSM 7-bit, and USSD page lengths.
 * Pure: no I/O, no allocation.
 */
#ifndef TNSGW_GSM_H
#define TNSGW_GSM_H

#include <stddef.h>
#include <stdint.h>

#define GSM_USSD_MAX_GSM7   182	/* septets in one USSD page */
#define GSM_USSD_MAX_UCS2   80	/* characters in one USSD page */

/* SMPP data_coding values we write. */
#define GSM_DC_DEFAULT  0x00	/* SMSC default alphabet (GSM 7-bit or Latin-1 per bind) */
#define GSM_DC_LATIN1   0x03
#define GSM_DC_UCS2     0x08

enum gsm_charset {		/* what data_coding 0x00 means on a bind */
	GSM_CHARSET_GSM7 = 0,	/* one unpacked septet per octet */
	GSM_CHARSET_LATIN1,
};

/* Septets the UTF-8 text needs in GSM 7-bit (extension chars count 2), or
 * -1 when some character is not in the GSM alphabet or the UTF-8 is bad. */
long gsm_septets(const char *utf8);
/* Unicode characters in valid UTF-8 text, or -1. */
long gsm_utf8_chars(const char *utf8);

/*
 * What the encodings need of a text, in one pass: chars (Unicode
 * characters), septets (GSM 7-bit, extension characters count 2; -1 when
 * some character is not in the GSM alphabet) and latin1 (every character
 * at most U+00FF). 0, or -1 (fields -1/0) when the UTF-8 is bad or NULL.
 */
struct gsm_measure {
	long	chars;
	long	septets;
	int	latin1;
};
int gsm_measure(const char *utf8, struct gsm_measure *m);

/*
 * Septets of one character: 1 (*code its septet), 2 (escape + *code), 0
 * when it is not in the GSM alphabet. code may be NULL. Inline: the text
 * path calls it per character. gsm_latin: U+0000..U+00FF -> 0 (none),
 * 0x100 | septet, 0x200 | code after the escape.
 */
extern const uint16_t gsm_latin[256];
int gsm_char_wide(uint32_t cp, uint8_t *code);	/* cp >= U+0100 */
static inline int
gsm_char(uint32_t cp, uint8_t *code)
{
	if (cp < 0x100) {
		if (code != NULL)
			*code = (uint8_t)(gsm_latin[cp] & 0xFF);
		return gsm_latin[cp] >> 8;
	}
	return gsm_char_wide(cp, code);
}

/* Does the text fit one USSD page in the encoding gsm_encode would pick? */
int gsm_fits_ussd(const char *utf8);
/* The same answer from the text's measure (gsm_measure's, or pieces'
 * measures added up: see gsm_measure_add). */
int gsm_fits_ussd_measure(const struct gsm_measure *m);
/* a += b: the measure of the two texts one after the other. */
static inline void
gsm_measure_add(struct gsm_measure *a, const struct gsm_measure *b)
{
	a->chars += b->chars;
	a->septets = a->septets < 0 || b->septets < 0 ? -1 :
	    a->septets + b->septets;
	a->latin1 = a->latin1 && b->latin1;
}

/*
 * Transliterate to the GSM alphabet what has a plain equivalent (ê->e,
 * ç->c, œ->oe, â->a, î->i, ô->o, û->u, ë->e, ï->i, «»->", ’->' ...),
 * leaving GSM characters (é è à ù É ...) and non-Latin scripts untouched.
 * Returns 0, or -1 when out is too small (out is still NUL-terminated).
 */
int gsm_transliterate(const char *utf8, char *out, size_t outsz);

/*
 * Encode UTF-8 for the wire: GSM 7-bit (unpacked, one septet per octet,
 * escapes as 0x1B xx) when every character fits, written with data_coding
 * 0x00 if the bind's charset is GSM7; on a LATIN1 bind (where 0x00 means
 * Latin-1) as Latin-1 bytes with data_coding 0x00 when every character is
 * also Latin-1; UCS-2 (0x08) otherwise.
 * Returns 0, or -1 when out is too small or the UTF-8 is bad.
 */
int gsm_encode(const char *utf8, enum gsm_charset charset, uint8_t *out,
    size_t outsz, size_t *outlen, uint8_t *data_coding);

/*
 * gsm_encode's first choice, in one pass and no measure before: text in
 * the GSM alphabet as unpacked septets (charset GSM7), or on a LATIN1 bind
 * as Latin-1 octets (every character also at most U+00FF). *septets is
 * what the text costs on the air (extension characters 2). Returns
 * GSM_ENC_OK (*outlen, *septets set), GSM_ENC_UCS2 (a character needs
 * UCS-2: out holds nothing usable), GSM_ENC_BAD (bad UTF-8) or
 * GSM_ENC_FULL (out too small; the rest of the text was not read).
 */
#define GSM_ENC_OK	0
#define GSM_ENC_UCS2	1
#define GSM_ENC_BAD	(-1)
#define GSM_ENC_FULL	(-2)
int gsm_encode_gsm(const char *utf8, enum gsm_charset charset, uint8_t *out,
    size_t outsz, size_t *outlen, long *septets);

/*
 * Decode wire bytes to UTF-8 by data_coding: 0x00 (per charset), 0x01
 * (IA5/ASCII), 0x03 (Latin-1), 0x08 (UCS-2), 0x0F/0xF0..0xF3 style GSM
 * values and 0x48 per DESIGN.md §3 (0x0F -> GSM 7-bit, 0x48 -> UCS-2).
 * Unknown codings are decoded as GSM 7-bit. Invalid bytes become '?'.
 * Returns 0, or -1 when out is too small (out is still NUL-terminated).
 */
int gsm_decode(uint8_t data_coding, enum gsm_charset charset,
    const uint8_t *in, size_t inlen, char *out, size_t outsz);

/* Single-coding helpers used by gsm_encode/gsm_decode and the tests. */
int gsm_utf8_to_gsm7(const char *utf8, uint8_t *out, size_t outsz, size_t *outlen);
int gsm_gsm7_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t outsz);
int gsm_utf8_to_ucs2(const char *utf8, uint8_t *out, size_t outsz, size_t *outlen);
int gsm_ucs2_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t outsz);

#endif
