/*
 * utf8: the one UTF-8 decoder, validator and encoder of the tree. Strict:
 * no overlong forms, no surrogates, nothing past U+10FFFF. Pure.
 */
#ifndef TNSGW_UTF8_H
#define TNSGW_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the sequence at s, n bytes readable: its length (1..4) with the
 * code point in *cp (cp may be NULL), or 0 when it is invalid or truncated.
 * The bytes are read in order and a NUL fails every continuation test, so
 * n may be SIZE_MAX for a NUL-terminated string: nothing past the NUL is
 * read. n == 0 returns 0.
 */
size_t	utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encode cp (at most U+10FFFF, not a surrogate) into b: its length 1..4. */
size_t	utf8_encode(uint32_t cp, char b[4]);

/* 1 when the n bytes at s are valid UTF-8 with no NUL, else 0. */
int	utf8_valid(const char *s, size_t n);

/* Characters of NUL-terminated s: every byte that does not continue a
 * sequence counts one (so an invalid byte counts one). */
size_t	utf8_chars(const char *s);

/* The longest prefix of s (len bytes) of at most max bytes that does not
 * end inside a sequence. */
size_t	utf8_cut(const char *s, size_t len, size_t max);

#endif
