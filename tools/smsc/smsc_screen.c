/*
 * smsc_screen: word wrap and box drawing for the simulator's phone view.
 * Widths are counted in Unicode characters (one column each: good enough
 * for Latin, Arabic and Tifinagh in a terminal), never in bytes.
 */
#include "smsc_screen.h"

#include <string.h>

#include "tbuf.h"
#include "utf8.h"

/*
 * One character at s, at most avail bytes: its byte length, never 0. A
 * byte that does not start a valid sequence is a character of its own.
 */
static size_t
charlen(const char *s, size_t avail)
{
	size_t n = utf8_decode((const unsigned char *)s, avail, NULL);

	return n ? n : 1;
}

static void
addrep(struct tbuf *b, char c, int n)
{
	for (int i = 0; i < n; i++)
		tbuf_addc(b, c);
}

/* Drop the space that ends what b holds, if any. */
static void
dropspace(struct tbuf *b)
{
	if (b->len > 0 && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
}

int
smsc_screen_wrap(const char *utf8, int width, char *out, size_t outsz)
{
	struct tbuf w;
	size_t len = strlen(utf8), i = 0;
	int col = 0, lines = 1;

	tbuf_init(&w, out, outsz);
	if (outsz == 0)
		return -1;
	if (width < SMSC_SCREEN_MIN || width > SMSC_SCREEN_MAX)
		return -1;
	while (i < len) {
		unsigned char c = (unsigned char)utf8[i];
		size_t wl, wc, j;

		if (c == '\n') {
			tbuf_addc(&w, '\n');
			lines++;
			col = 0;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			/* A space at the start of a wrapped line is dropped. */
			if (col > 0 && col < width) {
				tbuf_addc(&w, ' ');
				col++;
			}
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7F) {
			i++;
			continue;
		}
		/* A word: bytes wl, characters wc. */
		for (j = i, wc = 0; j < len; wc++) {
			unsigned char d = (unsigned char)utf8[j];

			if (d == ' ' || d == '\t' || d == '\r' || d == '\n' ||
			    d < 0x20 || d == 0x7F)
				break;
			j += charlen(utf8 + j, len - j);
		}
		wl = j - i;
		if (col > 0 && col + (int)wc > width) {
			/* Drop the space that ended the line before. */
			dropspace(&w);
			tbuf_addc(&w, '\n');
			lines++;
			col = 0;
		}
		if (col == 0 && (int)wc > width) {
			/* Too long for any line: cut it, character by character. */
			while (i < j) {
				size_t cl = charlen(utf8 + i, len - i);

				if (col == width) {
					tbuf_addc(&w, '\n');
					lines++;
					col = 0;
				}
				tbuf_addn(&w, utf8 + i, cl);
				col++;
				i += cl;
			}
			continue;
		}
		tbuf_addn(&w, utf8 + i, wl);
		col += (int)wc;
		i = j;
	}
	/* Trailing space at the very end. */
	if (!w.over)
		dropspace(&w);
	return tbuf_end(&w) == -1 ? -1 : lines;
}

/* Characters in a UTF-8 string, counted as the wrap does. */
static int
u8chars(const char *s, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; n++)
		i += charlen(s + i, len - i);
	return n;
}

int
smsc_screen_box(const char *utf8, const char *title, int width, char *out,
    size_t outsz)
{
	char wrapped[16384];
	struct tbuf w;
	const char *p;
	int tl = 0;

	tbuf_init(&w, out, outsz);
	if (outsz == 0)
		return -1;
	if (smsc_screen_wrap(utf8, width, wrapped, sizeof(wrapped)) == -1)
		return -1;

	tbuf_addc(&w, '+');
	if (title && *title) {
		tl = u8chars(title, strlen(title));
		if (tl + 4 > width + 2)
			tl = 0;
	}
	if (tl) {
		tbuf_adds(&w, "-- ");
		tbuf_adds(&w, title);
		tbuf_addc(&w, ' ');
		addrep(&w, '-', width + 2 - tl - 4);
	} else
		addrep(&w, '-', width + 2);
	tbuf_adds(&w, "+\n");

	p = wrapped;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		tbuf_adds(&w, "| ");
		tbuf_addn(&w, p, ll);
		addrep(&w, ' ', width - u8chars(p, ll));
		tbuf_adds(&w, " |\n");
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	tbuf_addc(&w, '+');
	addrep(&w, '-', width + 2);
	tbuf_adds(&w, "+\n");
	return tbuf_end(&w);
}
