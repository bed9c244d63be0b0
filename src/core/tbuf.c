/*
 * tbuf: a bounded, always NUL-terminated text buffer that refuses what
 * does not fit whole.
 */
#include "tbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

void
tbuf_init(struct tbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = p == NULL ? 0 : cap;
	b->len = 0;
	b->over = b->cap == 0;
	b->cut = 0;
	if (b->cap > 0)
		p[0] = '\0';
}

void
tbuf_init_cut(struct tbuf *b, char *p, size_t cap)
{
	tbuf_init(b, p, cap);
	b->cut = 1;
}

void
tbuf_addn(struct tbuf *b, const char *s, size_t n)
{
	if (b->over)
		return;
	if (n >= b->cap - b->len) {
		if (b->cut) {
			memcpy(b->p + b->len, s, b->cap - 1 - b->len);
			b->len = b->cap - 1;
			b->p[b->len] = '\0';
		}
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
tbuf_adds(struct tbuf *b, const char *s)
{
	tbuf_addn(b, s, strlen(s));
}

void
tbuf_addc(struct tbuf *b, char c)
{
	tbuf_addn(b, &c, 1);
}

void
tbuf_addcp(struct tbuf *b, uint32_t cp)
{
	char	u[4];

	tbuf_addn(b, u, utf8_encode(cp, u));
}

void
tbuf_addu(struct tbuf *b, unsigned long long v)
{
	char	d[20];
	size_t	i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	tbuf_addn(b, d + i, sizeof(d) - i);
}

void
tbuf_addf(struct tbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		/* Take back the partial text, all of it: buffers are
		 * cleared by their used bytes (dialog_out_reset), so
		 * nothing may stay past the NUL. */
		memset(b->p + b->len, 0, b->cap - b->len);
		b->over = 1;
		return;
	}
	b->len += (size_t)n;
}

int
tbuf_end(const struct tbuf *b)
{
	return b->over ? -1 : 0;
}
