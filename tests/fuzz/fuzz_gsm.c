/*
 * fuzz_gsm: libFuzzer target for the wire encodings — any octets decoded
 * with each data_coding must give valid UTF-8 within the buffer; valid
 * UTF-8 must survive gsm_encode + gsm_decode on both bind charsets; the
 * measures of a text's catalogue pieces add up to the text's measure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "gsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t codings[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x0f, 0x18, 0x48, 0xe0, 0xf0,
	0xf4, 0xff,
};

/* What the text should read after UCS-2: characters past U+FFFF as '?'. */
static void
bmp_only(const char *in, char *out)
{
	while (*in != '\0') {
		if (((unsigned char)*in & 0xF8) == 0xF0) {
			*out++ = '?';
			in += 4;
		} else
			*out++ = *in++;
	}
	*out = '\0';
}

/* The pieces catalog_text_split makes, measured at load, add up to the
 * whole text's measure, as written (the text without placeholders is
 * itself: every "{name}" stays). */
static void
pieces(const char *s)
{
	struct catalog_text	t;
	struct gsm_measure	sum = { 0, 0, 1 }, m;
	int			i;

	if (catalog_text_split(s, &t) != 0)
		abort();
	for (i = 0; i < t.npiece; i++)
		gsm_measure_add(&sum, &t.piece[i].m);
	if (t.measured && (gsm_measure(s, &m) != 0 || m.chars != sum.chars ||
	    m.septets != sum.septets || m.latin1 != sum.latin1))
		abort();
	catalog_text_free(&t);
}

static void
roundtrip(const char *s, size_t len, enum gsm_charset cs)
{
	uint8_t dc, *wire;
	size_t wsz = len * 2 + 2, wlen;
	char *back, *want;

	wire = malloc(wsz);
	back = malloc(len * 3 + 1);
	want = malloc(len + 1);
	if (wire == NULL || back == NULL || want == NULL)
		abort();
	if (gsm_encode(s, cs, wire, wsz, &wlen, &dc) != 0)
		abort();
	if (gsm_decode(dc, cs, wire, wlen, back, len * 3 + 1) != 0)
		abort();
	if (dc == GSM_DC_UCS2)
		bmp_only(s, want);
	else
		memcpy(want, s, len + 1);
	if (strcmp(back, want) != 0)
		abort();
	if (dc == GSM_DC_DEFAULT && !(gsm_septets(s) >= 0))
		abort();
	free(wire);
	free(back);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *out;
	size_t i, outsz, len;
	int cs;

	if (size > 4096)
		return 0;
	outsz = size * 4 + 1;
	if ((out = malloc(outsz)) == NULL || (s = malloc(size + 1)) == NULL)
		abort();

	for (i = 0; i < sizeof(codings); i++) {
		for (cs = GSM_CHARSET_GSM7; cs <= GSM_CHARSET_LATIN1; cs++) {
			if (gsm_decode(codings[i], (enum gsm_charset)cs, data,
			    size, out, outsz) != 0)
				abort();
			if (gsm_utf8_chars(out) < 0)
				abort();
			/* a short buffer: cut at a character, still valid */
			(void)gsm_decode(codings[i], (enum gsm_charset)cs, data,
			    size, out, size % 7 + 1);
			if (strlen(out) > size % 7 || gsm_utf8_chars(out) < 0)
				abort();
		}
	}

	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	if (gsm_utf8_chars(s) >= 0) {
		pieces(s);
		roundtrip(s, len, GSM_CHARSET_GSM7);
		roundtrip(s, len, GSM_CHARSET_LATIN1);
		(void)gsm_fits_ussd(s);
	}
	free(out);
	if ((out = malloc(len * 3 + 1)) == NULL)
		abort();
	if (gsm_transliterate(s, out, len * 3 + 1) != 0 ||
	    gsm_utf8_chars(out) < 0)
		abort();
	free(out);
	free(s);
	return 0;
}
