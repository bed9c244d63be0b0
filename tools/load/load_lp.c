/*
 * load_lp: RESTORE payloads of listpack-encoded hashes, byte for byte
 * what Redis builds for HSET (listpack.c's encodings, rdb.c's envelope,
 * crc64.c's checksum). Pure.
 */
#include <string.h>

#include "load_lp.h"

#define LOAD_LP_POLY 0x95ac9329ac4bc9b5ULL	/* 0xad93d23594c935a9 reflected */

/* Slicing by 8: tab[0] is the byte-wise table, tab[k] advances a byte
 * k more places. */
static uint64_t load_lp_tab[8][256];
static int load_lp_tab_ready;

static void
load_lp_tab_init(void)
{
	uint64_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint64_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ LOAD_LP_POLY : c >> 1;
		load_lp_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			load_lp_tab[k][i] = load_lp_tab[0][load_lp_tab[k - 1][i] &
			    0xff] ^ (load_lp_tab[k - 1][i] >> 8);
	load_lp_tab_ready = 1;
}

uint64_t
load_lp_crc64(uint64_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t w;

	if (!load_lp_tab_ready)
		load_lp_tab_init();
	for (; n >= 8; n -= 8, s += 8) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(&w, s, 8);
#else
		w = 0;
		for (int k = 7; k >= 0; k--)
			w = w << 8 | s[k];	/* little-endian load */
#endif
		crc ^= w;
		crc = load_lp_tab[7][crc & 0xff] ^
		    load_lp_tab[6][(crc >> 8) & 0xff] ^
		    load_lp_tab[5][(crc >> 16) & 0xff] ^
		    load_lp_tab[4][(crc >> 24) & 0xff] ^
		    load_lp_tab[3][(crc >> 32) & 0xff] ^
		    load_lp_tab[2][(crc >> 40) & 0xff] ^
		    load_lp_tab[1][(crc >> 48) & 0xff] ^
		    load_lp_tab[0][crc >> 56];
	}
	while (n-- > 0)
		crc = load_lp_tab[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
	return crc;
}

/* listpack.c's lpStringToInt64 (string2ll): 1 with *v when s is the
 * canonical decimal form of an int64. */
static int
load_lp_int(const unsigned char *s, size_t n, int64_t *v)
{
	size_t i = 0;
	uint64_t u;
	int neg = 0;

	if (n == 0 || n >= 21)
		return 0;
	if (n == 1 && s[0] == '0') {
		*v = 0;
		return 1;
	}
	if (s[0] == '-') {
		neg = 1;
		if (++i == n)
			return 0;
	}
	if (s[i] < '1' || s[i] > '9')
		return 0;
	u = (uint64_t)(s[i++] - '0');
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (u > UINT64_MAX / 10)
			return 0;
		u *= 10;
		if (u > UINT64_MAX - (uint64_t)(s[i] - '0'))
			return 0;
		u += (uint64_t)(s[i] - '0');
	}
	if (i < n)
		return 0;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return 0;
		*v = (int64_t)(0 - u);
	} else {
		if (u > (uint64_t)INT64_MAX)
			return 0;
		*v = (int64_t)u;
	}
	return 1;
}

/* The encoding and data of s at enc (at most 9 + n bytes); its length. */
static size_t
load_lp_encode(unsigned char *enc, const unsigned char *s, size_t n)
{
	uint64_t u;
	int64_t v;
	size_t k, w;

	if (load_lp_int(s, n, &v)) {
		if (v >= 0 && v <= 127) {
			enc[0] = (unsigned char)v;
			return 1;
		}
		if (v >= -4096 && v <= 4095) {
			u = (uint64_t)(v < 0 ? (1 << 13) + v : v);
			enc[0] = (unsigned char)((u >> 8) | 0xc0);
			enc[1] = (unsigned char)(u & 0xff);
			return 2;
		}
		if (v >= -32768 && v <= 32767) {
			enc[0] = 0xf1;
			w = 2;
		} else if (v >= -8388608 && v <= 8388607) {
			enc[0] = 0xf2;
			w = 3;
		} else if (v >= INT32_MIN && v <= INT32_MAX) {
			enc[0] = 0xf3;
			w = 4;
		} else {
			enc[0] = 0xf4;
			w = 8;
		}
		u = (uint64_t)v;	/* two's complement, little-endian */
		for (k = 0; k < w; k++)
			enc[1 + k] = (unsigned char)(u >> (8 * k));
		return 1 + w;
	}
	if (n < 64) {
		enc[0] = (unsigned char)(0x80 | n);
		memcpy(enc + 1, s, n);
		return 1 + n;
	}
	enc[0] = (unsigned char)(0xe0 | (n >> 8));
	enc[1] = (unsigned char)(n & 0xff);
	memcpy(enc + 2, s, n);
	return 2 + n;
}

/* Back-length of an entry of l bytes (encoding and data). */
static size_t
load_lp_backlen(unsigned char *out, size_t l)
{
	if (l <= 127) {
		out[0] = (unsigned char)l;
		return 1;
	}
	/* l < 16383: entries here are at most 2 + LOAD_LP_STR_MAX bytes. */
	out[0] = (unsigned char)(l >> 7);
	out[1] = (unsigned char)((l & 127) | 128);
	return 2;
}

size_t
load_lp_entry_len(const void *s, size_t n)
{
	unsigned char tmp[16];
	int64_t v;
	size_t l;

	if (n > LOAD_LP_STR_MAX)
		return 0;
	if (load_lp_int(s, n, &v))
		l = load_lp_encode(tmp, s, n);
	else
		l = (n < 64 ? 1 : 2) + n;
	return l + (l <= 127 ? 1 : 2);
}

size_t
load_lp_entry_put(unsigned char *out, const void *s, size_t n)
{
	size_t l = load_lp_encode(out, s, n);

	return l + load_lp_backlen(out + l, l);
}

size_t
load_lp_rdblen_len(size_t n)
{
	return n < 64 ? 1 : n < 16384 ? 2 : n <= UINT32_MAX ? 5 : 9;
}

size_t
load_lp_rdblen_put(unsigned char *out, size_t n)
{
	size_t k, w;

	if (n < 64) {
		out[0] = (unsigned char)n;
		return 1;
	}
	if (n < 16384) {
		out[0] = (unsigned char)(0x40 | (n >> 8));
		out[1] = (unsigned char)(n & 0xff);
		return 2;
	}
	out[0] = n <= UINT32_MAX ? 0x80 : 0x81;	/* then big-endian */
	w = n <= UINT32_MAX ? 4 : 8;
	for (k = 0; k < w; k++)
		out[1 + k] = (unsigned char)((uint64_t)n >> (8 * (w - 1 - k)));
	return 1 + w;
}

size_t
load_lp_payload_len(size_t entries, size_t *entries_off)
{
	size_t lp = LOAD_LP_HDR + entries + 1;

	*entries_off = 1 + load_lp_rdblen_len(lp) + LOAD_LP_HDR;
	return 1 + load_lp_rdblen_len(lp) + lp + 2 + 8;
}

void
load_lp_payload_seal(unsigned char *out, size_t len, size_t entries,
    size_t npairs)
{
	size_t lp = LOAD_LP_HDR + entries + 1, o = 0, nel = 2 * npairs;
	uint64_t crc;
	int k;

	out[o++] = LOAD_LP_RDB_TYPE_HASH_LISTPACK;
	o += load_lp_rdblen_put(out + o, lp);
	out[o++] = (unsigned char)(lp & 0xff);
	out[o++] = (unsigned char)((lp >> 8) & 0xff);
	out[o++] = (unsigned char)((lp >> 16) & 0xff);
	out[o++] = (unsigned char)((lp >> 24) & 0xff);
	if (nel >= 65535)
		nel = 65535;	/* "unknown": Redis counts them */
	out[o++] = (unsigned char)(nel & 0xff);
	out[o++] = (unsigned char)(nel >> 8);
	o += entries;
	out[o++] = 0xff;
	out[o++] = LOAD_LP_RDB_VERSION & 0xff;
	out[o++] = LOAD_LP_RDB_VERSION >> 8;
	crc = load_lp_crc64(0, out, o);
	for (k = 0; k < 8; k++)
		out[o++] = (unsigned char)(crc >> (8 * k));
	(void)len;
}
