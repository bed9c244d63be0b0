/*
 * tbuf: the one bounded text buffer of the tree. Text is appended whole or
 * not at all: once an append does not fit, the buffer is "over" and takes
 * nothing more, so what it holds always ends at the end of a whole append
 * (never inside a UTF-8 sequence) and is always NUL-terminated. Pure.
 */
#ifndef TNSGW_TBUF_H
#define TNSGW_TBUF_H

#include <stddef.h>
#include <stdint.h>

struct tbuf {
	char	*p;
	size_t	 cap;		/* bytes at p, the NUL included */
	size_t	 len;		/* bytes held, the NUL excluded */
	int	 over;		/* something did not fit */
	int	 cut;		/* tbuf_init_cut: an append that does not fit
				 * leaves what fits, as snprintf does */
};

/* Start on p (cap bytes, NUL written at once); cap == 0 or p == NULL
 * makes a buffer that is over from the start. */
void	tbuf_init(struct tbuf *b, char *p, size_t cap);
/* The same, but the append that does not fit writes what fits (cut at
 * cap - 1 bytes, NUL-ended: snprintf's text) before the buffer is over:
 * for names and records built without a format that must stay
 * byte-identical to the snprintf they replaced. */
void	tbuf_init_cut(struct tbuf *b, char *p, size_t cap);
void	tbuf_addn(struct tbuf *b, const char *s, size_t n);
void	tbuf_adds(struct tbuf *b, const char *s);
void	tbuf_addc(struct tbuf *b, char c);
/* One code point as UTF-8 (see utf8_encode). */
void	tbuf_addcp(struct tbuf *b, uint32_t cp);
/* Decimal digits of v, without printf. */
void	tbuf_addu(struct tbuf *b, unsigned long long v);
/* printf-style, for cold paths (traces, errors). */
void	tbuf_addf(struct tbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* 0 when everything fitted, -1 once over. */
int	tbuf_end(const struct tbuf *b);

#endif
