/*
 * utf8: strict decoding (RFC 3629 table 3-7), encoding, validation, counts
 * and cuts at character boundaries.
 */
#include "utf8.h"

size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char	c;
	uint32_t	v;
	size_t		need, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		if (cp != NULL)
			*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		v = c & 0x07;
	} else
		return 0;		/* continuation, overlong lead, past U+10FFFF */
	for (i = 1; i < need; i++) {
		if (i >= n || (s[i] & 0xC0) != 0x80)
			return 0;
		/* The second byte's range rules out overlongs and surrogates. */
		if (i == 1 && ((c == 0xE0 && s[1] < 0xA0) ||
		    (c == 0xED && s[1] > 0x9F) ||
		    (c == 0xF0 && s[1] < 0x90) ||
		    (c == 0xF4 && s[1] > 0x8F)))
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (cp != NULL)
		*cp = v;
	return need;
}

size_t
utf8_encode(uint32_t cp, char b[4])
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k;

	while (i < n) {
		if (u[i] == 0 || (k = utf8_decode(u + i, n - i, NULL)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}
