/*
 * smsc_screen: word wrap and box drawing for the simulator's phone view.
 * Widths are counted in Unicode characters (one column each: good enough
 * for Latin, Arabic and Tifinagh in a terminal), never in bytes.
 */
#include "smsc_screen.h"

#include <string.h>

/* Bytes of the UTF-8 sequence that starts with c (1 for stray bytes). */
static size_t
u8len(unsigned char c)
{
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	if (c >= 0xE0)
		return c <= 0xEF ? 3 : 1;
	if (c >= 0xC2)
		return 2;
	return 1;
}

/* One character at s, at most avail bytes: its byte length, never 0. */
static size_t
charlen(const char *s, size_t avail)
{
	size_t n = u8len((unsigned char)*s);

	if (n > avail)
		return 1;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

struct wbuf {
	char   *p;
	size_t  len, sz;
	int     full;
};

static void
wput(struct wbuf *w, const char *s, size_t n)
{
	if (w->full || w->len + n >= w->sz) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

static void
wrep(struct wbuf *w, char c, int n)
{
	for (int i = 0; i < n; i++)
		wput(w, &c, 1);
}

int
smsc_screen_wrap(const char *utf8, int width, char *out, size_t outsz)
{
	struct wbuf w = { out, 0, outsz, 0 };
	size_t len = strlen(utf8), i = 0;
	int col = 0, lines = 1;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (width < SMSC_SCREEN_MIN || width > SMSC_SCREEN_MAX)
		return -1;
	while (i < len) {
		unsigned char c = (unsigned char)utf8[i];
		size_t wl, wc, j;

		if (c == '\n') {
			wput(&w, "\n", 1);
			lines++;
			col = 0;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			/* A space at the start of a wrapped line is dropped. */
			if (col > 0 && col < width) {
				wput(&w, " ", 1);
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
			if (w.len > 0 && w.p[w.len - 1] == ' ')
				w.p[--w.len] = '\0';
			wput(&w, "\n", 1);
			lines++;
			col = 0;
		}
		if (col == 0 && (int)wc > width) {
			/* Too long for any line: cut it, character by character. */
			while (i < j) {
				size_t cl = charlen(utf8 + i, len - i);

				if (col == width) {
					wput(&w, "\n", 1);
					lines++;
					col = 0;
				}
				wput(&w, utf8 + i, cl);
				col++;
				i += cl;
			}
			continue;
		}
		wput(&w, utf8 + i, wl);
		col += (int)wc;
		i = j;
	}
	/* Trailing space at the very end. */
	if (!w.full && w.len > 0 && w.p[w.len - 1] == ' ')
		w.p[--w.len] = '\0';
	return w.full ? -1 : lines;
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
	struct wbuf w = { out, 0, outsz, 0 };
	const char *p;
	int tl = 0;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (smsc_screen_wrap(utf8, width, wrapped, sizeof(wrapped)) == -1)
		return -1;

	wput(&w, "+", 1);
	if (title && *title) {
		tl = u8chars(title, strlen(title));
		if (tl + 4 > width + 2)
			tl = 0;
	}
	if (tl) {
		wput(&w, "-- ", 3);
		wput(&w, title, strlen(title));
		wput(&w, " ", 1);
		wrep(&w, '-', width + 2 - tl - 4);
	} else
		wrep(&w, '-', width + 2);
	wput(&w, "+\n", 2);

	p = wrapped;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		wput(&w, "| ", 2);
		wput(&w, p, ll);
		wrep(&w, ' ', width - u8chars(p, ll));
		wput(&w, " |\n", 3);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	wput(&w, "+", 1);
	wrep(&w, '-', width + 2);
	wput(&w, "+\n", 2);
	return w.full ? -1 : 0;
}
